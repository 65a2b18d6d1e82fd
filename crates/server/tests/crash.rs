//! A crash loses nothing acknowledged: the server is killed with SIGKILL in the middle of a
//! load, restarted on the same database, and every request it had answered 200 is in the
//! log, with its user and its outbox message; nothing is half-written.
//!
//! `Server::kill` is tokio's `Child::kill`: `start_kill` (std's `Child::kill`, which is
//! `kill(pid, SIGKILL)` on Unix) and then `wait`, so the process gets no chance to flush,
//! roll back or shut down gracefully.

mod support;
use botwire_core::limits::DailyLimit;
use botwire_server::db::Db;
use botwire_server::store::bots;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

const TASKS: usize = 16;
/// Bots the load is spread over, so that several transactions (one per bot) are in flight
/// when the kill comes; each bot's own requests are serialised by its row lock.
const BOTS: usize = 4;
/// The load runs this long, and on until enough requests were acknowledged to mean
/// something (a loaded machine may be slow), but never longer than `LOAD_AT_MOST`.
const LOAD_AT_LEAST: Duration = Duration::from_millis(1500);
const LOAD_AT_MOST: Duration = Duration::from_secs(15);
const ENOUGH: usize = 200;
/// Distinct phones in the load: some requests create a user, most match one.
const PHONES: usize = 100;

/// The booking sample for the `k`-th phone (and its email).
fn booking(k: usize) -> String {
    let mut body: serde_json::Value = serde_json::from_str(samples::BOOKING).unwrap();
    let k = k % PHONES;
    body["contact"]["phone"] = format!("+1 415 555 01{k:02}").into();
    body["contact"]["email"] = format!("guest{k}@example.com").into();
    body["contact"]["first_name"] = format!("Guest{k}").into();
    body.to_string()
}

async fn crash_loses_nothing_acknowledged(kind: DbKind) {
    let mut env = Env::new(kind).await;
    let first = bots::get_bot(env.db.pool(), env.bot_id).await.unwrap();
    let mut urls = Vec::new();
    let mut last_token = String::new();
    for b in 0..BOTS {
        if b > 0 {
            env.bot_id = bots::create_bot(
                env.db.pool(),
                &bots::NewBot {
                    name: format!("Front desk {b}"),
                    daily_limit: first.daily_limit,
                    max_webhooks: first.max_webhooks,
                    workspace_id: first.workspace_id,
                    channel: first.channel,
                    default_country: first.default_country.clone(),
                },
            )
            .await
            .unwrap();
        }
        // Room for the whole load: every request is processed, none refused.
        bots::set_daily_limit(
            env.db.pool(),
            env.bot_id,
            DailyLimit::parse(10_000).unwrap(),
        )
        .await
        .unwrap();
        let hook = env.booking_webhook().await;
        urls.push(env.hook_url(&hook));
        last_token = hook.token;
    }
    let Env {
        db,
        server,
        test_db,
        ..
    } = env;
    let pid = server.pid().expect("server pid");

    // Load: TASKS clients posting back to back until the server is gone.
    let client = load_client();
    let killed = Arc::new(AtomicBool::new(false));
    // log_id → user_ns of every 200 answer received.
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<i64, String>::new()));
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (client, url) = (client.clone(), urls[task % BOTS].clone());
            let (killed, acknowledged) = (killed.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let mut errors_after_kill = 0;
                for n in 0.. {
                    let body = booking(task * 7 + n * TASKS);
                    let sent = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    let response = match sent {
                        Ok(r) => r,
                        Err(_) if killed.load(Ordering::SeqCst) => {
                            errors_after_kill += 1;
                            break;
                        }
                        Err(e) => panic!("task {task}: connection error before the kill: {e:?}"),
                    };
                    let status = response.status().as_u16();
                    // A body cut off by the kill was never acknowledged.
                    let Ok(text) = response.text().await else {
                        assert!(killed.load(Ordering::SeqCst), "task {task}: body lost");
                        errors_after_kill += 1;
                        break;
                    };
                    assert_eq!(status, 200, "task {task}: {text}");
                    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let log_id = answer["log_id"].as_i64().expect("log_id");
                    let user_ns = answer["user_ns"].as_str().expect("user_ns").to_owned();
                    acknowledged.lock().unwrap().insert(log_id, user_ns);
                }
                errors_after_kill
            })
        })
        .collect();

    let started = Instant::now();
    tokio::time::sleep(LOAD_AT_LEAST).await;
    while acknowledged.lock().unwrap().len() < ENOUGH && started.elapsed() < LOAD_AT_MOST {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    killed.store(true, Ordering::SeqCst);
    let before_kill = acknowledged.lock().unwrap().len();
    server.kill().await;
    // Reaped: the process is gone, not shutting down.
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "server process {pid} still exists after kill"
    );
    let mut cut_off = 0;
    for task in tasks {
        match task.await {
            Ok(n) => cut_off += n,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("load task: {e}"),
        }
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    eprintln!(
        "{kind:?}: {} requests acknowledged in {:.1} s ({before_kill} before the kill was \
         sent), {cut_off} cut off by it",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        acknowledged.len() > 50,
        "only {} requests acknowledged: too few for the test to mean anything",
        acknowledged.len()
    );

    // Restart on the same database, with nothing of the old process left: the test's own
    // connections are closed too, so what is read below comes from what was on disk.
    db.pool().close().await;
    let server = Server::start(&test_db).await;
    let db = Db::connect(&test_db.url).await.unwrap();
    let pool = db.pool();

    // Every acknowledged request is logged as processed, naming the user it answered with.
    let logs: Vec<(i64, i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT r.id, r.status, u.user_ns, r.action FROM request_logs r \
         LEFT JOIN bot_users u ON u.id = r.user_id ORDER BY r.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let stored: BTreeMap<i64, (i64, Option<String>, Option<String>)> = logs
        .into_iter()
        .map(|(id, status, user_ns, action)| (id, (status, user_ns, action)))
        .collect();
    let missing: Vec<i64> = acknowledged
        .keys()
        .filter(|id| !stored.contains_key(id))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "{kind:?}: {} of {} acknowledged requests are not in the log after the crash: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    for (id, user_ns) in &acknowledged {
        let (status, stored_user, _) = &stored[id];
        assert_eq!(*status, 200, "log {id}");
        assert_eq!(stored_user.as_deref(), Some(user_ns.as_str()), "log {id}");
    }
    eprintln!(
        "{kind:?}: {} requests in the log, {} of them committed but not acknowledged",
        stored.len(),
        stored.len() - acknowledged.len()
    );

    // Whatever committed, committed whole: every logged request has its user and its
    // message, every user and message has its request, and the count matches the usage.
    let mut outbox_ids = BTreeSet::new();
    for (id, (status, user_ns, action)) in &stored {
        assert_eq!(*status, 200, "log {id}: only processed requests were sent");
        assert!(user_ns.is_some(), "log {id}: its user does not exist");
        let action: serde_json::Value =
            serde_json::from_str(action.as_deref().expect("action result")).unwrap();
        assert_eq!(action["status"], "queued", "log {id}: {action}");
        let outbox_id = action["outbox_id"].as_i64().expect("outbox_id");
        assert!(outbox_ids.insert(outbox_id), "outbox {outbox_id} twice");
        let owner: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT u.user_ns FROM outbox o LEFT JOIN bot_users u ON u.id = o.user_id WHERE o.id = $1",
        )
        .bind(outbox_id)
        .fetch_optional(pool)
        .await
        .unwrap();
        assert_eq!(
            owner,
            Some((user_ns.clone(),)),
            "log {id}: outbox {outbox_id} is missing or queued for another user"
        );
    }
    let count = |sql: &'static str| async move {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.unwrap();
        n
    };
    let logged = stored.len() as i64;
    assert_eq!(
        count("SELECT COUNT(*) FROM outbox").await,
        logged,
        "outbox rows"
    );
    assert_eq!(
        count("SELECT CAST(SUM(accepted) AS BIGINT) FROM usage_hours").await,
        logged,
        "requests counted against the limit"
    );
    // Each user was created by exactly one logged request, and none without one.
    assert_eq!(
        count("SELECT COUNT(*) FROM bot_users").await,
        count("SELECT COUNT(*) FROM request_logs WHERE outcome = 'created'").await,
        "users against the requests that created them"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM bot_users u WHERE NOT EXISTS \
             (SELECT 1 FROM request_logs r WHERE r.user_id = u.id)"
        )
        .await,
        0,
        "users no logged request names"
    );
    // Every user has the values its first request mapped.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM bot_users u WHERE u.first_name IS NULL OR NOT EXISTS \
             (SELECT 1 FROM field_values v WHERE v.user_id = u.id)"
        )
        .await,
        0,
        "users without their mapped values"
    );

    // The restarted server takes requests again, logging after what was there.
    let response = reqwest::Client::new()
        .post(server.url(&format!("/hooks/{last_token}")))
        .header("content-type", "application/json")
        .body(booking(0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.unwrap();
    let log_id = answer["log_id"].as_i64().unwrap();
    assert!(stored.keys().all(|id| *id < log_id), "log ids go on");
    assert_eq!(count("SELECT COUNT(*) FROM request_logs").await, logged + 1);

    drop(server);
    drop(db);
    drop(test_db);
}

on_both_databases!(crash_loses_nothing_acknowledged);
