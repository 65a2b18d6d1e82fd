//! The seed walk-through: a booking page posts to a bot's webhook; the user is created with
//! the mapped values and greeted; a second booking with the same phone finds the same user.

mod support;
use botwire_core::field::FieldType;
use botwire_server::store::webhooks;
use support::*;

async fn seed_walkthrough(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;

    let first = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "application/json");
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

/// The greeting shows a user's values as they are stored, whether this request set them (the
/// message is rendered from them) or an earlier one did (the message reads the user).
async fn the_message_shows_the_same_values_set_now_or_before(kind: DbKind) {
    let env = Env::new(kind).await;
    env.field("visits", FieldType::Number).await;
    env.field("seen", FieldType::Datetime).await;
    env.field("extra", FieldType::Json).await;
    env.field("plan", FieldType::Text).await;
    let values = "Hi {{first_name}}: {{visits}} visits, last {{seen}}, {{extra}}";
    let visits = webhooks::Config {
        mappings: vec![
            mapping("$.name", "first_name"),
            mapping("$.visits", "visits"),
            mapping("$.seen", "seen"),
            mapping("$.extra", "extra"),
        ],
        action_template: Some(values.into()),
        ..phone_config()
    };
    let visits = env.webhook("Visits", visits, true).await;
    let plans = webhooks::Config {
        mappings: vec![mapping("$.plan", "plan")],
        action_template: Some(format!("{values}; plan {{{{plan}}}}, phone {{{{phone}}}}")),
        ..phone_config()
    };
    let plans = env.webhook("Plans", plans, true).await;

    let body = r#"{"phone": "+1 415 555 0132", "name": "Ana", "visits": 3.50,
        "seen": "2026-12-03T15:30:45+02:00", "extra": {"a": [1, "two"]}}"#;
    assert_eq!(env.post_json(&visits, body).await.status(), 200);
    let plan = r#"{"phone": "+14155550132", "plan": "Gold"}"#;
    assert_eq!(env.post_json(&plans, plan).await.status(), 200);

    let messages: Vec<String> = sqlx::query_scalar("SELECT message FROM outbox ORDER BY id")
        .fetch_all(env.db.pool())
        .await
        .unwrap();
    let now = r#"Hi Ana: 3.5 visits, last 2026-12-03 15:30:45 +02:00, {"a":[1,"two"]}"#;
    assert_eq!(messages[0], now);
    assert_eq!(messages[1], format!("{now}; plan Gold, phone +14155550132"));
}

on_both_databases!(the_message_shows_the_same_values_set_now_or_before);
