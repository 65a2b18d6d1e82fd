//! The OpenAPI document: valid OpenAPI 3 (read with serde into the shapes the spec gives,
//! every `$ref` resolving, every path parameter declared), and complete: every route the
//! API serves is in it, and every route in it is served.
//!
//! Completeness has two halves. Every documented path and method is actually routed (it
//! answers neither the fallback's 404 nor 405), and documented paths answer 405 to other
//! methods. And the API's routes can only come from `OpenApiRouter::routes(routes!(…))`,
//! which documents what it registers: the source check below fails on any other way of adding
//! a route (`.route(…)`, `.route_service(…)`, a plain axum `Router`), except the
//! `/openapi.json` route itself.

mod support;
use support::*;

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    openapi: String,
    info: Info,
    #[serde(default)]
    servers: Vec<ServerObject>,
    paths: BTreeMap<String, BTreeMap<String, Value>>,
    components: Option<Components>,
    #[serde(default)]
    security: Vec<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    tags: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Info {
    title: String,
    version: String,
}

#[derive(Debug, Deserialize)]
struct ServerObject {
    url: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Components {
    #[serde(default)]
    schemas: BTreeMap<String, Value>,
    #[serde(default)]
    security_schemes: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    #[serde(default)]
    operation_id: Option<String>,
    #[serde(default)]
    parameters: Vec<Parameter>,
    #[serde(default)]
    request_body: Option<RequestBody>,
    responses: BTreeMap<String, Response>,
    #[serde(default)]
    security: Option<Vec<BTreeMap<String, Vec<String>>>>,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    name: String,
    #[serde(rename = "in")]
    location: String,
    #[serde(default)]
    required: bool,
    schema: Value,
}

#[derive(Debug, Deserialize)]
struct RequestBody {
    content: BTreeMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
struct Response {
    description: String,
    #[serde(default)]
    content: BTreeMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
struct MediaType {
    schema: Value,
}

async fn document(server: &Server) -> (Value, Document) {
    let response = reqwest::get(server.url("/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "served without credentials");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let raw: Value = response.json().await.unwrap();
    let doc: Document = serde_json::from_value(raw.clone())
        .unwrap_or_else(|e| panic!("not an OpenAPI document: {e}"));
    (raw, doc)
}

/// Every `$ref` in `value`, with where it was found.
fn refs<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    out.push((at.clone(), v.as_str().expect("a $ref is a string")));
                } else {
                    refs(v, format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn operations(doc: &Document) -> Vec<(String, String, Operation)> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths {
        for (key, value) in item {
            assert!(
                METHODS.contains(&key.as_str())
                    || matches!(
                        key.as_str(),
                        "summary" | "description" | "parameters" | "servers"
                    ),
                "{path}: unexpected member {key}"
            );
            if METHODS.contains(&key.as_str()) {
                let op: Operation = serde_json::from_value(value.clone())
                    .unwrap_or_else(|e| panic!("{key} {path}: not an operation: {e}"));
                out.push((path.clone(), key.clone(), op));
            }
        }
    }
    out
}

async fn document_is_valid_openapi(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    let (raw, doc) = document(&server).await;

    assert!(doc.openapi.starts_with("3."), "openapi {}", doc.openapi);
    assert!(!doc.info.title.is_empty());
    assert!(!doc.info.version.is_empty());
    assert_eq!(
        doc.servers
            .iter()
            .map(|s| s.url.as_str())
            .collect::<Vec<_>>(),
        ["/api/v1"]
    );
    let _ = &doc.tags;
    let components = doc.components.as_ref().expect("components");
    assert!(components.security_schemes.contains_key("session"));
    assert!(components.security_schemes.contains_key("token"));
    for requirement in &doc.security {
        for scheme in requirement.keys() {
            assert!(components.security_schemes.contains_key(scheme), "{scheme}");
        }
    }

    let ops = operations(&doc);
    assert!(ops.len() >= 10, "only {} operations", ops.len());
    let mut ids = BTreeSet::new();
    for (path, method, op) in &ops {
        let at = format!("{} {path}", method.to_uppercase());
        assert!(path.starts_with('/'), "{at}");
        assert!(
            !path.starts_with("/api/"),
            "{at}: paths are relative to the server URL"
        );
        if let Some(id) = &op.operation_id {
            assert!(ids.insert(id.clone()), "{at}: operationId {id} used twice");
        }
        assert!(!op.responses.is_empty(), "{at}: no responses");
        for (status, response) in &op.responses {
            assert!(
                status == "default"
                    || (status.len() == 3
                        && status.chars().all(|c| c.is_ascii_digit() || c == 'X')),
                "{at}: response key {status}"
            );
            let _ = &response.description;
            for (media, content) in &response.content {
                assert!(media.contains('/'), "{at}: media type {media}");
                assert!(content.schema.is_object(), "{at}: {media} schema");
            }
        }
        if let Some(body) = &op.request_body {
            assert!(
                !body.content.is_empty(),
                "{at}: request body without content"
            );
        }
        for requirement in op.security.iter().flatten() {
            for scheme in requirement.keys() {
                assert!(
                    components.security_schemes.contains_key(scheme),
                    "{at}: security scheme {scheme}"
                );
            }
        }
        // Path parameters: each `{name}` declared, required; none declared that is not there.
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: BTreeSet<&str> = op
            .parameters
            .iter()
            .filter(|p| p.location == "path")
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(in_template, declared, "{at}: path parameters");
        let mut seen = BTreeSet::new();
        for p in &op.parameters {
            assert!(
                matches!(p.location.as_str(), "path" | "query" | "header" | "cookie"),
                "{at}: parameter {} in {}",
                p.name,
                p.location
            );
            assert!(
                seen.insert((p.name.as_str(), p.location.as_str())),
                "{at}: parameter {} twice",
                p.name
            );
            if p.location == "path" {
                assert!(
                    p.required,
                    "{at}: path parameter {} must be required",
                    p.name
                );
            }
            assert!(p.schema.is_object(), "{at}: parameter {} schema", p.name);
        }
    }

    // Every $ref points at a schema in components.
    let mut all = Vec::new();
    refs(&raw, String::new(), &mut all);
    assert!(!all.is_empty());
    for (at, reference) in &all {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{at}: $ref {reference} is not a components schema"));
        assert!(
            components.schemas.contains_key(name),
            "{at}: $ref {reference} does not resolve"
        );
    }
    // And every component schema is itself an object schema.
    for (name, schema) in &components.schemas {
        assert!(schema.is_object(), "schema {name}");
    }
}

/// Every documented route is routed; other methods on those paths are 405; made-up paths
/// are the API's 404.
async fn every_route_is_documented_and_routed(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    let (_, doc) = document(&server).await;
    let http = reqwest::Client::new();

    // Made-up paths under the API: 404 problem+json, with or without a method that exists.
    for path in [
        "/api/v1/made-up",
        "/api/v1/bots/1/made-up",
        "/api/v1/logs/1/replay/again",
        "/api/v1/webhooks/1/logs.json",
        "/api/v1/webhooks/1/logs.csv/1",
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let response = http
                .request(method.clone(), server.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{method} {path}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{method} {path}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["detail"], "not found");
        }
    }

    let ops = operations(&doc);
    let mut documented: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (path, method, _) in &ops {
        documented.entry(path).or_default().insert(method);
    }
    for (path, method, op) in &ops {
        let url = server.url(&format!("/api/v1{}", fill(path)));
        let mut request = http.request(
            reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
            &url,
        );
        if op.request_body.is_some() {
            request = request.json(&serde_json::json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let is_event_stream = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
        let text = if is_event_stream {
            String::new()
        } else {
            response.text().await.unwrap()
        };
        assert_ne!(status, 405, "{method} {path} is documented but not routed");
        let fallback = status == 404
            && serde_json::from_str::<Value>(&text).is_ok_and(|b| b["detail"] == "not found");
        assert!(!fallback, "{method} {path} is documented but not routed");
    }
    // Methods a documented path does not list are not served either.
    for (path, methods) in &documented {
        let url = server.url(&format!("/api/v1{}", fill(path)));
        for method in ["get", "post", "put", "patch", "delete"] {
            if methods.contains(method) {
                continue;
            }
            let response = http
                .request(
                    reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &url,
                )
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                405,
                "{method} {path} answers but is not documented"
            );
        }
    }
}

/// A documented path with every parameter set to 1.
fn fill(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The API's routes are registered only through `OpenApiRouter::routes`, which documents
/// them; `/openapi.json` is the one route added otherwise.
#[test]
fn routes_are_only_added_through_the_openapi_router() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("health.rs"), src.join("lib.rs")];
    let mut dirs = vec![src.join("api")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let forbidden = [
        ".route(",
        ".route_service(",
        ".nest_service(",
        ".nest(",
        "axum::Router::new",
        "MethodRouter",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        for pattern in forbidden {
            for (at, _) in text.match_indices(pattern) {
                let after = &text[at..text.len().min(at + 120)];
                let allowed = match (name.as_str(), pattern) {
                    // The document itself.
                    ("api/mod.rs", ".route(") => after.contains("\"/openapi.json\""),
                    // Where the API is mounted.
                    ("lib.rs", ".nest(") => after.starts_with(".nest(\"/api/v1\", api)"),
                    // The 404s for other paths under /api, which serve nothing.
                    ("lib.rs", ".route(") => {
                        after.starts_with(".route(\"/api") && after.contains("any(not_found))")
                    }
                    _ => false,
                };
                if !allowed {
                    let line = text[..at].lines().count();
                    found.push(format!("{name}:{line}: {pattern}"));
                }
            }
        }
        // A plain axum router built in an API module would bypass the document.
        if name.starts_with("api/") && name != "api/mod.rs" {
            for (at, _) in text.match_indices("Router::new()") {
                if !text[..at].ends_with("OpenApi") {
                    found.push(format!("{name}: a plain Router::new()"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "routes added outside OpenApiRouter::routes (so missing from the document):\n{}",
        found.join("\n")
    );
    // The lib mounts exactly `api::router()` under /api/v1, whose only extra route is the
    // document.
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("let api = api::router()"));
    let api = std::fs::read_to_string(src.join("api/mod.rs")).unwrap();
    assert_eq!(api.matches(".route(").count(), 1);
    assert!(api.contains(".split_for_parts()"));
}

on_both_databases!(
    document_is_valid_openapi,
    every_route_is_documented_and_routed
);
