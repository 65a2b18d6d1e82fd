//! The request log through the API: lists per webhook and bot (newest first, cursor paging,
//! filters), the CSV export, one row's detail, replay, and who may do what — on SQLite and
//! PostgreSQL, against the real binary.

mod support;
use support::*;

use botwire_core::names::WebhookName;
use botwire_server::receiver::signature::SignatureScheme;
use botwire_server::store::logs::{self, NewLog, Outcome};
use botwire_server::store::webhooks;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

async fn post_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.post(url).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// A row written straight through the store, with the given fields.
struct Row<'a> {
    received_at: i64,
    outcome: Outcome,
    detail: &'a str,
    body: Option<&'a str>,
    user_id: Option<i64>,
}

async fn insert(env: &Env, hook: &webhooks::Webhook, row: Row<'_>) -> i64 {
    let mut tx = env.db.pool().begin().await.unwrap();
    let mut conn = botwire_server::store::sql::Conn::Sqlx(&mut tx);
    let id = logs::new_id(&mut conn).await.unwrap();
    logs::insert(
        &mut conn,
        id,
        &NewLog {
            bot_id: hook.bot_id,
            webhook_id: hook.id,
            received_at: row.received_at,
            method: "POST".into(),
            content_type: Some("application/json".into()),
            headers: r#"{"content-type":"application/json"}"#.into(),
            body: row.body.map(str::to_owned),
            parsed: None,
            status: 200,
            outcome: row.outcome,
            detail: row.detail.into(),
            user_id: row.user_id,
            mappings: None,
            action: None,
            response: "{}".into(),
            idempotency_key: None,
            duplicate_of: None,
            replay_of: None,
            duration_us: 1234,
        },
    )
    .await
    .unwrap();
    drop(conn);
    tx.commit().await.unwrap();
    id
}

async fn plain_webhook(env: &Env, name: &str) -> webhooks::Webhook {
    env.webhook(name, phone_config(), true).await
}

/// Lists: newest first, summaries only, paging by cursor, each filter, validation.
async fn lists_filters_and_paging(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = plain_webhook(env, "Orders").await;
    let other = plain_webhook(env, "Refunds").await;
    let user = env.create_user(Some("+14155550132"), None).await;
    let t0 = 1_700_000_000_000;
    let mut rows = Vec::new();
    for (i, (outcome, body, user_id)) in [
        (
            Outcome::Matched,
            Some(r#"{"note":"100% sure"}"#),
            Some(user.id),
        ),
        (Outcome::Matched, Some(r#"{"note":"100x sure"}"#), None),
        (Outcome::Rejected, Some(r#"{"code":"a_b"}"#), None),
        (Outcome::Rejected, Some(r#"{"code":"axb"}"#), Some(user.id)),
        (Outcome::Created, Some(r#"{"name":"Case MIXED"}"#), None),
        (Outcome::Unauthorized, None, None),
        (Outcome::Matched, Some(r#"{"path":"C:\\temp"}"#), None),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(
            insert(
                env,
                &hook,
                Row {
                    received_at: t0 + i as i64 * 1000,
                    outcome,
                    detail: "d",
                    body,
                    user_id,
                },
            )
            .await,
        );
    }
    let elsewhere = insert(
        env,
        &other,
        Row {
            received_at: t0,
            outcome: Outcome::Matched,
            detail: "d",
            body: Some("{}"),
            user_id: None,
        },
    )
    .await;
    let newest_first: Vec<i64> = rows.iter().rev().copied().collect();
    let list = |query: &str| api.url(&format!("/webhooks/{}/logs{query}", hook.id));

    let (status, page) = get_json(&api.owner, &list("")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), newest_first);
    assert!(page["next_cursor"].is_null());
    let item = &page["items"][0];
    let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(|k| &**k).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "detail",
            "duplicate_of",
            "duration_us",
            "id",
            "method",
            "outcome",
            "received_at",
            "replay_of",
            "status",
            "user_id",
            "webhook_id"
        ],
        "summaries carry no bodies or headers"
    );
    assert_eq!(item["received_at"], t0 + 6000);
    assert_eq!(item["webhook_id"], hook.id);

    // Paging: three at a time, each page strictly older than the last.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("?limit=3&cursor={c}"),
            None => "?limit=3".into(),
        };
        let (status, page) = get_json(&api.owner, &list(&query)).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, newest_first);
    let (_, page) = get_json(&api.owner, &list("?limit=7")).await;
    assert!(page["next_cursor"].is_null(), "exactly one full page");

    // Back toward the newest with `after`: the rows just newer than an id, newest first,
    // fewer than the limit at the top, filters kept; `next_cursor` leads back down.
    let (status, page) = get_json(&api.owner, &list(&format!("?limit=2&after={}", rows[1]))).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), [rows[3], rows[2]]);
    assert_eq!(page["next_cursor"], rows[2].to_string());
    let (_, page) = get_json(&api.owner, &list(&format!("?limit=3&after={}", rows[4]))).await;
    assert_eq!(ids(&page), [rows[6], rows[5]], "reaches the newest row");
    let (_, page) = get_json(&api.owner, &list(&format!("?after={}", rows[6]))).await;
    assert_eq!(ids(&page), Vec::<i64>::new());
    assert!(page["next_cursor"].is_null());
    let (_, page) = get_json(
        &api.owner,
        &list(&format!("?outcome=matched&limit=1&after={}", rows[0])),
    )
    .await;
    assert_eq!(ids(&page), [rows[1]], "the filter applies");

    // The bot's list has both webhooks' rows.
    let (status, page) =
        get_json(&api.owner, &api.url(&format!("/bots/{}/logs", env.bot_id))).await;
    assert_eq!(status, 200);
    let mut expected = newest_first.clone();
    expected.insert(0, elsewhere);
    assert_eq!(ids(&page), expected);
    let (_, page) = get_json(
        &api.owner,
        &api.url(&format!(
            "/bots/{}/logs?outcome=rejected&limit=1",
            env.bot_id
        )),
    )
    .await;
    assert_eq!(ids(&page), [rows[3]]);
    assert!(page["next_cursor"].is_string());

    // Filters.
    let check = |query: String, expected: Vec<i64>| {
        let url = list(&query);
        let owner = api.owner.clone();
        async move {
            let (status, page) = get_json(&owner, &url).await;
            assert_eq!(status, 200, "{query}: {page}");
            assert_eq!(ids(&page), expected, "{query}");
        }
    };
    let u = user.id;
    check("?outcome=rejected".into(), vec![rows[3], rows[2]]).await;
    check("?outcome=unauthorized".into(), vec![rows[5]]).await;
    check(format!("?user_id={u}"), vec![rows[3], rows[0]]).await;
    check(format!("?user_id={u}&outcome=matched"), vec![rows[0]]).await;
    let (from, to) = (t0 + 2000, t0 + 4000);
    check(format!("?from={from}&to={to}"), vec![rows[3], rows[2]]).await;
    check(format!("?from={}", t0 + 5000), vec![rows[6], rows[5]]).await;
    check(format!("?to={}", t0 + 1000), vec![rows[0]]).await;
    // Text in the body: a substring, `%` and `_` literal, case ignored.
    for (q, expected) in [
        ("100%25", vec![rows[0]]),
        ("sure", vec![rows[1], rows[0]]),
        ("a_b", vec![rows[2]]),
        ("%25", vec![rows[0]]),
        ("_", vec![rows[2]]),
        ("case%20mixed", vec![rows[4]]),
        ("CASE", vec![rows[4]]),
        ("%5C", vec![rows[6]]), // a backslash
        ("nowhere", vec![]),
        ("", newest_first.clone()),
    ] {
        check(format!("?q={q}"), expected).await;
    }
    check("?q=sure&outcome=matched&limit=1".into(), vec![rows[1]]).await;

    // Validation: problem+json naming the field.
    for (query, field, mention) in [
        (
            "?outcome=bogus",
            "outcome",
            "matched, created, rejected, inactive, invalid_body, unsupported_type, unauthorized, duplicate",
        ),
        ("?user_id=abc", "user_id", "integer"),
        ("?from=yesterday", "from", "integer"),
        ("?from=5&to=4", "to", "from"),
        ("?limit=0", "limit", "1–500"),
        ("?limit=501", "limit", "1–500"),
        ("?cursor=abc", "cursor", "cursor"),
        ("?after=abc", "after", "log id"),
        ("?after=3&cursor=9", "after", "not both"),
    ] {
        let response = api.owner.get(list(query)).send().await.unwrap();
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(mention),
            "{query}: {body}"
        );
    }
    let (status, body) = get_json(
        &api.owner,
        &api.url(&format!("/bots/{}/logs?outcome=nope", env.bot_id)),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Unknown webhook or bot: 404.
    let (status, _) = get_json(&api.owner, &api.url("/webhooks/999999/logs")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&api.owner, &api.url("/bots/999999/logs")).await;
    assert_eq!(status, 404);
}

/// Credentials, tenancy and roles on every log route.
async fn log_authorization(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = env.booking_webhook().await;
    let posted: Value = env
        .post_json(&hook, samples::BOOKING)
        .await
        .json()
        .await
        .unwrap();
    let log_id = posted["log_id"].as_i64().unwrap();
    let reads = [
        format!("/webhooks/{}/logs", hook.id),
        format!("/webhooks/{}/logs.csv", hook.id),
        format!("/bots/{}/logs", env.bot_id),
        format!("/logs/{log_id}"),
    ];
    let replay = api.url(&format!("/logs/{log_id}/replay"));
    for path in &reads {
        let url = api.url(path);
        let (status, body) = get_json(&api.anonymous, &url).await;
        assert_eq!(status, 401, "{path}: {body}");
        let (status, body) = get_json(&api.stranger, &url).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["detail"], "not found");
        let (status, body) = get_json(&api.viewer, &url).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    assert_eq!(post_json(&api.anonymous, &replay).await.0, 401);
    assert_eq!(post_json(&api.stranger, &replay).await.0, 404);
    let (status, body) = post_json(&api.viewer, &replay).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM request_logs").await,
        1,
        "nothing was replayed"
    );
    // The viewer sees the rows; the stranger's own bot lists none of them.
    let (_, page) = get_json(
        &api.viewer,
        &api.url(&format!("/webhooks/{}/logs", hook.id)),
    )
    .await;
    assert_eq!(ids(&page), [log_id]);
}

/// The detail of a row, and replaying rows through the current configuration.
async fn detail_and_replay(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = env.booking_webhook().await;
    let first = env
        .post_with(
            &hook,
            Some("application/json"),
            &[
                ("authorization", "Bearer sender-secret"),
                ("x-trace", "t-1"),
            ],
            samples::BOOKING,
        )
        .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let first_id = first["log_id"].as_i64().unwrap();

    let (status, detail) = get_json(&api.owner, &api.url(&format!("/logs/{first_id}"))).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["id"], first_id);
    assert_eq!(detail["bot_id"], env.bot_id);
    assert_eq!(detail["webhook_id"], hook.id);
    assert_eq!(detail["method"], "POST");
    assert_eq!(detail["content_type"], "application/json");
    assert_eq!(detail["headers"]["x-trace"], "t-1");
    assert_eq!(detail["headers"]["authorization"], "[redacted]");
    assert!(!detail.to_string().contains("sender-secret"));
    assert_eq!(detail["body"], samples::BOOKING);
    let sample: Value = serde_json::from_str(samples::BOOKING).unwrap();
    assert_eq!(detail["parsed"], sample);
    assert_eq!(detail["status"], 200);
    assert_eq!(detail["outcome"], "created");
    assert_eq!(detail["detail"], "created by phone");
    assert!(detail["user_id"].is_i64());
    assert_eq!(detail["mappings"].as_array().unwrap().len(), 5);
    assert_eq!(detail["mappings"][0]["field"], "first_name");
    assert_eq!(detail["action"]["status"], "queued");
    assert_eq!(
        detail["action"]["message"],
        "Hi Ana, see you on 2026-12-03 15:30 UTC"
    );
    assert_eq!(detail["response"], first);
    assert!(detail["replay_of"].is_null());
    assert!(detail["duration_us"].as_i64().unwrap() >= 0);
    let (status, _) = get_json(&api.owner, &api.url("/logs/999999")).await;
    assert_eq!(status, 404);

    // Change the configuration: a new message, and a signature now required.
    let current = webhooks::get(env.db.pool(), hook.id).await.unwrap();
    let config = |signature: SignatureScheme, template: &str| webhooks::Config {
        identity: current.identity.clone(),
        mappings: current.mappings.clone(),
        action_template: Some(template.into()),
        signature,
    };
    let hmac = SignatureScheme::Hmac {
        header: "x-sig".into(),
        secret: "a-long-enough-secret".into(),
    };
    webhooks::configure(
        env.db.pool(),
        hook.id,
        &config(hmac.clone(), "Replayed for {{first_name}}"),
    )
    .await
    .unwrap();
    let usage = "SELECT CAST(COALESCE(SUM(accepted), 0) AS BIGINT) FROM usage_hours";
    let used_before = env.count(usage).await;

    let replay = |id: i64| api.url(&format!("/logs/{id}/replay"));
    let response = api.owner.post(replay(first_id)).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let replayed: Value = response.json().await.unwrap();
    let log = &replayed["log"];
    let new_id = log["id"].as_i64().unwrap();
    assert!(new_id > first_id);
    assert_eq!(log["replay_of"], first_id);
    assert_eq!(log["outcome"], "matched", "the user exists now");
    assert_eq!(log["detail"], "matched by phone");
    assert_eq!(log["user_id"], detail["user_id"]);
    assert_eq!(log["body"], samples::BOOKING);
    assert_eq!(log["action"]["message"], "Replayed for Ana");
    assert_eq!(log["headers"]["x-trace"], "t-1");
    assert!(log["idempotency_key"].is_null());
    assert_eq!(replayed["answer"]["status"], 200);
    assert_eq!(replayed["answer"]["body"]["status"], "processed");
    assert_eq!(replayed["answer"]["body"]["log_id"], new_id);
    assert_eq!(replayed["answer"]["body"], log["response"]);
    assert_eq!(
        env.count(usage).await,
        used_before,
        "a replay is not counted"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox").await, 2);
    // The lists show it as a replay.
    let (_, page) = get_json(&api.owner, &api.url(&format!("/webhooks/{}/logs", hook.id))).await;
    assert_eq!(ids(&page), [new_id, first_id]);
    assert_eq!(page["items"][0]["replay_of"], first_id);

    // A live request without the now-required signature: logged without its body, and so
    // it cannot be replayed.
    let refused = env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(refused.status(), 401);
    let refused: Value = refused.json().await.unwrap();
    let refused_id = refused["log_id"].as_i64().unwrap();
    let response = api.owner.post(replay(refused_id)).send().await.unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    let why = body["detail"].as_str().unwrap();
    assert!(why.contains("body was not kept"), "{why}");
    assert!(why.contains("signature"), "{why}");

    // Idempotency keys are not honoured by a replay, and a replay does not take the key.
    webhooks::configure(
        env.db.pool(),
        hook.id,
        &config(SignatureScheme::None, "Hi {{first_name}}"),
    )
    .await
    .unwrap();
    let keyed = env
        .post_with(
            &hook,
            Some("application/json"),
            &[("idempotency-key", "order-7")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(keyed.status(), 200);
    let keyed_id = keyed.json::<Value>().await.unwrap()["log_id"]
        .as_i64()
        .unwrap();
    let (status, replayed) = post_json(&api.owner, &replay(keyed_id)).await;
    assert_eq!(status, 201, "{replayed}");
    assert_eq!(replayed["log"]["outcome"], "matched");
    assert!(replayed["log"]["duplicate_of"].is_null());
    assert!(replayed["log"]["idempotency_key"].is_null());
    assert_eq!(replayed["log"]["headers"]["idempotency-key"], "order-7");
    let again = env
        .post_with(
            &hook,
            Some("application/json"),
            &[("idempotency-key", "order-7")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(again.status(), 200);
    let again_log = env.last_log().await.unwrap();
    assert_eq!(again_log.outcome, "duplicate");
    assert_eq!(again_log.duplicate_of, Some(keyed_id));
    // Replaying the duplicate processes it.
    let (status, replayed) = post_json(&api.owner, &replay(again_log.id)).await;
    assert_eq!(status, 201, "{replayed}");
    assert_eq!(replayed["log"]["outcome"], "matched");
    assert_eq!(replayed["log"]["replay_of"], again_log.id);

    // A malformed body replays as malformed; an inactive webhook answers as inactive.
    let bad = env.post_json(&hook, "{\"a\": ").await;
    assert_eq!(bad.status(), 400);
    let bad_id = bad.json::<Value>().await.unwrap()["log_id"]
        .as_i64()
        .unwrap();
    let (status, replayed) = post_json(&api.owner, &replay(bad_id)).await;
    assert_eq!(status, 201);
    assert_eq!(replayed["log"]["outcome"], "invalid_body");
    assert_eq!(replayed["answer"]["status"], 400);
    assert_eq!(replayed["answer"]["body"]["log_id"], replayed["log"]["id"]);
    webhooks::set_active(env.db.pool(), hook.id, false)
        .await
        .unwrap();
    let (status, replayed) = post_json(&api.owner, &replay(first_id)).await;
    assert_eq!(status, 201);
    assert_eq!(replayed["log"]["outcome"], "inactive");
    assert_eq!(replayed["log"]["replay_of"], first_id);
    assert_eq!(replayed["answer"]["status"], 403);
    assert_eq!(
        replayed["answer"]["body"],
        json!({ "error": "webhook inactive" })
    );
    let (status, _) = post_json(&api.owner, &replay(999_999)).await;
    assert_eq!(status, 404);
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => record.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "CR only before LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                '\n' => panic!("a bare LF outside quotes"),
                _ => field.push(c),
            }
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record ends in CRLF"
    );
    records
}

async fn csv_export(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = plain_webhook(env, "Orders").await;
    let user = env.create_user(Some("+14155550132"), None).await;
    let t0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
    let tricky = [
        "plain",
        "with, comma",
        "say \"hi\"",
        "two\nlines",
        "crlf\r\nend",
        "\"quoted\", and\nall",
        "=HYPERLINK(\"http://evil.example\")",
        "",
        "é ünïcode ✓",
    ];
    let mut ids = Vec::new();
    for (i, detail) in tricky.iter().enumerate() {
        ids.push(
            insert(
                env,
                &hook,
                Row {
                    received_at: t0 + i as i64,
                    outcome: if i % 2 == 0 {
                        Outcome::Matched
                    } else {
                        Outcome::Rejected
                    },
                    detail,
                    body: Some("{}"),
                    user_id: (i == 0).then_some(user.id),
                },
            )
            .await,
        );
    }
    let url = |query: &str| api.url(&format!("/webhooks/{}/logs.csv{query}", hook.id));
    let response = api.owner.get(url("")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"webhook-{}-logs.csv\"", hook.id).as_str()
    );
    let text = response.text().await.unwrap();
    let records = parse_csv(&text);
    assert_eq!(
        records[0],
        [
            "id",
            "received_at",
            "method",
            "status",
            "outcome",
            "detail",
            "user_id",
            "duration_ms"
        ]
    );
    assert_eq!(records.len(), tricky.len() + 1);
    for (record, (i, detail)) in records[1..].iter().zip(tricky.iter().enumerate().rev()) {
        assert_eq!(record.len(), 8, "{record:?}");
        assert_eq!(record[0], ids[i].to_string());
        assert_eq!(record[1], format!("2023-11-14T22:13:20.00{i}Z"));
        assert_eq!(record[2], "POST");
        assert_eq!(record[3], "200");
        assert_eq!(record[4], if i % 2 == 0 { "matched" } else { "rejected" });
        let expected = if detail.starts_with('=') {
            format!("'{detail}")
        } else {
            detail.to_string()
        };
        assert_eq!(record[5], expected, "row {i}");
        assert_eq!(
            record[6],
            if i == 0 {
                user.id.to_string()
            } else {
                String::new()
            }
        );
        assert_eq!(record[7], "1.234");
    }
    // The filters apply.
    let text = api
        .owner
        .get(url("?outcome=rejected"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let records = parse_csv(&text);
    assert_eq!(records.len(), 5);
    assert!(records[1..].iter().all(|r| r[4] == "rejected"));
    let response = api.owner.get(url("?outcome=nope")).send().await.unwrap();
    assert_eq!(response.status(), 422);

    // Several internal chunks: every row once, newest first.
    let mut tx = env.db.pool().begin().await.unwrap();
    sqlx::query(&bulk_insert(2_500))
        .bind(hook.bot_id)
        .bind(hook.id)
        .bind(t0 + 1_000)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let text = api
        .owner
        .get(url(""))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let records = parse_csv(&text);
    assert_eq!(records.len(), 2_500 + tricky.len() + 1);
    let exported: Vec<i64> = records[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(
        exported.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    assert_eq!(*exported.last().unwrap(), ids[0]);
    // An empty export is just the header.
    let empty = plain_webhook(env, "Empty").await;
    let text = api
        .owner
        .get(api.url(&format!("/webhooks/{}/logs.csv", empty.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        "id,received_at,method,status,outcome,detail,user_id,duration_ms\r\n"
    );
}

/// `n` rows for webhook `$2` of bot `$1`, received from `$3` on, one ms apart; every
/// 10,000th is rejected and mentions "needle" in its body.
fn bulk_insert(n: u32) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO request_logs (bot_id, webhook_id, received_at, method, content_type, headers, body, \
         status, outcome, detail, response, duration_us) \
         SELECT $1, $2, $3 + i, 'POST', 'application/json', '{{}}', \
         CASE WHEN i % 10000 = 0 THEN '{{\"needle\":' || i || '}}' ELSE '{{\"n\":' || i || '}}' END, \
         200, CASE WHEN i % 10000 = 0 THEN 'rejected' ELSE 'matched' END, 'matched by phone', '{{}}', 1500 FROM n"
    )
}

/// 100,000 rows: pages are read through the index, and the export streams them all.
async fn logs_at_scale(kind: DbKind) {
    const N: u32 = 100_000;
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = plain_webhook(env, "Busy").await;
    // Another webhook's rows in between, so the index has something to skip.
    let quiet = env.webhook("Quiet", phone_config(), true).await;
    let started = Instant::now();
    for (target, count) in [(&hook, N / 2), (&quiet, 1_000), (&hook, N / 2)] {
        sqlx::query(&bulk_insert(count))
            .bind(target.bot_id)
            .bind(target.id)
            .bind(1_700_000_000_000i64)
            .execute(env.db.pool())
            .await
            .unwrap();
    }
    eprintln!("inserted {} rows in {:?}", N + 1_000, started.elapsed());
    if kind == DbKind::Postgres {
        sqlx::query("ANALYZE request_logs")
            .execute(env.db.pool())
            .await
            .unwrap();
    }

    // The plan: an index walk, not a scan and sort.
    for (scope, index) in [
        (logs::Scope::Webhook(hook.id), "request_logs_webhook"),
        (logs::Scope::Bot(env.bot_id), "request_logs_bot"),
    ] {
        let sql = logs::list_sql(scope, &logs::Filter::default());
        let owner = match scope {
            logs::Scope::Webhook(id) | logs::Scope::Bot(id) => id,
        };
        let plan: Vec<String> = match kind {
            DbKind::Sqlite => {
                sqlx::query_as::<_, (i64, i64, i64, String)>(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .bind(owner)
                    .bind(i64::MAX)
                    .bind(51i64)
                    .fetch_all(env.db.pool())
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.3)
                    .collect()
            }
            DbKind::Postgres => sqlx::query_as::<_, (String,)>(&format!("EXPLAIN {sql}"))
                .bind(owner)
                .bind(i64::MAX)
                .bind(51i64)
                .fetch_all(env.db.pool())
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.0)
                .collect(),
        };
        let plan = plan.join("\n");
        // An index walk that stops after the limit: no full scan, no sort.
        match kind {
            DbKind::Sqlite => {
                assert!(plan.contains("SEARCH"), "{sql}\n{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{sql}\n{plan}");
            }
            DbKind::Postgres => {
                assert!(plan.contains("Index"), "{sql}\n{plan}");
                assert!(!plan.contains("Seq Scan"), "{sql}\n{plan}");
                assert!(!plan.contains("Sort"), "{sql}\n{plan}");
            }
        }
        eprintln!("{index}: {plan}");
    }

    let list = |query: String| api.url(&format!("/webhooks/{}/logs{query}", hook.id));
    let timed = |url: String| {
        let owner = api.owner.clone();
        async move {
            let started = Instant::now();
            let (status, page) = get_json(&owner, &url).await;
            assert_eq!(status, 200, "{url}: {page}");
            (started.elapsed(), page)
        }
    };
    // Once to warm up the connections, then timed.
    timed(list("?limit=1".into())).await;
    let (first_time, first) = timed(list(String::new())).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    // Deep in the log: the cursor of the oldest rows.
    let oldest: i64 = env
        .count(&format!(
            "SELECT MIN(id) FROM request_logs WHERE webhook_id = {}",
            hook.id
        ))
        .await;
    let (deep_time, deep) = timed(list(format!("?limit=500&cursor={}", oldest + 100))).await;
    assert_eq!(deep["items"].as_array().unwrap().len(), 100);
    assert!(deep["next_cursor"].is_null());
    let (bot_time, bot_page) = timed(api.url(&format!(
        "/bots/{}/logs?limit=500&cursor={}",
        env.bot_id,
        oldest + 60_000
    )))
    .await;
    assert_eq!(bot_page["items"].as_array().unwrap().len(), 500);
    eprintln!("first page {first_time:?}, deep page {deep_time:?}, bot page {bot_time:?}");
    for t in [first_time, deep_time, bot_time] {
        assert!(t < Duration::from_secs(2), "a page took {t:?}");
    }
    let (_, rare) = timed(list("?outcome=rejected&q=needle".into())).await;
    assert_eq!(rare["items"].as_array().unwrap().len(), 10);

    let started = Instant::now();
    let response = api
        .owner
        .get(api.url(&format!("/webhooks/{}/logs.csv", hook.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    eprintln!("exported {} bytes in {:?}", text.len(), started.elapsed());
    assert_eq!(text.matches("\r\n").count(), N as usize + 1);
    assert!(started.elapsed() < Duration::from_secs(60));
}

async fn other_workspace_sees_nothing(kind: DbKind) {
    // The stranger owns a bot of their own: its list is empty, and A's rows never show.
    let api = ApiEnv::new(kind).await;
    let env = &api.env;
    let hook = plain_webhook(env, "Orders").await;
    insert(
        env,
        &hook,
        Row {
            received_at: 1,
            outcome: Outcome::Matched,
            detail: "A's row",
            body: Some("{}"),
            user_id: None,
        },
    )
    .await;
    let (status, other_ws): (u16, Value) = get_json(&api.stranger, &api.url("/auth/me")).await;
    assert_eq!(status, 200);
    let other_ws = other_ws["workspaces"][0]["workspace_id"].as_i64().unwrap();
    let other_bot = botwire_server::store::bots::create_bot(
        env.db.pool(),
        &botwire_server::store::bots::NewBot {
            workspace_id: other_ws,
            name: "B's bot".into(),
            channel: botwire_core::channel::Channel::Sms,
            default_country: botwire_core::phone::Country::parse("US").unwrap(),
            daily_limit: botwire_core::limits::DailyLimit::DEFAULT,
            max_webhooks: botwire_core::limits::MaxWebhooks::DEFAULT,
        },
    )
    .await
    .unwrap();
    let other_hook = webhooks::create(
        env.db.pool(),
        other_bot,
        &WebhookName::parse("B's hook").unwrap(),
    )
    .await
    .unwrap();
    let (status, page) =
        get_json(&api.stranger, &api.url(&format!("/bots/{other_bot}/logs"))).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page), Vec::<i64>::new());
    let (status, page) = get_json(
        &api.stranger,
        &api.url(&format!("/webhooks/{}/logs", other_hook.id)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page), Vec::<i64>::new());
    // And the owner of A cannot read B's.
    let (status, _) = get_json(&api.owner, &api.url(&format!("/bots/{other_bot}/logs"))).await;
    assert_eq!(status, 404);
}

/// The text filter ignores the case of any letter on both databases (SQLite's own LOWER
/// folds ASCII only).
async fn text_filter_ignores_the_case_of_any_letter(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = plain_webhook(&api.env, "Orders").await;
    let mut rows = Vec::new();
    for (i, body) in [r#"{"name":"Álvaro"}"#, r#"{"city":"ZÜRICH"}"#]
        .iter()
        .enumerate()
    {
        let row = Row {
            received_at: 1_700_000_000_000 + i as i64,
            outcome: Outcome::Matched,
            detail: "d",
            body: Some(body),
            user_id: None,
        };
        rows.push(insert(&api.env, &hook, row).await);
    }
    for (q, expected) in [
        ("álvaro", vec![rows[0]]),
        ("ÁLVARO", vec![rows[0]]),
        ("zürich", vec![rows[1]]),
    ] {
        let url = api.url(&format!("/webhooks/{}/logs?q={q}", hook.id));
        let (status, page) = get_json(&api.owner, &url).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(ids(&page), expected, "{q}");
    }
}

on_both_databases!(
    text_filter_ignores_the_case_of_any_letter,
    lists_filters_and_paging,
    log_authorization,
    detail_and_replay,
    csv_export,
    logs_at_scale,
    other_workspace_sees_nothing,
);
