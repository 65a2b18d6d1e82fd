//! The request log of a webhook: pages, one row in full, and replaying it.

use super::bots::encode;
use super::{ApiError, Page, get, post};
use serde::Deserialize;
use serde_json::Value;

/// The outcomes a log row can have, for the filter.
pub const OUTCOMES: [&str; 8] = [
    "matched",
    "created",
    "rejected",
    "inactive",
    "invalid_body",
    "unsupported_type",
    "unauthorized",
    "duplicate",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogRow {
    pub id: i64,
    pub webhook_id: i64,
    /// Unix milliseconds.
    pub received_at: i64,
    pub method: String,
    pub status: i64,
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
    pub duration_us: i64,
    pub replay_of: Option<i64>,
    pub duplicate_of: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogDetail {
    pub id: i64,
    pub bot_id: i64,
    pub webhook_id: i64,
    pub received_at: i64,
    pub method: String,
    pub content_type: Option<String>,
    pub headers: Value,
    pub body: Option<String>,
    pub parsed: Option<Value>,
    pub status: i64,
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
    pub mappings: Option<Value>,
    pub action: Option<Value>,
    pub response: Value,
    pub idempotency_key: Option<String>,
    pub duplicate_of: Option<i64>,
    pub replay_of: Option<i64>,
    pub duration_us: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReplayAnswer {
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Replayed {
    pub log: LogDetail,
    pub answer: ReplayAnswer,
}

/// One page of a webhook's log, newest first; `outcome` empty means all.
pub async fn list(
    webhook_id: i64,
    outcome: &str,
    cursor: Option<&str>,
) -> Result<Page<LogRow>, ApiError> {
    let mut path = format!("/webhooks/{webhook_id}/logs?limit=50");
    if !outcome.is_empty() {
        path.push_str(&format!("&outcome={}", encode(outcome)));
    }
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

pub async fn detail(log_id: i64) -> Result<LogDetail, ApiError> {
    get(&format!("/logs/{log_id}")).await
}

pub async fn replay(log_id: i64) -> Result<Replayed, ApiError> {
    post(&format!("/logs/{log_id}/replay"), &()).await
}
