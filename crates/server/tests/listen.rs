//! Listen mode (the next request becomes the webhook's sample) and the live events the
//! receiver publishes: in one process on SQLite, across processes on PostgreSQL.

mod support;
use support::*;

use botwire_core::channel::Channel;
use botwire_core::names::WebhookName;
use botwire_server::events::{Event, Hub};
use botwire_server::store::webhooks;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::broadcast;

const DOC: &str = r#"{"phone": "+14155550132", "contact": {"name": "Ana", "tags": ["a", "b"]}}"#;

async fn hook_state(env: &Env, id: i64) -> webhooks::Webhook {
    webhooks::get(env.db.pool(), id).await.unwrap()
}

fn pretty(doc: &str) -> String {
    serde_json::to_string_pretty(&serde_json::from_str::<Value>(doc).unwrap()).unwrap()
}

async fn inactive_listening_webhook_captures_the_next_request(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), false).await;
    webhooks::set_listening(env.db.pool(), hook.id, true)
        .await
        .unwrap();

    // Invalid JSON is not a sample: not captured, still armed.
    let response = env.post_json(&hook, "{\"phone\": ").await;
    assert_eq!(response.status(), 403);
    let state = hook_state(&env, hook.id).await;
    assert!(state.listening, "still armed after invalid JSON");
    assert_eq!(state.sample, None);
    // Neither is a body of an unsupported type.
    let response = env.post_with(&hook, Some("text/plain"), &[], DOC).await;
    assert_eq!(response.status(), 403);
    assert!(hook_state(&env, hook.id).await.listening);

    let response = env.post_json(&hook, DOC).await;
    assert_eq!(response.status(), 403);
    assert_rate_limit_headers(response.headers(), 500);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"webhook inactive"}"#
    );
    let state = hook_state(&env, hook.id).await;
    assert!(!state.listening, "disarmed by the capture");
    let sample = state.sample.expect("the sample");
    assert_eq!(sample, pretty(DOC));
    assert_eq!(
        serde_json::from_str::<Value>(&sample).unwrap(),
        serde_json::from_str::<Value>(DOC).unwrap()
    );
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "inactive");
    assert_eq!(log.body.as_deref(), Some(DOC));

    // The next request does not change the sample.
    let response = env
        .post_json(&hook, r#"{"phone": "+14155550199", "other": true}"#)
        .await;
    assert_eq!(response.status(), 403);
    let state = hook_state(&env, hook.id).await;
    assert!(!state.listening);
    assert_eq!(state.sample.as_deref(), Some(sample.as_str()));
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);
}

async fn active_listening_webhook_processes_and_captures(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    webhooks::set_listening(env.db.pool(), hook.id, true)
        .await
        .unwrap();

    // Invalid JSON: 400, nothing captured, still armed.
    let response = env.post_json(&hook, "[1, 2").await;
    assert_eq!(response.status(), 400);
    assert!(hook_state(&env, hook.id).await.listening);

    let form = "phone=%2B14155550132&payload=%7B%22a%22%3A1%7D";
    let response = env
        .post_with(&hook, Some("application/x-www-form-urlencoded"), &[], form)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "processed");
    let state = hook_state(&env, hook.id).await;
    assert!(!state.listening);
    assert_eq!(
        state.sample.as_deref(),
        Some(pretty(r#"{"phone": "+14155550132", "payload": {"a": 1}}"#).as_str())
    );
    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "created");
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);

    // Processing goes on; the sample stays.
    let response = env.post_json(&hook, DOC).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        hook_state(&env, hook.id).await.sample,
        state.sample,
        "not listening any more"
    );
}

on_both_databases!(
    inactive_listening_webhook_captures_the_next_request,
    active_listening_webhook_processes_and_captures,
);

// ---- events ---------------------------------------------------------------------------------

/// Waits up to 5 s for both events of one captured request, in order.
async fn expect_capture_events(events: &mut broadcast::Receiver<Event>, webhook_id: i64) -> i64 {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("events within 5 s; got only {seen:?}"))
            .expect("the hub is open");
        seen.push(event.clone());
        if let Event::LogWritten {
            webhook_id: w,
            log_id,
        } = event
            && w == webhook_id
        {
            assert_eq!(
                seen,
                vec![
                    Event::SampleCaptured { webhook_id },
                    Event::LogWritten { webhook_id, log_id }
                ]
            );
            return log_id;
        }
    }
}

/// The server's own subscribers hear its events once each, as soon as they are committed (on
/// PostgreSQL too, where the server's notices to other processes come back to it as well).
async fn events_in_process(kind: DbKind) {
    let test_db = TestDb::new(kind).await;
    // Settings as the command line gives them: every other setting at its default.
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        settings: botwire_server::config::Settings,
    }
    let dist = botwire_testkit::dist();
    let settings = <Cli as clap::Parser>::parse_from([
        "botwire",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &test_db.url,
        "--dist",
        dist.to_str().unwrap(),
    ])
    .settings;
    assert_eq!(settings.max_body_bytes, 1024 * 1024);
    let state = botwire_server::state(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server =
        tokio::spawn(axum::serve(listener, botwire_server::app(state.clone())).into_future());

    let bot_id = create_bot(&state.db, Channel::Sms).await;
    let hook = webhooks::create(
        state.db.pool(),
        bot_id,
        &WebhookName::parse("Orders").unwrap(),
    )
    .await
    .unwrap();
    webhooks::set_listening(state.db.pool(), hook.id, true)
        .await
        .unwrap();

    let mut events = state.hub.subscribe();
    let response = reqwest::Client::new()
        .post(format!("{base}/hooks/{}", hook.token))
        .header("content-type", "application/json")
        .body(DOC)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let log_id = expect_capture_events(&mut events, hook.id).await;
    let (outcome,): (String,) = sqlx::query_as("SELECT outcome FROM request_logs WHERE id = $1")
        .bind(log_id)
        .fetch_one(state.db.pool())
        .await
        .unwrap();
    assert_eq!(outcome, "inactive");

    // A second request: a new log row, no second capture.
    let response = reqwest::Client::new()
        .post(format!("{base}/hooks/{}", hook.token))
        .body(DOC)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event within 5 s")
        .unwrap();
    assert!(
        matches!(event, Event::LogWritten { webhook_id, log_id: l } if webhook_id == hook.id && l > log_id),
        "{event:?}"
    );
    // Nothing comes twice: give a notice that came back time to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        matches!(
            events.try_recv(),
            Err(broadcast::error::TryRecvError::Empty)
        ),
        "each event once"
    );
    server.abort();
}

on_both_databases!(events_in_process);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_across_processes_on_postgres() {
    let env = Env::new(DbKind::Postgres).await;
    let hook = env.booking_webhook().await;
    webhooks::set_listening(env.db.pool(), hook.id, true)
        .await
        .unwrap();

    // A hub in this process hears what the server process publishes.
    let hub = Hub::start(&env.db).await.unwrap();
    let mut events = hub.subscribe();
    let response = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let log_id = expect_capture_events(&mut events, hook.id).await;
    assert_eq!(Some(log_id), body["log_id"].as_i64());

    // Listening is over: the next request publishes only its log row.
    let response = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event within 5 s")
        .unwrap();
    assert_eq!(
        event,
        Event::LogWritten {
            webhook_id: hook.id,
            log_id: body["log_id"].as_i64().unwrap()
        }
    );
}
