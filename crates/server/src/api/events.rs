//! `GET /webhooks/{id}/events`: Server-Sent Events for one webhook, as they happen — a
//! captured sample (listen mode) and each new request log row.

use super::caller::Caller;
use super::json::PathParams;
use super::scope::{self, Access};
use crate::AppState;
use crate::error::Result;
use crate::events::Event;
use crate::store::webhooks;
use axum::extract::State;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{Receiver, error::RecvError};
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
/// An idle stream gets a comment every 15 seconds.
#[utoipa::path(get, path = "/webhooks/{id}/events", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String,
               description = "events: sample_captured, log_written, lagged"),
              (status = 401), (status = 404)))]
async fn webhook_events(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<Sse<impl Stream<Item = std::result::Result<sse::Event, Infallible>>>> {
    let (_, hook) = scope::webhook(&state, &caller, id, Access::Read).await?;
    // Subscribed before the answer goes out: nothing after it is missed.
    let events = state.hub.subscribe();
    let stream = stream::unfold(
        (state, hook.id, events),
        |(state, webhook_id, mut events)| async move {
            let event = next_event(&state, webhook_id, &mut events).await?;
            Some((Ok(event), (state, webhook_id, events)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// The next event of this webhook, ready to send; `None` when the hub has shut down.
async fn next_event(
    state: &AppState,
    webhook_id: i64,
    events: &mut Receiver<Event>,
) -> Option<sse::Event> {
    loop {
        match events.recv().await {
            Ok(Event::SampleCaptured { webhook_id: id }) if id == webhook_id => {
                match webhooks::get(state.db.pool(), webhook_id).await {
                    Ok(hook) => {
                        if let Some(sample) = hook.sample {
                            return Some(
                                sse::Event::default().event("sample_captured").data(sample),
                            );
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, webhook_id, "event stream: sample"),
                }
            }
            Ok(Event::LogWritten {
                webhook_id: id,
                log_id,
            }) if id == webhook_id => {
                match webhooks::log_summary(state.db.pool(), webhook_id, log_id).await {
                    Ok(Some(row)) => match serde_json::to_string(&row) {
                        Ok(data) => {
                            return Some(sse::Event::default().event("log_written").data(data));
                        }
                        Err(e) => tracing::warn!(error = %e, "event stream: log row"),
                    },
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, webhook_id, "event stream: log row"),
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(missed)) => {
                return Some(sse::Event::default().event("lagged").data(format!(
                    "{{\"missed\":{missed},\"detail\":\"events were dropped: reload the webhook and its log\"}}"
                )));
            }
            Err(RecvError::Closed) => return None,
        }
    }
}
