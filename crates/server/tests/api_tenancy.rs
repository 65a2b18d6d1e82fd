//! The tenancy walk: every route the OpenAPI document lists, called (a) without credentials,
//! (b) as another workspace's owner and (c) as a viewer of the workspace that owns the
//! objects. Written from the document, so it covers whatever routes exist when it runs.
//!
//! Expected: (a) 401 everywhere but the public routes; (b) 404 for every route naming one of
//! workspace A's objects, and no answer carrying any of A's data; (c) 403 for every write to
//! A's workspace (reads are 200). A path parameter the walk cannot resolve fails the test:
//! add it to [`Ids::resolve`].

mod support;
use support::*;

use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::identify::IdentityPaths;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::names::{FieldName, WebhookName};
use botwire_core::phone::Country;
use botwire_server::store::{bots, webhooks};
use serde_json::{Value, json};
use std::time::Duration;

/// Routes anyone may call.
const PUBLIC: [&str; 3] = ["/health", "/auth/login", "/auth/setup"];
/// Routes about the calling account itself (its session and API tokens), not a workspace:
/// a viewer may use them.
const ACCOUNT_ROUTES: [&str; 2] = ["/auth/", "/tokens"];
/// POST routes that change nothing (a viewer may call them).
const READ_ONLY_POSTS: [&str; 1] = ["/webhooks/{id}/evaluate"];
/// Text found only in workspace A's objects: none may reach another workspace's owner.
const MARKER: &str = "q7x";

/// Workspace A's objects, and B's bot.
#[derive(Debug, Clone, Copy)]
struct Ids {
    bot: i64,
    field: i64,
    webhook: i64,
    log: i64,
    user: i64,
    /// One of A's owner's API tokens.
    token: i64,
    workspace: i64,
    other_bot: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bot,
    Field,
    Webhook,
    Log,
    User,
    Token,
    Workspace,
}

impl Ids {
    /// What a path parameter names: `{bot_id}`-style names say it; a plain `{id}` is the
    /// object of the collection before it (`/bots/{id}`).
    fn kind_of(param: &str, previous_segment: &str, route: &str) -> Kind {
        let by_name = match param {
            "bot_id" => Some(Kind::Bot),
            "field_id" => Some(Kind::Field),
            "webhook_id" => Some(Kind::Webhook),
            "log_id" => Some(Kind::Log),
            "user_id" => Some(Kind::User),
            "token_id" => Some(Kind::Token),
            "workspace_id" => Some(Kind::Workspace),
            "id" => None,
            other => panic!("{route}: unknown path parameter {{{other}}}: teach the walk its ids"),
        };
        by_name.unwrap_or_else(|| match previous_segment {
            "bots" => Kind::Bot,
            "fields" => Kind::Field,
            "webhooks" => Kind::Webhook,
            "logs" => Kind::Log,
            "users" => Kind::User,
            "tokens" => Kind::Token,
            "workspaces" => Kind::Workspace,
            other => panic!("{route}: {{id}} after /{other}/: teach the walk its ids"),
        })
    }

    fn of(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Bot => self.bot,
            Kind::Field => self.field,
            Kind::Webhook => self.webhook,
            Kind::Log => self.log,
            Kind::User => self.user,
            Kind::Token => self.token,
            Kind::Workspace => self.workspace,
        }
    }

    /// The path with A's ids, and the kinds of the parameters in order.
    fn fill(&self, route: &str) -> (String, Vec<Kind>) {
        let mut kinds = Vec::new();
        let mut previous = "";
        let segments: Vec<String> = route
            .split('/')
            .map(|segment| {
                let filled = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(param) => {
                        let kind = Ids::kind_of(param, previous, route);
                        kinds.push(kind);
                        self.of(kind).to_string()
                    }
                    // `{id}.csv`-style segments are not used; a brace elsewhere is a mistake.
                    None if segment.contains('{') => {
                        panic!("{route}: a parameter inside a segment: teach the walk")
                    }
                    None => segment.to_owned(),
                };
                previous = segment;
                filled
            })
            .collect();
        (segments.join("/"), kinds)
    }

    /// The path with B's bot in place of A's (the other ids stay A's).
    fn fill_with_other_bot(&self, route: &str) -> String {
        let other = Ids {
            bot: self.other_bot,
            ..*self
        };
        other.fill(route).0
    }
}

/// A minimal valid body for a request body schema, by its component name.
fn known_body(schema: &str) -> Option<Value> {
    Some(match schema {
        "CreateBot" => json!({ "name": "Walk bot", "channel": "sms", "default_country": "US" }),
        "UpdateBot" => json!({ "name": "Walk bot renamed" }),
        "CreateField" => json!({ "name": "walk_field", "type": "text" }),
        "UpdateField" => json!({ "name": "walk_field_renamed" }),
        "NewWebhook" => json!({ "name": "Walk hook" }),
        "WebhookUpdate" => json!({ "name": "Walk hook renamed" }),
        "EvaluateRequest" => json!({ "payload": { "phone": "+14155550100" } }),
        "Rotation" => json!({ "grace_hours": 1 }),
        "NewToken" => json!({ "name": "walk" }),
        "Credentials" => json!({ "email": "nobody@example.com", "password": "not the password" }),
        "Setup" => {
            json!({ "token": "no-such-link", "email": "nobody@example.com", "password": "long enough password 1" })
        }
        _ => return None,
    })
}

fn schema_name(schema: &Value) -> Option<String> {
    if let Some(r) = schema["$ref"].as_str() {
        return r.rsplit('/').next().map(str::to_owned);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(name) = schema[key]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(schema_name)
        {
            return Some(name);
        }
    }
    None
}

/// A value of `schema` with only the required members, for bodies not in [`known_body`].
fn minimal(schema: &Value, doc: &Value, depth: usize) -> Value {
    assert!(depth < 10, "schema too deep: {schema}");
    if let Some(name) = schema_name(schema).filter(|_| schema.get("$ref").is_some()) {
        return known_body(&name)
            .unwrap_or_else(|| minimal(&doc["components"]["schemas"][&name], doc, depth + 1));
    }
    if let Some(first) = schema["oneOf"]
        .as_array()
        .and_then(|v| v.iter().find(|s| s["type"] != "null").cloned())
    {
        return minimal(&first, doc, depth + 1);
    }
    if let Some(value) = schema["enum"].as_array().and_then(|v| v.first()) {
        return value.clone();
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"],
    };
    match types
        .iter()
        .find(|t| **t != "null")
        .copied()
        .unwrap_or("null")
    {
        "object" => {
            let mut object = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(
                    name.to_owned(),
                    minimal(&schema["properties"][name], doc, depth + 1),
                );
            }
            Value::Object(object)
        }
        "string" => json!("walk"),
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Null,
    }
}

fn request_body(operation: &Value, doc: &Value) -> Option<Value> {
    let schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
    if schema.is_null() {
        return None;
    }
    Some(
        schema_name(&schema)
            .and_then(|name| known_body(&name))
            .unwrap_or_else(|| minimal(&schema, doc, 0)),
    )
}

/// The required query parameters, with A's ids for those naming an object.
fn query_string(operation: &Value, ids: &Ids, route: &str) -> String {
    let mut pairs = Vec::new();
    for param in operation["parameters"].as_array().into_iter().flatten() {
        if param["in"] != "query" || param["required"] != true {
            continue;
        }
        let name = param["name"].as_str().unwrap();
        let value = match name {
            "bot_id" | "field_id" | "webhook_id" | "log_id" | "user_id" | "workspace_id" => {
                ids.of(Ids::kind_of(name, "", route)).to_string()
            }
            _ => match param["schema"]["type"].as_str() {
                Some("integer") | Some("number") => "1".into(),
                Some("boolean") => "false".into(),
                _ => "walk".into(),
            },
        };
        pairs.push(format!("{name}={value}"));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// One call's answer: status, content type, body text (not read for event streams).
struct Answer {
    status: u16,
    content_type: String,
    text: String,
}

async fn call(client: &reqwest::Client, method: &str, url: &str, body: Option<&Value>) -> Answer {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = tokio::time::timeout(Duration::from_secs(30), request.send())
        .await
        .unwrap_or_else(|_| panic!("{url}: no answer in 30 s"))
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = if content_type.starts_with("text/event-stream") {
        String::new() // a live stream: its headers are the answer
    } else {
        tokio::time::timeout(Duration::from_secs(30), response.text())
            .await
            .unwrap_or_else(|_| panic!("{url}: body not read in 30 s"))
            .unwrap()
    };
    Answer {
        status,
        content_type,
        text,
    }
}

/// Sets up workspace A's objects (and a bot of B's) and returns their ids and the texts that
/// must never reach B.
async fn populate(api: &ApiEnv) -> (Ids, Vec<String>) {
    let pool = api.env.db.pool();
    let bot = bots::create_bot(
        pool,
        &bots::NewBot {
            workspace_id: api.workspace_id,
            name: format!("Alpha bot {MARKER}"),
            channel: Channel::Sms,
            default_country: Country::parse("US").unwrap(),
            daily_limit: DailyLimit::DEFAULT,
            max_webhooks: MaxWebhooks::DEFAULT,
        },
    )
    .await
    .unwrap();
    let field = bots::create_field(
        pool,
        bot,
        &FieldName::parse(&format!("alpha_field_{MARKER}")).unwrap(),
        FieldType::Text,
    )
    .await
    .unwrap();
    let hook = webhooks::create(
        pool,
        bot,
        &WebhookName::parse(&format!("Alpha hook {MARKER}")).unwrap(),
    )
    .await
    .unwrap();
    webhooks::configure(
        pool,
        hook.id,
        &webhooks::Config {
            identity: IdentityPaths {
                phone: Some("$.phone".into()),
                email: Some("$.email".into()),
                ..IdentityPaths::default()
            },
            mappings: vec![mapping("$.note", &format!("alpha_field_{MARKER}"))],
            action_template: Some(format!("Hello from {MARKER}")),
            ..webhooks::Config::default()
        },
    )
    .await
    .unwrap();
    webhooks::set_active(pool, hook.id, true).await.unwrap();
    let posted = api
        .env
        .http
        .post(api.env.hook_url(&hook))
        .json(&json!({
            "phone": "+14155550199",
            "email": format!("alpha.{MARKER}@example.com"),
            "note": format!("alpha note {MARKER}"),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    let posted: Value = posted.json().await.unwrap();
    let log = posted["log_id"].as_i64().unwrap();
    let (user,): (i64,) = sqlx::query_as("SELECT user_id FROM request_logs WHERE id = $1")
        .bind(log)
        .fetch_one(pool)
        .await
        .unwrap();
    let (token,): (i64,) = sqlx::query_as(
        "SELECT t.id FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE a.email = $1",
    )
    .bind("owner@agency.example")
    .fetch_one(pool)
    .await
    .unwrap();
    let (other_workspace,): (i64,) = sqlx::query_as(
        "SELECT m.workspace_id FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $1",
    )
    .bind("owner@other.example")
    .fetch_one(pool)
    .await
    .unwrap();
    let other_bot = bots::create_bot(
        pool,
        &bots::NewBot {
            workspace_id: other_workspace,
            name: "Bravo bot".into(),
            channel: Channel::Sms,
            default_country: Country::parse("US").unwrap(),
            daily_limit: DailyLimit::DEFAULT,
            max_webhooks: MaxWebhooks::DEFAULT,
        },
    )
    .await
    .unwrap();
    let secrets = vec![
        MARKER.to_owned(),
        hook.token.clone(),
        "+14155550199".into(),
        "owner@agency.example".into(),
        "viewer@agency.example".into(),
    ];
    (
        Ids {
            bot,
            field,
            webhook: hook.id,
            log,
            user,
            token,
            workspace: api.workspace_id,
            other_bot,
        },
        secrets,
    )
}

fn is_write(method: &str) -> bool {
    matches!(method, "post" | "put" | "patch" | "delete")
}

async fn tenancy_walk(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let (ids, secrets) = populate(&api).await;
    let doc: Value = reqwest::get(api.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bad_token = {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", "Bearer not-a-real-token".parse().unwrap());
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    };

    let mut operations = Vec::new();
    for (route, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().unwrap() {
            if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                operations.push((route.clone(), method.clone(), operation.clone()));
            }
        }
    }
    // Reads first, deletes last: a wrongly allowed write then disturbs as little as possible.
    operations.sort_by_key(|(_, method, _)| match method.as_str() {
        "get" => 0,
        "delete" => 2,
        _ => 1,
    });
    for must in [
        "/webhooks/{id}/logs",
        "/webhooks/{id}/logs.csv",
        "/bots/{id}/logs",
        "/logs/{id}",
        "/logs/{id}/replay",
    ] {
        assert!(
            operations.iter().any(|(r, _, _)| r == must),
            "{must} is not in the document"
        );
    }

    let mut failures = Vec::new();
    let mut calls = 0;
    let mut fail = |what: String| failures.push(what);
    for (route, method, operation) in &operations {
        let (path, kinds) = ids.fill(route);
        let url = api.url(&format!("{path}{}", query_string(operation, &ids, route)));
        let body = request_body(operation, &doc);
        let label = format!("{} {route}", method.to_uppercase());
        let public = PUBLIC.contains(&route.as_str());
        let account = ACCOUNT_ROUTES.iter().any(|p| route.starts_with(p));
        let names_a = !kinds.is_empty();

        // (a) No credentials, or a made-up token: 401 with problem+json.
        if !public {
            for (who, client) in [("anonymous", &api.anonymous), ("bad token", &bad_token)] {
                let answer = call(client, method, &url, body.as_ref()).await;
                calls += 1;
                if answer.status != 401 || answer.content_type != "application/problem+json" {
                    fail(format!(
                        "{label} as {who}: {} {} {}",
                        answer.status, answer.content_type, answer.text
                    ));
                }
            }
        } else if route == "/health" {
            let answer = call(&api.anonymous, method, &url, None).await;
            if answer.status != 200 {
                fail(format!("{label} as anonymous: {}", answer.status));
            }
        }
        if public {
            continue;
        }

        // (b) Workspace B's owner: A's objects are not found; nothing of A's shows.
        let answer = call(&api.stranger, method, &url, body.as_ref()).await;
        calls += 1;
        if names_a {
            if answer.status != 404 || answer.content_type != "application/problem+json" {
                fail(format!(
                    "{label} as B's owner: {} (expected 404) {}",
                    answer.status, answer.text
                ));
            }
        } else if answer.status >= 500 || answer.status == 401 {
            fail(format!(
                "{label} as B's owner: {} {}",
                answer.status, answer.text
            ));
        }
        if let Some(secret) = secrets.iter().find(|s| answer.text.contains(s.as_str())) {
            fail(format!(
                "{label} as B's owner: the answer contains A's {secret:?}: {}",
                answer.text
            ));
        }
        // B's own bot with A's other objects under it: still not found.
        if kinds.len() > 1 && kinds[0] == Kind::Bot {
            let mixed = api.url(&ids.fill_with_other_bot(route));
            let answer = call(&api.stranger, method, &mixed, body.as_ref()).await;
            calls += 1;
            if answer.status != 404 {
                fail(format!(
                    "{label} as B's owner with B's bot and A's objects: {} {}",
                    answer.status, answer.text
                ));
            }
        }

        // (c) A's viewer: reads answer, writes are forbidden.
        let answer = call(&api.viewer, method, &url, body.as_ref()).await;
        calls += 1;
        let read_only = method == "get" || READ_ONLY_POSTS.contains(&route.as_str());
        if account {
            // The viewer's own account: A's owner's token is someone else's, so not found.
            let expected_404 = kinds.contains(&Kind::Token);
            if (expected_404 && answer.status != 404) || answer.status >= 500 {
                fail(format!(
                    "{label} as A's viewer: {} {}",
                    answer.status, answer.text
                ));
            }
        } else if is_write(method) && !read_only {
            if answer.status != 403 || answer.content_type != "application/problem+json" {
                fail(format!(
                    "{label} as A's viewer: {} (expected 403) {}",
                    answer.status, answer.text
                ));
            }
        } else if !(200..300).contains(&answer.status) {
            fail(format!(
                "{label} as A's viewer (a read): {} {}",
                answer.status, answer.text
            ));
        }
    }
    eprintln!(
        "walked {} operations ({calls} calls) on {kind:?}",
        operations.len()
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // B's bot list: B's bots only.
    if operations
        .iter()
        .any(|(r, m, _)| r == "/bots" && m == "get")
    {
        let answer = call(&api.stranger, "get", &api.url("/bots"), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let page: Value = serde_json::from_str(&answer.text).unwrap();
        let listed: Vec<i64> = page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("GET /bots: {page}"))
            .iter()
            .map(|b| b["id"].as_i64().unwrap())
            .collect();
        assert!(listed.contains(&ids.other_bot), "{page}");
        assert!(!listed.contains(&ids.bot), "A's bot listed to B: {page}");
        assert!(
            !listed.contains(&api.env.bot_id),
            "A's bot listed to B: {page}"
        );
    }

    // The objects are all still there: nothing the walk sent changed them.
    let pool = api.env.db.pool();
    let (bot_name,): (String,) = sqlx::query_as("SELECT name FROM bots WHERE id = $1")
        .bind(ids.bot)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(bot_name, format!("Alpha bot {MARKER}"));
    let hook = webhooks::get(pool, ids.webhook).await.unwrap();
    assert_eq!(hook.name, format!("Alpha hook {MARKER}"));
    assert!(hook.active);
    let (logs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM request_logs")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(logs, 1, "no replay happened");
    let (fields,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM custom_fields WHERE id = $1")
        .bind(ids.field)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fields, 1);
}

on_both_databases!(tenancy_walk);
