//! The seed walk-through: a booking page posts to a bot's webhook; the user is created with
//! the mapped values and greeted; a second booking with the same phone finds the same user.

mod support;
use support::*;

async fn seed_walkthrough(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;

    let first = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["rate-limit-remaining"], "499");
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["status"], "processed");
    let user_ns = first["user_ns"].as_str().unwrap().to_owned();
    assert!(first["log_id"].as_i64().is_some());

    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
    let user = format!("(SELECT id FROM bot_users WHERE user_ns = '{user_ns}')");
    assert_eq!(
        env.scalar(&format!("SELECT phone FROM bot_users WHERE id = {user}"))
            .await
            .as_deref(),
        Some("+14155550132")
    );
    assert_eq!(
        env.scalar(&format!("SELECT email FROM bot_users WHERE id = {user}"))
            .await
            .as_deref(),
        Some("ana.souza@example.com")
    );
    assert_eq!(
        env.scalar(&format!(
            "SELECT first_name FROM bot_users WHERE id = {user}"
        ))
        .await
        .as_deref(),
        Some("Ana")
    );
    assert_eq!(
        env.scalar(&format!(
            "SELECT last_name FROM bot_users WHERE id = {user}"
        ))
        .await
        .as_deref(),
        Some("Souza")
    );
    let field = |name: &str| {
        format!(
            "SELECT v.value FROM field_values v JOIN custom_fields f ON f.id = v.field_id \
             WHERE f.name = '{name}' AND v.user_id = {user}"
        )
    };
    assert_eq!(
        env.scalar(&field("booking_start")).await.as_deref(),
        Some("\"2026-12-03T15:30:00Z\"")
    );
    let answers: serde_json::Value =
        serde_json::from_str(&env.scalar(&field("answers")).await.unwrap()).unwrap();
    let sample: serde_json::Value = serde_json::from_str(samples::BOOKING).unwrap();
    assert_eq!(answers, sample["answers"]);
    assert_eq!(
        env.scalar(&field("service")).await.as_deref(),
        Some("\"Initial consultation\"")
    );

    let message = env.scalar("SELECT message FROM outbox").await.unwrap();
    assert_eq!(message, "Hi Ana, see you on 2026-12-03 15:30 UTC");
    assert_eq!(
        env.scalar("SELECT channel FROM outbox").await.as_deref(),
        Some("sms")
    );

    let log = env
        .scalar(&format!(
            "SELECT outcome || ': ' || detail FROM request_logs WHERE id = {}",
            first["log_id"]
        ))
        .await;
    assert_eq!(log.as_deref(), Some("created: created by phone"));

    // The same phone, written differently, finds the same user.
    let again = samples::BOOKING
        .replace("+1 (415) 555-0132", "415-555-0132")
        .replace("Ana", "Ana Maria");
    let second = env.post_json(&hook, &again).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["rate-limit-remaining"], "498");
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["user_ns"], user_ns.as_str());
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
    assert_eq!(
        env.scalar(&format!(
            "SELECT first_name FROM bot_users WHERE id = {user}"
        ))
        .await
        .as_deref(),
        Some("Ana Maria")
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox").await, 2);
    let log = env
        .scalar(&format!(
            "SELECT outcome || ': ' || detail FROM request_logs WHERE id = {}",
            second["log_id"]
        ))
        .await;
    assert_eq!(log.as_deref(), Some("matched: matched by phone"));
}

on_both_databases!(seed_walkthrough);
