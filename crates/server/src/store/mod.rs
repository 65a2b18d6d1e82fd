//! Reading and writing Botwire's tables. Every function takes an executor, so a caller can
//! group several in one transaction (the receiver does: its effects and its log row commit
//! together).

pub mod accounts;
pub mod bot_admin;
pub mod bots;
pub mod logs;
pub mod outbox;
pub mod sql;
pub mod usage;
pub mod usage_report;
pub mod user_admin;
pub mod users;
pub mod webhooks;

use sqlx::Any;

/// A transaction or pooled connection.
pub type Tx<'c> = sqlx::Transaction<'c, Any>;

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
