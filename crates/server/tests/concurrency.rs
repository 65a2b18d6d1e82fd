//! The receiver under real concurrency: the rolling limit is exact (600 requests at once
//! against a limit of 500), concurrent first requests for one new phone make one user, and a
//! request waiting for its turn sees a change of the bot's fields or of its webhook committed
//! meanwhile, even when the webhook was read before (the receiver keeps what it read).

mod support;
use botwire_core::field::FieldType;
use botwire_core::identify::IdentityPaths;
use botwire_core::names::FieldName;
use botwire_server::store::{bot_admin, bots, webhooks};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;
use support::*;
use tokio::sync::Barrier;

/// What one request got back.
struct Answer {
    status: u16,
    remaining: Option<u32>,
    retry_after: Option<u64>,
    body: serde_json::Value,
}

/// Sends `bodies` all at once, in turn to each of `urls`: every task is spawned, then released
/// together by a barrier. A connection error fails the test with its reason.
async fn burst(client: &reqwest::Client, urls: &[String], bodies: Vec<String>) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let tasks: Vec<_> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let url = urls[i % urls.len()].clone();
            let (client, barrier) = (client.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("request {i}: connection error: {e:?}"));
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let status = response.status().as_u16();
                let remaining = header("rate-limit-remaining").map(|v| {
                    v.parse()
                        .unwrap_or_else(|_| panic!("request {i}: rate-limit-remaining {v:?}"))
                });
                let retry_after = header("retry-after").and_then(|v| v.parse().ok());
                let text = response
                    .text()
                    .await
                    .unwrap_or_else(|e| panic!("request {i}: reading the body: {e:?}"));
                assert!(status < 500, "request {i}: server error {status}: {text}");
                let body = serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("request {i}: {status} body is not JSON ({e}): {text}")
                });
                Answer {
                    status,
                    remaining,
                    retry_after,
                    body,
                }
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        match task.await {
            Ok(answer) => answers.push(answer),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("request task: {e}"),
        }
    }
    answers
}

/// 600 requests at once, a limit of 500: exactly 500 accepted, each seeing a different
/// remaining count, and 100 refused.
async fn exact_limit_under_concurrency(kind: DbKind) {
    exact_limit(kind, 1).await;
}

/// The same with the requests shared between two server processes on one database: a bot's
/// requests are ordered between processes too.
async fn exact_limit_across_two_processes(kind: DbKind) {
    exact_limit(kind, 2).await;
}

async fn exact_limit(kind: DbKind, processes: usize) {
    const REQUESTS: usize = 600;
    const LIMIT: u32 = 500;
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;
    let mut others = Vec::new();
    for _ in 1..processes {
        others.push(Server::start(&env.test_db).await);
    }
    let path = format!("/hooks/{}", hook.token);
    let urls: Vec<String> = std::iter::once(&env.server)
        .chain(&others)
        .map(|server| server.url(&path))
        .collect();
    // The booking's user already exists (created as an earlier request would have, but
    // without counting against the limit), so all 600 requests match it and every counted
    // request is one of the 600.
    let user = env
        .create_user(Some("+14155550132"), Some("ana.souza@example.com"))
        .await;

    let client = load_client();
    let started = Instant::now();
    let answers = burst(&client, &urls, vec![samples::BOOKING.to_owned(); REQUESTS]).await;
    eprintln!(
        "{kind:?}, {processes} process(es): {REQUESTS} concurrent requests answered in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut remaining_seen = Vec::new();
    let mut log_ids = BTreeSet::new();
    let mut limited = 0;
    for answer in &answers {
        let remaining = answer
            .remaining
            .expect("rate-limit-remaining on every answer");
        match answer.status {
            200 => {
                assert_eq!(answer.body["status"], "processed", "{}", answer.body);
                assert_eq!(answer.body["user_ns"], user.user_ns.as_str());
                assert!(log_ids.insert(answer.body["log_id"].as_i64().unwrap()));
                remaining_seen.push(remaining);
            }
            429 => {
                assert_eq!(remaining, 0, "a refused request says nothing is left");
                assert!(answer.retry_after.is_some_and(|s| s >= 1), "Retry-After");
                limited += 1;
            }
            other => panic!("unexpected {other}: {}", answer.body),
        }
    }
    assert_eq!(remaining_seen.len(), LIMIT as usize, "accepted");
    assert_eq!(limited, REQUESTS - LIMIT as usize, "answered 429");
    // Each accepted request saw its own count: 499 down to 0, each exactly once. So no two
    // requests were counted as the same one and the count never went back up.
    remaining_seen.sort_unstable();
    assert_eq!(remaining_seen, (0..LIMIT).collect::<Vec<_>>());

    assert_eq!(
        env.count("SELECT COUNT(*) FROM request_logs").await,
        i64::from(LIMIT)
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM request_logs WHERE status = 200 AND user_id = {}",
            user.id
        ))
        .await,
        i64::from(LIMIT)
    );
    let stored: BTreeSet<i64> = sqlx::query_as::<_, (i64,)>("SELECT id FROM request_logs")
        .fetch_all(env.db.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(id,)| id)
        .collect();
    assert_eq!(stored, log_ids, "the answered log ids are the stored ones");
    assert_eq!(
        env.count("SELECT CAST(SUM(accepted) AS BIGINT) FROM usage_hours")
            .await,
        i64::from(LIMIT)
    );
    assert_eq!(
        env.count("SELECT CAST(SUM(limited) AS BIGINT) FROM usage_hours")
            .await,
        (REQUESTS as i64) - i64::from(LIMIT)
    );
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox").await,
        i64::from(LIMIT)
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);

    // The window is full: the next request is refused too, still saying 0.
    let after = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(after.status(), 429);
    assert_eq!(after.headers()["rate-limit-remaining"], "0");
}

/// 20 first requests at once for the same new phone, everything else differing: one user,
/// and every answer names it.
async fn duplicate_new_user_race(kind: DbKind) {
    const REQUESTS: usize = 20;
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;
    let sample: serde_json::Value = serde_json::from_str(samples::BOOKING).unwrap();
    // The same number written three ways; different emails, names and bookings.
    let spellings = ["+1 (415) 555-0177", "415-555-0177", "+14155550177"];
    let bodies = (0..REQUESTS)
        .map(|i| {
            let mut body = sample.clone();
            body["contact"]["phone"] = spellings[i % spellings.len()].into();
            body["contact"]["email"] = format!("guest{i}@example.com").into();
            body["contact"]["first_name"] = format!("Guest{i}").into();
            body["booking"]["id"] = format!("bk_{i}").into();
            body.to_string()
        })
        .collect();

    let answers = burst(&load_client(), &[env.hook_url(&hook)], bodies).await;

    let mut user_ns = BTreeSet::new();
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["status"], "processed");
        user_ns.insert(answer.body["user_ns"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        user_ns.len(),
        1,
        "every answer names the same user: {user_ns:?}"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
    let user_ns = user_ns.pop_first().unwrap();
    assert_eq!(
        env.scalar(&format!(
            "SELECT phone FROM bot_users WHERE user_ns = '{user_ns}'"
        ))
        .await
        .as_deref(),
        Some("+14155550177")
    );
    // One request created the user, the other 19 matched it by phone.
    assert_eq!(
        env.count("SELECT COUNT(*) FROM request_logs WHERE outcome = 'created'")
            .await,
        1
    );
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM request_logs WHERE outcome = 'matched' \
             AND detail = 'matched by phone'"
        )
        .await,
        (REQUESTS as i64) - 1
    );
    assert_eq!(
        env.count("SELECT COUNT(DISTINCT user_id) FROM request_logs")
            .await,
        1
    );
}

/// A field created, renamed, then deleted, each while a request waits for its turn to write.
/// The request was read against the fields and the webhook as they were before the change; its
/// turn uses them as committed: the new field takes its mapped value, the renamed one too
/// (through the mapping and the template the rename changed), and the deleted one is neither
/// mapped nor a server error.
async fn a_field_changed_while_a_request_waits_is_seen_in_its_turn(kind: DbKind) {
    let env = Env::new(kind).await;
    let config = webhooks::Config {
        mappings: vec![mapping("$.name", "first_name"), mapping("$.plan", "plan")],
        action_template: Some("Plan: {{plan}}".into()),
        ..phone_config()
    };
    let hook = env.webhook("Plans", config, true).await;

    let mut change = env.db.pool().begin().await.unwrap();
    let name = FieldName::parse("plan").unwrap();
    let plan = bots::create_field_in(&mut change, env.bot_id, &name, FieldType::Text)
        .await
        .unwrap();
    let body = r#"{"phone": "+1 415 555 0100", "name": "Ana", "plan": "gold"}"#;
    let log = sent_during(&env, &hook, change, body).await;
    log.assert_plan(&env, ("plan", plan), "gold").await;

    let mut change = env.db.pool().begin().await.unwrap();
    bot_admin::rename_field_in(&mut change, env.bot_id, plan, "tier")
        .await
        .unwrap();
    let body = r#"{"phone": "+1 415 555 0101", "name": "Bea", "plan": "silver"}"#;
    let log = sent_during(&env, &hook, change, body).await;
    log.assert_plan(&env, ("tier", plan), "silver").await;

    let mut change = env.db.pool().begin().await.unwrap();
    bot_admin::delete_field_in(&mut change, env.bot_id, plan)
        .await
        .unwrap();
    let body = r#"{"phone": "+1 415 555 0102", "name": "Cy", "plan": "bronze"}"#;
    let log = sent_during(&env, &hook, change, body).await;
    let mapped: Vec<&str> = log
        .mappings
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(mapped, ["first_name"]);
    // Deleting a field leaves templates naming it, and the receiver says it cannot render them.
    assert_eq!(log.action["status"], "failed", "{}", log.action);
    let first_name = format!(
        "SELECT first_name FROM bot_users WHERE id = {}",
        log.user_id
    );
    assert_eq!(env.scalar(&first_name).await.as_deref(), Some("Cy"));
    let values = format!(
        "SELECT COUNT(*) FROM field_values WHERE user_id = {}",
        log.user_id
    );
    assert_eq!(env.count(&values).await, 0);
}

async fn a_webhook_changed_while_a_request_waits_is_seen_in_its_turn(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Leads", phone_config(), true).await;
    let logs = "SELECT COUNT(*) FROM request_logs";
    let accepted = "SELECT CAST(COALESCE(SUM(accepted), 0) AS BIGINT) FROM usage_hours";
    // A first request, so the receiver has read the webhook before each change below.
    let body = r#"{"phone": "+1 415 555 0100", "email": "ana@example.com"}"#;
    assert_eq!(env.post_json(&hook, body).await.status(), 200);

    // Identified by email only from now on: the waiting request is matched by its email.
    let mut change = env.db.pool().begin().await.unwrap();
    let by_email = IdentityPaths {
        email: Some("$.email".into()),
        ..IdentityPaths::default()
    };
    let changes = webhooks::Changes {
        identity: Some(by_email),
        ..webhooks::Changes::default()
    };
    webhooks::update_in(&mut change, hook.id, &changes)
        .await
        .unwrap();
    let body = r#"{"phone": "+1 415 555 0199", "email": "ana@example.com"}"#;
    let (status, text) = answered_during(&env, &env.hook_url(&hook), change, body).await;
    assert_eq!(status, 200, "{text}");
    let log = env.last_log().await.unwrap();
    assert_eq!(log.detail, "matched by email");

    // Switched off: the waiting request is answered as the contract says for an inactive one.
    let mut change = env.db.pool().begin().await.unwrap();
    webhooks::set_active_in(&mut change, hook.id, false)
        .await
        .unwrap();
    let (status, text) = answered_during(&env, &env.hook_url(&hook), change, body).await;
    assert_eq!(status, 403, "{text}");
    assert_eq!(env.last_log().await.unwrap().outcome, "inactive");
    webhooks::set_active(env.db.pool(), hook.id, true)
        .await
        .unwrap();

    // The token rotated without a grace period: the old one opens nothing any more, and the
    // waiting request is neither logged nor counted.
    let (logged, counted) = (env.count(logs).await, env.count(accepted).await);
    let mut change = env.db.pool().begin().await.unwrap();
    webhooks::rotate_in(&mut change, hook.id, 0).await.unwrap();
    let (status, text) = answered_during(&env, &env.hook_url(&hook), change, body).await;
    assert_eq!((status, text.as_str()), (404, r#"{"error":"not found"}"#));
    assert_eq!(env.count(logs).await, logged);
    assert_eq!(env.count(accepted).await, counted);
    let again = env.post_json(&hook, body).await;
    assert_eq!(again.status(), 404);
    let rotated = webhooks::get(env.db.pool(), hook.id).await.unwrap();
    assert_eq!(env.post_json(&rotated, body).await.status(), 200);
}

/// What the log says a request did.
struct Logged {
    user_id: i64,
    mappings: Vec<serde_json::Value>,
    action: serde_json::Value,
}

impl Logged {
    /// The request mapped `plan` into the field (by name and id), stored it, and showed it in
    /// its message.
    async fn assert_plan(&self, env: &Env, (field, field_id): (&str, i64), plan: &str) {
        let mapping = (self.mappings.iter())
            .find(|m| m["field"] == field)
            .unwrap_or_else(|| panic!("no mapping into {field}: {:?}", self.mappings));
        assert_eq!(mapping["error"], serde_json::Value::Null, "{mapping}");
        assert_eq!(
            self.action["message"],
            format!("Plan: {plan}"),
            "{}",
            self.action
        );
        let stored = format!(
            "SELECT value FROM field_values WHERE user_id = {} AND field_id = {field_id}",
            self.user_id
        );
        assert_eq!(env.scalar(&stored).await, Some(format!("\"{plan}\"")));
    }
}

/// Sends `body` to `url` while `change`, a transaction that changed the bot's configuration,
/// holds the lock the request's turn needs (SQLite's one write lock; the bot's row on
/// PostgreSQL); commits `change` once the request is seen waiting. The answer's status and
/// body.
async fn answered_during(
    env: &Env,
    url: &str,
    change: botwire_server::store::Tx<'static>,
    body: &str,
) -> (u16, String) {
    let request = env
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send();
    let request = tokio::spawn(request);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !request.is_finished(),
        "the request was answered before the change committed"
    );
    change.commit().await.unwrap();
    let response = request.await.unwrap().unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// [`answered_during`] for a change of the bot's fields; the request must be answered 200.
async fn sent_during(
    env: &Env,
    hook: &webhooks::Webhook,
    change: botwire_server::store::Tx<'static>,
    body: &str,
) -> Logged {
    let (status, text) = answered_during(env, &env.hook_url(hook), change, body).await;
    assert_eq!(status, 200, "{text}");
    let log = env.last_log().await.expect("a log row");
    let json = |text: Option<&str>| -> serde_json::Value {
        serde_json::from_str(text.expect("logged")).expect("logged as JSON")
    };
    let serde_json::Value::Array(mappings) = json(log.mappings.as_deref()) else {
        panic!("logged mappings are not a list: {:?}", log.mappings);
    };
    Logged {
        user_id: log.user_id.expect("a user"),
        mappings,
        action: json(log.action.as_deref()),
    }
}

on_both_databases!(
    exact_limit_under_concurrency,
    exact_limit_across_two_processes,
    duplicate_new_user_race,
    a_field_changed_while_a_request_waits_is_seen_in_its_turn,
    a_webhook_changed_while_a_request_waits_is_seen_in_its_turn
);

/// PostgreSQL: a burst at one bot waits in the process, not on pooled connections (each would
/// sit on the bot's row lock), so another bot's request is answered while the burst is still
/// being worked through. (On SQLite all bots share one writer, in arrival order.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_bot_does_not_hold_up_another_on_postgres() {
    use botwire_core::channel::Channel;
    use botwire_core::names::WebhookName;
    use botwire_server::store::webhooks;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const BURST: usize = 400;
    let env = Env::new(DbKind::Postgres).await;
    let busy = env.booking_webhook().await;
    env.create_user(Some("+14155550132"), Some("ana.souza@example.com"))
        .await;
    let other_bot = create_bot(&env.db, Channel::Sms).await;
    let pool = env.db.pool();
    let other = webhooks::create(pool, other_bot, &WebhookName::parse("Other").unwrap())
        .await
        .unwrap();
    webhooks::configure(pool, other.id, &phone_config())
        .await
        .unwrap();
    webhooks::set_active(pool, other.id, true).await.unwrap();
    let other = webhooks::get(pool, other.id).await.unwrap();

    let client = load_client();
    let answered = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..BURST)
        .map(|i| {
            let (client, url, answered) = (client.clone(), env.hook_url(&busy), answered.clone());
            tokio::spawn(async move {
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(samples::BOOKING)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("request {i}: {e:?}"));
                assert_eq!(response.status(), 200, "request {i}");
                answered.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    let response = client
        .post(env.hook_url(&other))
        .header("content-type", "application/json")
        .body(r#"{"phone": "+14155550199"}"#)
        .send()
        .await
        .unwrap();
    let burst_answered_by_then = answered.load(Ordering::SeqCst);
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    for task in tasks {
        task.await.unwrap();
    }
    eprintln!("the other bot was answered after {burst_answered_by_then} of {BURST}");
    assert!(
        burst_answered_by_then < BURST / 2,
        "the other bot's request waited for the busy bot's burst: answered after \
         {burst_answered_by_then} of its {BURST} requests"
    );
}
