//! Bot users: search a bot's users; one user with custom field values, outbox messages and
//! the log rows that touched them.

use super::caller::Caller;
use super::json::QueryParams;
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::Result;
use crate::store::user_admin::{self, User};
use axum::Json;
use axum::extract::{Path, State};
use botwire_core::convert::convert;
use botwire_core::field::FieldType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How many outbox messages and log rows a user's detail shows.
const DETAIL_ROWS: u32 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(get_user))
}

/// A bot user's built-in fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub bot_id: i64,
    /// The platform's id for the user, unique in the bot.
    pub user_ns: String,
    pub crm_contact_id: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Where the user came from (e.g. the webhook that created them).
    pub source: String,
    /// Unix ms.
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> UserView {
        UserView {
            id: u.id,
            bot_id: u.bot_id,
            user_ns: u.user_ns,
            crm_contact_id: u.crm_contact_id,
            phone: u.phone,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            source: u.source,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserSearch {
    /// Text found (any case) in the first or last name, phone, email or user_ns.
    pub q: Option<String>,
}

/// A bot's users, newest first, optionally searched.
#[utoipa::path(get, path = "/bots/{id}/users", tag = "users", params(("id" = i64, Path), PageQuery, UserSearch),
    responses((status = 200, body = Page<UserView>), (status = 401), (status = 404), (status = 422)))]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(search): QueryParams<UserSearch>,
) -> Result<Json<Page<UserView>>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    let limit = page.limit()?;
    let q = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows = user_admin::search(state.db.pool(), bot.id, q, page.before_id()?, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |u| u.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(UserView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A custom field's value for the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldValueView {
    pub field_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "datetime")]
    pub field_type: String,
    /// The typed value as JSON: text a string, number a number, boolean a boolean, date
    /// `YYYY-MM-DD`, datetime RFC 3339, json the value itself.
    #[schema(value_type = Object)]
    pub value: Value,
    /// The value as a message shows it (`2026-12-03 15:30 UTC`).
    pub display: String,
    /// Set when the stored value no longer fits the field's type; `value` is then as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Unix ms.
    pub updated_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub webhook_id: Option<i64>,
    pub log_id: Option<i64>,
    pub channel: String,
    pub message: String,
    /// `queued`, …
    pub status: String,
    pub created_at: i64,
}

/// A log row that touched the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserLogView {
    pub id: i64,
    /// Unix ms.
    pub received_at: i64,
    pub webhook_id: i64,
    pub outcome: String,
    pub status: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserView,
    /// Custom fields with a value, in the fields' order.
    pub fields: Vec<FieldValueView>,
    /// The newest 100 messages queued for the user, newest first.
    pub outbox: Vec<OutboxView>,
    /// The newest 100 requests that matched or created the user, newest first.
    pub logs: Vec<UserLogView>,
}

fn typed(stored: user_admin::StoredValue) -> FieldValueView {
    let parsed: std::result::Result<Value, String> =
        serde_json::from_str(&stored.value).map_err(|e| e.to_string());
    let converted = FieldType::parse(&stored.field_type).and_then(|t| {
        let json = parsed.clone()?;
        convert(&json, t).map_err(|e| e.to_string())
    });
    let (value, display, error) = match converted {
        Ok(v) => (v.to_json(), v.display(), None),
        Err(e) => {
            let raw = parsed.unwrap_or_else(|_| Value::String(stored.value.clone()));
            let display = match &raw {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (raw, display, Some(e))
        }
    };
    FieldValueView {
        field_id: stored.field_id,
        name: stored.name,
        field_type: stored.field_type,
        value,
        display,
        error,
        updated_at: stored.updated_at,
    }
}

/// One user: built-in fields, custom field values, outbox messages and log rows.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDetail), (status = 401), (status = 404)))]
async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<UserDetail>> {
    let pool = state.db.pool();
    let user = user_admin::get(pool, id).await?;
    scope::bot(&state, &caller, user.bot_id, Access::Read).await?;
    let fields = user_admin::values(pool, id)
        .await?
        .into_iter()
        .map(typed)
        .collect();
    let outbox = user_admin::outbox(pool, id, DETAIL_ROWS)
        .await?
        .into_iter()
        .map(|m| OutboxView {
            id: m.id,
            webhook_id: m.webhook_id,
            log_id: m.log_id,
            channel: m.channel,
            message: m.message,
            status: m.status,
            created_at: m.created_at,
        })
        .collect();
    let logs = user_admin::logs(pool, id, DETAIL_ROWS)
        .await?
        .into_iter()
        .map(|l| UserLogView {
            id: l.id,
            received_at: l.received_at,
            webhook_id: l.webhook_id,
            outcome: l.outcome,
            status: l.status,
        })
        .collect();
    Ok(Json(UserDetail {
        user: user.into(),
        fields,
        outbox,
        logs,
    }))
}
