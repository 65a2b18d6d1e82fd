//! A bot's custom fields: list, create, rename (mappings and templates follow), delete (only
//! when unused, or with `?confirm=true` once the caller has seen what uses it).

use super::bots::Check;
use super::caller::Caller;
use super::json::{Body, PathParams, QueryParams};
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::{Error, Result, problem};
use crate::store::bot_admin::{self, FieldDeletion, FieldInfo};
use crate::store::bots;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use botwire_core::api::bots::{CreateField, FieldView};
use botwire_core::field::FieldType;
use botwire_core::names::FieldName;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_fields, create_field))
        .routes(routes!(update_field, delete_field))
}

impl From<FieldInfo> for FieldView {
    fn from(f: FieldInfo) -> FieldView {
        FieldView {
            id: f.id,
            bot_id: f.bot_id,
            name: f.name,
            field_type: f.field_type.as_str().to_owned(),
            created_at: f.created_at,
        }
    }
}

/// A bot's custom fields, newest first.
#[utoipa::path(get, path = "/bots/{id}/fields", tag = "fields", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Page<FieldView>), (status = 401), (status = 404), (status = 422)))]
async fn list_fields(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Result<Json<Page<FieldView>>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    let limit = page.limit()?;
    let rows =
        bot_admin::list_fields(state.db.pool(), bot.id, page.before_id()?, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |f| f.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(FieldView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Create a custom field.
#[utoipa::path(post, path = "/bots/{id}/fields", tag = "fields", params(("id" = i64, Path)), request_body = CreateField,
    responses((status = 201, body = FieldView), (status = 401), (status = 403), (status = 404),
              (status = 422, description = "invalid or duplicate name, unknown type")))]
async fn create_field(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    Body(body): Body<CreateField>,
) -> Result<Response> {
    let bot = scope::bot(&state, &caller, id, Access::Write).await?;
    let mut check = Check::default();
    let name = match &body.name {
        Some(n) => check.take("name", FieldName::parse(n)),
        None => {
            check.missing("name");
            None
        }
    };
    let field_type = match &body.field_type {
        Some(t) => check.take("type", FieldType::parse(t.trim())),
        None => {
            check.missing("type");
            None
        }
    };
    check.done()?;
    let (Some(name), Some(field_type)) = (name, field_type) else {
        return Err(Error::Internal("checked values missing".into()));
    };
    let pool = state.db.pool();
    let field_id = bots::create_field(pool, bot.id, &name, field_type).await?;
    let field = bot_admin::field(pool, bot.id, field_id).await?;
    Ok((StatusCode::CREATED, Json(FieldView::from(field))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateField {
    /// The new name. Mappings into the field and `{{name}}` placeholders in the bot's action
    /// templates are renamed with it.
    pub name: Option<String>,
    /// A field's type cannot change (stored values would no longer fit): only the same type is
    /// accepted.
    #[serde(rename = "type")]
    pub field_type: Option<String>,
}

/// Rename a custom field; the bot's webhooks follow, in the same transaction.
#[utoipa::path(patch, path = "/bots/{id}/fields/{field_id}", tag = "fields",
    params(("id" = i64, Path), ("field_id" = i64, Path)), request_body = UpdateField,
    responses((status = 200, body = FieldView), (status = 401), (status = 403), (status = 404),
              (status = 422, description = "invalid or duplicate name, or a type change")))]
async fn update_field(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, field_id)): PathParams<(i64, i64)>,
    Body(body): Body<UpdateField>,
) -> Result<Json<FieldView>> {
    let bot = scope::bot(&state, &caller, id, Access::Write).await?;
    let pool = state.db.pool();
    let field = bot_admin::field(pool, bot.id, field_id).await?;
    let mut check = Check::default();
    let name = body
        .name
        .as_deref()
        .and_then(|n| check.take("name", FieldName::parse(n)));
    if let Some(t) = &body.field_type {
        let wanted = check.take("type", FieldType::parse(t.trim()));
        if wanted.is_some_and(|w| w != field.field_type) {
            check.take::<()>(
                "type",
                Err(format!(
                    "a field's type cannot be changed (this one is {}): create a new field instead",
                    field.field_type
                )),
            );
        }
    }
    check.done()?;
    let field = match name {
        Some(name) => bot_admin::rename_field(pool, bot.id, field_id, name.as_str()).await?,
        None => field,
    };
    Ok(Json(field.into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Delete even though webhooks or users use the field: its values are deleted and the
    /// mappings into it removed.
    #[param(value_type = Option<bool>)]
    pub confirm: Option<String>,
}

impl DeleteQuery {
    fn confirmed(&self) -> Result<bool> {
        match self.confirm.as_deref().map(str::trim) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(Error::field(
                "confirm",
                format!("must be true or false (got \"{other}\")"),
            )),
        }
    }
}

/// A webhook using the field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldUser {
    pub webhook_id: i64,
    pub webhook_name: String,
    /// A mapping stores into the field.
    pub in_mappings: bool,
    /// The action template has `{{name}}`.
    pub in_template: bool,
}

/// What uses a field, in the 409 answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldUses {
    pub webhooks: Vec<FieldUser>,
    pub users_with_value: i64,
}

/// Delete a custom field. When webhooks or users use it, the answer is 409 with `uses`
/// listing them, unless `confirm=true`: then its values are deleted and the mappings into it
/// removed (templates naming it are left for you to edit; until then their messages are not
/// sent, and the log says why).
#[utoipa::path(delete, path = "/bots/{id}/fields/{field_id}", tag = "fields",
    params(("id" = i64, Path), ("field_id" = i64, Path), DeleteQuery),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "in use: problem+json with `uses` (FieldUses)", body = FieldUses)))]
async fn delete_field(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, field_id)): PathParams<(i64, i64)>,
    QueryParams(query): QueryParams<DeleteQuery>,
) -> Result<Response> {
    let bot = scope::bot(&state, &caller, id, Access::Write).await?;
    let confirmed = query.confirmed()?;
    match bot_admin::delete_field(state.db.pool(), bot.id, field_id, confirmed).await? {
        FieldDeletion::Deleted => Ok(StatusCode::NO_CONTENT.into_response()),
        FieldDeletion::InUse(field, uses) => Ok(in_use(&field, uses)),
    }
}

/// The 409 for an unconfirmed delete of a field in use, listing the uses.
fn in_use(field: &FieldInfo, uses: bot_admin::FieldUses) -> Response {
    let mut what = Vec::new();
    if !uses.webhooks.is_empty() {
        let names: Vec<String> = uses
            .webhooks
            .iter()
            .map(|w| format!("\"{}\"", w.webhook_name))
            .collect();
        what.push(format!("webhooks {}", names.join(", ")));
    }
    if uses.users_with_value > 0 {
        what.push(format!("{} users have a value", uses.users_with_value));
    }
    let detail = format!(
        "the field \"{}\" is in use ({}); delete with ?confirm=true to delete its values \
         and remove the mappings into it",
        field.name,
        what.join("; ")
    );
    let uses = FieldUses {
        webhooks: uses
            .webhooks
            .into_iter()
            .map(|w| FieldUser {
                webhook_id: w.webhook_id,
                webhook_name: w.webhook_name,
                in_mappings: w.in_mappings,
                in_template: w.in_template,
            })
            .collect(),
        users_with_value: uses.users_with_value,
    };
    problem(StatusCode::CONFLICT, &detail, Some(json!({ "uses": uses })))
}
