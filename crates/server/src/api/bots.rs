//! Bots: list (with today's requests, webhook counts and the last error), create, read,
//! update, delete.

use super::caller::Caller;
use super::json::{Body, PathParams, QueryParams};
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::{Error, FieldError, Result};
use crate::store::bot_admin::{self, BotChanges};
use crate::store::bots::{self, Bot, NewBot};
use crate::store::{now_ms, usage};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use botwire_core::api::bots::{BotView, CreateBot, LastError, WebhookCounts};
use botwire_core::channel::Channel;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::phone::Country;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bots, create_bot))
        .routes(routes!(get_bot, update_bot, delete_bot))
}

/// The list figures for `bots`, in a few queries whatever their number.
async fn views(state: &AppState, bots: Vec<Bot>) -> Result<Vec<BotView>> {
    let pool = state.db.pool();
    let ids: Vec<i64> = bots.iter().map(|b| b.id).collect();
    let mut counts = bot_admin::webhook_counts(pool, &ids).await?;
    let mut errors = bot_admin::last_errors(pool, &ids).await?;
    let now = now_ms();
    let mut out = Vec::with_capacity(bots.len());
    for bot in bots {
        let quota = usage::peek(&mut pool.into(), bot.id, bot.daily_limit.get(), now).await?;
        let counts = counts.remove(&bot.id).unwrap_or_default();
        out.push(BotView {
            id: bot.id,
            workspace_id: bot.workspace_id,
            name: bot.name,
            channel: bot.channel.as_str().to_owned(),
            default_country: bot.default_country.as_str().to_owned(),
            daily_limit: bot.daily_limit.get(),
            max_webhooks: bot.max_webhooks.get(),
            accepted_24h: quota.used,
            webhooks: WebhookCounts {
                active: counts.active,
                total: counts.total,
            },
            last_error: errors.remove(&bot.id).map(|e| LastError {
                log_id: e.log_id,
                webhook_id: e.webhook_id,
                at: e.received_at,
                outcome: e.outcome,
                status: e.status,
            }),
        });
    }
    Ok(out)
}

async fn view(state: &AppState, bot: Bot) -> Result<BotView> {
    views(state, vec![bot])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("no view of the bot".into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BotFilter {
    /// Only bots whose name contains this text (any case).
    pub q: Option<String>,
    /// Only this workspace's bots.
    pub workspace_id: Option<i64>,
    /// Only bots on this channel (`sms`, `voice`, `whatsapp`, `messenger`, `instagram`,
    /// `email`, `webchat`; any case).
    pub channel: Option<String>,
}

/// The bots of the caller's workspaces, newest first.
#[utoipa::path(get, path = "/bots", tag = "bots", params(PageQuery, BotFilter),
    responses((status = 200, body = Page<BotView>), (status = 401), (status = 404, description = "workspace_id is not one of the caller's"),
              (status = 422, description = "invalid limit, cursor or channel")))]
async fn list_bots(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(filter): QueryParams<BotFilter>,
) -> Result<Json<Page<BotView>>> {
    let limit = page.limit()?;
    let before = page.before_id()?;
    let workspaces = match filter.workspace_id {
        Some(ws) => {
            caller.can_read(ws)?;
            vec![ws]
        }
        None => caller.workspace_ids(),
    };
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut check = Check::default();
    let channel = filter
        .channel
        .as_deref()
        .and_then(|c| check.take("channel", Channel::parse(c)));
    check.done()?;
    let bots =
        bot_admin::list_bots(state.db.pool(), &workspaces, q, channel, before, limit + 1).await?;
    let page = Page::from_rows(bots, limit, |b| b.id);
    Ok(Json(Page {
        items: views(&state, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// Longest bot name, in characters.
const BOT_NAME_MAX: usize = 100;

/// A bot's name: 1–100 characters after trimming, no control characters.
fn bot_name(s: &str) -> std::result::Result<String, String> {
    let name = s.trim();
    let len = name.chars().count();
    if len == 0 || len > BOT_NAME_MAX {
        return Err(format!(
            "bot name must be 1–{BOT_NAME_MAX} characters (got {len} after trimming)"
        ));
    }
    if let Some((i, c)) = name.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(format!(
            "bot name must not contain control characters (found U+{:04X} at character {})",
            u32::from(c),
            i + 1
        ));
    }
    Ok(name.to_owned())
}

/// Collects field errors, so one answer lists every problem of a body.
#[derive(Default)]
pub(super) struct Check(Vec<FieldError>);

impl Check {
    pub(super) fn take<T>(
        &mut self,
        field: &str,
        result: std::result::Result<T, String>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError::new(field, e));
                None
            }
        }
    }

    pub(super) fn missing(&mut self, field: &str) {
        self.0.push(FieldError::new(field, "required"));
    }

    pub(super) fn done(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

/// Create a bot in a workspace the caller may change.
#[utoipa::path(post, path = "/bots", tag = "bots", request_body = CreateBot,
    responses((status = 201, body = BotView), (status = 401), (status = 403, description = "viewers cannot create bots"),
              (status = 404, description = "workspace_id is not one of the caller's"), (status = 422)))]
async fn create_bot(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<CreateBot>,
) -> Result<Response> {
    let workspace_id = match (body.workspace_id, caller.memberships.as_slice()) {
        (Some(ws), _) => ws,
        (None, [only]) => only.workspace_id,
        (None, _) => {
            return Err(Error::field(
                "workspace_id",
                "required: you belong to several workspaces",
            ));
        }
    };
    caller.can_write(workspace_id)?;
    let mut check = Check::default();
    let name = match &body.name {
        Some(n) => check.take("name", bot_name(n)),
        None => {
            check.missing("name");
            None
        }
    };
    let channel = match &body.channel {
        Some(c) => check.take("channel", Channel::parse(c)),
        None => {
            check.missing("channel");
            None
        }
    };
    let country = match &body.default_country {
        Some(c) => check.take("default_country", Country::parse(c)),
        None => {
            check.missing("default_country");
            None
        }
    };
    let daily_limit = check.take(
        "daily_limit",
        body.daily_limit
            .map_or(Ok(DailyLimit::DEFAULT), DailyLimit::parse),
    );
    let max_webhooks = check.take(
        "max_webhooks",
        body.max_webhooks
            .map_or(Ok(MaxWebhooks::DEFAULT), MaxWebhooks::parse),
    );
    check.done()?;
    let (Some(name), Some(channel), Some(default_country), Some(daily_limit), Some(max_webhooks)) =
        (name, channel, country, daily_limit, max_webhooks)
    else {
        return Err(Error::Internal("checked values missing".into()));
    };
    let pool = state.db.pool();
    let id = bots::create_bot(
        pool,
        &NewBot {
            workspace_id,
            name,
            channel,
            default_country,
            daily_limit,
            max_webhooks,
        },
    )
    .await?;
    let bot = bots::get_bot(pool, id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, bot).await?)).into_response())
}

/// One bot.
#[utoipa::path(get, path = "/bots/{id}", tag = "bots", params(("id" = i64, Path)),
    responses((status = 200, body = BotView), (status = 401), (status = 404)))]
async fn get_bot(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<BotView>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    Ok(Json(view(&state, bot).await?))
}

/// Changes to a bot; members left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateBot {
    /// Moves the bot to another workspace the caller may change.
    pub workspace_id: Option<i64>,
    pub name: Option<String>,
    pub channel: Option<String>,
    pub default_country: Option<String>,
    pub daily_limit: Option<u32>,
    /// Not below the number of webhooks the bot has.
    pub max_webhooks: Option<u32>,
}

/// Change a bot's name, channel, country, limits or workspace.
#[utoipa::path(patch, path = "/bots/{id}", tag = "bots", params(("id" = i64, Path)), request_body = UpdateBot,
    responses((status = 200, body = BotView), (status = 401), (status = 403), (status = 404),
              (status = 422, description = "an invalid value, or max_webhooks below the bot's number of webhooks")))]
async fn update_bot(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    Body(body): Body<UpdateBot>,
) -> Result<Json<BotView>> {
    let bot = scope::bot(&state, &caller, id, Access::Write).await?;
    if let Some(ws) = body.workspace_id
        && ws != bot.workspace_id
    {
        caller.can_write(ws)?;
    }
    let mut check = Check::default();
    let name = body
        .name
        .as_deref()
        .map(|n| check.take("name", bot_name(n)));
    let channel = body
        .channel
        .as_deref()
        .map(|c| check.take("channel", Channel::parse(c)));
    let country = body
        .default_country
        .as_deref()
        .map(|c| check.take("default_country", Country::parse(c)));
    let daily_limit = body
        .daily_limit
        .map(|n| check.take("daily_limit", DailyLimit::parse(n)));
    let max_webhooks = body
        .max_webhooks
        .map(|n| check.take("max_webhooks", MaxWebhooks::parse(n)));
    check.done()?;
    let changes = BotChanges {
        workspace_id: body.workspace_id,
        name: name.flatten(),
        channel: channel.flatten(),
        default_country: country.flatten(),
        daily_limit: daily_limit.flatten(),
        max_webhooks: max_webhooks.flatten(),
    };
    let bot = bot_admin::update_bot(state.db.pool(), id, &changes).await?;
    Ok(Json(view(&state, bot).await?))
}

/// Delete a bot with its fields, users, webhooks, logs and usage.
#[utoipa::path(delete, path = "/bots/{id}", tag = "bots", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn delete_bot(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode> {
    scope::bot(&state, &caller, id, Access::Write).await?;
    bot_admin::delete_bot(state.db.pool(), id).await?;
    state.known_hooks.forget_bot(id);
    Ok(StatusCode::NO_CONTENT)
}
