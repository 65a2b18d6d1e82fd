//! The inbound-webhook routes of the REST API: list and create per bot, read, edit, activate,
//! rotate, delete, listen mode, evaluate and the live event stream — each route's success,
//! its validation errors, and who may call it (no credentials 401, another workspace 404,
//! viewers read but do not write).

mod support;
use support::*;

use botwire_core::field::FieldType;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use std::time::Duration;

async fn body(response: Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The fields named by a problem+json 422, in order.
async fn invalid_fields(response: Response) -> Vec<String> {
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem = body(response).await;
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The message of the error on `field` in a problem+json 422.
fn message_for<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no error on {field} in {problem}"))["message"]
        .as_str()
        .unwrap()
}

/// Small helpers over the API.
impl ApiEnv {
    async fn create_webhook(&self, name: &str) -> Value {
        let response = self
            .owner
            .post(self.url(&format!("/bots/{}/webhooks", self.env.bot_id)))
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        body(response).await
    }

    async fn patch(&self, client: &Client, id: i64, changes: Value) -> Response {
        client
            .patch(self.url(&format!("/webhooks/{id}")))
            .json(&changes)
            .send()
            .await
            .unwrap()
    }

    async fn post_empty(&self, client: &Client, path: &str) -> Response {
        client.post(self.url(path)).send().await.unwrap()
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.owner.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        body(response).await
    }

    /// Opens the event stream of webhook `id` with `client`'s credentials.
    async fn open_events(&self, client: &Client, id: i64) -> Response {
        let stream = client
            .get(self.url(&format!("/webhooks/{id}/events")))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        stream
    }

    /// Arms listen mode on the inactive webhook `hook` as `client`, then posts `doc` to it: the
    /// request is captured (and answered 403).
    async fn capture(&self, client: &Client, hook: &Value, doc: &str) {
        let listen = format!("/webhooks/{}/listen", hook["id"]);
        assert_eq!(self.post_empty(client, &listen).await.status(), 200);
        let url = hook["url"].as_str().unwrap();
        assert_eq!(self.post_hook(url, doc).await.status(), 403);
    }

    /// POSTs `doc` to the receiver at `/hooks/{token}`.
    async fn post_hook(&self, url: &str, doc: &str) -> Response {
        self.env
            .http
            .post(self.env.server.url(url))
            .header("content-type", "application/json")
            .body(doc.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// Each client's status for one request: (anonymous, stranger, viewer).
    async fn statuses(
        &self,
        method: reqwest::Method,
        path: &str,
        payload: Option<Value>,
    ) -> [u16; 3] {
        let mut out = [0; 3];
        for (i, client) in [&self.anonymous, &self.stranger, &self.viewer]
            .into_iter()
            .enumerate()
        {
            let mut request = client.request(method.clone(), self.url(path));
            if let Some(p) = &payload {
                request = request.json(p);
            }
            out[i] = request.send().await.unwrap().status().as_u16();
        }
        out
    }
}

const PHONE_IDENTITY: &str = "$.contact.phone";

/// A webhook set up through the API like the seed walk-through's: phone and email identify,
/// names and two custom fields mapped, a greeting.
async fn booking_webhook(api: &ApiEnv) -> Value {
    api.env.field("booking_start", FieldType::Datetime).await;
    api.env.field("service", FieldType::Text).await;
    let hook = api.create_webhook("Bookings").await;
    let id = hook["id"].as_i64().unwrap();
    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "sample": samples::BOOKING,
                "identity": { "phone": PHONE_IDENTITY, "email": "$.contact.email" },
                "mappings": [
                    { "path": "$.contact.first_name", "field": "first_name" },
                    { "path": "$.booking.start", "field": "booking_start" },
                    { "path": "$['booking']['service']", "field": "service" },
                ],
                "action_template": "Hi {{first_name}}, see you on {{booking_start}}",
            }),
        )
        .await;
    assert_eq!(response.status(), 200);
    body(response).await
}

// ---- List and create ------------------------------------------------------------------------

async fn list_and_create(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let bot = api.env.bot_id;
    let list_path = format!("/bots/{bot}/webhooks");

    let empty = api.get_json(&list_path).await;
    assert_eq!(empty["items"], json!([]));
    assert_eq!(empty["next_cursor"], Value::Null);

    let response = api
        .owner
        .post(api.url(&list_path))
        .json(&json!({ "name": "  Bookings  " }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created = body(response).await;
        assert_eq!(location, format!("/api/v1/webhooks/{}", created["id"]));
        assert_eq!(created["name"], "Bookings");
        assert_eq!(created["active"], false);
        assert_eq!(created["listening"], false);
        let token = created["token"].as_str().unwrap();
        assert_eq!(token.len(), 43);
        assert_eq!(created["url"], format!("/hooks/{token}"));
        assert_eq!(created["bot_id"], bot);
        assert_eq!(
            created["signature"],
            json!({ "scheme": "none", "header": null, "secret_set": false })
        );
        assert_eq!(created["identity"]["phone"], Value::Null);
        assert_eq!(created["mappings"], json!([]));
        assert_eq!(created["previous_token_expires_at"], Value::Null);
        created["id"].as_i64().unwrap()
    };

    // Invalid names, by field.
    for name in ["   ", "tab\there", &"x".repeat(129)] {
        let response = api
            .owner
            .post(api.url(&list_path))
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(invalid_fields(response).await, ["name"], "{name:?}");
    }
    // A body that is not the shape: problem+json 400.
    let response = api
        .owner
        .post(api.url(&list_path))
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

    // Authorisation: creating.
    assert_eq!(
        api.statuses(
            reqwest::Method::POST,
            &list_path,
            Some(json!({ "name": "X" }))
        )
        .await,
        [401, 404, 403]
    );
    // Listing.
    assert_eq!(
        api.statuses(reqwest::Method::GET, &list_path, None).await,
        [401, 404, 200]
    );
    assert_eq!(
        api.statuses(reqwest::Method::GET, "/bots/999999/webhooks", None)
            .await,
        [401, 404, 404]
    );

    // Up to the bot's limit (5), then 409 with the reason.
    for n in 2..=5 {
        api.create_webhook(&format!("Hook {n}")).await;
    }
    let response = api
        .owner
        .post(api.url(&list_path))
        .json(&json!({ "name": "One too many" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let problem = body(response).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("its limit is 5"),
        "{problem}"
    );

    // Newest first, paged.
    let page = api.get_json(&format!("{list_path}?limit=2")).await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Hook 5", "Hook 4"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page = api
        .get_json(&format!("{list_path}?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(page["items"][0]["name"], "Hook 3");
    let cursor = page["next_cursor"].as_str().unwrap();
    let last = api
        .get_json(&format!("{list_path}?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    assert_eq!(last["items"][0]["id"], id);
    assert_eq!(last["next_cursor"], Value::Null);
    let response = api
        .owner
        .get(api.url(&format!("{list_path}?limit=0")))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_fields(response).await, ["limit"]);

    // Today's count and the last request.
    let first = &last["items"][0];
    assert_eq!(first["requests_today"], 0);
    assert_eq!(first["daily_limit"], 500);
    assert_eq!(first["last_request"], Value::Null);
    let url = first["url"].as_str().unwrap().to_owned();
    assert_eq!(api.post_hook(&url, "{}").await.status(), 403); // inactive
    assert_eq!(api.post_hook(&url, "{}").await.status(), 403);
    let page = api.get_json(&list_path).await;
    let first = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap();
    assert_eq!(first["requests_today"], 2);
    assert_eq!(first["last_request"]["outcome"], "inactive");
    assert_eq!(first["last_request"]["status"], 403);
    let at = first["last_request"]["received_at"].as_i64().unwrap();
    assert!((botwire_server::store::now_ms() - at).abs() < 60_000);
    // The other webhooks' counts are their own.
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["id"] != id)
            .all(|w| w["requests_today"] == 0 && w["last_request"].is_null())
    );

    // Reading one webhook.
    let path = format!("/webhooks/{id}");
    assert_eq!(
        api.statuses(reqwest::Method::GET, &path, None).await,
        [401, 404, 200]
    );

    // The address is a secret that lets anyone post: a viewer reads everything but it.
    let owners = api.get_json(&path).await;
    assert!(owners["url"].as_str().unwrap().starts_with("/hooks/"));
    assert!(owners["token"].is_string());
    let viewers = body(api.viewer.get(api.url(&path)).send().await.unwrap()).await;
    assert_eq!(
        (&viewers["url"], &viewers["token"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(viewers["name"], owners["name"]);
    let listed = body(api.viewer.get(api.url(&list_path)).send().await.unwrap()).await;
    let items = listed["items"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.iter().all(|w| w["url"].is_null()),
        "{listed}"
    );
    assert_eq!(
        api.statuses(reqwest::Method::GET, "/webhooks/999999", None)
            .await,
        [401, 404, 404]
    );
}

// ---- Edit -----------------------------------------------------------------------------------

/// What a webhook holds is bounded, so that one webhook cannot make every request (or a
/// preview) cost seconds of CPU or megabytes of storage: at most 100 mappings, paths of at
/// most 1,000 characters, templates of at most 10,000, messages of at most 64 KiB.
async fn limits_on_what_a_webhook_holds(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let many: Vec<Value> = (0..101)
        .map(|_| json!({ "path": "$.name", "field": "first_name" }))
        .collect();
    let long_path = format!("$.{}", "a".repeat(999));
    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "identity": { "phone": long_path },
                "mappings": many,
                "action_template": "x".repeat(10_001),
            }),
        )
        .await;
    assert_eq!(response.status(), 422);
    let problem = body(response).await;
    assert_eq!(
        message_for(&problem, "mappings"),
        "101 mappings; a webhook has at most 100"
    );
    assert_eq!(
        message_for(&problem, "identity.phone"),
        "the path is 1001 characters long; the most is 1000"
    );
    assert_eq!(
        message_for(&problem, "action_template"),
        "the template is 10001 characters long; the most is 10000"
    );
    let fits: Vec<Value> = (0..100)
        .map(|_| json!({ "path": "$.name", "field": "first_name" }))
        .collect();
    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "identity": { "phone": "$.phone" },
                "mappings": fits,
                "action_template": "{{first_name}}".repeat(5),
            }),
        )
        .await;
    assert_eq!(response.status(), 200, "the largest allowed");

    // A preview takes the same limit.
    let response = api
        .owner
        .post(api.url(&format!("/webhooks/{id}/evaluate")))
        .json(&json!({ "payload": {}, "mappings": many }))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_fields(response).await, ["mappings"]);

    // A message over 64 KiB is not sent (nor stored): the action fails, saying why, and the
    // rest of the request stands.
    assert_eq!(
        api.post_empty(&api.owner, &format!("/webhooks/{id}/activate"))
            .await
            .status(),
        200
    );
    let name = "n".repeat(15_000);
    let doc = json!({ "phone": "+14155550132", "name": name }).to_string();
    let response = api.post_hook(hook["url"].as_str().unwrap(), &doc).await;
    assert_eq!(response.status(), 200);
    let log = api.env.last_log().await.unwrap();
    let action: Value = serde_json::from_str(log.action.as_deref().unwrap()).unwrap();
    assert_eq!(
        action,
        json!({ "status": "failed", "error": "the message would be longer than 65536 bytes" })
    );
    assert_eq!(api.env.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(api.env.count("SELECT COUNT(*) FROM bot_users").await, 1);
}

async fn update_and_validation(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    api.env.field("visits", FieldType::Number).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();

    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "name": "Orders v2",
                "sample": "{\"phone\": \"+14155550132\", \"n\": 3}",
                "identity": { "phone": "$.phone", "email": "" },
                "mappings": [{ "path": "$.n", "field": "visits" }, { "path": "$['phone']", "field": "first_name" }],
                "action_template": "You have {{ visits }} visits, {{first_name}}",
                "signature": { "scheme": "hmac", "header": "X-Hub-Signature-256", "secret": "It's a Secret to Everybody" },
            }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("Secret to Everybody"),
        "secret echoed: {text}"
    );
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["name"], "Orders v2");
    assert_eq!(saved["sample"], "{\"phone\": \"+14155550132\", \"n\": 3}");
    assert_eq!(
        saved["identity"],
        json!({ "user_ns": null, "crm_contact_id": null, "phone": "$.phone", "email": null })
    );
    assert_eq!(
        saved["mappings"][1],
        json!({ "path": "$['phone']", "field": "first_name" })
    );
    assert_eq!(
        saved["action_template"],
        "You have {{ visits }} visits, {{first_name}}"
    );
    assert_eq!(
        saved["signature"],
        json!({ "scheme": "hmac", "header": "X-Hub-Signature-256", "secret_set": true })
    );
    assert!(saved["updated_at"].as_i64() >= hook["updated_at"].as_i64());
    assert_eq!(api.get_json(&format!("/webhooks/{id}")).await, saved);

    // Everything wrong at once: each error under its field, nothing saved.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "name": "",
                "sample": "{\"a\": 1,\n \"b\": }",
                "identity": { "user_ns": "contact.id", "phone": "$.a[" },
                "mappings": [
                    { "path": "$.n", "field": "visits" },
                    { "path": "$..[", "field": "nickname" },
                    { "path": "$.x", "field": "phone" },
                ],
                "action_template": "Hi {{nickname}} {{first_name}} {{mood}}",
                "signature": { "scheme": "hmac", "header": "Content-Type", "secret": "s" },
            }),
        )
        .await;
    assert_eq!(response.status(), 422);
    let problem = body(response).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "sample",
            "identity.user_ns",
            "identity.phone",
            "mappings[1].path",
            "mappings[1].field",
            "mappings[2].field",
            "action_template",
            "signature.header",
        ]
    );
    let sample = message_for(&problem, "sample");
    assert!(sample.contains("line 2, column 7"), "{sample}");
    assert!(
        sample.starts_with("not valid JSON: expected value"),
        "{sample}"
    );
    assert!(message_for(&problem, "identity.user_ns").contains("starts with $"));
    assert!(message_for(&problem, "mappings[1].field").contains("nickname"));
    assert!(message_for(&problem, "mappings[1].field").contains("visits"));
    assert_eq!(
        message_for(&problem, "action_template"),
        "unknown fields: nickname, mood"
    );
    assert!(message_for(&problem, "signature.header").contains("content-type"));
    assert_eq!(api.get_json(&format!("/webhooks/{id}")).await, saved);

    // Template syntax and signature secrets.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "action_template": "Hi {{first_name" }),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["action_template"]);
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "signature": { "scheme": "standard_webhooks", "secret": "whsec_c2hvcnQ=" } }),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["signature.secret"]);
    // Switching scheme needs a secret; keeping the scheme keeps the secret.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "signature": { "scheme": "standard_webhooks" } }),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["signature.secret"]);
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "signature": { "scheme": "hmac", "header": "X-Signature" } }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        body(response).await["signature"],
        json!({ "scheme": "hmac", "header": "X-Signature", "secret_set": true })
    );
    let stored: Value = serde_json::from_str(
        &api.env
            .scalar(&format!(
                "SELECT signature FROM inbound_webhooks WHERE id = {id}"
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["secret"], "It's a Secret to Everybody");
    let secret = format!("whsec_{}", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "signature": { "scheme": "standard_webhooks", "secret": secret } }),
        )
        .await;
    assert_eq!(
        body(response).await["signature"]["scheme"],
        "standard_webhooks"
    );
    let response = api
        .patch(&api.owner, id, json!({ "signature": { "scheme": "none" } }))
        .await;
    assert_eq!(
        body(response).await["signature"],
        json!({ "scheme": "none", "header": null, "secret_set": false })
    );

    // null clears; an absent member stays; an unknown member is refused.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "sample": null, "action_template": null }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cleared = body(response).await;
    assert_eq!(cleared["sample"], Value::Null);
    assert_eq!(cleared["action_template"], Value::Null);
    assert_eq!(cleared["name"], "Orders v2");
    assert_eq!(cleared["mappings"], saved["mappings"]);
    // A member the API does not know is refused, naming it, not silently ignored.
    let response = api.patch(&api.owner, id, json!({ "acton": "x" })).await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(
        body(response).await["detail"]
            .as_str()
            .unwrap()
            .contains("acton")
    );

    let path = format!("/webhooks/{id}");
    assert_eq!(
        api.statuses(
            reqwest::Method::PATCH,
            &path,
            Some(json!({ "name": "Mine" }))
        )
        .await,
        [401, 404, 403]
    );
    assert_eq!(api.get_json(&path).await["name"], "Orders v2");
}

// ---- Activation -----------------------------------------------------------------------------

async fn activation(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    api.env.field("visits", FieldType::Number).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let url = hook["url"].as_str().unwrap().to_owned();
    let activate = format!("/webhooks/{id}/activate");
    let deactivate = format!("/webhooks/{id}/deactivate");

    // No identity path.
    let response = api.post_empty(&api.owner, &activate).await;
    assert_eq!(response.status(), 422);
    let problem = body(response).await;
    assert!(message_for(&problem, "identity").contains("identity path"));

    // A mapping that no longer evaluates on the sample: which one, and why.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({
                "sample": "{\"phone\": \"+14155550132\", \"visits\": \"many\", \"name\": \"Ana\"}",
                "identity": { "phone": "$.phone" },
                "mappings": [
                    { "path": "$.name", "field": "first_name" },
                    { "path": "$.visits", "field": "visits" },
                    { "path": "$.gone", "field": "last_name" },
                ],
            }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = api.post_empty(&api.owner, &activate).await;
    assert_eq!(response.status(), 422);
    let problem = body(response).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["mappings[1]", "mappings[2]"]);
    assert_eq!(
        message_for(&problem, "mappings[1]"),
        "mapping 2 ($.visits → visits) does not evaluate on the sample: expected a number, found string \"many\""
    );
    assert!(message_for(&problem, "mappings[2]").contains("matched nothing"));
    assert_eq!(
        api.get_json(&format!("/webhooks/{id}")).await["active"],
        false
    );

    // Fixed: activates, and the receiver processes requests.
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "mappings": [{ "path": "$.name", "field": "first_name" }] }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        api.statuses(reqwest::Method::POST, &activate, None).await,
        [401, 404, 403]
    );
    let response = api.post_empty(&api.owner, &activate).await;
    assert_eq!(response.status(), 200);
    assert_eq!(body(response).await["active"], true);
    let doc = r#"{"phone": "+14155550132", "name": "Ana"}"#;
    assert_eq!(api.post_hook(&url, doc).await.status(), 200);

    // Without a sample, only the identity path is needed.
    let response = api.patch(&api.owner, id, json!({ "sample": null })).await;
    assert_eq!(response.status(), 200);
    assert_eq!(api.post_empty(&api.owner, &activate).await.status(), 200);

    // An active webhook keeps at least one identity path: clearing them all is refused, and
    // requests go on being processed.
    for identity in [
        json!({ "phone": "" }),
        json!({ "phone": null, "email": null }),
    ] {
        let response = api
            .patch(&api.owner, id, json!({ "identity": identity }))
            .await;
        assert_eq!(response.status(), 422);
        let problem = body(response).await;
        assert_eq!(
            message_for(&problem, "identity"),
            "an active webhook needs at least one identity path (user_ns, CRM contact id, phone or email); deactivate it before clearing them"
        );
    }
    let state = api.get_json(&format!("/webhooks/{id}")).await;
    assert_eq!(state["identity"]["phone"], "$.phone");
    assert_eq!(api.post_hook(&url, doc).await.status(), 200);
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "identity": { "email": "$.email" } }),
        )
        .await;
    assert_eq!(response.status(), 200, "another path may replace it");
    let response = api
        .patch(
            &api.owner,
            id,
            json!({ "identity": { "phone": "$.phone" } }),
        )
        .await;
    assert_eq!(response.status(), 200);

    assert_eq!(
        api.statuses(reqwest::Method::POST, &deactivate, None).await,
        [401, 404, 403]
    );
    let response = api.post_empty(&api.owner, &deactivate).await;
    assert_eq!(response.status(), 200);
    assert_eq!(body(response).await["active"], false);
    assert_eq!(api.post_hook(&url, doc).await.status(), 403);
}

// ---- Token rotation -------------------------------------------------------------------------

async fn rotation(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let rotate = format!("/webhooks/{id}/rotate");
    let first_url = hook["url"].as_str().unwrap().to_owned();
    // Inactive: a known token answers 403, an unknown one 404.
    assert_eq!(api.post_hook(&first_url, "{}").await.status(), 403);

    for grace in [json!(169), json!(-1)] {
        let response = api
            .owner
            .post(api.url(&rotate))
            .json(&json!({ "grace_hours": grace }))
            .send()
            .await
            .unwrap();
        assert_eq!(invalid_fields(response).await, ["grace_hours"]);
    }
    let response = api
        .owner
        .post(api.url(&rotate))
        .json(&json!({ "grace_hours": "soon" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        api.statuses(
            reqwest::Method::POST,
            &rotate,
            Some(json!({ "grace_hours": 1 }))
        )
        .await,
        [401, 404, 403]
    );
    assert_eq!(
        api.get_json(&format!("/webhooks/{id}")).await["url"],
        first_url
    );

    // No body: the default grace of 24 hours; both URLs work meanwhile.
    let before = botwire_server::store::now_ms();
    let response = api.post_empty(&api.owner, &rotate).await;
    assert_eq!(response.status(), 200);
    let rotated = body(response).await;
    let second_url = rotated["url"].as_str().unwrap().to_owned();
    assert_ne!(second_url, first_url);
    let expires = rotated["previous_token_expires_at"].as_i64().unwrap();
    let day = 24 * 3_600_000;
    assert!(
        expires >= before + day && expires <= botwire_server::store::now_ms() + day,
        "{expires}"
    );
    assert_eq!(api.post_hook(&first_url, "{}").await.status(), 403);
    assert_eq!(api.post_hook(&second_url, "{}").await.status(), 403);

    // A chosen grace.
    let response = api
        .owner
        .post(api.url(&rotate))
        .json(&json!({ "grace_hours": 2 }))
        .send()
        .await
        .unwrap();
    let rotated = body(response).await;
    let third_url = rotated["url"].as_str().unwrap().to_owned();
    let expires = rotated["previous_token_expires_at"].as_i64().unwrap();
    assert!((expires - botwire_server::store::now_ms() - 2 * 3_600_000).abs() < 60_000);
    // Rotating again ended the first token's grace; the second is in its grace now.
    assert_eq!(api.post_hook(&first_url, "{}").await.status(), 404);
    assert_eq!(api.post_hook(&second_url, "{}").await.status(), 403);
    assert_eq!(api.post_hook(&third_url, "{}").await.status(), 403);

    // No grace: the replaced URL is gone at once.
    let response = api
        .owner
        .post(api.url(&rotate))
        .json(&json!({ "grace_hours": 0 }))
        .send()
        .await
        .unwrap();
    let rotated = body(response).await;
    assert_eq!(rotated["previous_token_expires_at"], Value::Null);
    let fourth_url = rotated["url"].as_str().unwrap().to_owned();
    for gone in [&first_url, &second_url, &third_url] {
        // No method knows it (a 405 would confirm the old token).
        let response = api
            .env
            .http
            .get(api.env.server.url(gone))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "GET {gone}");
        let response = api.post_hook(gone, "{}").await;
        assert_eq!(response.status(), 404, "{gone}");
    }
    assert_eq!(api.post_hook(&fourth_url, "{}").await.status(), 403);
}

// ---- Delete and listen mode -----------------------------------------------------------------

async fn listen_and_delete(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let url = hook["url"].as_str().unwrap().to_owned();
    let listen = format!("/webhooks/{id}/listen");

    assert_eq!(
        api.statuses(reqwest::Method::POST, &listen, None).await,
        [401, 404, 403]
    );
    let response = api.post_empty(&api.owner, &listen).await;
    assert_eq!(response.status(), 200);
    assert_eq!(body(response).await["listening"], true);
    let doc = r#"{"phone": "+14155550132", "tags": ["a"]}"#;
    assert_eq!(api.post_hook(&url, doc).await.status(), 403);
    let captured = api.get_json(&format!("/webhooks/{id}")).await;
    assert_eq!(captured["listening"], false);
    assert_eq!(
        serde_json::from_str::<Value>(captured["sample"].as_str().unwrap()).unwrap(),
        serde_json::from_str::<Value>(doc).unwrap()
    );

    let response = api.post_empty(&api.owner, &listen).await;
    assert_eq!(body(response).await["listening"], true);
    assert_eq!(
        api.statuses(reqwest::Method::DELETE, &listen, None).await,
        [401, 404, 403]
    );
    let response = api.owner.delete(api.url(&listen)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body(response).await["listening"], false);
    assert_eq!(api.post_hook(&url, r#"{"other": 1}"#).await.status(), 403);
    assert_eq!(
        api.get_json(&format!("/webhooks/{id}")).await["sample"],
        captured["sample"]
    );

    // Delete: the log goes with it, the URL is gone.
    let path = format!("/webhooks/{id}");
    let logs = format!("SELECT COUNT(*) FROM request_logs WHERE webhook_id = {id}");
    assert_eq!(api.env.count(&logs).await, 2);
    assert_eq!(
        api.statuses(reqwest::Method::DELETE, &path, None).await,
        [401, 404, 403]
    );
    let response = api.owner.delete(api.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(api.env.count(&logs).await, 0);
    assert_eq!(
        api.owner.get(api.url(&path)).send().await.unwrap().status(),
        404
    );
    assert_eq!(api.post_hook(&url, "{}").await.status(), 404);
    assert_eq!(
        api.owner
            .delete(api.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A new webhook never takes the deleted one's id, nor shows its requests as its own.
    let again = api.create_webhook("Orders again").await;
    assert_ne!(again["id"], id, "a deleted webhook's id, given again");
    let list = api
        .get_json(&format!("/bots/{}/webhooks", api.env.bot_id))
        .await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == again["id"])
        .unwrap();
    assert_eq!(listed["requests_today"], 0);
}

// ---- Evaluate -------------------------------------------------------------------------------

async fn evaluate(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = booking_webhook(&api).await;
    let id = hook["id"].as_i64().unwrap();
    let path = format!("/webhooks/{id}/evaluate");
    let payload: Value = serde_json::from_str(samples::BOOKING).unwrap();
    let nothing_written = || async {
        for table in ["bot_users", "request_logs", "outbox", "field_values"] {
            assert_eq!(
                api.env
                    .count(&format!("SELECT COUNT(*) FROM {table}"))
                    .await,
                0,
                "{table}"
            );
        }
    };

    // No such user yet: one would be created from the phone, with the email.
    let response = api
        .owner
        .post(api.url(&path))
        .json(&json!({ "payload": payload }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result = body(response).await;
    assert_eq!(result["identity"]["outcome"], "create");
    assert_eq!(result["identity"]["by"], "phone");
    assert_eq!(result["identity"]["phone"], "+14155550132");
    assert_eq!(result["identity"]["email"], "ana.souza@example.com");
    assert_eq!(result["identity"]["detail"], "created by phone");
    assert_eq!(
        result["identity"]["inputs"]["phone"],
        json!({ "kind": "value", "detail": "+1 (415) 555-0132" })
    );
    assert_eq!(
        result["mappings"][0],
        json!({ "path": "$.contact.first_name", "field": "first_name",
                "value": { "type": "text", "value": "Ana" }, "display": "Ana", "error": null })
    );
    assert_eq!(
        result["mappings"][1]["value"],
        json!({ "type": "datetime", "value": "2026-12-03T15:30:00Z" })
    );
    assert_eq!(result["mappings"][2]["display"], "Initial consultation");
    assert_eq!(
        result["action"],
        json!({ "status": "rendered", "message": "Hi Ana, see you on 2026-12-03 15:30 UTC",
                "error": null, "would_send": true })
    );
    nothing_written().await;

    // An existing user with that phone is matched.
    let user = api.env.create_user(Some("+14155550132"), None).await;
    let result = body(
        api.viewer
            .post(api.url(&path))
            .json(&json!({ "payload": payload }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(result["identity"]["outcome"], "matched");
    assert_eq!(result["identity"]["user_id"], user.id);
    assert_eq!(result["identity"]["user_ns"], user.user_ns);
    assert_eq!(result["identity"]["detail"], "matched by phone");

    // The receiver agrees (then the evaluation is checked to have written nothing else).
    let before_logs = api.env.count("SELECT COUNT(*) FROM request_logs").await;
    assert_eq!(before_logs, 0);

    // Configuration given in the request instead of the saved one.
    let response = api
        .owner
        .post(api.url(&path))
        .json(&json!({
            "payload": { "id": "u-1", "n": "x", "when": "2026-01-02" },
            "identity": { "user_ns": "$.id" },
            "mappings": [
                { "path": "$.n[", "field": "service" },
                { "path": "$.when", "field": "booking_start" },
                { "path": "$.n", "field": "nope" },
            ],
            "action_template": "{{first_name}} {{mood}}",
        }))
        .send()
        .await
        .unwrap();
    let result = body(response).await;
    assert_eq!(result["identity"]["outcome"], "rejected");
    assert_eq!(
        result["identity"]["detail"],
        "no user with user_ns \"u-1\"; users are never created from a user_ns"
    );
    assert_eq!(result["identity"]["user_id"], Value::Null);
    let errors: Vec<&str> = result["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["error"].as_str().unwrap())
        .collect();
    assert!(
        errors[0].starts_with("the path does not parse"),
        "{errors:?}"
    );
    assert!(errors[1].starts_with("expected a date-time"), "{errors:?}");
    assert_eq!(errors[2], "no custom field named \"nope\"");
    assert_eq!(
        result["action"],
        json!({ "status": "failed", "message": null, "error": "unknown fields: mood", "would_send": false })
    );

    // No template: nothing to send.
    let result = body(
        api.owner
            .post(api.url(&path))
            .json(&json!({ "payload": payload, "action_template": null }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(result["action"]["status"], "none");
    assert_eq!(result["identity"]["outcome"], "matched");

    // Missing payload: problem+json 400.
    let response = api
        .owner
        .post(api.url(&path))
        .json(&json!({ "identity": {} }))
        .send()
        .await
        .unwrap();
    // The payload is required: the error names it.
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(body(response).await["errors"][0]["field"], "payload");

    assert_eq!(
        api.statuses(reqwest::Method::POST, &path, Some(json!({ "payload": {} })))
            .await,
        [401, 404, 200]
    );
    assert_eq!(api.env.count("SELECT COUNT(*) FROM bot_users").await, 1);
    assert_eq!(api.env.count("SELECT COUNT(*) FROM request_logs").await, 0);
    assert_eq!(api.env.count("SELECT COUNT(*) FROM outbox").await, 0);

    // What evaluate said is what the receiver does.
    let response = api
        .post_empty(&api.owner, &format!("/webhooks/{id}/activate"))
        .await;
    assert_eq!(response.status(), 200);
    let response = api
        .post_hook(hook["url"].as_str().unwrap(), samples::BOOKING)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(body(response).await["user_ns"], user.user_ns);
    assert_eq!(
        api.env
            .scalar("SELECT message FROM outbox")
            .await
            .as_deref(),
        Some("Hi Ana, see you on 2026-12-03 15:30 UTC")
    );
}

// ---- Live events ----------------------------------------------------------------------------

/// One server-sent event: its name and data.
#[derive(Debug)]
struct Sse {
    event: String,
    data: String,
}

/// Reads events off `response` until `want` of them are in, or 5 s pass.
async fn read_events(response: &mut Response, want: usize) -> Vec<Sse> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while events.len() < want {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("only {events:?} within 5 s; buffer {buffer:?}"))
            .unwrap()
            .expect("the stream ended");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = String::new();
            let mut data = Vec::new();
            for line in block.split(['\n', '\r']) {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push(v);
                }
            }
            if !event.is_empty() {
                events.push(Sse {
                    event,
                    data: data.join("\n"),
                });
            }
        }
    }
    events
}

/// Whatever comes of a stream that is still open, with `within` to wait: the text of its
/// events (keep-alive comments left out), and whether it ended.
async fn rest_of_stream(response: &mut Response, within: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + within;
    let mut text = String::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Err(_) => return (text, false),
            Ok(Ok(Some(chunk))) => {
                let chunk = String::from_utf8_lossy(&chunk).into_owned();
                if !chunk.starts_with(':') {
                    text.push_str(&chunk);
                }
            }
            Ok(_) => return (text, true),
        }
    }
}

/// A stream ends when its caller loses access, and never shows another workspace's webhook:
/// SQLite gives a deleted webhook's id to the next one created, in any workspace.
async fn event_stream_ends_with_access(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let mut stream = api.open_events(&api.owner, id).await;
    let response = api
        .owner
        .delete(api.url(&format!("/webhooks/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    // Another workspace's new webhook, listening, captures a request.
    let me = body(api.stranger.get(api.url("/auth/me")).send().await.unwrap()).await;
    let workspace = me["workspaces"][0]["workspace_id"].as_i64().unwrap();
    let bot = api
        .stranger
        .post(api.url("/bots"))
        .json(&json!({ "workspace_id": workspace, "name": "Theirs", "channel": "sms", "default_country": "US" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bot.status(), 201);
    let bot_id = body(bot).await["id"].as_i64().unwrap();
    let theirs = api
        .stranger
        .post(api.url(&format!("/bots/{bot_id}/webhooks")))
        .json(&json!({ "name": "Theirs" }))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 201);
    let theirs = body(theirs).await;
    assert_ne!(theirs["id"], id, "a deleted webhook's id, given again");
    let secret = r#"{"note": "THEIRS-CONFIDENTIAL"}"#;
    api.capture(&api.stranger, &theirs, secret).await;
    let (seen, _) = rest_of_stream(&mut stream, Duration::from_secs(2)).await;
    assert!(!seen.contains("CONFIDENTIAL"), "leaked: {seen}");
    assert!(!seen.contains("event:"), "no event of theirs: {seen}");

    // A stream opened with a token ends once the token is revoked.
    let hook = api.create_webhook("Orders again").await;
    let id = hook["id"].as_i64().unwrap();
    let created = body(
        api.owner
            .post(api.url("/tokens"))
            .json(&json!({ "name": "stream" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let script = Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let mut stream = api.open_events(&script, id).await;
    let response = api
        .owner
        .delete(api.url(&format!("/tokens/{}", created["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    api.capture(&api.owner, &hook, secret).await;
    let (seen, ended) = rest_of_stream(&mut stream, Duration::from_secs(5)).await;
    assert!(
        !seen.contains("CONFIDENTIAL"),
        "delivered after revocation: {seen}"
    );
    assert!(ended, "the stream ends with the token");
}

/// The read timeout bounds a request's head and body, never an answer still streaming: an
/// event stream open for longer than the timeout, with nothing sent yet, still delivers.
async fn event_stream_outlives_the_read_timeout(kind: DbKind) {
    let api = ApiEnv::on(Env::with_server_args(kind, &["--read-timeout-secs", "1"]).await).await;
    let hook = api.create_webhook("Orders").await;
    let id = hook["id"].as_i64().unwrap();
    let mut stream = api.open_events(&api.owner, id).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    api.capture(&api.owner, &hook, r#"{"phone": "+14155550132"}"#)
        .await;
    let events = read_events(&mut stream, 1).await;
    assert_eq!(events[0].event, "sample_captured");
}

async fn event_stream(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = api.create_webhook("Orders").await;
    let other = api.create_webhook("Other").await;
    let id = hook["id"].as_i64().unwrap();
    let path = format!("/webhooks/{id}/events");

    for (client, status) in [(&api.anonymous, 401), (&api.stranger, 404)] {
        let response = client.get(api.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), status);
    }
    let mut viewer_stream = api.viewer.get(api.url(&path)).send().await.unwrap();
    assert_eq!(viewer_stream.status(), 200);

    let mut stream = api.owner.get(api.url(&path)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    // Another webhook's request is not this stream's business.
    assert_eq!(
        api.post_hook(other["url"].as_str().unwrap(), "{}")
            .await
            .status(),
        403
    );
    let response = api
        .post_empty(&api.owner, &format!("/webhooks/{id}/listen"))
        .await;
    assert_eq!(response.status(), 200);
    let doc = r#"{"phone": "+14155550132", "note": "line one\nline two"}"#;
    assert_eq!(
        api.post_hook(hook["url"].as_str().unwrap(), doc)
            .await
            .status(),
        403
    );

    for stream in [&mut stream, &mut viewer_stream] {
        let events = read_events(stream, 2).await;
        assert_eq!(events[0].event, "sample_captured");
        assert_eq!(
            serde_json::from_str::<Value>(&events[0].data).unwrap(),
            serde_json::from_str::<Value>(doc).unwrap()
        );
        assert_eq!(events[1].event, "log_written");
        let log: Value = serde_json::from_str(&events[1].data).unwrap();
        assert_eq!(log["status"], 403);
        assert_eq!(log["outcome"], "inactive");
        assert_eq!(log["detail"], "the webhook is inactive");
        assert_eq!(log["user_id"], Value::Null);
        let log_id = log["id"].as_i64().unwrap();
        assert_eq!(
            api.env
                .count(&format!(
                    "SELECT COUNT(*) FROM request_logs WHERE id = {log_id} AND webhook_id = {id}"
                ))
                .await,
            1
        );
        assert!(log["received_at"].as_i64().unwrap() > 0);
    }
}

// ---- OpenAPI --------------------------------------------------------------------------------

async fn documented(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let doc = body(
        api.anonymous
            .get(api.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let paths = &doc["paths"];
    for (path, method) in [
        ("/bots/{id}/webhooks", "get"),
        ("/bots/{id}/webhooks", "post"),
        ("/webhooks/{id}", "get"),
        ("/webhooks/{id}", "patch"),
        ("/webhooks/{id}", "delete"),
        ("/webhooks/{id}/activate", "post"),
        ("/webhooks/{id}/deactivate", "post"),
        ("/webhooks/{id}/rotate", "post"),
        ("/webhooks/{id}/listen", "post"),
        ("/webhooks/{id}/listen", "delete"),
        ("/webhooks/{id}/evaluate", "post"),
        ("/webhooks/{id}/events", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    let rotate = &paths["/webhooks/{id}/rotate"]["post"];
    let text = format!("{} {}", rotate["summary"], rotate["description"]);
    assert!(text.contains("grace_hours"), "{text}");
    assert!(text.contains("404"), "{text}");
    assert!(
        paths["/webhooks/{id}/events"]["get"]["responses"]["200"]["content"]["text/event-stream"]
            .is_object()
    );
}

/// The custom fields a webhook maps into that the bot does not have.
async fn dangling_mappings(api: &ApiEnv, id: i64) -> Vec<String> {
    let fields = api
        .get_json(&format!("/bots/{}/fields?limit=100", api.env.bot_id))
        .await;
    assert_eq!(fields["next_cursor"], Value::Null, "one page of fields");
    let names: Vec<&Value> = fields["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["name"])
        .collect();
    let hook = api.get_json(&format!("/webhooks/{id}")).await;
    hook["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["field"])
        .filter(|field| !names.contains(field))
        .map(|field| field.to_string())
        .collect()
}

/// An edit naming a field, sent while that field is renamed: either the edit lands first and
/// the rename rewrites it, or the rename lands first and the edit is refused (422) for naming
/// a field that no longer exists. Never both accepted with the old name left behind.
async fn edit_racing_a_field_rename(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let field = api.env.field("color", FieldType::Text).await;
    let id = api.create_webhook("Paint").await["id"].as_i64().unwrap();
    let rename_path = format!("/bots/{}/fields/{field}", api.env.bot_id);
    let config = |name: &str| {
        json!({
            "mappings": [{ "path": "$.c", "field": name }],
            "action_template": format!("c={{{{{name}}}}}"),
        })
    };
    assert_eq!(
        api.patch(&api.owner, id, config("color")).await.status(),
        200
    );
    let mut name = "color".to_owned();
    for round in 0..30 {
        let new = format!("colour{round}");
        let rename = api
            .owner
            .patch(api.url(&rename_path))
            .json(&json!({ "name": new }))
            .send();
        let (edited, renamed) = tokio::join!(api.patch(&api.owner, id, config(&name)), rename);
        assert_eq!(renamed.unwrap().status(), 200, "round {round}");
        let status = edited.status();
        if status != 200 {
            let refused = invalid_fields(edited).await;
            assert_eq!(
                refused,
                ["mappings[0].field", "action_template"],
                "round {round}"
            );
        }
        let hook = api.get_json(&format!("/webhooks/{id}")).await;
        let outcome = format!("round {round}: edit {status}, webhook {hook}");
        assert_eq!(hook["mappings"][0]["field"], new.as_str(), "{outcome}");
        assert_eq!(
            hook["action_template"],
            format!("c={{{{{new}}}}}"),
            "{outcome}"
        );
        name = new;
    }
}

/// An edit mapping into a field, sent while that field is deleted: unconfirmed, exactly one
/// of the two is accepted (the delete sees the new use and answers 409, or the edit sees no
/// field and answers 422); confirmed, the delete always lands and removes the mapping if the
/// edit came first. Either way the webhook never maps into a field that does not exist.
async fn edit_racing_a_field_delete(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let id = api.create_webhook("Paint").await["id"].as_i64().unwrap();
    for round in 0..30 {
        let name = format!("shade{round}");
        let field = api.env.field(&name, FieldType::Text).await;
        let confirmed = round % 2 == 1;
        let query = if confirmed { "?confirm=true" } else { "" };
        let delete_path = format!("/bots/{}/fields/{field}{query}", api.env.bot_id);
        let edit = json!({ "mappings": [{ "path": "$.c", "field": name }] });
        let (edited, deleted) = tokio::join!(
            api.patch(&api.owner, id, edit),
            api.owner.delete(api.url(&delete_path)).send(),
        );
        let outcome = (edited.status().as_u16(), deleted.unwrap().status().as_u16());
        let allowed: &[(u16, u16)] = if confirmed {
            &[(200, 204), (422, 204)]
        } else {
            &[(200, 409), (422, 204)]
        };
        assert!(allowed.contains(&outcome), "round {round}: {outcome:?}");
        if outcome.0 == 422 {
            assert_eq!(invalid_fields(edited).await, ["mappings[0].field"]);
        }
        let dangling = dangling_mappings(&api, id).await;
        assert!(
            dangling.is_empty(),
            "round {round}: {outcome:?} left {dangling:?}"
        );
    }
}

/// An activation sent while an edit of the webhook is being committed checks the webhook as
/// that edit left it: here the new sample no longer has the mapped value, so the activation is
/// refused; checked against what it read before waiting, it went through.
async fn activation_checks_the_webhook_as_committed(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let id = api.create_webhook("Leads").await["id"].as_i64().unwrap();
    let setup = json!({
        "sample": r#"{"phone": "+14155550132", "name": "Ana"}"#,
        "identity": { "phone": "$.phone" },
        "mappings": [{ "path": "$.name", "field": "first_name" }],
    });
    assert_eq!(api.patch(&api.owner, id, setup).await.status(), 200);

    let mut change = api.env.db.pool().begin().await.unwrap();
    let without_name = botwire_server::store::webhooks::Changes {
        sample: Some(Some(r#"{"phone": "+14155550132"}"#.into())),
        ..Default::default()
    };
    botwire_server::store::webhooks::update_in(&mut change, id, &without_name)
        .await
        .unwrap();
    let activation = tokio::spawn(
        api.owner
            .post(api.url(&format!("/webhooks/{id}/activate")))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !activation.is_finished(),
        "the activation was answered before the edit committed"
    );
    change.commit().await.unwrap();
    let answer = activation.await.unwrap().unwrap();
    let problem = body(answer).await;
    assert_eq!(problem["status"], 422, "{problem}");
    assert!(
        message_for(&problem, "mappings[0]").contains("matched nothing"),
        "{problem}"
    );
    assert_eq!(
        api.get_json(&format!("/webhooks/{id}")).await["active"],
        false
    );
}

// ---- Two editors of one webhook ------------------------------------------------------------

/// Two people (or tabs) open the same webhook and both save: the second save names the revision
/// it started from, finds the webhook saved since, and changes nothing; only a save from the
/// current revision goes through. Activation, listen mode, a captured sample and rotation are
/// not edits: they leave the revision alone, so an open editor can still save after them.
async fn a_save_over_a_newer_one_is_refused(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let opened = booking_webhook(&api).await;
    let id = opened["id"].as_i64().unwrap();
    let base = opened["revision"].as_i64().unwrap();
    let path = format!("/webhooks/{id}");

    // The first tab saves a new greeting.
    let first = api
        .patch(
            &api.owner,
            id,
            json!({ "action_template": "Hello {{first_name}}", "base_revision": base }),
        )
        .await;
    assert_eq!(first.status(), 200);
    let first = body(first).await;
    assert_eq!(first["revision"], base + 1);

    // The second tab, opened at the same revision, saves other mappings and a greeting.
    let second = api
        .patch(
            &api.owner,
            id,
            json!({
                "mappings": [{ "path": "$.contact.last_name", "field": "last_name" }],
                "action_template": "Bye",
                "base_revision": base,
            }),
        )
        .await;
    assert_eq!(second.status(), 409);
    assert_eq!(second.headers()["content-type"], "application/problem+json");
    let problem = body(second).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("saved elsewhere since revision {base}"))
            && detail.contains(&format!("revision {} now", base + 1))
            && detail.contains("nothing was saved"),
        "{detail}"
    );
    let now = api.get_json(&path).await;
    assert_eq!(now["action_template"], "Hello {{first_name}}");
    assert_eq!(now["mappings"], opened["mappings"]);
    assert_eq!(now["revision"], base + 1);

    // Not edits: switching on and off, listen mode and its captured sample, a rotation.
    for action in ["activate", "deactivate", "listen", "rotate"] {
        let response = api
            .post_empty(&api.owner, &format!("{path}/{action}"))
            .await;
        assert_eq!(response.status(), 200, "{action}");
        assert_eq!(body(response).await["revision"], base + 1, "{action}");
    }
    let url = api.get_json(&path).await["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.post_hook(&url, r#"{"captured": true}"#).await.status(),
        403
    );
    let captured = api.get_json(&path).await;
    let sample: Value = serde_json::from_str(captured["sample"].as_str().unwrap()).unwrap();
    assert_eq!(sample, json!({ "captured": true }));
    assert_eq!(captured["revision"], base + 1);

    // From the current revision the save goes through, and leaves out what it does not name:
    // the captured sample stays.
    let third = api
        .patch(
            &api.owner,
            id,
            json!({ "action_template": "Hi again", "base_revision": base + 1 }),
        )
        .await;
    assert_eq!(third.status(), 200);
    let third = body(third).await;
    assert_eq!(third["revision"], base + 2);
    assert_eq!(third["action_template"], "Hi again");
    assert_eq!(third["sample"], captured["sample"]);

    // A refused save is refused before its members are checked, and a viewer is refused as
    // before; without `base_revision` a save goes through as it always did.
    let stale = api
        .patch(&api.owner, id, json!({ "name": "", "base_revision": base }))
        .await;
    assert_eq!(stale.status(), 409);
    let viewer = api
        .patch(
            &api.viewer,
            id,
            json!({ "name": "V", "base_revision": base + 2 }),
        )
        .await;
    assert_eq!(viewer.status(), 403);
    let plain = api
        .patch(&api.owner, id, json!({ "name": "Renamed" }))
        .await;
    assert_eq!(plain.status(), 200);
    assert_eq!(body(plain).await["revision"], base + 3);
    let bad = api
        .patch(&api.owner, id, json!({ "base_revision": "3" }))
        .await;
    assert_eq!(invalid_fields(bad).await, ["base_revision"]);
}

on_both_databases!(
    list_and_create,
    update_and_validation,
    limits_on_what_a_webhook_holds,
    activation,
    rotation,
    listen_and_delete,
    evaluate,
    event_stream,
    event_stream_outlives_the_read_timeout,
    event_stream_ends_with_access,
    documented,
    edit_racing_a_field_rename,
    edit_racing_a_field_delete,
    a_save_over_a_newer_one_is_refused,
    activation_checks_the_webhook_as_committed,
);
