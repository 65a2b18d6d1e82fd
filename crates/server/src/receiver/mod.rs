//! `POST /hooks/{token}`: the inbound webhook receiver. See the receiver contract in the
//! design: every answer from a known token carries the rate-limit headers, and every request
//! admitted under the limit is logged in the same transaction as its effects, before the
//! answer is sent.

pub mod body;
mod process;
mod quota_headers;
pub mod redact;
pub mod signature;

use crate::AppState;
use crate::error::{Result, problem};
use crate::store::{self, bots, usage, webhooks};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
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

    let mut tx = pool.begin().await?;
    let quota = usage::admit(&mut tx, bot.id, hook.id, limit, now).await?;
    if !quota.admitted {
        tx.commit().await?;
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
    let (response, events) = process::run(&mut tx, &bot, &hook, &request, started).await?;
    state.hub.stage(&mut tx, &events).await?;
    tx.commit().await?;
    state.hub.committed(events);
    Ok(quota_headers::apply(response, &quota))
}
