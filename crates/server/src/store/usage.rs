//! The rolling 24-hour request limit, counted per bot, webhook and hour.
//!
//! The window is the current hour and the 24 before it, so a request counts for at least 24
//! hours (and at most 25): no 24 hours ever admit more than the limit. The receiver's
//! transactions of one bot run one after another (`group_commit::Writer::write`), so the count
//! a request sees includes every request committed before it, and the limit is exact.

use super::sql::{Conn, query};
use crate::error::Result;

const HOUR_MS: i64 = 3_600_000;
/// Hours counted: the current one and the 24 before it.
pub(crate) const WINDOW_HOURS: i64 = 25;

/// The last hour (hours since the epoch) no longer counted at `now` (Unix ms): the window is
/// the hours after it.
pub(crate) fn hour_before_window(now: i64) -> i64 {
    now / HOUR_MS - WINDOW_HOURS
}

/// A bot's quota as one request sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    /// Requests accepted in the window, this one included when admitted.
    pub used: u32,
    /// Seconds until the oldest counted hour leaves the window (0 when nothing is counted).
    pub reset_secs: i64,
    pub admitted: bool,
}

impl Quota {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

/// Counts one request against the bot's limit, in the receiver's transaction.
pub async fn admit(
    tx: &mut Conn<'_>,
    bot_id: i64,
    webhook_id: i64,
    limit: u32,
    now: i64,
) -> Result<Quota> {
    let hour = now / HOUR_MS;
    let mut quota = window(tx, bot_id, limit, now).await?;
    quota.admitted = quota.used < limit;
    let sql = if quota.admitted {
        "INSERT INTO usage_hours (bot_id, webhook_id, hour, accepted) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (bot_id, webhook_id, hour) DO UPDATE SET accepted = usage_hours.accepted + 1"
    } else {
        "INSERT INTO usage_hours (bot_id, webhook_id, hour, limited) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (bot_id, webhook_id, hour) DO UPDATE SET limited = usage_hours.limited + 1"
    };
    query(sql)
        .bind(bot_id)
        .bind(webhook_id)
        .bind(hour)
        .execute(tx)
        .await?;
    if quota.admitted {
        quota.used += 1;
        if quota.reset_secs == 0 {
            quota.reset_secs = reset_secs(hour, now);
        }
    }
    Ok(quota)
}

/// The quota without counting anything (answers that are refused before admission).
pub async fn peek(db: &mut Conn<'_>, bot_id: i64, limit: u32, now: i64) -> Result<Quota> {
    let mut quota = window(db, bot_id, limit, now).await?;
    quota.admitted = quota.used < limit;
    Ok(quota)
}

async fn window(db: &mut Conn<'_>, bot_id: i64, limit: u32, now: i64) -> Result<Quota> {
    let rows: Vec<(i64, i64)> = query(
        "SELECT hour, CAST(SUM(accepted) AS BIGINT) FROM usage_hours WHERE bot_id = $1 AND hour > $2 \
         GROUP BY hour HAVING SUM(accepted) > 0 ORDER BY hour",
    )
    .bind(bot_id)
    .bind(hour_before_window(now))
    .fetch_all(db)
    .await?;
    let used: i64 = rows.iter().map(|(_, n)| n).sum();
    // The reset is when the window next frees room: when the oldest hour leaves it, or, for a
    // bot over its limit (the limit was lowered), when enough hours have left it.
    let mut left = used;
    let mut reset = 0;
    for (hour, n) in &rows {
        left -= n;
        reset = reset_secs(*hour, now);
        if left < i64::from(limit) {
            break;
        }
    }
    Ok(Quota {
        limit,
        used: u32::try_from(used).unwrap_or(u32::MAX),
        reset_secs: reset,
        admitted: false,
    })
}

fn reset_secs(oldest_hour: i64, now: i64) -> i64 {
    (((oldest_hour + WINDOW_HOURS) * HOUR_MS - now) + 999) / 1000
}
