//! The users routes of the REST API, on SQLite and PostgreSQL: search with paging, and one
//! user's detail with typed field values, outbox messages and log rows; authorisation.

mod api_client;
mod support;
use api_client::*;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

/// Creates a user with `phone`, then sets the given columns directly.
async fn user(api: &ApiEnv, phone: &str, columns: &[(&str, &str)]) -> i64 {
    let id = api.env.create_user(Some(phone), None).await.id;
    for (column, value) in columns {
        sqlx::query(&format!("UPDATE bot_users SET {column} = $1 WHERE id = $2"))
            .bind(*value)
            .bind(id)
            .execute(api.env.db.pool())
            .await
            .unwrap();
    }
    id
}

async fn user_search(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let ana = user(
        &api,
        "+14155550101",
        &[("first_name", "Ana"), ("last_name", "Souza")],
    )
    .await;
    let anabel = user(
        &api,
        "+14155550102",
        &[("first_name", "ANAbel"), ("email", "lee@example.org")],
    )
    .await;
    let bob = user(
        &api,
        "+14155550103",
        &[("last_name", "Martins"), ("email", "bob@shop.example")],
    )
    .await;
    let odd = user(
        &api,
        "+14155550104",
        &[("first_name", "50%_off"), ("crm_contact_id", "crm-9")],
    )
    .await;
    let mut all = vec![ana, anabel, bob, odd];
    for i in 5..=9 {
        all.push(user(&api, &format!("+1415555010{i}"), &[]).await);
    }
    let bob_ns = api
        .env
        .scalar(&format!("SELECT user_ns FROM bot_users WHERE id = {bob}"))
        .await
        .unwrap();
    all.reverse();

    let users = format!("/bots/{}/users", api.env.bot_id);
    for client in [&api.owner, &api.viewer] {
        assert_eq!(
            walk(&api, client, &users, 4).await,
            all,
            "every user once, newest first"
        );
    }
    assert_eq!(walk(&api, &api.owner, &users, 9).await, all);
    let (status, page) = call(&api, &api.owner, Method::GET, &users, None).await;
    assert_eq!(status, 200);
    let first = &page["items"][0];
    assert_eq!(first["bot_id"], api.env.bot_id);
    assert_eq!(first["phone"], "+14155550109");
    assert_eq!(first["email"], Value::Null);
    assert_eq!(first["source"], "test");
    assert!(first["user_ns"].as_str().unwrap().starts_with("bw_"));
    assert!(first["created_at"].as_i64().unwrap() > 1_700_000_000_000);

    let found = |q: String| {
        let api = &api;
        let users = users.clone();
        async move {
            let (status, page) = call(
                api,
                &api.owner,
                Method::GET,
                &format!("{users}?q={q}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{page}");
            let mut ids: Vec<i64> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(
        found("ana".into()).await,
        [ana, anabel],
        "first name, any case"
    );
    assert_eq!(found("SOUZA".into()).await, [ana], "last name");
    assert_eq!(found("martins".into()).await, [bob]);
    assert_eq!(found("0102".into()).await, [anabel], "phone");
    assert_eq!(
        found("%2B1415555010".into()).await.len(),
        9,
        "phone with its +"
    );
    assert_eq!(
        found("EXAMPLE.ORG".into()).await,
        [anabel],
        "email, any case"
    );
    assert_eq!(found(bob_ns[3..].to_uppercase()).await, [bob], "user_ns");
    assert_eq!(
        found("%25_o".into()).await,
        [odd],
        "% and _ match themselves"
    );
    assert_eq!(
        found("5_%25".into()).await,
        Vec::<i64>::new(),
        "not wildcards"
    );
    assert_eq!(
        found("crm-9".into()).await,
        Vec::<i64>::new(),
        "not a searched column"
    );
    assert_eq!(
        found("%20%20".into()).await.len(),
        9,
        "blank text is no search"
    );

    let ids = walk(&api, &api.owner, &format!("{users}?q=n"), 1).await;
    assert_newest_first_without_repeats(&ids);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, [ana, anabel, bob], "n is in no user_ns (hex)");

    for (query, field) in [("limit=0", "limit"), ("cursor=-4", "cursor")] {
        let (status, problem) = call(
            &api,
            &api.owner,
            Method::GET,
            &format!("{users}?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), [field]);
    }
    let (status, _) = call(&api, &api.stranger, Method::GET, &users, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&api, &api.anonymous, Method::GET, &users, None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&api, &api.owner, Method::GET, "/bots/999999/users", None).await;
    assert_eq!(status, 404);
}

async fn user_detail(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.env.booking_webhook().await;
    let first = api.env.post_json(&hook, samples::BOOKING).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = samples::BOOKING.replace("\"Ana\"", "\"Ana Maria\"");
    let second: Value = api.env.post_json(&hook, &again).await.json().await.unwrap();
    // A request that names nobody touches no user.
    assert_eq!(
        api.env
            .post_json(&hook, r#"{"contact": {}}"#)
            .await
            .status(),
        422
    );
    let user_ns = first["user_ns"].as_str().unwrap();
    let id: i64 = api
        .env
        .count(&format!(
            "SELECT id FROM bot_users WHERE user_ns = '{user_ns}'"
        ))
        .await;

    let path = format!("/users/{id}");
    let (status, user) = call(&api, &api.viewer, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["id"], id);
    assert_eq!(user["bot_id"], api.env.bot_id);
    assert_eq!(user["user_ns"], user_ns);
    assert_eq!(user["phone"], "+14155550132");
    assert_eq!(user["email"], "ana.souza@example.com");
    assert_eq!(user["first_name"], "Ana Maria");
    assert_eq!(user["last_name"], "Souza");
    assert_eq!(user["crm_contact_id"], Value::Null);

    let sample: Value = serde_json::from_str(samples::BOOKING).unwrap();
    let fields = user["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["booking_start", "answers", "service"]);
    assert_eq!(fields[0]["type"], "datetime");
    assert_eq!(fields[0]["value"], "2026-12-03T15:30:00Z");
    assert_eq!(fields[0]["display"], "2026-12-03 15:30 UTC");
    assert_eq!(fields[1]["type"], "json");
    assert_eq!(fields[1]["value"], sample["answers"]);
    assert_eq!(fields[2]["type"], "text");
    assert_eq!(fields[2]["value"], "Initial consultation");
    assert_eq!(fields[2]["display"], "Initial consultation");
    assert!(fields.iter().all(|f| f.get("error").is_none()));
    assert!(fields[0]["updated_at"].as_i64().unwrap() > 1_700_000_000_000);

    let outbox = user["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        outbox[0]["message"],
        "Hi Ana Maria, see you on 2026-12-03 15:30 UTC"
    );
    assert_eq!(
        outbox[1]["message"],
        "Hi Ana, see you on 2026-12-03 15:30 UTC"
    );
    assert_eq!(outbox[0]["channel"], "sms");
    assert_eq!(outbox[0]["status"], "queued");
    assert_eq!(outbox[0]["webhook_id"], hook.id);

    let logs = user["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2, "{logs:?}");
    assert_eq!(logs[0]["id"], second["log_id"]);
    assert_eq!(logs[1]["id"], first["log_id"]);
    assert_eq!(logs[0]["outcome"], "matched");
    assert_eq!(logs[1]["outcome"], "created");
    assert_eq!(logs[0]["status"], 200);
    assert_eq!(logs[0]["webhook_id"], hook.id);
    assert!(logs[0]["received_at"].as_i64().unwrap() >= logs[1]["received_at"].as_i64().unwrap());

    // A stored value that no longer fits its type is shown as stored, with the reason.
    let (status, score) = call(
        &api,
        &api.owner,
        Method::POST,
        &format!("/bots/{}/fields", api.env.bot_id),
        Some(json!({ "name": "score", "type": "number" })),
    )
    .await;
    assert_eq!(status, 201);
    api.env
        .db
        .pool()
        .execute_sql(&format!(
            "INSERT INTO field_values (user_id, field_id, value, updated_at) VALUES ({id}, {}, '\"high\"', 1)",
            score["id"]
        ))
        .await;
    // Only the newest 100 messages and log rows.
    for i in 0..105 {
        api.env
            .db
            .pool()
            .execute_sql(&format!(
                "INSERT INTO outbox (bot_id, user_id, channel, message, created_at) \
                 VALUES ({}, {id}, 'sms', 'bulk {i}', {i})",
                api.env.bot_id
            ))
            .await;
        api.env
            .db
            .pool()
            .execute_sql(&format!(
                "INSERT INTO request_logs (bot_id, webhook_id, received_at, method, headers, status, outcome, \
                 detail, user_id, response, duration_us) \
                 VALUES ({}, {}, {i}, 'POST', '{{}}', 200, 'matched', 'bulk', {id}, '{{}}', 1)",
                api.env.bot_id, hook.id
            ))
            .await;
    }
    let (status, user) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let score = &user["fields"][3];
    assert_eq!(score["name"], "score");
    assert_eq!(score["value"], "high");
    assert_eq!(score["display"], "high");
    assert_eq!(score["error"], "expected a number, found string \"high\"");
    let outbox = user["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 100);
    assert_eq!(outbox[0]["message"], "bulk 104");
    assert_eq!(outbox[99]["message"], "bulk 5");
    let logs = user["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 100);
    let ids: Vec<i64> = logs.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_newest_first_without_repeats(&ids);
    assert_eq!(logs[0]["received_at"], 104);

    let (status, _) = call(&api, &api.stranger, Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&api, &api.anonymous, Method::GET, &path, None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&api, &api.owner, Method::GET, "/users/999999", None).await;
    assert_eq!(status, 404);
}

/// SQLite's own LOWER folds ASCII only: "álvaro" did not find "Álvaro" there, as it does on
/// PostgreSQL.
async fn user_search_ignores_the_case_of_any_letter(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let alvaro = user(
        &api,
        "+14155550121",
        &[("first_name", "Álvaro"), ("last_name", "ØSTERGÅRD")],
    )
    .await;
    let other = user(&api, "+14155550122", &[("first_name", "Alvaro")]).await;
    let users = format!("/bots/{}/users", api.env.bot_id);
    for (q, expected) in [
        ("álvaro", vec![alvaro]),
        ("ÁLVARO", vec![alvaro]),
        ("østergård", vec![alvaro]),
        ("alvaro", vec![other]),
    ] {
        let (status, page) = call(
            &api,
            &api.owner,
            Method::GET,
            &format!("{users}?q={q}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected, "{q}");
    }
}

on_both_databases!(
    user_search,
    user_detail,
    user_search_ignores_the_case_of_any_letter
);
