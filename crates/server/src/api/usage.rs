//! Usage charts per bot and per webhook: requests per hour for the 25 hours the daily limit
//! counts (the current hour and the 24 before it) and per UTC day for the last 30 days,
//! accepted and rate-limited side by side.

use super::caller::Caller;
use super::json::PathParams;
use super::scope::{self, Access};
use crate::AppState;
use crate::error::Result;
use crate::store::now_ms;
use crate::store::usage_report::{self, Report, Scope};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bot_usage))
        .routes(routes!(webhook_usage))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HourUsage {
    /// Start of the hour, Unix ms.
    pub hour_start: i64,
    /// Requests admitted under the daily limit.
    pub accepted: i64,
    /// Requests refused with 429 by the daily limit.
    pub limited: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayUsage {
    /// Start of the UTC day, Unix ms.
    pub day_start: i64,
    pub accepted: i64,
    pub limited: i64,
}

/// Oldest first, every bucket present (zeros included).
#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    /// The current hour and the 24 before it: the rolling window the daily limit counts.
    pub hours: Vec<HourUsage>,
    /// The current UTC day and the 29 before it.
    pub days: Vec<DayUsage>,
}

impl From<Report> for Usage {
    fn from(r: Report) -> Usage {
        Usage {
            hours: r
                .hours
                .into_iter()
                .map(|b| HourUsage {
                    hour_start: b.start,
                    accepted: b.accepted,
                    limited: b.limited,
                })
                .collect(),
            days: r
                .days
                .into_iter()
                .map(|b| DayUsage {
                    day_start: b.start,
                    accepted: b.accepted,
                    limited: b.limited,
                })
                .collect(),
        }
    }
}

/// A bot's requests per hour (the 25 the daily limit counts) and per day (30 days), all its
/// webhooks together.
#[utoipa::path(get, path = "/bots/{id}/usage", tag = "usage", params(("id" = i64, Path)),
    responses((status = 200, body = Usage), (status = 401), (status = 404)))]
async fn bot_usage(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<Usage>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    let report = usage_report::report(state.db.pool(), Scope::Bot(bot.id), now_ms()).await?;
    Ok(Json(report.into()))
}

/// One webhook's requests per hour (the 25 the daily limit counts) and per day (30 days).
#[utoipa::path(get, path = "/webhooks/{id}/usage", tag = "usage", params(("id" = i64, Path)),
    responses((status = 200, body = Usage), (status = 401), (status = 404)))]
async fn webhook_usage(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<Usage>> {
    let (bot, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    let scope = Scope::Webhook {
        bot_id: bot.id,
        webhook_id: hook.id,
    };
    let report = usage_report::report(state.db.pool(), scope, now_ms()).await?;
    Ok(Json(report.into()))
}
