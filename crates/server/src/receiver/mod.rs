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
use crate::error::{Result, problem};
use crate::events::Event;
use crate::store::{self, bots, usage, webhooks};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use process::Mode;
use serde_json::json;
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
    let pool = state.db.pool();
    let Some(hook) = webhooks::by_token(pool, token, now).await? else {
        return Ok((StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response());
    };
    let bot = bots::get_bot(pool, hook.bot_id).await?;
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
            let quota = usage::peek(pool, bot.id, limit, now).await?;
            return Ok(quota_headers::apply(
                problem(status, &e.to_string(), None),
                &quota,
            ));
        }
    };

    let mut turn = state.db.write_turn(bot.id).await;
    let mut tx = turn.begin().await?;
    let quota = usage::admit(&mut tx, bot.id, hook.id, limit, now).await?;
    if !quota.admitted {
        tx.commit().await?;
        turn.durable().await?;
        let detail = format!(
            "this bot's limit of {limit} requests in 24 hours is used up; retry in {} s",
            quota.reset_secs
        );
        let mut response = problem(StatusCode::TOO_MANY_REQUESTS, &detail, None);
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(quota.reset_secs.max(1)),
        );
        return Ok(quota_headers::apply(response, &quota));
    }

    let request = process::Request {
        method: method.as_str(),
        headers: &headers,
        bytes: &bytes,
        received_at: now,
    };
    let processed = match process::run(&mut tx, &bot, &hook, &request, started, Mode::Live).await {
        Ok((response, events)) => commit(state, tx, &events)
            .await
            .map(|()| (response, events)),
        Err(e) => {
            drop(tx);
            Err(e)
        }
    };
    let processed = match processed {
        Ok(done) => turn.durable().await.map(|()| done),
        Err(e) => Err(e),
    };
    let processed = processed.map(|(response, events)| {
        state.hub.committed(events);
        response
    });
    match processed {
        Ok(response) => Ok(quota_headers::apply(response, &quota)),
        Err(e) => {
            // Nothing was committed, so the request is not counted after all; the answer still
            // carries the rate-limit headers, as every answer from a known token does.
            let uncounted = usage::Quota {
                used: quota.used.saturating_sub(1),
                ..quota
            };
            Ok(quota_headers::apply(e.into_response(), &uncounted))
        }
    }
}

/// Commits a processed request's transaction with its events (not yet durable on SQLite:
/// see [`crate::group_commit::Turn::durable`]).
async fn commit(state: &AppState, mut tx: store::Tx<'_>, events: &[Event]) -> Result<()> {
    state.hub.stage(&mut tx, events).await?;
    tx.commit().await?;
    Ok(())
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
    let started = Instant::now();
    let request = process::Request {
        method,
        headers,
        bytes,
        received_at: store::now_ms(),
    };
    let mut turn = state.db.write_turn(bot.id).await;
    let mut tx = turn.begin().await?;
    let (response, events) = process::run(
        &mut tx,
        bot,
        hook,
        &request,
        started,
        process::Mode::Replay { of },
    )
    .await?;
    commit(state, tx, &events).await?;
    turn.durable().await?;
    let log_id = events.iter().find_map(|e| match e {
        crate::events::Event::LogWritten { log_id, .. } => Some(*log_id),
        _ => None,
    });
    state.hub.committed(events);
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| crate::error::Error::Internal(format!("replay answer: {e}")))?;
    Ok(Replayed {
        log_id: log_id
            .ok_or_else(|| crate::error::Error::Internal("replay wrote no log row".into()))?,
        status,
        body,
    })
}
