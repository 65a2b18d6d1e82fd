//! The request log of a webhook: pages, one row in full, and replaying it.

use super::bots::encode;
use super::{ApiError, Page, get, post};

pub use botwire_core::api::logs::{LogDetail, LogSummary, Replayed};

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

/// The filters of a log list, as the API's query parameters of the same names. Kept as the
/// text given (the address bar, the inputs): the API checks them and names the field that is
/// wrong. Empty means not filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub outcome: String,
    pub user_id: String,
    /// Unix milliseconds: received at or after.
    pub from: String,
    /// Unix milliseconds: received before.
    pub to: String,
    /// Text the raw body contains (any case).
    pub q: String,
}

impl LogFilter {
    /// Each parameter and its value, in a fixed order.
    pub fn pairs(&self) -> [(&'static str, &str); 5] {
        [
            ("outcome", &self.outcome),
            ("user_id", &self.user_id),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ]
    }

    /// `outcome=…&q=…`: the parameters that are set, URL-encoded.
    pub fn query(&self) -> String {
        self.pairs()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().iter().all(|(_, v)| v.trim().is_empty())
    }
}

/// Rows per page of a log list.
pub const PAGE: usize = 50;

/// One page of a webhook's log, newest first, filtered.
pub async fn list(
    webhook_id: i64,
    filter: &LogFilter,
    cursor: Option<&str>,
) -> Result<Page<LogSummary>, ApiError> {
    let mut path = list_path(webhook_id, filter);
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

/// The page of rows just newer than log id `after`, newest first (fewer than [`PAGE`] when
/// they reach the newest row).
pub async fn list_newer(
    webhook_id: i64,
    filter: &LogFilter,
    after: i64,
) -> Result<Page<LogSummary>, ApiError> {
    get(&format!("{}&after={after}", list_path(webhook_id, filter))).await
}

fn list_path(webhook_id: i64, filter: &LogFilter) -> String {
    let mut path = format!("/webhooks/{webhook_id}/logs?limit={PAGE}");
    let query = filter.query();
    if !query.is_empty() {
        path.push('&');
        path.push_str(&query);
    }
    path
}

pub async fn detail(log_id: i64) -> Result<LogDetail, ApiError> {
    get(&format!("/logs/{log_id}")).await
}

pub async fn replay(log_id: i64) -> Result<Replayed, ApiError> {
    post(&format!("/logs/{log_id}/replay"), &()).await
}
