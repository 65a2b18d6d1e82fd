//! Bot users: search a bot's users; one user with custom field values, outbox messages and
//! the log rows that touched them.

use super::caller::Caller;
use super::json::{PathParams, QueryParams};
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::Result;
use crate::store::user_admin::{self, User};
use axum::Json;
use axum::extract::State;
use botwire_core::api::users::{FieldValueView, OutboxView, UserDetail, UserLogView, UserView};
use botwire_core::convert::convert;
use botwire_core::field::FieldType;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How many outbox messages and log rows a user's detail shows.
const DETAIL_ROWS: u32 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(get_user))
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
    PathParams(id): PathParams<i64>,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(search): QueryParams<UserSearch>,
) -> Result<Json<Page<UserView>>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    let limit = page.limit()?;
    let q = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows = user_admin::search(state.db.pool(), bot.id, q, page.before_id()?, limit + 1).await?;
    Ok(Json(
        Page::from_rows(rows, limit, |u| u.id).map(UserView::from),
    ))
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
    PathParams(id): PathParams<i64>,
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
