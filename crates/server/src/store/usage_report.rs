//! Usage charts: accepted and rate-limited requests per hour for the hours the daily limit
//! counts (the current one and the 24 before it) and per UTC day for the last 30 days, per bot
//! or per webhook, from `usage_hours`.

use crate::error::Result;
use sqlx::AnyPool;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// Hours in the hourly series: the current hour and the 24 before it, the hours the rolling
/// daily limit counts, so that the series adds up to what the limit sees.
pub const HOURS: i64 = super::usage::WINDOW_HOURS;
/// Days in the daily series: the current UTC day and the 29 before it.
pub const DAYS: i64 = 30;

/// Requests in one hour or one day; `start` in Unix ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: i64,
    pub accepted: i64,
    pub limited: i64,
}

/// Both series, oldest bucket first, every bucket present (zeros included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub hours: Vec<Bucket>,
    pub days: Vec<Bucket>,
}

/// Whose requests to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Bot(i64),
    /// A webhook of a bot (the bot leads the table's key, so its rows are found by index).
    Webhook {
        bot_id: i64,
        webhook_id: i64,
    },
}

pub async fn report(pool: &AnyPool, scope: Scope, now: i64) -> Result<Report> {
    let hour_now = now.div_euclid(HOUR_MS);
    let day_now = now.div_euclid(DAY_MS);
    let first_day = day_now - (DAYS - 1);
    let first_hour = (first_day * DAY_MS / HOUR_MS).min(hour_now - (HOURS - 1));
    let (bot_id, webhook_filter, webhook_id) = match scope {
        Scope::Bot(id) => (id, "", None),
        Scope::Webhook { bot_id, webhook_id } => (bot_id, " AND webhook_id = $4", Some(webhook_id)),
    };
    let sql = format!(
        "SELECT hour, CAST(SUM(accepted) AS BIGINT), CAST(SUM(limited) AS BIGINT) FROM usage_hours \
         WHERE bot_id = $1 AND hour >= $2 AND hour <= $3{webhook_filter} GROUP BY hour"
    );
    let mut query = sqlx::query_as::<_, (i64, i64, i64)>(&sql)
        .bind(bot_id)
        .bind(first_hour)
        .bind(hour_now);
    if let Some(id) = webhook_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(pool).await?;
    let mut hours: Vec<Bucket> = (hour_now - (HOURS - 1)..=hour_now)
        .map(|h| Bucket {
            start: h * HOUR_MS,
            accepted: 0,
            limited: 0,
        })
        .collect();
    let mut days: Vec<Bucket> = (first_day..=day_now)
        .map(|d| Bucket {
            start: d * DAY_MS,
            accepted: 0,
            limited: 0,
        })
        .collect();
    for (hour, accepted, limited) in rows {
        if let Some(b) = usize::try_from(hour - (hour_now - (HOURS - 1)))
            .ok()
            .and_then(|i| hours.get_mut(i))
        {
            b.accepted += accepted;
            b.limited += limited;
        }
        let day = (hour * HOUR_MS).div_euclid(DAY_MS);
        if let Some(b) = usize::try_from(day - first_day)
            .ok()
            .and_then(|i| days.get_mut(i))
        {
            b.accepted += accepted;
            b.limited += limited;
        }
    }
    Ok(Report { hours, days })
}
