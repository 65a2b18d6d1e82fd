//! The request log: one row per request that reached a webhook, written in the same
//! transaction as the request's effects.

use crate::error::Result;

/// How a request ended, as the log and its filters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Matched,
    Created,
    Rejected,
    Inactive,
    InvalidBody,
    UnsupportedType,
    Unauthorized,
    Duplicate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Matched => "matched",
            Outcome::Created => "created",
            Outcome::Rejected => "rejected",
            Outcome::Inactive => "inactive",
            Outcome::InvalidBody => "invalid_body",
            Outcome::UnsupportedType => "unsupported_type",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// A log row to write.
#[derive(Debug, Clone)]
pub struct NewLog {
    pub bot_id: i64,
    pub webhook_id: i64,
    pub received_at: i64,
    pub method: String,
    pub content_type: Option<String>,
    /// JSON object, secrets redacted.
    pub headers: String,
    /// The raw body as text (lossy UTF-8); `None` when it must not be kept.
    pub body: Option<String>,
    pub parsed: Option<String>,
    pub status: u16,
    pub outcome: Outcome,
    pub detail: String,
    pub user_id: Option<i64>,
    pub mappings: Option<String>,
    pub action: Option<String>,
    pub response: String,
    pub idempotency_key: Option<String>,
    pub duplicate_of: Option<i64>,
    pub duration_us: i64,
}

pub async fn insert(tx: &mut super::Tx<'_>, log: &NewLog) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO request_logs (bot_id, webhook_id, received_at, method, content_type, headers, body, \
         parsed, status, outcome, detail, user_id, mappings, action, response, idempotency_key, \
         duplicate_of, duration_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(log.bot_id)
    .bind(log.webhook_id)
    .bind(log.received_at)
    .bind(&log.method)
    .bind(log.content_type.as_deref())
    .bind(&log.headers)
    .bind(log.body.as_deref())
    .bind(log.parsed.as_deref())
    .bind(i64::from(log.status))
    .bind(log.outcome.as_str())
    .bind(&log.detail)
    .bind(log.user_id)
    .bind(log.mappings.as_deref())
    .bind(log.action.as_deref())
    .bind(&log.response)
    .bind(log.idempotency_key.as_deref())
    .bind(log.duplicate_of)
    .bind(log.duration_us)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// The answer depends on the row's id, so it is written after the insert.
pub async fn set_response(tx: &mut super::Tx<'_>, id: i64, response: &str) -> Result<()> {
    sqlx::query("UPDATE request_logs SET response = $1 WHERE id = $2")
        .bind(response)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The first answer given to `key` on this webhook since `since`: (log id, status, body).
pub async fn first_answer(
    tx: &mut super::Tx<'_>,
    webhook_id: i64,
    key: &str,
    since: i64,
) -> Result<Option<(i64, u16, String)>> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT l.id, l.status, l.response FROM idempotency_keys k JOIN request_logs l ON l.id = k.log_id \
         WHERE k.webhook_id = $1 AND k.key = $2 AND k.created_at > $3",
    )
    .bind(webhook_id)
    .bind(key)
    .bind(since)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, status, body)| (id, u16::try_from(status).unwrap_or(500), body)))
}

/// Remembers the answer to `key` (replacing one older than the 24-hour window).
pub async fn remember_key(
    tx: &mut super::Tx<'_>,
    webhook_id: i64,
    key: &str,
    log_id: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (webhook_id, key, log_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (webhook_id, key) DO UPDATE SET log_id = excluded.log_id, created_at = excluded.created_at",
    )
    .bind(webhook_id)
    .bind(key)
    .bind(log_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
