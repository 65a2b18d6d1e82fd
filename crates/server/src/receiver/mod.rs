//! `POST /hooks/{token}`: the inbound webhook receiver. See the receiver contract in the
//! design: every answer from a known token carries the rate-limit headers, and every request
//! admitted under the limit is logged in the same transaction as its effects, before the
//! answer is sent.

pub mod body;
pub mod exhausted;
pub mod known_hooks;
pub(crate) mod process;
mod quota_headers;
pub mod redact;
pub mod signature;

use crate::AppState;
use crate::error::{Error, Result, problem};
use crate::events::Event;
use crate::group_commit::Work;
use crate::store::sql::Conn;
use crate::store::webhooks::Receiving;
use crate::store::{self, turn, usage, webhooks};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use process::Mode;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

pub fn router() -> Router<AppState> {
    // Anything else under /hooks names no webhook either: a JSON 404, never the app's page.
    let none = || async { not_found() };
    Router::new()
        .route("/hooks/{token}", post(receive).fallback(other_method))
        .route("/hooks", any(none))
        .route("/hooks/", any(none))
        .route("/hooks/{token}/", any(none))
        .route("/hooks/{token}/{*rest}", any(none))
}

async fn receive(
    State(state): State<AppState>,
    token: std::result::Result<Path<String>, PathRejection>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // A path that does not decode (`/hooks/%FF`) names no webhook either.
    let Ok(Path(token)) = token else {
        return not_found();
    };
    handle(&state, &token, method, headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Any method but POST: 405 from a known token, with the rate-limit headers every answer from
/// it carries; 404 from any other, as for POST.
async fn other_method(
    State(state): State<AppState>,
    token: std::result::Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(token)) = token else {
        return not_found();
    };
    let answer = async {
        let now = store::now_ms();
        let Some(receiving) = known(&state, &webhooks::token_hash(&token), now).await? else {
            return Ok(not_found());
        };
        let bot = &receiving.bot;
        let mut response = problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "a webhook takes POST requests only",
            None,
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        with_quota(&state, bot.id, bot.daily_limit.get(), now, response).await
    };
    answer.await.unwrap_or_else(|e: Error| e.into_response())
}

/// `response` with the bot's rate-limit headers as they stand, for an answer given before the
/// request's turn (which counts nothing).
async fn with_quota(
    state: &AppState,
    bot_id: i64,
    limit: u32,
    now: i64,
    response: Response,
) -> Result<Response> {
    let quota = usage::peek(&mut state.db.reader(), bot_id, limit, now).await?;
    Ok(quota_headers::apply(response, &quota))
}

/// The webhook `hash` opens at `now`, as the receiver last read it, or read now.
async fn known(state: &AppState, hash: &str, now: i64) -> Result<Option<Arc<Receiving>>> {
    if let Some(known) = state.known_hooks.get(hash, now) {
        return Ok(Some(known));
    }
    let Some(read) = webhooks::by_token(&mut state.db.reader(), hash, now).await? else {
        return Ok(None);
    };
    let read = Arc::new(read);
    state.known_hooks.put(hash, read.clone());
    Ok(Some(read))
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
    let hash = webhooks::token_hash(token);
    let Some(receiving) = known(state, &hash, now).await? else {
        return Ok(not_found());
    };
    let (bot_id, limit) = (receiving.bot.id, receiving.bot.daily_limit.get());

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
                body::BodyError::TimedOut(_) => StatusCode::REQUEST_TIMEOUT,
                _ => StatusCode::BAD_REQUEST,
            };
            let response = problem(status, &e.to_string(), None);
            return with_quota(state, bot_id, limit, now, response).await;
        }
    };

    let request = OwnedRequest {
        method: method.as_str().to_owned(),
        headers,
        bytes,
        received_at: now,
    };
    let version = receiving.version;
    let mode = Mode::Live {
        token_hash: hash.clone(),
    };
    let ingest = if state.exhausted_bots.expects_refusal(bot_id, version, now) {
        Ingest::head_only(receiving, request, started, mode)
    } else {
        Ingest::prepare(receiving, request, started, mode)?
    };
    let Turn { read, ingested } = match db.write(bot_id, ingest.work()).await {
        Ok(turn) => turn,
        Err(e) => {
            // Nothing was committed, so the request is not counted after all; the answer still
            // carries the rate-limit headers, as every answer from a known token does.
            let response = e.into_response();
            return Ok(
                match usage::peek(&mut db.reader(), bot_id, limit, now).await {
                    Ok(quota) => quota_headers::apply(response, &quota),
                    Err(_) => response,
                },
            );
        }
    };
    let version = read.as_ref().map_or(version, |r| r.version);
    if let Some(read) = read {
        state.known_hooks.put(&hash, read);
    }
    match ingested {
        Ingested::Gone => {
            state.known_hooks.forget(&hash);
            Ok(not_found())
        }
        Ingested::Limited(quota) => {
            (state.exhausted_bots).refused(bot_id, version, now, quota.reset_secs);
            let detail = format!(
                "this bot's limit of {} requests in 24 hours is used up; retry in {}",
                quota.limit,
                botwire_core::limits::wait(quota.reset_secs)
            );
            let mut response = problem(StatusCode::TOO_MANY_REQUESTS, &detail, None);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(quota.reset_secs.max(1)),
            );
            Ok(quota_headers::apply(response, &quota))
        }
        Ingested::Repeated { quota, response } => Ok(quota_headers::apply(response, &quota)),
        Ingested::Processed {
            quota,
            response,
            events,
        } => {
            state.hub.committed(events);
            Ok(match quota {
                Some(quota) => quota_headers::apply(response, &quota),
                None => response,
            })
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response()
}

/// A request as received, kept for its turn, which may have to work it out again.
struct OwnedRequest {
    method: String,
    headers: HeaderMap,
    bytes: bytes::Bytes,
    received_at: i64,
}

impl OwnedRequest {
    fn borrowed(&self) -> process::Request<'_> {
        process::Request {
            method: &self.method,
            headers: &self.headers,
            bytes: &self.bytes,
            received_at: self.received_at,
        }
    }
}

/// A request's part in the writer's transaction: counted against the limit (a live one), then
/// processed, with its events staged.
struct Ingest {
    /// The webhook's configuration the request was worked out with, before its turn.
    receiving: Arc<Receiving>,
    request: OwnedRequest,
    worked: Worked,
    started: Instant,
    mode: Mode,
}

/// How much of a request was worked out before its turn.
// Held once per request, inside the `Arc` of its work: boxing the large variant would only add
// an allocation.
#[allow(clippy::large_enum_variant)]
enum Worked {
    Whole(process::Prepared),
    /// Only what an answer over the daily limit needs: the bot's limit was used up when this
    /// process last looked ([`exhausted`]). Admitted after all, it is worked out in its turn.
    Head(process::Head),
}

impl Worked {
    fn head(&self) -> &process::Head {
        match self {
            Worked::Whole(prepared) => prepared.head(),
            Worked::Head(head) => head,
        }
    }
}

/// What a turn did, and what it read when the webhook's configuration had moved.
struct Turn {
    read: Option<Arc<Receiving>>,
    ingested: Ingested,
}

enum Ingested {
    /// The webhook is gone, or the token no longer opens it: nothing was counted or logged.
    Gone,
    /// Over the daily limit: counted as limited, not processed.
    Limited(usage::Quota),
    /// Over the daily limit, and a duplicate: counted as limited, answered as the first time.
    Repeated {
        quota: usage::Quota,
        response: Response,
    },
    Processed {
        /// The quota the request was admitted under (live requests only).
        quota: Option<usage::Quota>,
        response: Response,
        events: Vec<Event>,
    },
}

impl Ingest {
    /// Everything but the database work, done before the request queues for the writer.
    fn prepare(
        receiving: Arc<Receiving>,
        request: OwnedRequest,
        started: Instant,
        mode: Mode,
    ) -> Result<Ingest> {
        let prepared = process::prepare(&receiving, &request.borrowed(), &mode)?;
        Ok(Ingest {
            receiving,
            request,
            worked: Worked::Whole(prepared),
            started,
            mode,
        })
    }

    /// Only the head, for a request expected over the daily limit: it is not parsed or mapped
    /// before the turn that (most likely) refuses it.
    fn head_only(
        receiving: Arc<Receiving>,
        request: OwnedRequest,
        started: Instant,
        mode: Mode,
    ) -> Ingest {
        let head = process::head(&receiving, &request.borrowed(), &mode);
        Ingest {
            receiving,
            request,
            worked: Worked::Head(head),
            started,
            mode,
        }
    }

    /// The request's work for the writer, which may run it more than once.
    fn work(self) -> Work<Turn> {
        let ingest = Arc::new(self);
        Box::new(move |conn| {
            let ingest = ingest.clone();
            Box::pin(async move { ingest.run(conn).await })
        })
    }

    async fn run(&self, conn: &mut Conn<'_>) -> Result<Turn> {
        let known = &self.receiving;
        let Some(start) = turn::start(conn, known.bot.id).await? else {
            return Ok(Turn {
                read: None,
                ingested: Ingested::Gone,
            });
        };
        // The configuration the request was worked out with may have changed before this turn:
        // then it is read again, and the request worked out anew.
        let read = if start.config_version == known.version {
            None
        } else {
            let read = webhooks::receiving(conn, known.hook.id).await?;
            let opens = |r: &Receiving| match &self.mode {
                Mode::Live { token_hash } => r.admits(token_hash, self.request.received_at),
                Mode::Replay { .. } => true,
            };
            match read.filter(opens) {
                Some(read) => Some(Arc::new(read)),
                None => {
                    return Ok(Turn {
                        read: None,
                        ingested: Ingested::Gone,
                    });
                }
            }
        };
        let worked_out;
        let (receiving, worked) = match &read {
            Some(read) => {
                let prepared = process::prepare(read, &self.request.borrowed(), &self.mode)?;
                worked_out = Worked::Whole(prepared);
                (&**read, &worked_out)
            }
            None => (&**known, &self.worked),
        };
        let quota = match self.mode {
            Mode::Live { .. } => {
                let bot = &receiving.bot;
                let (limit, now) = (bot.daily_limit.get(), self.request.received_at);
                let quota = usage::admit(conn, bot.id, receiving.hook.id, limit, now).await?;
                if !quota.admitted {
                    let head = worked.head();
                    let ingested = match process::repeated_answer(conn, receiving, head).await? {
                        Some(response) => Ingested::Repeated { quota, response },
                        None => Ingested::Limited(quota),
                    };
                    return Ok(Turn { read, ingested });
                }
                Some(quota)
            }
            Mode::Replay { .. } => None,
        };
        let whole;
        let prepared = match worked {
            Worked::Whole(prepared) => prepared,
            Worked::Head(_) => {
                whole = process::prepare(receiving, &self.request.borrowed(), &self.mode)?;
                &whole
            }
        };
        let (response, events) =
            process::run(conn, receiving, prepared, start.log_id, self.started).await?;
        Ok(Turn {
            read,
            ingested: Ingested::Processed {
                quota,
                response,
                events,
            },
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
    hook_id: i64,
    of: i64,
    method: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Replayed> {
    let request = OwnedRequest {
        method: method.to_owned(),
        headers: headers.clone(),
        bytes: bytes::Bytes::copy_from_slice(bytes),
        received_at: store::now_ms(),
    };
    let receiving = webhooks::receiving(&mut state.db.reader(), hook_id)
        .await?
        .ok_or(Error::NotFound)?;
    let bot_id = receiving.bot.id;
    let ingest = Ingest::prepare(
        Arc::new(receiving),
        request,
        Instant::now(),
        Mode::Replay { of },
    )?;
    let Turn { ingested, .. } = state.db.write(bot_id, ingest.work()).await?;
    let (response, events) = match ingested {
        Ingested::Processed {
            response, events, ..
        } => (response, events),
        Ingested::Gone => return Err(Error::NotFound),
        Ingested::Limited(_) | Ingested::Repeated { .. } => {
            return Err(Error::Internal(
                "a replay was counted against the limit".into(),
            ));
        }
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
