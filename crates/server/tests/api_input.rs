//! What the REST API answers to input it cannot take, on SQLite and PostgreSQL: text holding
//! NUL (a 422 naming the member or query parameter), an email longer than any address, control
//! characters in a token's name, ids that cannot exist, bodies over the limit and methods a
//! route does not have — always problem+json, never a 500 or plain text.

mod api_client;
mod support;
use api_client::*;
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

/// Status and body of an error answer, checked to be problem+json with that status.
async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    let text = response.text().await.unwrap();
    assert_eq!(
        content_type.as_ref().map(|v| v.to_str().unwrap()),
        Some("application/problem+json"),
        "{status} {text}"
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["status"], status, "{text}");
    (status, value)
}

async fn new_webhook(api: &ApiEnv) -> i64 {
    let (status, hook) = call(
        api,
        &api.owner,
        Method::POST,
        &format!("/bots/{}/webhooks", api.env.bot_id),
        Some(json!({ "name": "Bookings" })),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    hook["id"].as_i64().unwrap()
}

fn assert_nul_at(problem: &Value, field: &str) {
    assert_eq!(error_fields(problem), [field], "{problem}");
    assert_eq!(
        error_for(problem, field),
        "must not contain a NUL character"
    );
}

/// PostgreSQL cannot hold NUL in text; it answered 500 for these, SQLite stored them.
async fn nul_in_text_is_refused_at_its_field(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = new_webhook(&api).await;

    // Before logging in, too.
    let (status, p) = call(
        &api,
        &api.anonymous,
        Method::POST,
        "/auth/login",
        Some(json!({ "email": "a\u{0}@x.example", "password": "whatever it is" })),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_nul_at(&p, "email");

    for (method, path, body, field) in [
        (
            Method::POST,
            "/tokens".to_owned(),
            json!({ "name": "a\u{0}b" }),
            "name",
        ),
        (
            Method::PATCH,
            format!("/webhooks/{hook}"),
            json!({ "action_template": "Hi\u{0}" }),
            "action_template",
        ),
        (
            Method::PATCH,
            format!("/webhooks/{hook}"),
            json!({ "mappings": [{ "path": "$.a", "field": "ok" },
                                 { "path": "$.b", "field": "x\u{0}" }] }),
            "mappings[1].field",
        ),
    ] {
        let (status, p) = call(&api, &api.owner, method, &path, Some(body)).await;
        assert_eq!(status, 422, "{path}: {p}");
        assert_nul_at(&p, field);
    }
    let (_, hook_now) = call(
        &api,
        &api.owner,
        Method::GET,
        &format!("/webhooks/{hook}"),
        None,
    )
    .await;
    assert_eq!(hook_now["action_template"], Value::Null, "nothing stored");

    let bot = api.env.bot_id;
    for path in [
        "/bots?q=%00".to_owned(),
        format!("/bots/{bot}/users?q=a%00"),
        format!("/webhooks/{hook}/logs?q=%00"),
        format!("/bots/{bot}/logs?q=%00"),
        format!("/webhooks/{hook}/logs.csv?q=%00"),
    ] {
        let (status, p) = problem(api.owner.get(api.url(&path)).send().await.unwrap()).await;
        assert_eq!(status, 422, "{path}: {p}");
        assert_nul_at(&p, "q");
    }

    // The evaluator stores nothing and takes what a sender would post, as the receiver does.
    let (status, evaluation) = call(
        &api,
        &api.owner,
        Method::POST,
        &format!("/webhooks/{hook}/evaluate"),
        Some(json!({ "payload": { "note": "a\u{0}b" } })),
    )
    .await;
    assert_eq!(status, 200, "{evaluation}");
}

/// A 3000-character email answered 500 on PostgreSQL (too long for the failures' index);
/// a token's name took terminal escape sequences.
async fn long_emails_and_control_characters(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let login = |email: String| {
        let (api, anonymous) = (&api, &api.anonymous);
        async move {
            call(
                api,
                anonymous,
                Method::POST,
                "/auth/login",
                Some(json!({ "email": email, "password": "a long passphrase" })),
            )
            .await
        }
    };
    let (status, unknown) = login("nobody@agency.example".into()).await;
    assert_eq!(status, 401, "{unknown}");
    // Letters that do not repeat in a pattern: PostgreSQL compresses a repetitive key enough
    // to fit its index.
    let mut seed = 0x2545_f491_u32;
    let scrambled: String = (0..3000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            char::from(b'a' + (seed % 26) as u8)
        })
        .collect();
    for email in [
        format!("{scrambled}@x.example"),
        format!("{}@x.example", "b".repeat(245)), // 255 bytes
    ] {
        let (status, p) = login(email).await;
        assert_eq!(status, 401, "the same answer as an unknown email: {p}");
        assert_eq!(p["detail"], unknown["detail"]);
    }

    for name in ["\u{1b}[31mred", "tab\there", "line\nbreak", "del\u{7f}"] {
        let (status, p) = call(
            &api,
            &api.owner,
            Method::POST,
            "/tokens",
            Some(json!({ "name": name })),
        )
        .await;
        assert_eq!(status, 422, "{name:?}: {p}");
        assert_eq!(
            error_for(&p, "name"),
            "a token name must not contain control characters"
        );
    }
    let (status, created) = call(
        &api,
        &api.owner,
        Method::POST,
        "/tokens",
        Some(json!({ "name": "CI – déploiement 🚀" })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
}

/// POSTs `path` announcing a 3 MiB JSON body and sending just past the API's 2 MiB, on a raw
/// socket: the answer comes without the rest, and nothing unread is left to reset it.
async fn over_the_limit(api: &ApiEnv, token: &str, path: &str) -> RawResponse {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(socket_addr(&api.env.server))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1{path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        3 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b' '; (2 << 20) + 1]).await.unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        read_raw_response(&mut stream),
    )
    .await
    .expect("an answer before the rest of the body")
}

/// Ids that do not parse, bodies over the limit and wrong methods answered axum's plain
/// text (or nothing) instead of problem+json.
async fn paths_sizes_and_methods(kind: DbKind) {
    let api = ApiEnv::new(kind).await;
    let hook = new_webhook(&api).await;
    let bot = api.env.bot_id;

    for path in [
        "/bots/abc".to_owned(),
        "/bots/99999999999999999999".to_owned(),
        "/webhooks/1.5".to_owned(),
        "/webhooks/1.5/logs".to_owned(),
        "/users/-".to_owned(),
    ] {
        let (status, p) = problem(api.owner.get(api.url(&path)).send().await.unwrap()).await;
        assert_eq!(status, 404, "{path}: {p}");
        assert_eq!(p["detail"], "not found");
        // Without credentials, nothing but that they are needed.
        let r = api.anonymous.get(api.url(&path)).send().await.unwrap();
        assert_eq!(problem(r).await.0, 401, "{path}");
    }

    let r = api
        .owner
        .patch(api.url(&format!("/bots/{bot}/fields/x")))
        .json(&json!({ "name": "y" }))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 404, "a pair of ids");

    // Over the API's 2 MiB: a JSON body, and rotate's optional one.
    let (_, created) = call(
        &api,
        &api.owner,
        Method::POST,
        "/tokens",
        Some(json!({ "name": "raw" })),
    )
    .await;
    let token = created["token"].as_str().unwrap();
    for path in ["/bots".to_owned(), format!("/webhooks/{hook}/rotate")] {
        let r = over_the_limit(&api, token, &path).await;
        let text = String::from_utf8_lossy(&r.body);
        assert_eq!(r.status, 413, "{path}: {text}");
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.json()["status"], 413);
    }
    let (status, _) = call(
        &api,
        &api.owner,
        Method::POST,
        &format!("/webhooks/{hook}/rotate"),
        Some(json!({ "grace_hours": 0 })),
    )
    .await;
    assert_eq!(status, 200, "a small body still rotates");

    for (client, method, path, allowed) in [
        (&api.owner, Method::PUT, format!("/bots/{bot}"), "GET"),
        (&api.anonymous, Method::PUT, format!("/bots/{bot}"), "GET"),
        (&api.anonymous, Method::OPTIONS, "/bots".to_owned(), "POST"),
        (
            &api.owner,
            Method::GET,
            format!("/webhooks/{hook}/rotate"),
            "POST",
        ),
    ] {
        let r = client
            .request(method.clone(), api.url(&path))
            .send()
            .await
            .unwrap();
        let allow = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, p) = problem(r).await;
        assert_eq!(status, 405, "{method} {path}: {p}");
        assert_eq!(p["detail"], "this method is not allowed here");
        let allow = allow.unwrap_or_else(|| panic!("{method} {path}: no Allow header"));
        assert!(allow.split(',').any(|m| m.trim() == allowed), "{allow}");
    }
}

on_both_databases!(
    nul_in_text_is_refused_at_its_field,
    long_emails_and_control_characters,
    paths_sizes_and_methods,
);
