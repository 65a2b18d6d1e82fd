//! The request log of a webhook: list rows, one row in full, and a replay's result.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a request ended (the API's names of [`Outcome`]).
// `Outcome` is the server's store type; the text is the OpenAPI description as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutcomeName {
    Matched,
    Created,
    Rejected,
    Inactive,
    InvalidBody,
    UnsupportedType,
    Unauthorized,
    Duplicate,
}

/// A log row in a list: everything but the bodies and headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogSummary {
    pub id: i64,
    pub webhook_id: i64,
    /// Unix milliseconds.
    pub received_at: i64,
    pub method: String,
    /// The HTTP status the receiver answered with.
    pub status: i64,
    /// `matched`, `created`, `rejected`, `inactive`, `invalid_body`, `unsupported_type`,
    /// `unauthorized` or `duplicate`.
    pub outcome: String,
    pub detail: String,
    /// The bot user the request matched or created.
    pub user_id: Option<i64>,
    pub duration_us: i64,
    /// Set on a replay: the log row it replayed.
    pub replay_of: Option<i64>,
    /// Set on a duplicate: the log row whose answer it got again.
    pub duplicate_of: Option<i64>,
}

/// One request log row: the request as received (secret headers redacted), what was done
/// with it, and the answer sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogDetail {
    pub id: i64,
    pub bot_id: i64,
    pub webhook_id: i64,
    /// Unix milliseconds.
    pub received_at: i64,
    pub method: String,
    pub content_type: Option<String>,
    /// Lowercase names; a repeated header is an array; secrets are `"[redacted]"`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub headers: Value,
    /// The raw body as text; absent when it was not kept (failed signature checks).
    pub body: Option<String>,
    /// The body as parsed JSON (a form body as an object), when it parsed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub parsed: Option<Value>,
    /// The HTTP status answered.
    pub status: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = OutcomeName))]
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
    /// Each mapping's outcome: its path, field, typed value or error.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub mappings: Option<Value>,
    /// What the action did: `{"status": "none" | "queued" | "failed", …}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub action: Option<Value>,
    /// The body of the answer sent (JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub response: Value,
    /// The `webhook-id` / `Idempotency-Key` the request carried.
    pub idempotency_key: Option<String>,
    /// Set on a duplicate: the log row whose answer it got again.
    pub duplicate_of: Option<i64>,
    /// Set on a replay: the log row it replayed.
    pub replay_of: Option<i64>,
    pub duration_us: i64,
}

/// What the receiver answered to the replayed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayAnswer {
    pub status: u16,
    /// The answer's body (JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replayed {
    /// The new log row (its `replay_of` is the replayed row).
    pub log: LogDetail,
    /// The answer the receiver would have sent.
    pub answer: ReplayAnswer,
}
