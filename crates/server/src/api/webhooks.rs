//! Inbound webhooks: a bot's list, create, read, edit, activate, rotate the token, delete,
//! listen mode, and evaluate (what the receiver would do with a payload, writing nothing).

use super::caller::Caller;
use super::json::{AnyBody, Body, PathParams, QueryParams, RawBody};
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::{Error, FieldError, Result};
use crate::receiver::process;
use crate::receiver::signature::SignatureScheme;
use crate::store::bots::{self, Bot, CustomField};
use crate::store::sql::Conn;
use crate::store::webhooks::{self, Changes, Webhook};
use crate::store::{now_ms, users};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use botwire_core::identify::{Identification, IdentityKey, IdentityPaths};
use botwire_core::mapping::{self, Mapping, MappingError};
use botwire_core::names::WebhookName;
use botwire_core::template::{Template, USER_FIELDS};

use botwire_core::api::webhooks::{
    Identity, LastRequest, MappingRule, NewWebhook, SignatureInput, SignatureView, WebhookDetail,
    WebhookSummary, WebhookUpdate,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(activate))
        .routes(routes!(deactivate))
        .routes(routes!(rotate))
        .routes(routes!(arm, disarm))
        .routes(routes!(evaluate))
}

/// Longest rotation grace period, in hours (a week).
pub const MAX_GRACE_HOURS: i64 = 168;
/// Grace period of a rotation that does not say, in hours.
pub const DEFAULT_GRACE_HOURS: i64 = 24;

// ---- Shapes ---------------------------------------------------------------------------------

impl From<&SignatureScheme> for SignatureView {
    fn from(s: &SignatureScheme) -> SignatureView {
        match s {
            SignatureScheme::None => SignatureView {
                scheme: "none".into(),
                header: None,
                secret_set: false,
            },
            SignatureScheme::StandardWebhooks { secret } => SignatureView {
                scheme: "standard_webhooks".into(),
                header: None,
                secret_set: !secret.is_empty(),
            },
            SignatureScheme::Hmac { header, secret } => SignatureView {
                scheme: "hmac".into(),
                header: Some(header.clone()),
                secret_set: !secret.is_empty(),
            },
        }
    }
}

fn url_of(token: &str) -> String {
    format!("/hooks/{token}")
}

/// Whether `caller` may see the webhook tokens of `bot`: the token lets anyone post to the
/// webhook (create users, queue messages), which a viewer may not do.
fn sees_tokens(caller: &Caller, bot: &Bot) -> bool {
    caller.can_write(bot.workspace_id).is_ok()
}

fn detail(hook: Webhook, with_token: bool) -> WebhookDetail {
    let now = now_ms();
    let token = with_token.then_some(hook.token);
    WebhookDetail {
        id: hook.id,
        bot_id: hook.bot_id,
        url: token.as_deref().map(url_of),
        name: hook.name,
        token,
        active: hook.active,
        listening: hook.listening,
        sample: hook.sample,
        identity: hook.identity.into(),
        mappings: hook.mappings.into_iter().map(Into::into).collect(),
        action_template: hook.action_template,
        signature: (&hook.signature).into(),
        created_at: hook.created_at,
        updated_at: hook.updated_at,
        revision: hook.revision,
        previous_token_expires_at: hook.previous_token_expires_at.filter(|at| *at > now),
    }
}

/// The webhook as it is now, after a change only writers may make.
async fn reload(state: &AppState, id: i64) -> Result<Json<WebhookDetail>> {
    Ok(Json(detail(
        webhooks::get(state.db.pool(), id).await?,
        true,
    )))
}

// ---- List and create --------------------------------------------------------------------

/// A bot's inbound webhooks, newest first, each with its requests in the rolling 24 hours
/// against the bot's limit and its last request.
#[utoipa::path(get, path = "/bots/{id}/webhooks", tag = "webhooks",
    params(("id" = i64, Path, description = "the bot"), PageQuery),
    responses((status = 200, body = Page<WebhookSummary>), (status = 401), (status = 404)))]
async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    QueryParams(page): QueryParams<PageQuery>,
) -> Result<Json<Page<WebhookSummary>>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    let limit = page.limit()?;
    let rows = webhooks::list(
        state.db.pool(),
        bot.id,
        page.before_id()?,
        i64::from(limit) + 1,
        now_ms(),
    )
    .await?;
    let with_tokens = sees_tokens(&caller, &bot);
    let items = rows
        .into_iter()
        .map(|r| WebhookSummary {
            id: r.id,
            url: with_tokens.then(|| url_of(&r.token)),
            name: r.name,
            active: r.active != 0,
            listening: r.listening != 0,
            requests_today: r.accepted_24h,
            daily_limit: bot.daily_limit.get(),
            last_request: match (r.last_received_at, r.last_outcome, r.last_status) {
                (Some(received_at), Some(outcome), Some(status)) => Some(LastRequest {
                    received_at,
                    outcome,
                    status,
                }),
                _ => None,
            },
        })
        .collect();
    Ok(Json(Page::from_rows(items, limit, |w| w.id)))
}

/// Create an inactive webhook with a fresh token. Refused (409) when the bot already has as
/// many webhooks as its plan allows.
#[utoipa::path(post, path = "/bots/{id}/webhooks", tag = "webhooks",
    params(("id" = i64, Path, description = "the bot")), request_body = NewWebhook,
    responses((status = 201, body = WebhookDetail), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "the bot has as many webhooks as it may"),
              (status = 422, description = "invalid name")))]
async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    Body(body): Body<NewWebhook>,
) -> Result<Response> {
    let bot = scope::bot(&state, &caller, id, Access::Write).await?;
    let name = WebhookName::parse(&body.name).map_err(|e| Error::field("name", e))?;
    let hook = webhooks::create(state.db.pool(), bot.id, &name).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/webhooks/{}", hook.id))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(detail(hook, true)),
    )
        .into_response())
}

// ---- Read, edit, delete -------------------------------------------------------------------

/// A webhook's whole configuration (the signing secret is never shown, only whether one is
/// set).
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDetail), (status = 401), (status = 404)))]
async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<WebhookDetail>> {
    let (bot, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    Ok(Json(detail(hook, sees_tokens(&caller, &bot))))
}

/// Change a webhook's name, sample, identity paths, mappings, message template or signature
/// scheme. Every invalid member is reported at once, each under its own field
/// (`identity.phone`, `mappings[2].path`, `mappings[2].field`, `action_template`, …). An
/// active webhook keeps at least one identity path (`identity`). With `base_revision`, a
/// webhook saved since that revision is left as it is (409).
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body = WebhookUpdate,
    responses((status = 200, body = WebhookDetail), (status = 400, description = "not a JSON object of this shape"),
              (status = 401), (status = 403), (status = 404),
              (status = 409, description = "saved by someone else since `base_revision`"),
              (status = 422, description = "invalid members, by field")))]
async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    Body(body): Body<WebhookUpdate>,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    let max_sample_bytes = state.settings.max_body_bytes;
    webhooks::update_checked(state.db.pool(), hook.id, |hook, fields| {
        validate_update(body, hook, fields, max_sample_bytes)
    })
    .await?;
    reload(&state, hook.id).await
}

fn validate_update(
    body: WebhookUpdate,
    hook: &Webhook,
    fields: &[CustomField],
    max_sample_bytes: usize,
) -> Result<Changes> {
    if let Some(base) = body.base_revision
        && base != hook.revision
    {
        return Err(Error::Conflict(format!(
            "this webhook was saved elsewhere since revision {base} (it is at revision {} now): nothing was saved; read it again to see those changes, then make yours again",
            hook.revision
        )));
    }
    let mut errors = Vec::new();
    let mut changes = Changes::default();

    if let Some(name) = body.name {
        match WebhookName::parse(&name) {
            Ok(name) => changes.name = Some(name),
            Err(e) => errors.push(FieldError::new("name", e)),
        }
    }

    if let Some(sample) = body.sample {
        if let Some(text) = &sample
            && let Err(e) = check_sample(text, max_sample_bytes)
        {
            errors.push(FieldError::new("sample", e));
        }
        changes.sample = Some(sample);
    }

    if let Some(identity) = body.identity {
        let identity = IdentityPaths::from(identity);
        for (key, path) in [
            ("user_ns", &identity.user_ns),
            ("crm_contact_id", &identity.crm_contact_id),
            ("phone", &identity.phone),
            ("email", &identity.email),
        ] {
            if let Some(path) = path
                && let Err(e) = mapping::check_path(path)
            {
                errors.push(FieldError::new(format!("identity.{key}"), e.to_string()));
            }
        }
        // Activation needs an identity path; an edit must not take the last one away after.
        if hook.active && identity.is_empty() {
            errors.push(FieldError::new(
                "identity",
                "an active webhook needs at least one identity path (user_ns, CRM contact id, phone or email); deactivate it before clearing them",
            ));
        }
        changes.identity = Some(identity);
    }

    if let Some(mappings) = body.mappings {
        if let Err(e) = check_mapping_count(&mappings) {
            errors.push(e);
        }
        for (i, m) in mappings.iter().enumerate() {
            if let Err(e) = mapping::check_path(&m.path) {
                errors.push(FieldError::new(
                    format!("mappings[{i}].path"),
                    e.to_string(),
                ));
            }
            if process::mapping_field_type(fields, &m.field).is_none() {
                errors.push(FieldError::new(
                    format!("mappings[{i}].field"),
                    unknown_field_message(&m.field, fields),
                ));
            }
        }
        changes.mappings = Some(mappings.into_iter().map(Into::into).collect());
    }

    if let Some(template) = body.action_template {
        let template = template.filter(|t| !t.trim().is_empty());
        if let Some(source) = &template {
            let known = known_fields(fields);
            if let Err(e) = Template::parse(source).and_then(|t| t.check(&known)) {
                errors.push(FieldError::new("action_template", e.to_string()));
            }
        }
        changes.action_template = Some(template);
    }

    if let Some(signature) = body.signature {
        match signature_scheme(signature, &hook.signature) {
            Ok(scheme) => changes.signature = Some(scheme),
            Err(e) => errors.push(e),
        }
    }

    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(Error::Invalid(errors))
    }
}

/// At most [`mapping::MAX_MAPPINGS`] mappings.
fn check_mapping_count(mappings: &[MappingRule]) -> std::result::Result<(), FieldError> {
    if mappings.len() > mapping::MAX_MAPPINGS {
        return Err(FieldError::new(
            "mappings",
            format!(
                "{} mappings; a webhook has at most {}",
                mappings.len(),
                mapping::MAX_MAPPINGS
            ),
        ));
    }
    Ok(())
}

/// The sample must be JSON; the message says where it is not.
fn check_sample(text: &str, max_bytes: usize) -> std::result::Result<(), String> {
    if text.len() > max_bytes {
        return Err(format!(
            "the sample is {} bytes; the largest body the receiver accepts is {max_bytes} bytes",
            text.len()
        ));
    }
    serde_json::from_str::<Value>(text)
        .map(|_| ())
        .map_err(|e| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let what = full.strip_suffix(&suffix).unwrap_or(&full);
            format!(
                "not valid JSON: {what} at line {}, column {}",
                e.line(),
                e.column()
            )
        })
}

fn unknown_field_message(name: &str, fields: &[CustomField]) -> String {
    let mut settable: Vec<&str> = crate::store::users::SETTABLE_NAMES.to_vec();
    settable.extend(fields.iter().map(|f| f.name.as_str()));
    format!(
        "{}; a mapping sets one of: {}",
        MappingError::UnknownField {
            name: name.to_owned()
        },
        settable.join(", ")
    )
}

/// Names a template may use: the user fields every user has and the bot's custom fields.
fn known_fields(fields: &[CustomField]) -> Vec<&str> {
    USER_FIELDS
        .iter()
        .copied()
        .chain(fields.iter().map(|f| f.name.as_str()))
        .collect()
}

/// The scheme to store: an omitted secret is the one already set for the same scheme.
fn signature_scheme(
    input: SignatureInput,
    current: &SignatureScheme,
) -> std::result::Result<SignatureScheme, FieldError> {
    let missing = || FieldError::new("signature.secret", "set the signing secret");
    let scheme = match input {
        SignatureInput::None => SignatureScheme::None,
        SignatureInput::StandardWebhooks { secret } => SignatureScheme::StandardWebhooks {
            secret: match (secret, current) {
                (Some(s), _) => s,
                (None, SignatureScheme::StandardWebhooks { secret }) => secret.clone(),
                (None, _) => return Err(missing()),
            },
        },
        SignatureInput::Hmac { header, secret } => {
            let secret = match (secret, current) {
                (Some(s), _) => s,
                (None, SignatureScheme::Hmac { secret, .. }) => secret.clone(),
                (None, _) => return Err(missing()),
            };
            // The header alone first, so the message lands on the right field.
            let header_only = SignatureScheme::Hmac {
                header: header.clone(),
                secret: "x".into(),
            };
            if let Err(e) = header_only.validate() {
                return Err(FieldError::new("signature.header", e));
            }
            SignatureScheme::Hmac { header, secret }
        }
    };
    scheme
        .validate()
        .map_err(|e| FieldError::new("signature.secret", e))?;
    Ok(scheme)
}

/// Delete a webhook; its request log goes with it. Its URL answers 404 from now on.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    webhooks::delete(state.db.pool(), hook.id).await?;
    state.known_hooks.forget_bot(hook.bot_id);
    Ok(StatusCode::NO_CONTENT)
}

// ---- Activation -----------------------------------------------------------------------------

/// Switch a webhook on. Refused (422, with the reasons by field) while no identity path is
/// set (`identity`), or when there is a sample and a mapping no longer evaluates on it
/// (`mappings[i]`, saying which mapping and why).
#[utoipa::path(post, path = "/webhooks/{id}/activate", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDetail), (status = 401), (status = 403), (status = 404),
              (status = 422, description = "why the webhook cannot be activated")))]
async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    webhooks::activate_checked(state.db.pool(), hook.id, |hook, fields| {
        let problems = activation_problems(hook, fields);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    })
    .await?;
    reload(&state, hook.id).await
}

fn activation_problems(hook: &Webhook, fields: &[CustomField]) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if hook.identity.is_empty() {
        problems.push(FieldError::new(
            "identity",
            "set at least one identity path (user_ns, CRM contact id, phone or email) before activating",
        ));
    }
    let Some(sample) = &hook.sample else {
        return problems;
    };
    let doc: Value = match serde_json::from_str(sample) {
        Ok(doc) => doc,
        Err(e) => {
            problems.push(FieldError::new(
                "sample",
                format!("the sample is not valid JSON ({e}): replace or clear it"),
            ));
            return problems;
        }
    };
    let outcomes = mapping::evaluate_all(&doc, &hook.mappings, |name| {
        process::mapping_field_type(fields, name)
    });
    for (i, outcome) in outcomes.iter().enumerate() {
        if let Some(error) = &outcome.error {
            problems.push(FieldError::new(
                format!("mappings[{i}]"),
                format!(
                    "mapping {} ({} → {}) does not evaluate on the sample: {error}",
                    i + 1,
                    outcome.path,
                    outcome.field
                ),
            ));
        }
    }
    problems
}

/// Switch a webhook off: its URL answers 403 `{"error":"webhook inactive"}` (a listening
/// webhook still captures the sample).
#[utoipa::path(post, path = "/webhooks/{id}/deactivate", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDetail), (status = 401), (status = 403), (status = 404)))]
async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    webhooks::set_active(state.db.pool(), hook.id, false).await?;
    reload(&state, hook.id).await
}

// ---- Token rotation -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// How long the old URL keeps working, in whole hours: 0–168 (default 24).
    #[serde(default)]
    pub grace_hours: Option<i64>,
}

/// Give the webhook a new secret token (and so a new URL).
///
/// Grace rule: the token being replaced keeps working for `grace_hours` hours (0–168,
/// default 24; the body may be omitted), so senders can be moved to the new URL without
/// losing requests. With `grace_hours: 0` the old URL answers 404 at once. Only the token
/// replaced by the latest rotation has a grace period: rotating again ends the earlier
/// token's grace immediately. `previous_token_expires_at` in the answer says when the old URL
/// stops working.
#[utoipa::path(post, path = "/webhooks/{id}/rotate", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = Option<Rotation>, content_type = "application/json"),
    responses((status = 200, body = WebhookDetail), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422, description = "grace_hours out of range")))]
async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    RawBody(body): RawBody,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    let rotation: Rotation = if body.iter().all(u8::is_ascii_whitespace) {
        Rotation::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("the body: {e}")))?
    };
    let grace_hours = rotation.grace_hours.unwrap_or(DEFAULT_GRACE_HOURS);
    if !(0..=MAX_GRACE_HOURS).contains(&grace_hours) {
        return Err(Error::field(
            "grace_hours",
            format!("must be 0–{MAX_GRACE_HOURS} hours (got {grace_hours})"),
        ));
    }
    webhooks::rotate(state.db.pool(), hook.id, grace_hours * 3_600_000).await?;
    state.known_hooks.forget_bot(hook.bot_id);
    reload(&state, hook.id).await
}

// ---- Listen mode ----------------------------------------------------------------------------

/// Arm listen mode: the next request's JSON body becomes the sample (whether or not the
/// webhook is active), then listen mode disarms itself.
#[utoipa::path(post, path = "/webhooks/{id}/listen", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDetail), (status = 401), (status = 403), (status = 404)))]
async fn arm(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    webhooks::set_listening(state.db.pool(), hook.id, true).await?;
    reload(&state, hook.id).await
}

/// Disarm listen mode.
#[utoipa::path(delete, path = "/webhooks/{id}/listen", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookDetail), (status = 401), (status = 403), (status = 404)))]
async fn disarm(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<WebhookDetail>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Write).await?;
    webhooks::set_listening(state.db.pool(), hook.id, false).await?;
    reload(&state, hook.id).await
}

// ---- Evaluate -------------------------------------------------------------------------------

/// A payload and, optionally, configuration to try instead of the webhook's saved one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Any JSON, as a sender would post it.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Default: the webhook's identity paths.
    #[serde(default)]
    pub identity: Option<Identity>,
    /// Default: the webhook's mappings.
    #[serde(default)]
    pub mappings: Option<Vec<MappingRule>>,
    /// Default: the webhook's template; `null` for none.
    #[serde(default, deserialize_with = "botwire_core::api::webhooks::present")]
    #[schema(value_type = Option<String>)]
    pub action_template: Option<Option<String>>,
}

/// Who the payload identifies.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityOutcome {
    /// `matched` (an existing user), `create` (a new user would be created) or `rejected`.
    pub outcome: String,
    /// The key that decided: `user_ns`, `crm_contact_id`, `phone` or `email`.
    pub by: Option<String>,
    /// The matched user.
    pub user_id: Option<i64>,
    pub user_ns: Option<String>,
    /// The new user's phone (E.164) and email, for `create`.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// As the request log would say it: `matched by phone`, `created by email`, or the
    /// rejection's reason (what was tried and why each failed).
    pub detail: String,
    /// What each identity path gave: `{"kind": "not_configured" | "failed" | "empty" |
    /// "value", "detail": …}` for `user_ns`, `crm_contact_id`, `phone` and `email`.
    #[schema(value_type = Object)]
    pub inputs: Value,
}

/// One mapping's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingResult {
    pub path: String,
    pub field: String,
    /// The typed value, `{"type": "number", "value": 42}`.
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    /// The value as a message shows it.
    pub display: Option<String>,
    pub error: Option<String>,
}

/// The message the action would send.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionPreview {
    /// `none` (no template), `rendered` or `failed`.
    pub status: String,
    pub message: Option<String>,
    pub error: Option<String>,
    /// True when the receiver would queue the message (a user is identified and it renders).
    pub would_send: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Evaluation {
    pub identity: IdentityOutcome,
    pub mappings: Vec<MappingResult>,
    pub action: ActionPreview,
}

/// What the receiver would do with `payload`: the identity outcome against the bot's real
/// users, each mapping's typed value or error, and the rendered message. Nothing is written:
/// no user is created, no field set, no message queued, no log row. The message is rendered
/// with the matched user's current values (or a new user's phone and email) overlaid with the
/// mapped ones; a new user's `user_ns` is not known yet and renders empty.
#[utoipa::path(post, path = "/webhooks/{id}/evaluate", tag = "webhooks", params(("id" = i64, Path)),
    request_body = EvaluateRequest,
    responses((status = 200, body = Evaluation), (status = 400), (status = 401), (status = 404)))]
async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    AnyBody(body): AnyBody<EvaluateRequest>,
) -> Result<Json<Evaluation>> {
    let (bot, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    if let Some(mappings) = &body.mappings {
        check_mapping_count(mappings).map_err(|e| Error::Invalid(vec![e]))?;
    }
    let identity = body.identity.map_or(hook.identity, IdentityPaths::from);
    let mappings: Vec<Mapping> = body
        .mappings
        .map_or(hook.mappings, |m| m.into_iter().map(Into::into).collect());
    let template = body.action_template.unwrap_or(hook.action_template);
    let doc = body.payload;

    // Reads only, in one transaction for a consistent view; rolled back.
    let mut tx = Conn::Tx(state.db.pool().begin().await?);
    let fields = bots::fields(tx.reborrow(), bot.id).await?;
    let (inputs, keys) = process::lookup_keys(&bot, &identity, &doc);
    let decision = process::identify_by(&mut tx, &bot, &inputs, &keys).await?;
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    let identified = !matches!(decision, Identification::Rejected { .. });
    let identity = identity_outcome(&decision, &inputs);
    match decision {
        Identification::Matched { user, .. } => {
            values = users::display_values(&mut tx, user.id).await?;
        }
        Identification::Create { phone, email, .. } => {
            values.extend(phone.map(|p| ("phone".to_owned(), p.as_str().to_owned())));
            values.extend(email.map(|e| ("email".to_owned(), e.as_str().to_owned())));
        }
        Identification::Rejected { .. } => {}
    }
    drop(tx); // rolled back: nothing was written

    let outcomes = mapping::evaluate_all(&doc, &mappings, |name| {
        process::mapping_field_type(&fields, name)
    });
    for outcome in &outcomes {
        if let Some(value) = &outcome.value {
            values.insert(outcome.field.clone(), value.display());
        }
    }
    let action = preview_action(template.as_deref(), &fields, &values, identified);
    let mappings = outcomes
        .into_iter()
        .map(|o| MappingResult {
            display: o.value.as_ref().map(|v| v.display()),
            value: o.value.as_ref().and_then(|v| serde_json::to_value(v).ok()),
            path: o.path,
            field: o.field,
            error: o.error,
        })
        .collect();
    Ok(Json(Evaluation {
        identity,
        mappings,
        action,
    }))
}

fn key_id(key: IdentityKey) -> &'static str {
    match key {
        IdentityKey::UserNs => "user_ns",
        IdentityKey::CrmContactId => "crm_contact_id",
        IdentityKey::Phone => "phone",
        IdentityKey::Email => "email",
    }
}

fn identity_outcome(
    decision: &Identification<users::UserRef>,
    inputs: &botwire_core::identify::IdentityInputs,
) -> IdentityOutcome {
    let inputs = serde_json::to_value(inputs).unwrap_or(Value::Null);
    let empty = IdentityOutcome {
        outcome: String::new(),
        by: None,
        user_id: None,
        user_ns: None,
        phone: None,
        email: None,
        detail: String::new(),
        inputs,
    };
    match decision {
        Identification::Matched { user, by } => IdentityOutcome {
            outcome: "matched".into(),
            by: Some(key_id(*by).into()),
            user_id: Some(user.id),
            user_ns: Some(user.user_ns.clone()),
            detail: format!("matched by {}", process::key_name(*by)),
            ..empty
        },
        Identification::Create { by, phone, email } => IdentityOutcome {
            outcome: "create".into(),
            by: Some(key_id(*by).into()),
            phone: phone.as_ref().map(|p| p.as_str().to_owned()),
            email: email.as_ref().map(|e| e.as_str().to_owned()),
            detail: format!("created by {}", process::key_name(*by)),
            ..empty
        },
        Identification::Rejected { reason } => IdentityOutcome {
            outcome: "rejected".into(),
            detail: reason.clone(),
            ..empty
        },
    }
}

/// Renders the template as the receiver's action would.
fn preview_action(
    template: Option<&str>,
    fields: &[CustomField],
    values: &BTreeMap<String, String>,
    identified: bool,
) -> ActionPreview {
    let Some(source) = template.filter(|s| !s.trim().is_empty()) else {
        return ActionPreview {
            status: "none".into(),
            message: None,
            error: None,
            would_send: false,
        };
    };
    let known = known_fields(fields);
    let rendered = Template::parse(source)
        .and_then(|t| t.render(|name| known.contains(&name).then(|| values.get(name).cloned())));
    match rendered {
        Ok(message) => ActionPreview {
            status: "rendered".into(),
            message: Some(message),
            error: None,
            would_send: identified,
        },
        Err(e) => ActionPreview {
            status: "failed".into(),
            message: None,
            error: Some(e.to_string()),
            would_send: false,
        },
    }
}
