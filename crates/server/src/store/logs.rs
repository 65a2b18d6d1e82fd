//! The request log: one row per request that reached a webhook, written in the same
//! transaction as the request's effects.

use super::sql::{Conn, query};
use crate::error::{Error, Result};
use botwire_core::api::logs::LogSummary;
use sqlx::{AnyPool, FromRow};

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
    /// Set when the API replayed an earlier log row.
    pub replay_of: Option<i64>,
    pub duration_us: i64,
}

/// The id the request's log row will have: its answer and its queued message name it.
pub async fn new_id(tx: &mut Conn<'_>) -> Result<i64> {
    let sqlite = tx.is_sqlite("a log row's id taken")?;
    let (id,): (i64,) = query(format!("SELECT {}", next_id_sql(sqlite)))
        .fetch_one(tx)
        .await?;
    Ok(id)
}

/// An SQL expression for the id the next log row gets, taken before the insert so that rows
/// written earlier in the transaction can refer to it. No id is ever given twice: the outbox,
/// idempotency keys and other log rows name log rows by id, also after those rows were deleted.
/// PostgreSQL takes it from the id's sequence. On SQLite it is one more than the largest id
/// there is or was (`log_id_floor` keeps the largest id deleted), and it stays free: the
/// receiver's transactions hold the write lock from their start (`BEGIN IMMEDIATE`).
pub(crate) fn next_id_sql(sqlite: bool) -> &'static str {
    if sqlite {
        "(max((SELECT COALESCE(MAX(id), 0) FROM request_logs), (SELECT id FROM log_id_floor)) + 1)"
    } else {
        "nextval(pg_get_serial_sequence('request_logs', 'id'))"
    }
}

/// Writes the log row under the id [`new_id`] gave.
pub async fn insert(tx: &mut Conn<'_>, id: i64, log: &NewLog) -> Result<()> {
    query(
        "INSERT INTO request_logs (id, bot_id, webhook_id, received_at, method, content_type, headers, body, \
         parsed, status, outcome, detail, user_id, mappings, action, response, idempotency_key, \
         duplicate_of, duration_us, replay_of) \
         VALUES ($20, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(log.bot_id)
    .bind(log.webhook_id)
    .bind(log.received_at)
    .bind(log.method.as_str())
    .bind(log.content_type.as_deref())
    .bind(log.headers.as_str())
    .bind(log.body.as_deref())
    .bind(log.parsed.as_deref())
    .bind(i64::from(log.status))
    .bind(log.outcome.as_str())
    .bind(log.detail.as_str())
    .bind(log.user_id)
    .bind(log.mappings.as_deref())
    .bind(log.action.as_deref())
    .bind(log.response.as_str())
    .bind(log.idempotency_key.as_deref())
    .bind(log.duplicate_of)
    .bind(log.duration_us)
    .bind(log.replay_of)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// How long a webhook answers an idempotency key (`webhook-id`, `Idempotency-Key`) again with
/// its first answer.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 3_600_000;

/// The first answer given to `key` on this webhook since `since`: (log id, status, body).
pub async fn first_answer(
    tx: &mut Conn<'_>,
    webhook_id: i64,
    key: &str,
    since: i64,
) -> Result<Option<(i64, u16, String)>> {
    let row: Option<(i64, i64, String)> = query(
        "SELECT l.id, l.status, l.response FROM idempotency_keys k JOIN request_logs l ON l.id = k.log_id \
         WHERE k.webhook_id = $1 AND k.key = $2 AND k.created_at > $3",
    )
    .bind(webhook_id)
    .bind(key)
    .bind(since)
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|(id, status, body)| (id, u16::try_from(status).unwrap_or(500), body)))
}

/// Remembers the answer to `key` (replacing one older than the 24-hour window).
pub async fn remember_key(
    tx: &mut Conn<'_>,
    webhook_id: i64,
    key: &str,
    log_id: i64,
    now: i64,
) -> Result<()> {
    query(
        "INSERT INTO idempotency_keys (webhook_id, key, log_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (webhook_id, key) DO UPDATE SET log_id = excluded.log_id, created_at = excluded.created_at",
    )
    .bind(webhook_id)
    .bind(key)
    .bind(log_id)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

// ---- Retention -----------------------------------------------------------------------------

/// Log rows one statement deletes at most, so that SQLite's writer, which waits for the
/// delete's lock, is never held up for long.
const PRUNE_CHUNK: i64 = 500;

/// By age through its index, not by id: a row dated ahead (a clock set wrong for a while) must
/// not hold back the old rows behind it.
pub(crate) const PRUNE_OLDEST: &str = "DELETE FROM request_logs WHERE id IN \
     (SELECT id FROM request_logs WHERE received_at < $1 ORDER BY received_at LIMIT $2)";

/// Deletes up to [`PRUNE_CHUNK`] of the oldest log rows received before `before` (Unix ms);
/// how many it deleted, 0 once none is left.
pub async fn prune_oldest(pool: &AnyPool, before: i64) -> Result<u64> {
    let deleted = sqlx::query(PRUNE_OLDEST)
        .bind(before)
        .bind(PRUNE_CHUNK)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// Forgets the idempotency keys remembered before `before` (Unix ms); how many.
pub async fn prune_keys(pool: &AnyPool, before: i64) -> Result<u64> {
    let deleted = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

// ---- Reading the log (the API) -------------------------------------------------------------

impl Outcome {
    /// Every outcome, in the order the API lists them.
    pub const ALL: [Outcome; 8] = [
        Outcome::Matched,
        Outcome::Created,
        Outcome::Rejected,
        Outcome::Inactive,
        Outcome::InvalidBody,
        Outcome::UnsupportedType,
        Outcome::Unauthorized,
        Outcome::Duplicate,
    ];

    pub fn parse(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// Whose rows a list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Webhook(i64),
    Bot(i64),
}

/// Filters of the log lists and the CSV export; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub outcome: Option<Outcome>,
    pub user_id: Option<i64>,
    /// Received at or after (Unix ms).
    pub from: Option<i64>,
    /// Received before (Unix ms).
    pub to: Option<i64>,
    /// A substring of the raw body.
    pub q: Option<String>,
}

/// A row of [`list`], as read; the API's `LogSummary` is made from it.
#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    webhook_id: i64,
    received_at: i64,
    method: String,
    status: i64,
    outcome: String,
    detail: String,
    user_id: Option<i64>,
    duration_us: i64,
    replay_of: Option<i64>,
    duplicate_of: Option<i64>,
}

impl From<SummaryRow> for LogSummary {
    fn from(r: SummaryRow) -> LogSummary {
        LogSummary {
            id: r.id,
            webhook_id: r.webhook_id,
            received_at: r.received_at,
            method: r.method,
            status: r.status,
            outcome: r.outcome,
            detail: r.detail,
            user_id: r.user_id,
            duration_us: r.duration_us,
            replay_of: r.replay_of,
            duplicate_of: r.duplicate_of,
        }
    }
}

const SUMMARY_COLUMNS: &str = "id, webhook_id, received_at, method, status, outcome, detail, user_id, duration_us, \
                               replay_of, duplicate_of";

enum Arg {
    Int(i64),
    Text(String),
}

/// `%`, `_` and the escape character itself taken literally in a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a page of the log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The rows just older than this id (`i64::MAX`: the newest rows).
    Before(i64),
    /// The rows just newer than this id (paging back toward the newest).
    After(i64),
}

/// Up to `limit` rows of `scope` from `cursor` on, newest first. The scope and the id come
/// first in the condition so both databases walk the `(webhook_id, id)` / `(bot_id, id)`
/// index from the cursor and stop after `limit` matches, however long the log is.
pub async fn list(
    pool: &AnyPool,
    scope: Scope,
    filter: &Filter,
    cursor: Cursor,
    limit: u32,
) -> Result<Vec<LogSummary>> {
    let (sql, args) = list_query(scope, filter, cursor, limit);
    let mut query = sqlx::query_as::<_, SummaryRow>(&sql);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    let mut rows: Vec<LogSummary> = query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(LogSummary::from)
        .collect();
    if let Cursor::After(_) = cursor {
        rows.reverse();
    }
    Ok(rows)
}

/// The statement [`list`] runs toward older rows (for `EXPLAIN` in tests): `$1` is the
/// webhook or bot, `$2` the cursor id, then one parameter per filter set, in the order of
/// [`Filter`]'s fields, and last the limit.
pub fn list_sql(scope: Scope, filter: &Filter) -> String {
    list_query(scope, filter, Cursor::Before(0), 0).0
}

/// Far longer than a request waits between arriving and taking its log id (see `list_query`).
const TIME_TO_ID_MARGIN_MS: i64 = 10 * 60_000;

fn list_query(scope: Scope, filter: &Filter, cursor: Cursor, limit: u32) -> (String, Vec<Arg>) {
    let (column, owner) = match scope {
        Scope::Webhook(id) => ("webhook_id", id),
        Scope::Bot(id) => ("bot_id", id),
    };
    // Toward newer rows the index is walked forwards; `list` turns them newest first.
    let (compare, id, order) = match cursor {
        Cursor::Before(id) => ("<", id, "DESC"),
        Cursor::After(id) => (">", id, "ASC"),
    };
    let mut args = vec![Arg::Int(owner), Arg::Int(id)];
    let mut sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM request_logs WHERE {column} = $1 AND id {compare} $2"
    );
    // Adds ` AND condition`, its `?` the argument's placeholder.
    let mut and = |condition: &str, arg: Arg| {
        args.push(arg);
        let placeholder = format!("${}", args.len());
        sql.push_str(" AND ");
        sql.push_str(&condition.replace('?', &placeholder));
    };
    if let Some(outcome) = filter.outcome {
        and("outcome = ?", Arg::Text(outcome.as_str().to_owned()));
    }
    if let Some(user_id) = filter.user_id {
        and("user_id = ?", Arg::Int(user_id));
    }
    // A time range is also narrowed to ids, found through the index on received_at, so that
    // the index walk starts and stops near the range instead of at the newest row. Ids rise
    // with the time rows are received: a request takes its id within seconds of arriving
    // (the pool's 30 s wait at most), so every row received TIME_TO_ID_MARGIN_MS before
    // another has a smaller id. The exact time conditions still decide.
    if let Some(from) = filter.from {
        and("received_at >= ?", Arg::Int(from));
        and(
            "id > COALESCE((SELECT id FROM request_logs WHERE received_at < ? \
             ORDER BY received_at DESC LIMIT 1), 0)",
            Arg::Int(from.saturating_sub(TIME_TO_ID_MARGIN_MS)),
        );
    }
    if let Some(to) = filter.to {
        and("received_at < ?", Arg::Int(to));
        and(
            "id < COALESCE((SELECT id FROM request_logs WHERE received_at >= ? \
             ORDER BY received_at LIMIT 1), 9223372036854775807)",
            Arg::Int(to.saturating_add(TIME_TO_ID_MARGIN_MS)),
        );
    }
    if let Some(q) = &filter.q {
        // LOWER on both sides: case-insensitive on both databases, for any letter (on SQLite
        // the Unicode `lower` of `db::unicode_lower_on_sqlite`).
        and(
            "LOWER(body) LIKE LOWER(?) ESCAPE '\\'",
            Arg::Text(format!("%{}%", like_escape(q))),
        );
    }
    args.push(Arg::Int(i64::from(limit)));
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", args.len()));
    (sql, args)
}

/// A whole log row.
#[derive(Debug, Clone, FromRow)]
pub struct LogRecord {
    pub id: i64,
    pub bot_id: i64,
    pub webhook_id: i64,
    pub received_at: i64,
    pub method: String,
    pub content_type: Option<String>,
    pub headers: String,
    pub body: Option<String>,
    pub parsed: Option<String>,
    pub status: i64,
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
    pub mappings: Option<String>,
    pub action: Option<String>,
    pub response: String,
    pub idempotency_key: Option<String>,
    pub duplicate_of: Option<i64>,
    pub replay_of: Option<i64>,
    pub duration_us: i64,
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<LogRecord> {
    let row: Option<LogRecord> = sqlx::query_as(
        "SELECT id, bot_id, webhook_id, received_at, method, content_type, headers, body, parsed, status, \
         outcome, detail, user_id, mappings, action, response, idempotency_key, duplicate_of, replay_of, \
         duration_us FROM request_logs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(Error::NotFound)
}
