//! `POST /hooks/{token}`: the inbound webhook receiver. See the receiver contract in the
//! design: every answer from a known token carries the rate-limit headers, and every request
//! admitted under the limit is logged in the same transaction as its effects, before the
//! answer is sent.

pub mod body;
pub(crate) mod process;
mod quota_headers;
pub mod redact;
pub mod signature;

use crate::AppState;
use crate::error::{Error, Result, problem};
use crate::events::{Event, Hub};
use crate::group_commit::Work;
use crate::store::sql::Conn;
use crate::store::{self, bots, usage, webhooks};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use process::Mode;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new().route("/hooks/{token}", post(receive))
}

async fn receive(
    State(state): State<AppState>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(&state, &token, method, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn handle(
    state: &AppState,
    token: &str,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let started = Instant::now();
    let now = store::now_ms();
    let db = &state.db;
    let Some(webhooks::Receiving { hook, bot, fields }) =
        webhooks::by_token(&mut db.reader(), token, now).await?
    else {
        return Ok((StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response());
    };
    let limit = bot.daily_limit.get();

    let content_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = match body::read_limited(body, content_length, state.settings.max_body_bytes).await
    {
        Ok(bytes) => bytes,
        Err(e) => {
            let status = match e {
                body::BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let quota = usage::peek(&mut db.reader(), bot.id, limit, now).await?;
            return Ok(quota_headers::apply(
                problem(status, &e.to_string(), None),
                &quota,
            ));
        }
    };

    let bot_id = bot.id;
    let request = process::Request {
        method: method.as_str(),
        headers: &headers,
        bytes: &bytes,
        received_at: now,
    };
    let ingest = Ingest::prepare(state, bot, hook, fields, &request, started, Mode::Live)?;
    match db.write(bot_id, ingest.work()).await {
        Ok(Ingested::Limited(quota)) => {
            let detail = format!(
                "this bot's limit of {limit} requests in 24 hours is used up; retry in {} s",
                quota.reset_secs
            );
            let mut response = problem(StatusCode::TOO_MANY_REQUESTS, &detail, None);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(quota.reset_secs.max(1)),
            );
            Ok(quota_headers::apply(response, &quota))
        }
        Ok(Ingested::Processed {
            quota,
            response,
            events,
        }) => {
            state.hub.committed(events);
            Ok(match quota {
                Some(quota) => quota_headers::apply(response, &quota),
                None => response,
            })
        }
        Err(e) => {
            // Nothing was committed, so the request is not counted after all; the answer still
            // carries the rate-limit headers, as every answer from a known token does.
            let response = e.into_response();
            Ok(
                match usage::peek(&mut db.reader(), bot_id, limit, now).await {
                    Ok(quota) => quota_headers::apply(response, &quota),
                    Err(_) => response,
                },
            )
        }
    }
}

/// A request's part in the writer's transaction: counted against the limit (a live one), then
/// processed, with its events staged.
struct Ingest {
    bot: bots::Bot,
    hook: webhooks::Webhook,
    prepared: process::Prepared,
    started: Instant,
    mode: Mode,
    hub: Hub,
}

enum Ingested {
    /// Over the daily limit: counted as limited, not processed.
    Limited(usage::Quota),
    Processed {
        /// The quota the request was admitted under (live requests only).
        quota: Option<usage::Quota>,
        response: Response,
        events: Vec<Event>,
    },
}

impl Ingest {
    /// Everything but the database work, done before the request queues for the writer;
    /// `fields` are the bot's custom fields as read with the webhook.
    fn prepare(
        state: &AppState,
        bot: bots::Bot,
        hook: webhooks::Webhook,
        fields: bots::FieldSet,
        request: &process::Request<'_>,
        started: Instant,
        mode: Mode,
    ) -> Result<Ingest> {
        let prepared = process::prepare(&bot, &hook, request, mode, fields)?;
        Ok(Ingest {
            bot,
            hook,
            prepared,
            started,
            mode,
            hub: state.hub.clone(),
        })
    }

    /// The request's work for the writer, which may run it more than once.
    fn work(self) -> Work<Ingested> {
        let ingest = Arc::new(self);
        Box::new(move |conn| {
            let ingest = ingest.clone();
            Box::pin(async move { ingest.run(conn).await })
        })
    }

    async fn run(&self, conn: &mut Conn<'_>) -> Result<Ingested> {
        let (bot, hook) = (&self.bot, &self.hook);
        let quota = match self.mode {
            Mode::Live => {
                let limit = bot.daily_limit.get();
                let now = self.prepared.received_at();
                let quota = usage::admit(conn, bot.id, hook.id, limit, now).await?;
                if !quota.admitted {
                    return Ok(Ingested::Limited(quota));
                }
                Some(quota)
            }
            Mode::Replay { .. } => None,
        };
        let (response, events) =
            process::run(conn, bot, hook, &self.prepared, self.started).await?;
        self.hub.stage(conn, &events).await?;
        Ok(Ingested::Processed {
            quota,
            response,
            events,
        })
    }
}

/// What a replay did: the new log row and the answer the receiver would have sent.
pub struct Replayed {
    pub log_id: i64,
    pub status: StatusCode,
    pub body: bytes::Bytes,
}

/// Runs logged request `of` again through `hook`'s current configuration, as a new request
/// logged with `replay_of`. Processed exactly as [`handle`] processes a live one, in one
/// transaction that first queues behind the bot's other requests, but not counted against the
/// daily limit, without the signature check, and with the idempotency key not honoured.
pub async fn replay(
    state: &AppState,
    bot: &bots::Bot,
    hook: &webhooks::Webhook,
    of: i64,
    method: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Replayed> {
    let request = process::Request {
        method,
        headers,
        bytes,
        received_at: store::now_ms(),
    };
    let mode = Mode::Replay { of };
    let fields = bots::field_set(state.db.reader(), bot.id).await?;
    let ingest = Ingest::prepare(
        state,
        bot.clone(),
        hook.clone(),
        fields,
        &request,
        Instant::now(),
        mode,
    )?;
    let done = state.db.write(bot.id, ingest.work()).await?;
    let Ingested::Processed {
        response, events, ..
    } = done
    else {
        return Err(Error::Internal(
            "a replay was counted against the limit".into(),
        ));
    };
    let log_id = events.iter().find_map(|e| match e {
        Event::LogWritten { log_id, .. } => Some(*log_id),
        _ => None,
    });
    state.hub.committed(events);
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| Error::Internal(format!("replay answer: {e}")))?;
    Ok(Replayed {
        log_id: log_id.ok_or_else(|| Error::Internal("replay wrote no log row".into()))?,
        status,
        body,
    })
}
