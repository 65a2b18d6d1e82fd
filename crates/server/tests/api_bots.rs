//! The bots, custom fields and usage routes of the REST API, on SQLite and PostgreSQL: each
//! route's success, validation errors (problem+json naming the field), authorisation (no
//! credentials 401, another workspace 404, viewers read but do not write) and paging.

mod api_client;
mod support;
use api_client::*;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

async fn create_bot(api: &ApiEnv, name: &str) -> Value {
    let (status, bot) = call(
        api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({ "workspace_id": api.workspace_id, "name": name, "channel": "sms", "default_country": "US" })),
    )
    .await;
    assert_eq!(status, 201, "{bot}");
    bot
}

async fn bots_crud(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let (status, bot) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({
            "workspace_id": api.workspace_id,
            "name": "  Sales desk ",
            "channel": " WhatsApp ",
            "default_country": "gb",
        })),
    )
    .await;
    assert_eq!(status, 201, "{bot}");
    let id = bot["id"].as_i64().unwrap();
    assert_eq!(bot["workspace_id"], api.workspace_id);
    assert_eq!(bot["name"], "Sales desk");
    assert_eq!(bot["channel"], "whatsapp");
    assert_eq!(bot["default_country"], "GB");
    assert_eq!(bot["daily_limit"], 500);
    assert_eq!(bot["max_webhooks"], 5);
    assert_eq!(bot["accepted_24h"], 0);
    assert_eq!(bot["webhooks"], json!({ "active": 0, "total": 0 }));
    assert_eq!(bot["last_error"], Value::Null);

    // The owner belongs to one workspace: it may be left out.
    let (status, other) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(
            json!({ "name": "Support", "channel": "email", "default_country": "DE",
                     "daily_limit": 3000, "max_webhooks": 20 }),
        ),
    )
    .await;
    assert_eq!(status, 201, "{other}");
    assert_eq!(other["workspace_id"], api.workspace_id);
    assert_eq!(other["daily_limit"], 3000);
    assert_eq!(other["max_webhooks"], 20);

    let path = format!("/bots/{id}");
    let (status, got) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(got, bot);
    let (status, got) = call(&api, &api.viewer, Method::GET, &path, None).await;
    assert_eq!(status, 200, "viewers read");
    assert_eq!(got, bot);

    let (status, changed) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Sales", "daily_limit": 2000, "channel": "sms" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Sales");
    assert_eq!(changed["daily_limit"], 2000);
    assert_eq!(changed["channel"], "sms");
    assert_eq!(changed["default_country"], "GB", "left out, left alone");
    assert_eq!(changed["max_webhooks"], 5);
    let (_, got) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(got, changed);

    // Concurrent changes of different settings all land.
    for round in 0..5 {
        let name = format!("Sales {round}");
        let limit = [1000, 4000][round % 2];
        let (a, b) = tokio::join!(
            call(
                &api,
                &api.owner,
                Method::PATCH,
                &path,
                Some(json!({ "name": name }))
            ),
            call(
                &api,
                &api.owner,
                Method::PATCH,
                &path,
                Some(json!({ "daily_limit": limit }))
            ),
        );
        assert_eq!((a.0, b.0), (200, 200));
        let (_, got) = call(&api, &api.owner, Method::GET, &path, None).await;
        assert_eq!(got["name"], name.as_str());
        assert_eq!(got["daily_limit"], limit);
    }
    let (status, _) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Sales" })),
    )
    .await;
    assert_eq!(status, 200);

    // Viewers cannot change anything.
    let body = json!({ "name": "Nope", "channel": "sms", "default_country": "US", "workspace_id": api.workspace_id });
    for (method, path, body) in [
        (Method::POST, "/bots".to_owned(), Some(body.clone())),
        (Method::PATCH, path.clone(), Some(json!({ "name": "Nope" }))),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, problem) = call(&api, &api.viewer, method.clone(), &path, body).await;
        assert_eq!(status, 403, "viewer {method} {path}: {problem}");
    }
    // Another workspace's owner does not see them at all.
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::POST, "/bots".to_owned(), Some(body.clone())),
        (Method::PATCH, path.clone(), Some(json!({ "name": "Mine" }))),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, problem) = call(&api, &api.stranger, method.clone(), &path, body).await;
        assert_eq!(status, 404, "stranger {method} {path}: {problem}");
    }
    // Without credentials nothing answers.
    for (method, path, body) in [
        (Method::GET, "/bots".to_owned(), None),
        (Method::GET, path.clone(), None),
        (Method::POST, "/bots".to_owned(), Some(body.clone())),
        (Method::PATCH, path.clone(), Some(json!({ "name": "Mine" }))),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, problem) = call(&api, &api.anonymous, method.clone(), &path, body).await;
        assert_eq!(status, 401, "anonymous {method} {path}: {problem}");
    }
    let (_, got) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(got["name"], "Sales", "nobody else changed it");

    // An owner cannot move a bot into a workspace they are not in.
    let (status, _) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "workspace_id": api.workspace_id + 1 })),
    )
    .await;
    assert_eq!(status, 404);

    // Deleting takes the bot's webhooks, users and logs with it.
    let hook = api.env.booking_webhook().await;
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        200
    );
    let env_bot = format!("/bots/{}", api.env.bot_id);
    let (status, body) = call(&api, &api.owner, Method::DELETE, &env_bot, None).await;
    assert_eq!(status, 204);
    assert_eq!(body, Value::Null);
    let (status, _) = call(&api, &api.owner, Method::GET, &env_bot, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&api, &api.owner, Method::DELETE, &env_bot, None).await;
    assert_eq!(status, 404);
    for table in [
        "bot_users",
        "inbound_webhooks",
        "request_logs",
        "custom_fields",
        "usage_hours",
        "outbox",
    ] {
        assert_eq!(
            api.env
                .count(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE bot_id = {}",
                    api.env.bot_id
                ))
                .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        404,
        "the deleted bot's webhook URL is gone"
    );
}

async fn bot_validation(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let (status, problem) = call(&api, &api.owner, Method::POST, "/bots", Some(json!({}))).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        error_fields(&problem),
        ["name", "channel", "default_country"]
    );
    assert_eq!(error_for(&problem, "name"), "required");

    let (status, problem) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(
            json!({ "workspace_id": api.workspace_id, "name": "  ", "channel": "fax",
                     "default_country": "XX", "daily_limit": 750, "max_webhooks": 0 }),
        ),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        error_fields(&problem),
        [
            "name",
            "channel",
            "default_country",
            "daily_limit",
            "max_webhooks"
        ]
    );
    // The same texts as the domain types give everywhere else.
    use botwire_core::channel::Channel;
    use botwire_core::limits::{DailyLimit, MaxWebhooks};
    use botwire_core::phone::Country;
    assert_eq!(
        error_for(&problem, "channel"),
        Channel::parse("fax").unwrap_err()
    );
    assert_eq!(
        error_for(&problem, "default_country"),
        Country::parse("XX").unwrap_err()
    );
    assert_eq!(
        error_for(&problem, "daily_limit"),
        DailyLimit::parse(750).unwrap_err()
    );
    assert_eq!(
        error_for(&problem, "max_webhooks"),
        MaxWebhooks::parse(0).unwrap_err()
    );
    assert!(error_for(&problem, "name").contains("1–100"), "{problem}");

    // 100 characters (not bytes) are fine, 101 are not.
    let long = "é".repeat(100);
    let ok = create_bot(&api, &long).await;
    assert_eq!(ok["name"], long.as_str());
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({ "name": format!("{long}x"), "channel": "sms", "default_country": "US" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["name"]);
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({ "name": "Tab\there", "channel": "sms", "default_country": "US" })),
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_for(&problem, "name").contains("control"), "{problem}");

    // A member of the wrong JSON type is named too; malformed JSON is a 400.
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({ "name": 5, "channel": "sms", "default_country": "US" })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(error_fields(&problem), ["name"]);
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::POST,
        "/bots",
        Some(json!({ "name": "A", "channel": "sms", "default_country": "US", "daily_limit": -1 })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(error_fields(&problem), ["daily_limit"]);
    let response = api
        .owner
        .post(api.url("/bots"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    // PATCH validates the same way, and changes nothing when one value is wrong.
    let path = format!("/bots/{}", api.env.bot_id);
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Renamed", "daily_limit": 123, "default_country": "" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["default_country", "daily_limit"]);
    let (_, bot) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(bot["name"], "Front desk");

    // The webhook limit cannot go below the webhooks the bot has.
    for name in ["One", "Two", "Three"] {
        api.env.webhook(name, phone_config(), false).await;
    }
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "max_webhooks": 2 })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let message = error_for(&problem, "max_webhooks");
    assert!(message.contains('3') && message.contains('2'), "{message}");
    let (_, bot) = call(&api, &api.owner, Method::GET, &path, None).await;
    assert_eq!(bot["max_webhooks"], 5);
    assert_eq!(bot["webhooks"], json!({ "active": 0, "total": 3 }));
    let (status, bot) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &path,
        Some(json!({ "max_webhooks": 3 })),
    )
    .await;
    assert_eq!(status, 200, "{bot}");
    assert_eq!(bot["max_webhooks"], 3);
}

async fn bot_list(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let mut created = vec![api.env.bot_id];
    for name in [
        "Sales 1",
        "SALES 2",
        "100% Support",
        "under_score",
        "Back\\slash",
        "Plain",
        "Other",
    ] {
        created.push(create_bot(&api, name).await["id"].as_i64().unwrap());
    }
    // Another workspace's bot never shows.
    let (status, theirs) = call(
        &api,
        &api.stranger,
        Method::POST,
        "/bots",
        Some(json!({ "name": "Sales 3", "channel": "sms", "default_country": "US" })),
    )
    .await;
    assert_eq!(status, 201, "{theirs}");
    let stranger_workspace = theirs["workspace_id"].as_i64().unwrap();

    created.reverse();
    for client in [&api.owner, &api.viewer] {
        let ids = walk(&api, client, "/bots", 3).await;
        assert_eq!(ids, created, "every bot once, newest first");
    }
    let ids = walk(&api, &api.owner, "/bots", 8).await;
    assert_eq!(ids, created, "exactly one full page");
    let ids = walk(&api, &api.owner, "/bots", 500).await;
    assert_eq!(ids, created);
    assert_newest_first_without_repeats(&ids);
    let (_, page) = call(&api, &api.owner, Method::GET, "/bots", None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 8);
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(
        walk(&api, &api.stranger, "/bots", 2).await,
        [theirs["id"].as_i64().unwrap()]
    );

    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (q, expected) in [
        ("sales", vec!["SALES 2", "Sales 1"]),
        ("%25", vec!["100% Support"]),
        ("_", vec!["under_score"]),
        ("%5C", vec!["Back\\slash"]),
        ("FRONT", vec!["Front desk"]),
        ("zzz", vec![]),
        (
            "%20",
            vec!["Other", "100% Support", "SALES 2", "Sales 1", "Front desk"],
        ),
    ] {
        let (status, page) =
            call(&api, &api.owner, Method::GET, &format!("/bots?q={q}"), None).await;
        assert_eq!(status, 200);
        let mut got = names(&page);
        if q == "%20" {
            // Blank search text means no search.
            assert_eq!(got.len(), 8);
            continue;
        }
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(got, expected, "q={q}");
    }
    let ids = walk(&api, &api.owner, "/bots?q=s", 2).await;
    assert_newest_first_without_repeats(&ids);
    assert_eq!(ids.len(), 6, "search and paging together");

    // The channel filter applies before paging, so every page is full of that channel's bots.
    let (plain, sales_1) = (created[1], created[6]);
    for id in [plain, sales_1] {
        let (status, bot) = call(
            &api,
            &api.owner,
            Method::PATCH,
            &format!("/bots/{id}"),
            Some(json!({ "channel": "whatsapp" })),
        )
        .await;
        assert_eq!(status, 200, "{bot}");
    }
    assert_eq!(
        walk(&api, &api.owner, "/bots?channel=whatsapp", 1).await,
        [plain, sales_1]
    );
    assert_eq!(
        walk(&api, &api.owner, "/bots?channel=%20WhatsApp%20", 1).await,
        [plain, sales_1]
    );
    assert_eq!(
        walk(&api, &api.owner, "/bots?channel=whatsapp&q=sales", 1).await,
        [sales_1]
    );
    assert_eq!(
        walk(&api, &api.owner, "/bots?channel=email", 1).await,
        Vec::<i64>::new()
    );
    let (_, problem) = call(&api, &api.owner, Method::GET, "/bots?channel=fax", None).await;
    assert!(
        error_for(&problem, "channel").contains("expected one of sms, voice"),
        "{problem}"
    );

    let (status, page) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots?workspace_id={}", api.workspace_id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 8);
    let (status, _) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots?workspace_id={stranger_workspace}"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=4294967296", "limit"),
        ("limit=ten", "limit"),
        ("cursor=abc", "cursor"),
        ("channel=fax", "channel"),
        ("channel=", "channel"),
    ] {
        let (status, problem) = call(
            &api,
            &api.owner,
            Method::GET,
            &format!("/bots?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(error_fields(&problem), [field]);
    }

    // The list figures: requests in the rolling window, webhooks, the last error.
    let hook = api.env.booking_webhook().await;
    api.env.webhook("Idle", phone_config(), false).await;
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        200
    );
    assert_eq!(
        api.env.post_json(&hook, "{\"broken\": ").await.status(),
        400
    );
    let (_, page) = call(&api, &api.owner, Method::GET, "/bots?q=front", None).await;
    let bot = &page["items"][0];
    assert_eq!(bot["accepted_24h"], 2);
    assert_eq!(bot["webhooks"], json!({ "active": 1, "total": 2 }));
    let error = &bot["last_error"];
    assert_eq!(error["outcome"], "invalid_body");
    assert_eq!(error["status"], 400);
    assert_eq!(error["webhook_id"], hook.id);
    let newest_log: i64 = api.env.count("SELECT MAX(id) FROM request_logs").await;
    assert_eq!(error["log_id"], newest_log);
    assert!(error["at"].as_i64().unwrap() > 1_700_000_000_000);
    let (_, single) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots/{}", api.env.bot_id),
        None,
    )
    .await;
    assert_eq!(&single, bot, "the list and the detail agree");
    // A later success does not hide the last error.
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        200
    );
    let (_, single) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots/{}", api.env.bot_id),
        None,
    )
    .await;
    assert_eq!(single["last_error"]["log_id"], newest_log);
    assert_eq!(single["accepted_24h"], 3);
}

async fn custom_fields(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let fields = format!("/bots/{}/fields", api.env.bot_id);
    let (status, field) = call(
        &api,
        &api.owner,
        Method::POST,
        &fields,
        Some(json!({ "name": " plan ", "type": "text" })),
    )
    .await;
    assert_eq!(status, 201, "{field}");
    assert_eq!(field["name"], "plan");
    assert_eq!(field["type"], "text");
    assert_eq!(field["bot_id"], api.env.bot_id);
    let plan = field["id"].as_i64().unwrap();

    // Validation: duplicates, names the template language cannot use, unknown types.
    use botwire_core::field::FieldType;
    use botwire_core::names::FieldName;
    for (body, field, message) in [
        (json!({ "name": "plan", "type": "number" }), "name", None),
        // `{{Plan}}` and `{{plan}}` must never name two fields.
        (json!({ "name": "Plan", "type": "number" }), "name", None),
        (
            json!({ "name": "first_name", "type": "text" }),
            "name",
            Some(FieldName::parse("first_name").unwrap_err()),
        ),
        (
            json!({ "name": "2fast", "type": "text" }),
            "name",
            Some(FieldName::parse("2fast").unwrap_err()),
        ),
        (
            json!({ "name": "ok", "type": "string" }),
            "type",
            Some(FieldType::parse("string").unwrap_err()),
        ),
        (json!({ "name": "ok", "type": 3 }), "type", None),
    ] {
        let (status, problem) =
            call(&api, &api.owner, Method::POST, &fields, Some(body.clone())).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(error_fields(&problem), [field], "{body}");
        if let Some(message) = message {
            assert_eq!(error_for(&problem, field), message);
        }
    }
    let (status, problem) = call(&api, &api.owner, Method::POST, &fields, Some(json!({}))).await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["name", "type"]);

    // Paging, newest first.
    let mut ids = vec![plan];
    for i in 0..6 {
        let (status, f) = call(
            &api,
            &api.owner,
            Method::POST,
            &fields,
            Some(json!({ "name": format!("f{i}"), "type": "number" })),
        )
        .await;
        assert_eq!(status, 201);
        ids.push(f["id"].as_i64().unwrap());
    }
    ids.reverse();
    assert_eq!(walk(&api, &api.owner, &fields, 2).await, ids);
    assert_eq!(walk(&api, &api.viewer, &fields, 7).await, ids);

    // Authorisation.
    let field_path = format!("{fields}/{plan}");
    let (status, _) = call(
        &api,
        &api.viewer,
        Method::POST,
        &fields,
        Some(json!({ "name": "v", "type": "text" })),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &api,
        &api.viewer,
        Method::PATCH,
        &field_path,
        Some(json!({ "name": "v" })),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(&api, &api.viewer, Method::DELETE, &field_path, None).await;
    assert_eq!(status, 403);
    for (method, path, body) in [
        (Method::GET, fields.clone(), None),
        (
            Method::POST,
            fields.clone(),
            Some(json!({ "name": "s", "type": "text" })),
        ),
        (
            Method::PATCH,
            field_path.clone(),
            Some(json!({ "name": "s" })),
        ),
        (Method::DELETE, format!("{field_path}?confirm=true"), None),
    ] {
        let (status, _) = call(&api, &api.stranger, method.clone(), &path, body.clone()).await;
        assert_eq!(status, 404, "stranger {method} {path}");
        let (status, _) = call(&api, &api.anonymous, method.clone(), &path, body).await;
        assert_eq!(status, 401, "anonymous {method} {path}");
    }
    // A field reached through another bot's path is not found.
    let other = create_bot(&api, "Other").await["id"].as_i64().unwrap();
    let (status, _) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &format!("/bots/{other}/fields/{plan}"),
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("/bots/{other}/fields/{plan}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, page) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots/{other}/fields"),
        None,
    )
    .await;
    assert_eq!(page["items"], json!([]));

    // Renaming: the webhook's mappings and template follow, and requests keep working.
    let hook = api.env.booking_webhook().await;
    let fields_by_name = |page: &Value, name: &str| -> i64 {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no field {name}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (_, page) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("{fields}?limit=100"),
        None,
    )
    .await;
    let start = fields_by_name(&page, "booking_start");
    let answers = fields_by_name(&page, "answers");
    let start_path = format!("{fields}/{start}");
    api.env
        .db
        .pool()
        .execute_sql(&format!(
            "UPDATE inbound_webhooks SET action_template = 'Hi {{{{first_name}}}}, see you on {{{{ booking_start }}}} ({{{{booking_start}}}}) {{{{booking_starts}}}}' WHERE id = {}",
            hook.id
        ))
        .await;
    let (status, renamed) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &start_path,
        Some(json!({ "name": "appointment" })),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "appointment");
    assert_eq!(renamed["type"], "datetime");
    let template = api
        .env
        .scalar(&format!(
            "SELECT action_template FROM inbound_webhooks WHERE id = {}",
            hook.id
        ))
        .await
        .unwrap();
    assert_eq!(
        template,
        "Hi {{first_name}}, see you on {{ appointment }} ({{appointment}}) {{booking_starts}}",
        "only whole placeholder names are renamed"
    );
    let mappings: Value = serde_json::from_str(
        &api.env
            .scalar(&format!(
                "SELECT mappings FROM inbound_webhooks WHERE id = {}",
                hook.id
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        mappings
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["field"] == "appointment"),
        "{mappings}"
    );
    assert!(
        !mappings
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["field"] == "booking_start"),
        "{mappings}"
    );
    // Drop the unknown placeholder again, then a request stores into the renamed field.
    api.env
        .db
        .pool()
        .execute_sql(&format!(
            "UPDATE inbound_webhooks SET action_template = 'See you on {{{{appointment}}}}' WHERE id = {}",
            hook.id
        ))
        .await;
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        200
    );
    assert_eq!(
        api.env
            .scalar("SELECT message FROM outbox")
            .await
            .as_deref(),
        Some("See you on 2026-12-03 15:30 UTC")
    );
    assert_eq!(
        api.env
            .count(&format!(
                "SELECT COUNT(*) FROM field_values WHERE field_id = {start}"
            ))
            .await,
        1
    );

    // Rename errors: a taken name, an invalid name, a type change; nothing changes.
    for (body, field) in [
        (json!({ "name": "plan" }), "name"),
        (json!({ "name": "has space" }), "name"),
        (json!({ "type": "text" }), "type"),
        (json!({ "type": "nope" }), "type"),
    ] {
        let (status, problem) = call(
            &api,
            &api.owner,
            Method::PATCH,
            &start_path,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    let (status, same) = call(
        &api,
        &api.owner,
        Method::PATCH,
        &start_path,
        Some(json!({ "name": "appointment", "type": "datetime" })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(same, renamed);

    // Deleting: an unused field goes at once.
    let f0 = fields_by_name(&page, "f0");
    let (status, _) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("{fields}/{f0}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("{fields}/{f0}"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // A used field: 409 listing what uses it, then deleted with confirm=true.
    let answers_path = format!("{fields}/{answers}");
    let (status, problem) = call(&api, &api.owner, Method::DELETE, &answers_path, None).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        problem["uses"],
        json!({
            "webhooks": [{ "webhook_id": hook.id, "webhook_name": "Bookings", "in_mappings": true, "in_template": false }],
            "users_with_value": 1,
        })
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("Bookings"),
        "{problem}"
    );
    let (status, _) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("{answers_path}?confirm=false"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (status, problem) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("{answers_path}?confirm=yes"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["confirm"]);
    let (status, problem) = call(&api, &api.owner, Method::DELETE, &start_path, None).await;
    assert_eq!(status, 409);
    assert_eq!(problem["uses"]["webhooks"][0]["in_template"], true);
    assert_eq!(problem["uses"]["webhooks"][0]["in_mappings"], true);

    let (status, _) = call(
        &api,
        &api.owner,
        Method::DELETE,
        &format!("{answers_path}?confirm=true"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        api.env
            .count(&format!(
                "SELECT COUNT(*) FROM field_values WHERE field_id = {answers}"
            ))
            .await,
        0
    );
    let mappings: Value = serde_json::from_str(
        &api.env
            .scalar(&format!(
                "SELECT mappings FROM inbound_webhooks WHERE id = {}",
                hook.id
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(mappings.as_array().unwrap().len(), 4, "{mappings}");
    assert!(
        !mappings
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["field"] == "answers")
    );
    let (_, page) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("{fields}?limit=100"),
        None,
    )
    .await;
    assert!(
        !page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == answers)
    );
    // The webhook still processes requests.
    assert_eq!(
        api.env.post_json(&hook, samples::BOOKING).await.status(),
        200
    );
}

async fn usage(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hour = clear_of_hour_boundary().await;
    let day = hour.div_euclid(24);
    let one = api.env.webhook("One", phone_config(), true).await;
    let two = api.env.webhook("Two", phone_config(), true).await;
    // Rows as the receiver counts them: (webhook, hour, accepted, limited).
    let rows = [
        (one.id, hour, 3, 1),
        (two.id, hour, 2, 0),
        (one.id, hour - 5, 7, 0),
        (one.id, hour - 23, 1, 0),
        (one.id, hour - 24, 4, 2),
        (one.id, hour - 25, 50, 0),
        (one.id, (day - 29) * 24, 6, 0),
        (one.id, (day - 30) * 24 + 23, 100, 100),
    ];
    for (webhook, h, accepted, limited) in rows {
        api.env
            .db
            .pool()
            .execute_sql(&format!(
                "INSERT INTO usage_hours (bot_id, webhook_id, hour, accepted, limited) \
                 VALUES ({}, {webhook}, {h}, {accepted}, {limited})",
                api.env.bot_id
            ))
            .await;
    }
    // And one real request on top.
    assert_eq!(
        api.env
            .post_json(&one, r#"{"phone": "+1 415 555 0132"}"#)
            .await
            .status(),
        200
    );

    let (status, report) = call(
        &api,
        &api.viewer,
        Method::GET,
        &format!("/bots/{}/usage", api.env.bot_id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let hours = report["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 25);
    for (i, h) in hours.iter().enumerate() {
        assert_eq!(
            h["hour_start"],
            (hour - 24 + i as i64) * 3_600_000,
            "oldest first"
        );
    }
    let at = |h: i64| &hours[(h - (hour - 24)) as usize];
    assert_eq!(at(hour)["accepted"], 3 + 2 + 1);
    assert_eq!(at(hour)["limited"], 1);
    assert_eq!(at(hour - 5)["accepted"], 7);
    assert_eq!(at(hour - 23)["accepted"], 1);
    assert_eq!(at(hour - 24)["limited"], 2);
    assert_eq!(
        at(hour - 1)["accepted"],
        0,
        "empty hours are there with zeros"
    );
    let total: i64 = hours.iter().map(|h| h["accepted"].as_i64().unwrap()).sum();
    assert_eq!(total, 18, "hour - 25 is outside the window");
    // The hours add up to what the daily limit counts.
    let (_, view) = call(
        &api,
        &api.viewer,
        Method::GET,
        &format!("/bots/{}", api.env.bot_id),
        None,
    )
    .await;
    assert_eq!(view["accepted_24h"], total, "{view}");

    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    for (i, d) in days.iter().enumerate() {
        assert_eq!(d["day_start"], (day - 29 + i as i64) * 86_400_000);
    }
    let accepted: i64 = days.iter().map(|d| d["accepted"].as_i64().unwrap()).sum();
    let limited: i64 = days.iter().map(|d| d["limited"].as_i64().unwrap()).sum();
    assert_eq!(
        accepted,
        3 + 2 + 1 + 7 + 1 + 4 + 50 + 6,
        "the day 30 days ago is outside"
    );
    assert_eq!(limited, 1 + 2);
    assert_eq!(days[0]["accepted"], 6);
    let today: i64 = (hour - day * 24 + 1).min(24);
    let expected_today: i64 = rows
        .iter()
        .filter(|(_, h, _, _)| h.div_euclid(24) == day)
        .map(|(_, _, a, _)| *a)
        .sum::<i64>()
        + 1;
    assert_eq!(
        days[29]["accepted"], expected_today,
        "today ({today} hours so far)"
    );

    let (status, report) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/webhooks/{}/usage", two.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let hours = report["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 25);
    assert_eq!(hours[24]["accepted"], 2);
    let accepted: i64 = report["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["accepted"].as_i64().unwrap())
        .sum();
    assert_eq!(accepted, 2);

    // A bot without any requests has all its buckets, at zero.
    let other = create_bot(&api, "Quiet").await["id"].as_i64().unwrap();
    let (_, report) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/bots/{other}/usage"),
        None,
    )
    .await;
    assert_eq!(report["hours"].as_array().unwrap().len(), 25);
    assert_eq!(report["days"].as_array().unwrap().len(), 30);
    assert!(
        report["days"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["accepted"] == 0 && d["limited"] == 0)
    );

    for path in [
        format!("/bots/{}/usage", api.env.bot_id),
        format!("/webhooks/{}/usage", one.id),
    ] {
        let (status, _) = call(&api, &api.stranger, Method::GET, &path, None).await;
        assert_eq!(status, 404, "{path}");
        let (status, _) = call(&api, &api.anonymous, Method::GET, &path, None).await;
        assert_eq!(status, 401, "{path}");
        let (status, _) = call(&api, &api.viewer, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, _) = call(
        &api,
        &api.owner,
        Method::GET,
        "/webhooks/999999/usage",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// Lowering `max_webhooks` while a webhook is created: whichever lands second sees the other
/// (409 for the webhook, 422 for the limit), so a bot never has more webhooks than its limit.
async fn limit_lowered_while_a_webhook_is_created(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    for round in 0..30 {
        let (status, bot) = call(
            &api,
            &api.owner,
            Method::POST,
            "/bots",
            Some(json!({ "name": format!("Race {round}"), "channel": "sms",
                         "default_country": "US", "max_webhooks": 3 })),
        )
        .await;
        assert_eq!(status, 201, "{bot}");
        let path = format!("/bots/{}", bot["id"]);
        let hooks = format!("{path}/webhooks");
        for name in ["First", "Second"] {
            let create = Some(json!({ "name": name }));
            let (status, _) = call(&api, &api.owner, Method::POST, &hooks, create).await;
            assert_eq!(status, 201);
        }
        let ((created, _), (lowered, problem)) = tokio::join!(
            call(
                &api,
                &api.owner,
                Method::POST,
                &hooks,
                Some(json!({ "name": "Third" }))
            ),
            call(
                &api,
                &api.owner,
                Method::PATCH,
                &path,
                Some(json!({ "max_webhooks": 2 }))
            ),
        );
        let (_, got) = call(&api, &api.owner, Method::GET, &path, None).await;
        let outcome = format!("round {round}: create {created}, lower {lowered}, bot {got}");
        assert!(
            matches!((created, lowered), (201, 422) | (409, 200)),
            "{outcome}"
        );
        if lowered == 422 {
            assert_eq!(error_fields(&problem), ["max_webhooks"], "{outcome}");
        }
        assert!(
            got["webhooks"]["total"].as_i64() <= got["max_webhooks"].as_i64(),
            "{outcome}"
        );
    }
}

/// The routes of this file are in the OpenAPI document.
async fn openapi_lists_routes(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let (status, doc) = call(&api, &api.anonymous, Method::GET, "/openapi.json", None).await;
    assert_eq!(status, 200);
    for (path, methods) in [
        ("/bots", &["get", "post"][..]),
        ("/bots/{id}", &["get", "patch", "delete"][..]),
        ("/bots/{id}/fields", &["get", "post"][..]),
        ("/bots/{id}/fields/{field_id}", &["patch", "delete"][..]),
        ("/bots/{id}/users", &["get"][..]),
        ("/users/{id}", &["get"][..]),
        ("/bots/{id}/usage", &["get"][..]),
        ("/webhooks/{id}/usage", &["get"][..]),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} missing from the OpenAPI document"
            );
        }
    }
}

/// A bot holds at most 200 custom fields, whose names differ in more than case, however they
/// are made or renamed.
async fn custom_field_limits(kind: DbKind) {
    use botwire_core::limits::MAX_CUSTOM_FIELDS;
    let api = ApiEnv::new(kind).await;
    let fields = format!("/bots/{}/fields", api.env.bot_id);
    let create = async |name: &str| {
        let body = json!({ "name": name, "type": "text" });
        call(&api, &api.owner, Method::POST, &fields, Some(body)).await
    };
    let (status, plan) = create("plan").await;
    assert_eq!(status, 201, "{plan}");
    let (status, other) = create("other").await;
    assert_eq!(status, 201, "{other}");
    let other_path = format!("{fields}/{}", other["id"]);
    let rename = async |path: &str, name: &str| {
        let body = json!({ "name": name });
        call(&api, &api.owner, Method::PATCH, path, Some(body)).await
    };
    let (status, problem) = rename(&other_path, "PLAN").await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        error_for(&problem, "name"),
        "this bot already has a custom field named \"plan\""
    );
    // A field's own name in another case is still its own.
    let (status, renamed) = rename(&other_path, "Other").await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Other");

    let existing = api
        .env
        .count(&format!(
            "SELECT COUNT(*) FROM custom_fields WHERE bot_id = {}",
            api.env.bot_id
        ))
        .await;
    for i in existing..MAX_CUSTOM_FIELDS {
        let (status, field) = create(&format!("f{i}")).await;
        assert_eq!(status, 201, "field {i}: {field}");
    }
    let (status, problem) = create("one_more").await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        problem["detail"],
        format!(
            "this bot already has {MAX_CUSTOM_FIELDS} custom fields, its limit is {MAX_CUSTOM_FIELDS}"
        )
    );
}

on_both_databases!(
    bots_crud,
    bot_validation,
    bot_list,
    custom_fields,
    custom_field_limits,
    usage,
    limit_lowered_while_a_webhook_is_created,
    openapi_lists_routes
);
