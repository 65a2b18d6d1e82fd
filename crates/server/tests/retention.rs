//! Retention: request log rows older than `--log-retention-days` and idempotency keys past
//! their 24 hours are deleted in the background; users, their field values and the outbox
//! stay. Each server runs a pass when it starts, so a server started on the same database
//! with the flag shows what the pass does.

mod support;
use botwire_testkit::{binary, poll};
use support::*;

const DAY_MS: i64 = 86_400_000;

async fn post_keyed(env: &Env, hook: &botwire_server::store::webhooks::Webhook, key: &str) -> i64 {
    let response = env
        .http
        .post(env.hook_url(hook))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(samples::BOOKING)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    body["log_id"].as_i64().expect("log_id")
}

async fn count(env: &Env, table: &str) -> i64 {
    env.count(&format!("SELECT COUNT(*) FROM {table}")).await
}

async fn old_log_rows_and_expired_keys_are_deleted(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;
    let mut ids = Vec::new();
    for k in 0..3 {
        ids.push(post_keyed(&env, &hook, &format!("booking-{k}")).await);
    }
    // The last two requests came 31 days ago, and the first one's key 25 hours ago. The
    // first request, the lowest id, is the newest by date (as after a clock set wrong): the
    // old rows behind it go all the same.
    sqlx::query(&format!(
        "UPDATE request_logs SET received_at = received_at - {} WHERE id IN ({}, {})",
        31 * DAY_MS,
        ids[1],
        ids[2]
    ))
    .execute(env.db.pool())
    .await
    .unwrap();
    sqlx::query(&format!(
        "UPDATE idempotency_keys SET created_at = created_at - {} WHERE log_id = {}",
        25 * 3_600_000,
        ids[0]
    ))
    .execute(env.db.pool())
    .await
    .unwrap();
    let kept = [
        count(&env, "bot_users").await,
        count(&env, "field_values").await,
        count(&env, "outbox").await,
    ];
    assert_eq!(kept, [1, 3, 3]);

    // 0 keeps every log row; the expired key goes all the same, last in the pass (so the pass
    // has run once it is gone).
    let keeping = Server::start_with(&env.test_db, &["--log-retention-days", "0"]).await;
    let keys = poll(async || count(&env, "idempotency_keys").await, |n| *n == 2).await;
    assert_eq!(keys, Ok(2), "the expired key is forgotten");
    assert_eq!(count(&env, "request_logs").await, 3, "0 keeps every row");
    keeping.kill().await;

    // 30 days: the two rows of 31 days ago go, the new one stays.
    let pruning = Server::start_with(&env.test_db, &["--log-retention-days", "30"]).await;
    let rows = poll(async || count(&env, "request_logs").await, |n| *n == 1).await;
    assert_eq!(rows, Ok(1), "rows older than 30 days are deleted");
    let left = env
        .scalar("SELECT CAST(id AS TEXT) FROM request_logs")
        .await;
    assert_eq!(left, Some(ids[0].to_string()));
    let after = [
        count(&env, "bot_users").await,
        count(&env, "field_values").await,
        count(&env, "outbox").await,
    ];
    assert_eq!(
        after, kept,
        "users, their values and the outbox are not retention's"
    );

    // The forgotten key is processed anew; so is a kept key whose first answer's row is gone
    // (older than the retention, the key not).
    let again = post_keyed(&env, &hook, "booking-0").await;
    assert!(again > ids[2], "a key past its 24 hours is a new request");
    let renewed = post_keyed(&env, &hook, "booking-2").await;
    assert!(
        renewed > again,
        "a key whose first answer is gone is a new request"
    );
    drop(pruning);
}

/// A log id is never given twice, also once the rows with the largest ids are gone with their
/// webhook: the outbox, idempotency keys and other log rows still name the old ids.
async fn log_ids_are_never_given_again(kind: DbKind) {
    let env = Env::new(kind).await;
    let kept = env.booking_webhook().await;
    let config = botwire_server::store::webhooks::Config {
        identity: botwire_core::identify::IdentityPaths {
            phone: Some("$.contact.phone".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let gone = env.webhook("Gone", config, true).await;
    let first = post_keyed(&env, &kept, "a").await;
    let last = post_keyed(&env, &gone, "b").await;
    assert!(last > first);
    botwire_server::store::webhooks::delete(env.db.pool(), gone.id)
        .await
        .unwrap();
    assert_eq!(count(&env, "request_logs").await, 1);
    let next = post_keyed(&env, &kept, "c").await;
    assert!(next > last, "{next} after {last}, which was deleted");
}

on_both_databases!(
    old_log_rows_and_expired_keys_are_deleted,
    log_ids_are_never_given_again
);

/// A retention that is not a whole number of days up to 100 years is refused at start, naming
/// the flag.
#[test]
fn a_bad_retention_is_refused_naming_the_flag() {
    for bad in ["-1", "thirty", "36501"] {
        let out = std::process::Command::new(binary())
            .args(["serve", &format!("--log-retention-days={bad}")])
            .output()
            .expect("run botwire");
        assert!(!out.status.success(), "{bad} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--log-retention-days") && stderr.contains(bad),
            "{bad}: {stderr}"
        );
    }
}
