//! `GET /webhooks/{id}/events`: Server-Sent Events for one webhook, as they happen — a
//! captured sample (listen mode) and each new request log row.

use super::caller::Caller;
use super::json::PathParams;
use super::scope::{self, Access};
use crate::AppState;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::store::webhooks;
use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How often an idle stream sends a comment, so proxies keep it open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(webhook_events))
}

/// A live stream of the webhook's events (`text/event-stream`):
///
/// - `sample_captured`: listen mode captured a request; `data` is the sample, JSON text.
/// - `log_written`: a request was logged; `data` is JSON
///   `{id, received_at, status, outcome, detail, user_id}`.
/// - `lagged`: the server dropped events this client was too slow to take; reload the
///   webhook and its log, then keep reading.
///
/// An idle stream gets a comment every 15 seconds. The stream ends when the webhook is
/// deleted or the caller loses access to it (token revoked, logged out, removed from the
/// workspace), noticed at the next event, within a second.
#[utoipa::path(get, path = "/webhooks/{id}/events", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String,
               description = "events: sample_captured, log_written, lagged"),
              (status = 401), (status = 404)))]
async fn webhook_events(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<sse::Event, Infallible>>>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    let watch = Watch {
        credentials: credentials(&headers),
        webhook: WebhookIdentity::of(&hook),
        checked_at: Instant::now(),
        state,
    };
    // Subscribed before the answer goes out: nothing after it is missed.
    let events = watch.state.hub.subscribe();
    let stream = stream::unfold((watch, events), |(mut watch, mut events)| async move {
        let event = next_event(&mut watch, &mut events).await?;
        Some((Ok(event), (watch, events)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// How long the caller's access, checked when the stream opened, is trusted before it is
/// checked again (at the next event).
const ACCESS_TRUSTED_FOR: Duration = Duration::from_secs(1);

/// One open stream: who asked, for which webhook.
struct Watch {
    state: AppState,
    /// The request's `Authorization` and `Cookie` headers, to check the caller again.
    credentials: HeaderMap,
    webhook: WebhookIdentity,
    checked_at: Instant,
}

/// A webhook as it was when the stream opened. SQLite hands a deleted row's id to the next
/// row, possibly another workspace's webhook: the bot and creation time tell them apart.
#[derive(Clone, Copy, PartialEq, Eq)]
struct WebhookIdentity {
    id: i64,
    bot_id: i64,
    created_at: i64,
}

impl WebhookIdentity {
    fn of(hook: &webhooks::Webhook) -> WebhookIdentity {
        WebhookIdentity {
            id: hook.id,
            bot_id: hook.bot_id,
            created_at: hook.created_at,
        }
    }
}

fn credentials(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [header::AUTHORIZATION, header::COOKIE] {
        for value in headers.get_all(&name) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

impl Watch {
    /// Whether the caller may still see this webhook: the token not revoked, the session not
    /// ended, still a member of its workspace, and the webhook the same one. Checked again at
    /// most every [`ACCESS_TRUSTED_FOR`].
    async fn still_allowed(&mut self) -> bool {
        if self.checked_at.elapsed() < ACCESS_TRUSTED_FOR {
            return true;
        }
        let allowed = match Caller::authenticate(&self.state, &Method::GET, &self.credentials).await
        {
            Ok(caller) => {
                match scope::webhook(&self.state, &caller, self.webhook.id, Access::Read).await {
                    Ok((_, hook)) => WebhookIdentity::of(&hook) == self.webhook,
                    Err(_) => false,
                }
            }
            Err(_) => false,
        };
        self.checked_at = Instant::now();
        allowed
    }
}

/// The next event of this webhook, ready to send; `None` ends the stream: the hub has shut
/// down, the caller lost access, or the webhook is gone.
async fn next_event(watch: &mut Watch, events: &mut Receiver<Event>) -> Option<sse::Event> {
    let webhook = watch.webhook;
    loop {
        let event = match events.recv().await {
            Ok(event) if event.webhook_id() == webhook.id => event,
            Ok(_) => continue,
            Err(RecvError::Lagged(missed)) => {
                return Some(sse::Event::default().event("lagged").data(format!(
                    "{{\"missed\":{missed},\"detail\":\"events were dropped: reload the webhook and its log\"}}"
                )));
            }
            Err(RecvError::Closed) => return None,
        };
        if !watch.still_allowed().await {
            return None;
        }
        let pool = watch.state.db.pool();
        match event {
            Event::SampleCaptured { .. } => match webhooks::get(pool, webhook.id).await {
                Ok(hook) if WebhookIdentity::of(&hook) != webhook => return None,
                Ok(hook) => {
                    if let Some(sample) = hook.sample {
                        return Some(sse::Event::default().event("sample_captured").data(sample));
                    }
                }
                Err(Error::NotFound) => return None,
                Err(e) => tracing::warn!(error = %e, webhook.id, "event stream: sample"),
            },
            Event::LogWritten { log_id, .. } => {
                let row = webhooks::log_summary(
                    pool,
                    webhook.id,
                    webhook.bot_id,
                    webhook.created_at,
                    log_id,
                );
                match row.await {
                    Ok(Some(row)) => match serde_json::to_string(&row) {
                        Ok(data) => {
                            return Some(sse::Event::default().event("log_written").data(data));
                        }
                        Err(e) => tracing::warn!(error = %e, "event stream: log row"),
                    },
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, webhook.id, "event stream: log row"),
                }
            }
        }
    }
}
