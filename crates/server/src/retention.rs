//! Deletes what the server no longer needs, so that a busy server's database does not grow
//! without bound: request log rows older than the retention setting, and idempotency keys
//! past their 24-hour window. Users, their field values and the outbox are never touched.
//!
//! It runs at start and then every [`EVERY`], in every server process (on PostgreSQL they
//! may overlap; a row is deleted once whoever gets to it first).

use crate::db::Db;
use crate::error::Result;
use crate::store::{self, logs};
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(600);
const DAY_MS: i64 = 86_400_000;
/// A pause between two chunks of log rows, in which SQLite's writer takes its turns.
const BREATHER: Duration = Duration::from_millis(20);

/// What one pass deleted.
#[derive(Debug, Default)]
struct Pruned {
    log_rows: u64,
    keys: u64,
}

/// Starts the background pass; `keep_days` 0 keeps every log row (keys are still forgotten).
pub fn start(db: Db, keep_days: u32) {
    tokio::spawn(async move {
        loop {
            match prune(&db, store::now_ms(), keep_days).await {
                Ok(Pruned { log_rows, keys }) if log_rows + keys > 0 => tracing::info!(
                    log_rows,
                    keys,
                    keep_days,
                    "deleted request log rows past retention and expired idempotency keys"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed; retrying later"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// One pass at `now` (Unix ms): the log rows past retention, then the expired keys.
async fn prune(db: &Db, now: i64, keep_days: u32) -> Result<Pruned> {
    let pool = db.pool();
    let mut pruned = Pruned::default();
    if keep_days > 0 {
        let before = now - i64::from(keep_days) * DAY_MS;
        loop {
            let deleted = logs::prune_oldest(pool, before).await?;
            if deleted == 0 {
                break;
            }
            pruned.log_rows += deleted;
            tokio::time::sleep(BREATHER).await;
        }
    }
    pruned.keys = logs::prune_keys(pool, now - logs::IDEMPOTENCY_WINDOW_MS).await?;
    Ok(pruned)
}
