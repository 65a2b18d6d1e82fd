//! The request log: lists per webhook and per bot (newest first, cursor pagination, filters),
//! the CSV export, one row's detail, and replaying a logged request.

use super::caller::Caller;
use super::json::{PathParams, QueryParams};
use super::page::{Page, PageQuery};
use super::scope::{self, Access};
use crate::AppState;
use crate::error::{Error, Result};
use crate::store::logs::{self, Cursor, Filter, LogRecord, Outcome, Scope};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use botwire_core::api::logs::{LogDetail, LogSummary, OutcomeName, ReplayAnswer, Replayed};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Rows per query while the CSV export pages through the log.
const CSV_CHUNK: u32 = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhook_logs))
        .routes(routes!(webhook_logs_csv))
        .routes(routes!(bot_logs))
        .routes(routes!(log_detail))
        .routes(routes!(replay))
}

/// Filters of the log lists and the CSV export. All are optional and combine with AND.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only rows with this outcome.
    #[param(value_type = Option<OutcomeName>)]
    pub outcome: Option<String>,
    /// Only rows that matched or created this bot user.
    #[param(value_type = Option<i64>)]
    pub user_id: Option<String>,
    /// Only rows received at or after this time (Unix milliseconds).
    #[param(value_type = Option<i64>)]
    pub from: Option<String>,
    /// Only rows received before this time (Unix milliseconds).
    #[param(value_type = Option<i64>)]
    pub to: Option<String>,
    /// Only rows whose raw body contains this text: a substring match (not a pattern: `%`
    /// and `_` are taken literally), ignoring case (of ASCII letters only on SQLite). Rows
    /// whose body was not kept (failed signature checks) never match.
    pub q: Option<String>,
}

/// Paging back toward the newest rows, for a client that no longer holds the cursors it came
/// down by (the log screen after a reload).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NewerQuery {
    /// Instead of `cursor`: the `limit` rows just newer than this log id, newest first. Fewer
    /// than `limit` means they reach the newest row. `next_cursor` leads back to older rows.
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
}

impl NewerQuery {
    fn after_id(&self) -> Result<Option<i64>> {
        match self.after.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|id| *id >= 0)
                .map(Some)
                .ok_or_else(|| Error::field("after", format!("must be a log id (got {v:?})"))),
        }
    }
}

impl LogQuery {
    fn filter(&self) -> Result<Filter> {
        let mut errors = Vec::new();
        let mut int = |field: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(crate::error::FieldError::new(
                        field,
                        format!("must be an integer (got {v:?})"),
                    ));
                    None
                }
            },
        };
        let user_id = int("user_id", &self.user_id);
        let from = int("from", &self.from);
        let to = int("to", &self.to);
        let outcome = match self.outcome.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => {
                let outcome = Outcome::parse(name);
                if outcome.is_none() {
                    let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                    errors.push(crate::error::FieldError::new(
                        "outcome",
                        format!("must be one of {} (got {name:?})", names.join(", ")),
                    ));
                }
                outcome
            }
        };
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            errors.push(crate::error::FieldError::new(
                "to",
                "must not be before `from`",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Filter {
            outcome,
            user_id,
            from,
            to,
            q: self.q.clone().filter(|q| !q.is_empty()),
        })
    }
}

async fn page_of(
    state: &AppState,
    scope: Scope,
    page: &PageQuery,
    newer: &NewerQuery,
    query: &LogQuery,
) -> Result<Page<LogSummary>> {
    let limit = page.limit()?;
    let before = page.before_id()?;
    let filter = query.filter()?;
    let pool = state.db.pool();
    match newer.after_id()? {
        None => {
            let rows = logs::list(pool, scope, &filter, Cursor::Before(before), limit + 1).await?;
            Ok(Page::from_rows(rows, limit, |r| r.id))
        }
        Some(_) if before != i64::MAX => Err(Error::field(
            "after",
            "give either `cursor` (older rows) or `after` (newer rows), not both",
        )),
        Some(after) => {
            let rows = logs::list(pool, scope, &filter, Cursor::After(after), limit).await?;
            // Older rows follow these: at least the one `after` named.
            let next_cursor = rows.last().map(|r| r.id.to_string());
            Ok(Page {
                items: rows,
                next_cursor,
            })
        }
    }
}

/// A webhook's request log, newest first: summaries without bodies (read one row for those).
#[utoipa::path(get, path = "/webhooks/{id}/logs", tag = "logs",
    params(("id" = i64, Path, description = "the webhook"), PageQuery, NewerQuery, LogQuery),
    responses((status = 200, body = Page<LogSummary>), (status = 404), (status = 422, description = "a filter or the cursor is invalid")))]
async fn webhook_logs(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(newer): QueryParams<NewerQuery>,
    QueryParams(query): QueryParams<LogQuery>,
) -> Result<Json<Page<LogSummary>>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    Ok(Json(
        page_of(&state, Scope::Webhook(hook.id), &page, &newer, &query).await?,
    ))
}

/// A bot's request log across its webhooks, newest first.
#[utoipa::path(get, path = "/bots/{id}/logs", tag = "logs",
    params(("id" = i64, Path, description = "the bot"), PageQuery, NewerQuery, LogQuery),
    responses((status = 200, body = Page<LogSummary>), (status = 404), (status = 422, description = "a filter or the cursor is invalid")))]
async fn bot_logs(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    QueryParams(page): QueryParams<PageQuery>,
    QueryParams(newer): QueryParams<NewerQuery>,
    QueryParams(query): QueryParams<LogQuery>,
) -> Result<Json<Page<LogSummary>>> {
    let bot = scope::bot(&state, &caller, id, Access::Read).await?;
    Ok(Json(
        page_of(&state, Scope::Bot(bot.id), &page, &newer, &query).await?,
    ))
}

/// Every row of a webhook's log matching the filters, newest first, as CSV (RFC 4180, CRLF
/// line ends, UTF-8): `id, received_at` (RFC 3339, UTC), `method, status, outcome, detail,
/// user_id, duration_ms`. Streamed, so any length of log can be exported. A detail that a
/// spreadsheet would take for a formula (starting with `=`, `+`, `-` or `@`) gets a leading `'`.
#[utoipa::path(get, path = "/webhooks/{id}/logs.csv", tag = "logs",
    params(("id" = i64, Path, description = "the webhook"), LogQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404), (status = 422, description = "a filter is invalid")))]
async fn webhook_logs_csv(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    QueryParams(query): QueryParams<LogQuery>,
) -> Result<Response> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    let filter = query.filter()?;
    let pool = state.db.pool().clone();
    let scope = Scope::Webhook(hook.id);
    // One query per chunk of rows, each using the index from where the last one stopped.
    let rows = futures_util::stream::try_unfold(Some(i64::MAX), move |before| {
        let pool = pool.clone();
        let filter = filter.clone();
        async move {
            let Some(before) = before else {
                return Ok::<_, Error>(None);
            };
            let rows = logs::list(&pool, scope, &filter, Cursor::Before(before), CSV_CHUNK)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "CSV export stopped"))?;
            let next = if rows.len() == CSV_CHUNK as usize {
                rows.last().map(|r| r.id)
            } else {
                None
            };
            let mut chunk = String::with_capacity(rows.len() * 96);
            for row in &rows {
                csv_row(&mut chunk, row);
            }
            Ok(Some((Bytes::from(chunk), next)))
        }
    });
    let head = futures_util::stream::once(async { Ok(Bytes::from_static(CSV_HEADER.as_bytes())) });
    let mut response = Body::from_stream(head.chain(rows)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "attachment; filename=\"webhook-{}-logs.csv\"",
            hook.id
        ))
        .map_err(|e| Error::Internal(e.to_string()))?,
    );
    Ok(response)
}

const CSV_HEADER: &str = "id,received_at,method,status,outcome,detail,user_id,duration_ms\r\n";

fn csv_row(out: &mut String, row: &LogSummary) {
    let received_at = chrono::DateTime::from_timestamp_millis(row.received_at)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    let user_id = row.user_id.map(|u| u.to_string()).unwrap_or_default();
    let duration_ms = format!("{}.{:03}", row.duration_us / 1000, row.duration_us % 1000);
    let fields = [
        row.id.to_string(),
        received_at,
        csv_field(&row.method),
        row.status.to_string(),
        csv_field(&row.outcome),
        csv_field(&spreadsheet_safe(&row.detail)),
        user_id,
        duration_ms,
    ];
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, with
/// quotes doubled inside.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`,
/// so an export opened in a spreadsheet shows it instead (details can quote request data).
fn spreadsheet_safe(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

impl From<LogRecord> for LogDetail {
    fn from(r: LogRecord) -> LogDetail {
        let json = |text: &str| serde_json::from_str(text).unwrap_or(Value::String(text.into()));
        LogDetail {
            id: r.id,
            bot_id: r.bot_id,
            webhook_id: r.webhook_id,
            received_at: r.received_at,
            method: r.method,
            content_type: r.content_type,
            headers: json(&r.headers),
            body: r.body,
            parsed: r.parsed.as_deref().map(json),
            status: r.status,
            outcome: r.outcome,
            detail: r.detail,
            user_id: r.user_id,
            mappings: r.mappings.as_deref().map(json),
            action: r.action.as_deref().map(json),
            response: json(&r.response),
            idempotency_key: r.idempotency_key,
            duplicate_of: r.duplicate_of,
            replay_of: r.replay_of,
            duration_us: r.duration_us,
        }
    }
}

/// One log row with its raw body and the whole processing trace.
#[utoipa::path(get, path = "/logs/{id}", tag = "logs", params(("id" = i64, Path, description = "the log row")),
    responses((status = 200, body = LogDetail), (status = 404)))]
async fn log_detail(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Json<LogDetail>> {
    let record = logs::get(state.db.pool(), id).await?;
    scope::bot(&state, &caller, record.bot_id, Access::Read).await?;
    Ok(Json(record.into()))
}

/// Replays a logged request through its webhook's current configuration, as a new request
/// with a new log row whose `replay_of` is this one. It is processed as the receiver
/// processes a live request (identification, mappings, action, listen capture; an inactive
/// webhook answers as inactive), except: it is not counted against the bot's daily limit,
/// the signature is not checked (the replay is the builder's own action), and the
/// `webhook-id` / `Idempotency-Key` is not honoured, so a request that was a duplicate is
/// processed this time. The body is replayed as it was logged (UTF-8 text). Rows whose body
/// was not kept (failed signature checks) cannot be replayed: 409.
#[utoipa::path(post, path = "/logs/{id}/replay", tag = "logs", params(("id" = i64, Path, description = "the log row to replay")),
    responses((status = 201, body = Replayed), (status = 403, description = "viewers cannot replay"), (status = 404),
              (status = 409, description = "the row's body was not kept, so there is nothing to replay")))]
async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Response> {
    let pool = state.db.pool();
    let record = logs::get(pool, id).await?;
    scope::bot(&state, &caller, record.bot_id, Access::Write).await?;
    let Some(body) = record.body.as_deref() else {
        return Err(Error::Conflict(format!(
            "log {id} cannot be replayed: its body was not kept (outcome {}: {}), as with every \
             request that failed its signature check",
            record.outcome, record.detail
        )));
    };
    let headers = stored_headers(&record.headers);
    let replayed = crate::receiver::replay(
        &state,
        record.webhook_id,
        id,
        &record.method,
        &headers,
        body.as_bytes(),
    )
    .await?;
    let log = logs::get(pool, replayed.log_id).await?;
    let body = serde_json::from_slice(&replayed.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&replayed.body).into_owned()));
    let answer = Replayed {
        log: log.into(),
        answer: ReplayAnswer {
            status: replayed.status.as_u16(),
            body,
        },
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// The logged headers back as a header map (values that cannot be headers are left out).
fn stored_headers(text: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return headers;
    };
    for (name, value) in map {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        let values = match value {
            Value::Array(values) => values,
            other => vec![other],
        };
        for value in values {
            if let Some(v) = value.as_str().and_then(|v| HeaderValue::from_str(v).ok()) {
                headers.append(name.clone(), v);
            }
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain text"), "plain text");
        assert_eq!(csv_field(""), "");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\rlf"), "\"cr\rlf\"");
        assert_eq!(csv_field("\""), "\"\"\"\"");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=1+1"), "'=1+1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("matched by phone"), "matched by phone");
    }

    #[test]
    fn outcome_names_match_the_store() {
        let names: Vec<String> = [
            OutcomeName::Matched,
            OutcomeName::Created,
            OutcomeName::Rejected,
            OutcomeName::Inactive,
            OutcomeName::InvalidBody,
            OutcomeName::UnsupportedType,
            OutcomeName::Unauthorized,
            OutcomeName::Duplicate,
        ]
        .iter()
        .map(|n| {
            serde_json::to_value(n)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
        let store: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(names, store);
    }

    #[test]
    fn stored_headers_round_trip() {
        let h = stored_headers(
            r#"{"content-type":"application/json","x-many":["a","b"],"authorization":"[redacted]"}"#,
        );
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h.get_all("x-many").iter().count(), 2);
        assert_eq!(h["authorization"], "[redacted]");
    }
}
