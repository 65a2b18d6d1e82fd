//! The receiver contract of the design, row by row, as a sender sees it (status, body,
//! headers) and as the request log records it.

mod support;
use support::*;

use botwire_core::field::FieldType;
use botwire_core::identify::IdentityPaths;
use botwire_core::names::WebhookName;
use botwire_server::error::Error;
use botwire_server::store::webhooks;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PHONE_DOC: &str = r#"{"phone": "+14155550132", "name": "Ana"}"#;
const MIB: usize = 1024 * 1024;

async fn body_json(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

fn content_type(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("content-type")
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

// ---- 404 ------------------------------------------------------------------------------------

/// Unknown tokens, and paths that name no webhook, are 404 with nothing else; other methods
/// than POST are 405 on a known token and 404 on any other.
async fn unknown_token_is_404_and_nothing_else(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;

    let mut tokens = vec![
        "nope".to_owned(),
        "A".repeat(hook.token.len()),
        // One character different, at the start and at the end.
        flip(&hook.token, 0),
        flip(&hook.token, hook.token.len() - 1),
        // A prefix of the real token and the token with one more character.
        hook.token[..hook.token.len() - 1].to_owned(),
        format!("{}A", hook.token),
        // Escapes that do not decode to UTF-8.
        "%FF".to_owned(),
        format!("{}%C3%28", hook.token),
    ];
    tokens.dedup();
    for token in tokens {
        let response = env
            .http
            .post(env.server.url(&format!("/hooks/{token}")))
            .header("content-type", "application/json")
            .body(PHONE_DOC)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{token}");
        assert_no_rate_limit_headers(response.headers());
        assert_eq!(content_type(response.headers()), "application/json");
        assert_eq!(response.text().await.unwrap(), r#"{"error":"not found"}"#);
    }
    // Paths beside the webhook's are no webhook either.
    for path in [
        "/hooks".to_owned(),
        "/hooks/".to_owned(),
        format!("/hooks/{}/", hook.token),
        format!("/hooks/{}/more", hook.token),
    ] {
        let response = env
            .http
            .post(env.server.url(&path))
            .body(PHONE_DOC)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.text().await.unwrap(), r#"{"error":"not found"}"#);
    }
    // Another method on an unknown token is a 404 too; on the real one a 405 that says what
    // it takes, with the rate-limit headers every answer from a known token carries.
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let unknown = env.server.url(&format!("/hooks/{}", flip(&hook.token, 0)));
        let response = env
            .http
            .request(method.clone(), unknown)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method}");
        assert_no_rate_limit_headers(response.headers());
        let response = env
            .http
            .request(method.clone(), env.hook_url(&hook))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "POST");
        assert_eq!(assert_rate_limit_headers(response.headers(), 500), 500);
        assert_eq!(
            body_json(response).await["detail"],
            "a webhook takes POST requests only"
        );
    }
    // Nothing reached the webhook: no log row, nothing counted.
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM usage_hours").await, 0);

    // The real token works.
    let ok = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(ok.status(), 200);
}

fn flip(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

// ---- 403 ------------------------------------------------------------------------------------

async fn inactive_webhook_is_403_and_logged(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), false).await;

    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 403);
    assert_eq!(assert_rate_limit_headers(response.headers(), 500), 499);
    assert_eq!(content_type(response.headers()), "application/json");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"webhook inactive"}"#
    );

    let log = env.last_log().await.expect("a log row");
    assert_eq!(log.webhook_id, hook.id);
    assert_eq!(log.outcome, "inactive");
    assert_eq!(log.status, 403);
    assert_eq!(log.body.as_deref(), Some(PHONE_DOC));
    assert_eq!(log.response, r#"{"error":"webhook inactive"}"#);
    assert_eq!(log.user_id, None);
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox").await, 0);
}

// ---- 429 ------------------------------------------------------------------------------------

async fn over_the_limit_is_429_counted_not_logged(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let hour = clear_of_hour_boundary().await;
    use_up(&env, hook.id, hour, 500).await;

    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(content_type(&headers), "application/problem+json");
    let retry_after: i64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=90_000).contains(&retry_after),
        "retry-after {retry_after}"
    );
    // The whole day is used up by this hour's requests: retry when this hour leaves the window.
    let until_hour_leaves = ((hour + 25) * 3_600_000 - botwire_server::store::now_ms()) / 1000;
    assert!(
        (until_hour_leaves - 5..=until_hour_leaves + 5).contains(&retry_after),
        "retry-after {retry_after}, expected about {until_hour_leaves}"
    );
    assert_eq!(assert_rate_limit_headers(&headers, 500), 0);
    assert_eq!(headers["rate-limit-remaining"], "0");
    assert_eq!(headers["ratelimit-reset"], headers["retry-after"]);
    let body = body_json(response).await;
    assert_eq!(body["status"], 429);
    assert_eq!(body["title"], "Too Many Requests");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("500"), "{detail}");
    let wait = botwire_core::limits::wait(retry_after);
    assert!(detail.ends_with(&format!("retry in {wait}")), "{detail}");

    // Counted, not logged, not processed.
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);
    assert_eq!(
        env.count(&format!(
            "SELECT limited FROM usage_hours WHERE webhook_id = {} AND hour = {hour}",
            hook.id
        ))
        .await,
        1
    );
    assert_eq!(
        env.count(&format!(
            "SELECT accepted FROM usage_hours WHERE webhook_id = {} AND hour = {hour}",
            hook.id
        ))
        .await,
        500
    );

    // A second refusal counts again and the answer stays the same.
    let again = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(again.status(), 429);
    assert_eq!(again.headers()["rate-limit-remaining"], "0");
    assert_eq!(
        env.count("SELECT CAST(SUM(limited) AS BIGINT) FROM usage_hours")
            .await,
        2
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 0);
}

/// Marks `accepted` requests of the bot as accepted in `hour`.
async fn use_up(env: &Env, webhook_id: i64, hour: i64, accepted: i64) {
    sqlx::query(
        "INSERT INTO usage_hours (bot_id, webhook_id, hour, accepted, limited) VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(env.bot_id)
    .bind(webhook_id)
    .bind(hour)
    .bind(accepted)
    .execute(env.db.pool())
    .await
    .unwrap();
}

async fn the_window_is_rolling_24_hours(kind: DbKind) {
    let env = Env::new(kind).await;
    let config = webhooks::Config {
        mappings: vec![botwire_core::mapping::Mapping {
            path: "$.name".into(),
            field: "first_name".into(),
        }],
        ..phone_config()
    };
    let hook = env.webhook("Orders", config, true).await;
    let hour = clear_of_hour_boundary().await;

    // The hour that began 24 hours before this one still counts: every request in it was made
    // less than 25 hours ago, some less than 24. It leaves the window at the next full hour.
    use_up(&env, hook.id, hour - 24, 500).await;
    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 429);
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let until_next_hour = ((hour + 1) * 3_600_000 - botwire_server::store::now_ms()) / 1000;
    assert!(
        (until_next_hour - 5..=until_next_hour + 5).contains(&retry_after),
        "retry-after {retry_after}, expected about {until_next_hour}"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 0);

    // The hour before it is outside: the whole limit is available again.
    sqlx::query("UPDATE usage_hours SET hour = $1 WHERE hour = $2")
        .bind(hour - 25)
        .bind(hour - 24)
        .execute(env.db.pool())
        .await
        .unwrap();
    // The server saw the limit used up a moment ago and does not parse or map a request before
    // a turn it expects to refuse; admitted after all, the request is still processed whole.
    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 200);
    assert_eq!(assert_rate_limit_headers(response.headers(), 500), 499);
    let log = env.last_log().await.expect("the request's log row");
    assert_eq!((log.outcome.as_str(), log.status), ("created", 200));
    assert!(log.mappings.as_deref().unwrap().contains("Ana"), "{log:?}");
    assert_eq!(
        env.count(
            "SELECT COUNT(*) FROM bot_users WHERE first_name = 'Ana' AND phone = '+14155550132'"
        )
        .await,
        1
    );

    // 499 earlier today plus this one: the 500th is accepted, the 501st refused.
    use_up(&env, hook.id, hour - 5, 498).await;
    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["rate-limit-remaining"], "0");
    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["rate-limit-remaining"], "0");
}

// ---- rate-limit headers on every answer --------------------------------------------------------

async fn every_answer_from_a_known_token_has_the_rate_limit_headers(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let inactive = env.webhook("Off", phone_config(), false).await;
    let signed = env
        .webhook(
            "Signed",
            webhooks::Config {
                signature: botwire_server::receiver::signature::SignatureScheme::Hmac {
                    header: "X-Hub-Signature-256".into(),
                    secret: "shh".into(),
                },
                ..phone_config()
            },
            true,
        )
        .await;

    let mut seen = Vec::new();
    let mut check = |status: u16, headers: &reqwest::header::HeaderMap| {
        let remaining = assert_rate_limit_headers(headers, 500);
        seen.push((status, remaining));
    };

    let r = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(r.status(), 200);
    check(200, r.headers());
    let r = env.post_json(&hook, "{").await;
    assert_eq!(r.status(), 400);
    check(400, r.headers());
    let r = env.post_json(&signed, PHONE_DOC).await;
    assert_eq!(r.status(), 401);
    check(401, r.headers());
    let r = env.post_json(&inactive, PHONE_DOC).await;
    assert_eq!(r.status(), 403);
    check(403, r.headers());
    let r = raw_oversized(&env, &hook).await;
    assert_eq!(r.status, 413);
    check(413, &r.header_map());
    let r = env
        .post_with(&hook, Some("text/plain"), &[], PHONE_DOC)
        .await;
    assert_eq!(r.status(), 415);
    check(415, r.headers());
    let r = env.post_json(&hook, r#"{"phone": "12"}"#).await;
    assert_eq!(r.status(), 422);
    check(422, r.headers());
    for _ in 0..2 {
        let r = env
            .post_with(
                &hook,
                Some("application/json"),
                &[("idempotency-key", "k-1")],
                PHONE_DOC,
            )
            .await;
        assert_eq!(r.status(), 200);
        check(200, r.headers());
    }
    // Every admitted request used one of the 500; the 413 was refused unread and did not.
    assert_eq!(
        seen,
        vec![
            (200, 499),
            (400, 498),
            (401, 497),
            (403, 496),
            (413, 496),
            (415, 495),
            (422, 494),
            (200, 493),
            (200, 492),
        ]
    );
}

/// Headers announcing a 2,000,000-byte body, and no body: the answer must come anyway.
async fn raw_oversized(env: &Env, hook: &webhooks::Webhook) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(socket_addr(&env.server))
        .await
        .unwrap();
    let request = format!(
        "POST /hooks/{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: 2000000\r\n\r\n",
        hook.token
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(1), read_raw_response(&mut stream))
        .await
        .expect("the 413 must come without the body being sent")
}

// ---- slow senders ---------------------------------------------------------------------------

/// Sends `head_and_some_body` on a new connection and waits for whatever comes back.
async fn send_and_wait(env: &Env, head_and_some_body: &str) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(socket_addr(&env.server))
        .await
        .unwrap();
    stream
        .write_all(head_and_some_body.as_bytes())
        .await
        .unwrap();
    stream
}

/// A request whose head or body does not arrive within the read timeout does not hold its
/// connection for ever: a body stopped half-way is answered 408 (with the rate-limit headers
/// from a known token, as problem+json from the API); a head never finished, or never begun
/// on a new or idle keep-alive connection, is closed.
async fn slow_senders_time_out(kind: DbKind) {
    let env = Env::with_server_args(kind, &["--read-timeout-secs", "1"]).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let in_time = Duration::from_secs(5);

    let started = std::time::Instant::now();
    let mut stream = send_and_wait(
        &env,
        &format!(
            "POST /hooks/{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n{{\"phone\"",
            hook.token
        ),
    )
    .await;
    let response = tokio::time::timeout(in_time, read_raw_response(&mut stream))
        .await
        .expect("a body stopped half-way is answered");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(response.status, 408);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        response.json()["detail"],
        "the body did not arrive within 1 s"
    );
    assert_eq!(assert_rate_limit_headers(&response.header_map(), 500), 500);
    assert!(env.last_log().await.is_none(), "nothing was processed");

    let mut stream = send_and_wait(&env, "POST /hooks/x HTTP/1.1\r\nHost: localhost\r\n").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(in_time, stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "a head never finished must not hold the connection"
    );
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    let mut stream = send_and_wait(
        &env,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{\"email\"",
    )
    .await;
    let response = tokio::time::timeout(in_time, read_raw_response(&mut stream))
        .await
        .expect("an API body stopped half-way is answered");
    assert_eq!(response.status, 408);
    assert_eq!(
        response.json()["detail"],
        "the body did not arrive within 1 s"
    );

    // A connection that sends nothing, from the start or after an answer, is closed too.
    let mut stream = send_and_wait(&env, "").await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(in_time, stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "a silent connection must not be kept");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    let mut stream = send_and_wait(
        &env,
        "GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    let response = tokio::time::timeout(in_time, read_raw_response(&mut stream))
        .await
        .expect("health is answered");
    assert_eq!(response.status, 200);
    let idle_since = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(in_time, stream.read_to_end(&mut rest)).await;
    assert!(
        read.is_ok(),
        "an idle keep-alive connection must not be kept"
    );
    assert!(idle_since.elapsed() >= Duration::from_millis(900));

    // Requests sent in time are answered as usual.
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 200);
}

/// SIGTERM lets requests in progress finish: a webhook whose body was still arriving is
/// processed and answered, an idle keep-alive connection is closed, and the process exits
/// cleanly. (Polling the shutdown signal again after it fired panicked every connection's
/// task, dropping such requests unanswered.)
async fn shutdown_finishes_requests_in_progress(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let mut idle = send_and_wait(
        &env,
        "GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    assert_eq!(read_raw_response(&mut idle).await.status, 200);
    let (head, rest) = PHONE_DOC.split_at(10);
    let mut sending = send_and_wait(
        &env,
        &format!(
            "POST /hooks/{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{head}",
            hook.token,
            PHONE_DOC.len()
        ),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let Env {
        db,
        server,
        test_db,
        ..
    } = env;
    let exited = tokio::spawn(server.terminate(Duration::from_secs(20)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    sending.write_all(rest.as_bytes()).await.unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), read_raw_response(&mut sending))
        .await
        .expect("the request in progress is answered");
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut rest))
        .await
        .expect("the idle connection is closed")
        .unwrap();
    assert!(exited.await.unwrap().success(), "a clean exit");

    let (processed,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM request_logs WHERE outcome = 'created'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(processed, 1);
    drop(db);
    drop(test_db);
}

// ---- 413 ------------------------------------------------------------------------------------

async fn body_size_limits(kind: DbKind) {
    let env = Env::new(kind).await;
    content_length_over_the_limit_is_413_unread(&env).await;
    chunked_body_passing_the_limit_is_413(&env).await;
    max_body_bytes_flag_lowers_the_limit(&env).await;
}

async fn content_length_over_the_limit_is_413_unread(env: &Env) {
    let hook = env.webhook("Orders", phone_config(), true).await;

    let response = raw_oversized(env, &hook).await;
    assert_eq!(response.status, 413);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let body = response.json();
    assert_eq!(body["status"], 413);
    assert_eq!(body["detail"], "the body is larger than 1048576 bytes");
    assert_eq!(assert_rate_limit_headers(&response.header_map(), 500), 500);
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 0);

    // The server still answers.
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 200);
}

async fn chunked_body_passing_the_limit_is_413(env: &Env) {
    let hook = env.webhook("Chunked", phone_config(), true).await;
    let logs_before = env.count("SELECT COUNT(*) FROM request_logs").await;

    let stream = tokio::net::TcpStream::connect(socket_addr(&env.server))
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /hooks/{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        hook.token
    );
    // 17 chunks of 64 KiB: 1 MiB + 64 KiB, and never the last chunk, so the server can only
    // answer by counting.
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..17 {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.flush().await?;
        // Keep the connection open until the test is done reading.
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok::<_, std::io::Error>(())
    });
    let response = tokio::time::timeout(Duration::from_secs(5), read_raw_response(&mut reader))
        .await
        .expect("the 413 must come while the body is still open");
    writing.abort();
    assert_eq!(response.status, 413);
    assert_eq!(
        response.json()["detail"],
        "the body is larger than 1048576 bytes"
    );
    assert_rate_limit_headers(&response.header_map(), 500);
    assert_eq!(
        env.count("SELECT COUNT(*) FROM request_logs").await,
        logs_before
    );

    // Exactly 1 MiB is still accepted.
    let prefix = r#"{"phone": "+14155550132", "pad": ""#;
    let mut exact = prefix.to_owned();
    exact.push_str(&"x".repeat(MIB - prefix.len() - 2));
    exact.push_str("\"}");
    assert_eq!(exact.len(), MIB);
    let response = env.post_json(&hook, &exact).await;
    assert_eq!(response.status(), 200);
    let over = format!("{exact} ");
    let response = env.post_json(&hook, &over).await;
    assert_eq!(response.status(), 413);
}

/// `--max-body-bytes` (a second server on the same database) lowers the limit.
async fn max_body_bytes_flag_lowers_the_limit(env: &Env) {
    let hook = env.webhook("Small", phone_config(), true).await;
    let small = Server::start_with(&env.test_db, &["--max-body-bytes", "100"]).await;
    let url = small.url(&format!("/hooks/{}", hook.token));
    let post = |body: String| {
        env.http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let logs_before = env.count("SELECT COUNT(*) FROM request_logs").await;

    let fits = format!(
        r#"{{"phone": "+14155550132", "pad": "{}"}}"#,
        "x".repeat(64)
    );
    assert_eq!(fits.len(), 100);
    let response = post(fits.clone()).await.unwrap();
    assert_eq!(response.status(), 200);

    let response = post(format!("{fits} ")).await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    assert_rate_limit_headers(response.headers(), 500);
    let body = body_json(response).await;
    assert_eq!(body["detail"], "the body is larger than 100 bytes");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM request_logs").await,
        logs_before + 1
    );
    // The default server still takes it.
    assert_eq!(
        env.post_json(&hook, &format!("{fits} ")).await.status(),
        200
    );
}

// ---- 400 ------------------------------------------------------------------------------------

async fn malformed_bodies(kind: DbKind) {
    let env = Env::new(kind).await;
    malformed_json_names_line_and_column(&env).await;
    depth_of_ten_thousand_is_400_not_a_crash(&env).await;
}

async fn malformed_json_names_line_and_column(env: &Env) {
    let hook = env.webhook("Orders", phone_config(), true).await;

    let broken = "{\n  \"phone\": \"+14155550132\" \"name\": \"Ana\",\n  \"x\": 1\n}";
    let response = env.post_json(&hook, broken).await;
    assert_eq!(response.status(), 400);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    let body = body_json(response).await;
    assert_eq!(body["status"], 400);
    assert_eq!(body["title"], "Bad Request");
    assert_eq!(
        body["detail"],
        "malformed JSON at line 2, column 27: expected `,` or `}`"
    );

    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "invalid_body");
    assert_eq!(log.status, 400);
    assert_eq!(log.detail, body["detail"].as_str().unwrap());
    assert_eq!(log.body.as_deref(), Some(broken));
    assert_eq!(log.parsed, None);
    assert_eq!(
        serde_json::from_str::<Value>(&log.response).unwrap(),
        body,
        "the log keeps the answer"
    );
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);

    // An empty body says so.
    let body = body_json(env.post_json(&hook, "").await).await;
    assert_eq!(
        body["detail"],
        "malformed JSON at line 1, column 0: the body is empty"
    );
}

async fn depth_of_ten_thousand_is_400_not_a_crash(env: &Env) {
    let hook = env.webhook("Deep", phone_config(), true).await;

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = env.post_json(&hook, &deep).await;
    assert_eq!(response.status(), 400);
    let body = body_json(response).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("malformed JSON at line 1, column ")
            && detail.ends_with("recursion limit exceeded"),
        "{detail}"
    );
    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "invalid_body");
    assert_eq!(log.body.as_deref(), Some(deep.as_str()));

    // Deep objects too, and in a form field the text simply stays a string.
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    assert_eq!(env.post_json(&hook, &deep_object).await.status(), 400);
    let form = format!("phone=%2B14155550132&deep={}", "%5B".repeat(10_000));
    let response = env
        .post_with(&hook, Some("application/x-www-form-urlencoded"), &[], form)
        .await;
    assert_eq!(response.status(), 200);

    // The server is alive and well.
    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 200);
    let health = env
        .http
        .get(env.server.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

// ---- 415 ------------------------------------------------------------------------------------

async fn other_content_types_are_415_listing_the_accepted(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;

    let response = env
        .post_with(&hook, Some("text/plain"), &[], PHONE_DOC)
        .await;
    assert_eq!(response.status(), 415);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    assert_eq!(
        response.headers()["accept-post"],
        "application/json, application/*+json, application/x-www-form-urlencoded"
    );
    assert_eq!(response.headers()["accept-encoding"], "identity");
    let body = body_json(response).await;
    assert_eq!(body["status"], 415);
    assert_eq!(
        body["detail"],
        "unsupported content type text/plain: send application/json (or an application/…+json type) or application/x-www-form-urlencoded"
    );
    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "unsupported_type");
    assert_eq!(log.status, 415);
    assert_eq!(log.content_type.as_deref(), Some("text/plain"));
    assert_eq!(log.body.as_deref(), Some(PHONE_DOC));
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);

    // A compressed body is refused by its encoding, not misread as malformed JSON.
    let response = env
        .post_with(&hook, None, &[("content-encoding", "gzip")], PHONE_DOC)
        .await;
    assert_eq!(response.status(), 415);
    assert_eq!(response.headers()["accept-encoding"], "identity");
    let body = body_json(response).await;
    assert_eq!(
        body["detail"],
        "unsupported content encoding gzip: send the body uncompressed"
    );
    assert_eq!(
        env.log(body["log_id"].as_i64().unwrap()).await.outcome,
        "unsupported_type"
    );

    // A content type with a non-ASCII parameter is still that content type.
    let response = env
        .post_with(&hook, Some("text/plain; name=café"), &[], PHONE_DOC)
        .await;
    assert_eq!(response.status(), 415);
    let log = env
        .log(body_json(response).await["log_id"].as_i64().unwrap())
        .await;
    assert_eq!(log.content_type.as_deref(), Some("text/plain; name=café"));
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);

    // JSON with parameters, a +json type and no content type at all are read as JSON.
    for ct in [
        Some("application/json; charset=utf-8"),
        Some("application/vnd.acme+json"),
        None,
    ] {
        let response = env.post_with(&hook, ct, &[], PHONE_DOC).await;
        assert_eq!(response.status(), 200, "{ct:?}");
    }
}

// ---- form bodies ----------------------------------------------------------------------------

async fn form_bodies_are_objects_with_json_fields_parsed(kind: DbKind) {
    let env = Env::new(kind).await;
    env.field("a_number", FieldType::Number).await;
    let hook = env
        .webhook(
            "Form",
            webhooks::Config {
                mappings: vec![
                    mapping("$.payload.a", "a_number"),
                    mapping("$.name", "first_name"),
                ],
                ..phone_config()
            },
            true,
        )
        .await;

    let form = "phone=%2B14155550132&payload=%7B%22a%22%3A1%7D&name=Ana+Maria";
    let response = env
        .post_with(&hook, Some("application/x-www-form-urlencoded"), &[], form)
        .await;
    assert_eq!(response.status(), 200);
    let body = body_json(response).await;
    assert_eq!(body["status"], "processed");

    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "created");
    assert_eq!(log.body.as_deref(), Some(form));
    assert_eq!(
        serde_json::from_str::<Value>(log.parsed.as_deref().unwrap()).unwrap(),
        json!({"phone": "+14155550132", "payload": {"a": 1}, "name": "Ana Maria"})
    );
    assert_eq!(
        env.scalar("SELECT phone FROM bot_users").await.as_deref(),
        Some("+14155550132")
    );
    assert_eq!(
        env.scalar("SELECT first_name FROM bot_users")
            .await
            .as_deref(),
        Some("Ana Maria")
    );
    let stored = env
        .scalar(
            "SELECT v.value FROM field_values v JOIN custom_fields f ON f.id = v.field_id \
             WHERE f.name = 'a_number'",
        )
        .await;
    assert_eq!(stored.as_deref(), Some("1"));

    // A byte-order mark before the first name is not part of it, as in a JSON body.
    let response = env
        .post_with(
            &hook,
            Some("application/x-www-form-urlencoded"),
            &[],
            format!("\u{FEFF}{form}"),
        )
        .await;
    assert_eq!(response.status(), 200);
    let log = env
        .log(body_json(response).await["log_id"].as_i64().unwrap())
        .await;
    assert_eq!(log.outcome, "matched");
    let parsed: Value = serde_json::from_str(log.parsed.as_deref().unwrap()).unwrap();
    assert_eq!(parsed["phone"], "+14155550132");
}

// ---- 422 ------------------------------------------------------------------------------------

async fn no_usable_identity_is_422_naming_what_was_tried(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;

    let response = env
        .post_json(&hook, r#"{"phone": "12", "email": "not-an-email"}"#)
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    let body = body_json(response).await;
    assert_eq!(body["status"], 422);
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("no usable identity: "), "{detail}");
    for tried in [
        "user_ns path not set",
        "CRM contact id path not set",
        "phone \"12\": ",
        "email \"not-an-email\": ",
    ] {
        assert!(detail.contains(tried), "{tried:?} not in {detail}");
    }

    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "rejected");
    assert_eq!(log.status, 422);
    assert_eq!(log.detail, detail);
    assert_eq!(log.user_id, None);
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);
    assert_eq!(env.count("SELECT COUNT(*) FROM outbox").await, 0);

    // Nothing at the paths says that too.
    let body = body_json(env.post_json(&hook, r#"{"other": 1}"#).await).await;
    assert_eq!(
        body["detail"],
        "no usable identity: user_ns path not set; CRM contact id path not set; \
         phone: no value at the path; email: no value at the path"
    );

    // A user_ns that is there but not usable stops as one that names nobody: the valid phone
    // after it must not create a second user for someone the platform knows.
    let by_ns = env
        .webhook(
            "By user_ns",
            webhooks::Config {
                identity: IdentityPaths {
                    user_ns: Some("$.user_ns".into()),
                    ..phone_config().identity
                },
                ..webhooks::Config::default()
            },
            true,
        )
        .await;
    for (user_ns, problem) in [
        (r#"["u-404"]"#, "expected text, found array"),
        (r#"{"id": "u-404"}"#, "expected text, found object"),
    ] {
        let doc = format!(r#"{{"user_ns": {user_ns}, "phone": "+14155550132"}}"#);
        let response = env.post_json(&by_ns, &doc).await;
        assert_eq!(response.status(), 422);
        let body = body_json(response).await;
        assert_eq!(
            body["detail"],
            format!(
                "no usable identity: user_ns: {problem}; a request with a user_ns is identified \
                 by it alone (users are never created from a user_ns)"
            )
        );
        assert_eq!(env.last_log().await.unwrap().outcome, "rejected");
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 0);
}

// ---- CRM contact id -------------------------------------------------------------------------

/// Identification's second step works from what webhooks give it: a CRM contact id that
/// named nobody is kept on the user the request created or matched (one without a CRM id).
async fn a_crm_contact_id_is_kept_and_then_identifies(kind: DbKind) {
    let env = Env::new(kind).await;
    let config = webhooks::Config {
        identity: IdentityPaths {
            crm_contact_id: Some("$.crm".into()),
            ..phone_config().identity
        },
        ..phone_config()
    };
    let hook = env.webhook("CRM", config, true).await;
    let post = async |doc: &str| {
        let response = env.post_json(&hook, doc).await;
        assert_eq!(response.status(), 200, "{doc}");
        let log = env
            .log(body_json(response).await["log_id"].as_i64().unwrap())
            .await;
        (log.user_id.unwrap(), log.detail)
    };

    // Created with it, then found by it alone.
    let (created, detail) = post(r#"{"crm": "CRM-1", "phone": "+14155550101"}"#).await;
    assert_eq!(detail, "created by phone");
    assert_eq!(
        post(r#"{"crm": "CRM-1"}"#).await,
        (created, "matched by CRM contact id".to_owned())
    );

    // A user made without one gets the CRM id the next request matching it names.
    let (plain, _) = post(r#"{"phone": "+14155550102"}"#).await;
    assert_eq!(
        post(r#"{"crm": "CRM-2", "phone": "+14155550102"}"#).await,
        (plain, "matched by phone; CRM contact id saved".to_owned())
    );
    assert_eq!(
        post(r#"{"crm": "CRM-2"}"#).await,
        (plain, "matched by CRM contact id".to_owned())
    );

    // A user's CRM id is never replaced, and one id stays with one user.
    assert_eq!(
        post(r#"{"crm": "CRM-3", "phone": "+14155550101"}"#).await,
        (created, "matched by phone".to_owned())
    );
    assert_eq!(
        post(r#"{"crm": "CRM-2", "phone": "+14155550103"}"#).await,
        (plain, "matched by CRM contact id".to_owned())
    );
    // An id too long to index is looked up but not kept (hex digests: PostgreSQL would
    // compress a repetitive one enough to index it).
    let long: String = (0..50)
        .map(|i| format!("{:x}", sha2::Sha256::digest(format!("{i}"))))
        .collect();
    let (third, detail) = post(&format!(r#"{{"crm": "{long}", "phone": "+14155550104"}}"#)).await;
    assert_eq!(
        detail,
        "created by phone; CRM contact id not kept: longer than 255 bytes"
    );
    let crm_ids = env
        .scalar("SELECT STRING_AGG(crm_contact_id, ',' ORDER BY id) FROM bot_users")
        .await;
    assert_eq!(crm_ids.as_deref(), Some("CRM-1,CRM-2"));
    assert_eq!(
        post(&format!(r#"{{"crm": "{long}", "phone": "+14155550104"}}"#)).await,
        (
            third,
            "matched by phone; CRM contact id not kept: longer than 255 bytes".to_owned()
        )
    );
}

// ---- duplicates -----------------------------------------------------------------------------

async fn duplicates_get_the_first_answer_and_are_not_processed(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.booking_webhook().await;
    let other = env.booking_webhook_named("Other bookings").await;

    for header in ["Idempotency-Key", "webhook-id"] {
        let key = format!("{header}-order-1");
        let users_before = env.count("SELECT COUNT(*) FROM bot_users").await;
        let outbox_before = env.count("SELECT COUNT(*) FROM outbox").await;
        let first = keyed(&env, &hook, header, &key, samples::BOOKING).await;
        assert_eq!(first.status(), 200);
        let first_type = content_type(first.headers()).to_owned();
        let first_body = first.bytes().await.unwrap();
        let first_id = serde_json::from_slice::<Value>(&first_body).unwrap()["log_id"]
            .as_i64()
            .unwrap();

        // The retry: same answer byte for byte, even with a different body.
        let second = keyed(
            &env,
            &hook,
            header,
            &key,
            r#"{"contact": {"phone": "+14155550199"}}"#,
        )
        .await;
        assert_eq!(second.status(), 200);
        assert_eq!(content_type(second.headers()), first_type);
        assert_rate_limit_headers(second.headers(), 500);
        assert_eq!(second.bytes().await.unwrap(), first_body, "{header}");

        assert_eq!(
            env.count("SELECT COUNT(*) FROM bot_users").await,
            users_before.max(1)
        );
        assert_eq!(
            env.count("SELECT COUNT(*) FROM outbox").await,
            outbox_before + 1
        );
        let log = env.last_log().await.unwrap();
        assert_ne!(log.id, first_id);
        assert_eq!(log.outcome, "duplicate");
        assert_eq!(log.status, 200);
        assert_eq!(log.duplicate_of, Some(first_id));
        assert_eq!(log.idempotency_key.as_deref(), Some(key.as_str()));
        assert_eq!(log.user_id, None);
        assert_eq!(log.response.as_bytes(), &first_body[..]);
        let first_log = env.log(first_id).await;
        assert_eq!(first_log.duplicate_of, None);
        assert!(
            ["created", "matched"].contains(&first_log.outcome.as_str()),
            "{}",
            first_log.outcome
        );
    }

    // A key that is not ASCII is a key all the same.
    let first = keyed(&env, &hook, "Idempotency-Key", "café-1", samples::BOOKING).await;
    assert_eq!(first.status(), 200);
    let first_body = first.bytes().await.unwrap();
    let again = keyed(&env, &hook, "Idempotency-Key", "café-1", samples::BOOKING).await;
    assert_eq!(again.bytes().await.unwrap(), first_body);
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "duplicate");
    assert_eq!(log.idempotency_key.as_deref(), Some("café-1"));

    // A different key is processed.
    let outbox_before = env.count("SELECT COUNT(*) FROM outbox").await;
    let response = env
        .post_with(
            &hook,
            Some("application/json"),
            &[("Idempotency-Key", "order-2")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(response.status(), 200);
    let log_id = body_json(response).await["log_id"].as_i64().unwrap();
    assert_eq!(env.log(log_id).await.outcome, "matched");
    assert_eq!(
        env.count("SELECT COUNT(*) FROM outbox").await,
        outbox_before + 1
    );

    // A key remembered more than 24 hours ago is forgotten: processed again, then remembered.
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1 WHERE key = 'order-2'")
        .bind(25 * 3_600_000_i64)
        .execute(env.db.pool())
        .await
        .unwrap();
    let response = keyed(&env, &hook, "Idempotency-Key", "order-2", samples::BOOKING).await;
    assert_eq!(response.status(), 200);
    let renewed = body_json(response).await["log_id"].as_i64().unwrap();
    assert_ne!(renewed, log_id);
    assert_eq!(env.log(renewed).await.outcome, "matched");
    let response = keyed(&env, &hook, "Idempotency-Key", "order-2", samples::BOOKING).await;
    assert_eq!(body_json(response).await["log_id"], renewed);
    assert_eq!(env.last_log().await.unwrap().duplicate_of, Some(renewed));

    // Keys belong to one webhook: the same key on another webhook is processed.
    let response = env
        .post_with(
            &other,
            Some("application/json"),
            &[("Idempotency-Key", "order-2")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(response.status(), 200);
    let log_id = body_json(response).await["log_id"].as_i64().unwrap();
    assert_eq!(env.log(log_id).await.outcome, "matched");

    // A key first answered 400 (or 415) was never processed: the corrected retry is.
    let broken = keyed(&env, &hook, "Idempotency-Key", "fix-me", "{\"contact\": ").await;
    assert_eq!(broken.status(), 400);
    let wrong_type = env
        .post_with(
            &hook,
            Some("text/plain"),
            &[("Idempotency-Key", "fix-me")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(wrong_type.status(), 415);
    let fixed = keyed(&env, &hook, "Idempotency-Key", "fix-me", samples::BOOKING).await;
    assert_eq!(fixed.status(), 200);
    let log_id = body_json(fixed).await["log_id"].as_i64().unwrap();
    assert_eq!(env.log(log_id).await.outcome, "matched");
    let again = keyed(&env, &hook, "Idempotency-Key", "fix-me", "{\"contact\": ").await;
    assert_eq!(again.status(), 200, "now the key is taken");
    assert_eq!(env.last_log().await.unwrap().duplicate_of, Some(log_id));

    // A key first answered 422 is answered 422 again, even if the retry could be processed.
    let rejected = env
        .post_with(
            &hook,
            Some("application/json"),
            &[("Idempotency-Key", "bad-1")],
            r#"{"contact": {"phone": "12"}}"#,
        )
        .await;
    assert_eq!(rejected.status(), 422);
    let rejected_body = rejected.bytes().await.unwrap();
    let rejected_id = serde_json::from_slice::<Value>(&rejected_body).unwrap()["log_id"]
        .as_i64()
        .unwrap();
    let again = env
        .post_with(
            &hook,
            Some("application/json"),
            &[("Idempotency-Key", "bad-1")],
            samples::BOOKING,
        )
        .await;
    assert_eq!(again.status(), 422);
    assert_eq!(content_type(again.headers()), "application/problem+json");
    assert_eq!(again.bytes().await.unwrap(), rejected_body);
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "duplicate");
    assert_eq!(log.status, 422);
    assert_eq!(log.duplicate_of, Some(rejected_id));
}

/// Keys that are not UTF-8 and differ only in those bytes are different keys: read as text
/// both were `order-` U+FFFD `1`, and the second request, for another person, was answered as a
/// duplicate of the first and never processed.
async fn keys_that_are_not_utf8_stay_apart(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let send = |key: &'static [u8], email: &str| {
        env.http
            .post(env.hook_url(&hook))
            .header("content-type", "application/json")
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .body(json!({ "email": email }).to_string())
            .send()
    };
    let first = send(b"order-\xff1", "first@example.com").await.unwrap();
    assert_eq!(first.status(), 200);
    let first = body_json(first).await;
    let second = send(b"order-\xfe1", "second@example.com").await.unwrap();
    assert_eq!(second.status(), 200);
    let second = body_json(second).await;
    assert_ne!(second["log_id"], first["log_id"], "processed, not repeated");
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 2);
    // The same bytes again are still a duplicate.
    let again = send(b"order-\xff1", "first@example.com").await.unwrap();
    assert_eq!(body_json(again).await, first);
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "duplicate");
    assert!(
        log.idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("sha256:"),
        "{:?}",
        log.idempotency_key
    );
}

/// A sender that lost a 200 and retries after the bot's limit is used up gets its first answer
/// again, not a 429 for the rest of the day; a new key, or none, is still refused. Over the
/// limit nothing is logged, and each of them counts as limited.
async fn a_retry_over_the_limit_gets_the_first_answer(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    let hour = clear_of_hour_boundary().await;
    let first = keyed(&env, &hook, "Idempotency-Key", "order-1", PHONE_DOC).await;
    assert_eq!(first.status(), 200);
    let first_body = first.bytes().await.unwrap();
    // The rest of the day's 500, used by another webhook of the bot (since deleted).
    use_up(&env, hook.id + 1_000, hour, 499).await;

    let again = keyed(&env, &hook, "Idempotency-Key", "order-1", PHONE_DOC).await;
    assert_eq!(again.status(), 200);
    assert_eq!(content_type(again.headers()), "application/json");
    assert_eq!(assert_rate_limit_headers(again.headers(), 500), 0);
    assert_eq!(again.bytes().await.unwrap(), first_body);
    let other = keyed(&env, &hook, "Idempotency-Key", "order-2", PHONE_DOC).await;
    assert_eq!(other.status(), 429);
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 429);

    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 1);
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
    assert_eq!(
        env.count("SELECT CAST(SUM(limited) AS BIGINT) FROM usage_hours")
            .await,
        3
    );
}

async fn keyed(
    env: &Env,
    hook: &webhooks::Webhook,
    header: &str,
    key: &str,
    body: &str,
) -> reqwest::Response {
    env.post_with(
        hook,
        Some("application/json"),
        &[(header, key)],
        body.to_owned(),
    )
    .await
}

// ---- redaction ------------------------------------------------------------------------------

async fn secrets_are_redacted_in_the_log(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;

    let response = env
        .post_with(
            &hook,
            Some("application/json"),
            &[
                ("Authorization", "Bearer s3cr3t-bearer-1111"),
                ("Cookie", "session=s3cr3t-cookie-2222"),
                ("X-Api-Key", "s3cr3t-apikey-3333"),
                ("X-Hub-Signature-256", "sha256=s3cr3t-sig-4444"),
                ("PayPal-Transmission-Sig", "s3cr3t-sig-7777"),
                ("X-Session-Id", "s3cr3t-session-8888"),
                ("Idempotency-Key", "keep-me-5555"),
                ("X-Request-Id", "req-6666"),
            ],
            PHONE_DOC,
        )
        .await;
    assert_eq!(response.status(), 200);
    let log_id = body_json(response).await["log_id"].as_i64().unwrap();
    let log = env.log(log_id).await;
    let headers = log.headers_json();
    for name in [
        "authorization",
        "cookie",
        "x-api-key",
        "x-hub-signature-256",
        "paypal-transmission-sig",
        "x-session-id",
    ] {
        assert_eq!(headers[name], "[redacted]", "{name} in {headers}");
    }
    assert_eq!(headers["idempotency-key"], "keep-me-5555");
    assert_eq!(headers["x-request-id"], "req-6666");
    assert_eq!(headers["content-type"], "application/json");
    let text = log.all_text();
    assert!(
        !text.contains("s3cr3t"),
        "a secret leaked into the log: {text}"
    );
    assert_eq!(log.idempotency_key.as_deref(), Some("keep-me-5555"));
}

// ---- webhook settings -----------------------------------------------------------------------

async fn webhook_settings(kind: DbKind) {
    let env = Env::new(kind).await;
    at_most_five_webhooks_per_bot(&env).await;
    activation_needs_an_identity_path(&env).await;
}

async fn at_most_five_webhooks_per_bot(env: &Env) {
    let bot = create_bot(&env.db, botwire_core::channel::Channel::Sms).await;
    for i in 1..=5 {
        let name = WebhookName::parse(&format!("Hook {i}")).unwrap();
        webhooks::create(env.db.pool(), bot, &name).await.unwrap();
    }
    let name = WebhookName::parse("Hook 6").unwrap();
    let err = webhooks::create(env.db.pool(), bot, &name)
        .await
        .unwrap_err();
    let Error::Conflict(message) = &err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert!(message.contains("limit is 5"), "{message}");
    assert!(message.contains("5 inbound webhooks"), "{message}");
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM inbound_webhooks WHERE bot_id = {bot}"
        ))
        .await,
        5
    );

    // Another bot has its own five.
    webhooks::create(env.db.pool(), env.bot_id, &name)
        .await
        .unwrap();
}

async fn activation_needs_an_identity_path(env: &Env) {
    let hook = env
        .webhook(
            "Orders",
            webhooks::Config {
                identity: IdentityPaths {
                    phone: Some("   ".into()),
                    ..IdentityPaths::default()
                },
                ..webhooks::Config::default()
            },
            false,
        )
        .await;
    let err = webhooks::set_active(env.db.pool(), hook.id, true)
        .await
        .unwrap_err();
    let Error::Invalid(errors) = &err else {
        panic!("expected a field error, got {err:?}");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "active");
    assert_eq!(
        errors[0].message,
        "set at least one identity path (user_ns, CRM contact id, phone or email) before activating"
    );
    assert!(!webhooks::get(env.db.pool(), hook.id).await.unwrap().active);
    // Deactivating needs nothing.
    webhooks::set_active(env.db.pool(), hook.id, false)
        .await
        .unwrap();

    webhooks::configure(env.db.pool(), hook.id, &phone_config())
        .await
        .unwrap();
    webhooks::set_active(env.db.pool(), hook.id, true)
        .await
        .unwrap();
    assert!(webhooks::get(env.db.pool(), hook.id).await.unwrap().active);
}

impl Env {
    /// A second webhook with the booking configuration (the fields exist already).
    async fn booking_webhook_named(&self, name: &str) -> webhooks::Webhook {
        let config = webhooks::Config {
            identity: IdentityPaths {
                phone: Some("$.contact.phone".into()),
                email: Some("$.contact.email".into()),
                ..IdentityPaths::default()
            },
            mappings: vec![mapping("$.contact.first_name", "first_name")],
            action_template: Some("Hi {{first_name}}".into()),
            ..webhooks::Config::default()
        };
        self.webhook(name, config, true).await
    }
}

/// A rotated token opens the webhook until its grace period ends and not a moment longer, even
/// though the receiver kept the webhook from the token's last request.
async fn a_rotated_token_stops_when_its_grace_ends(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env.webhook("Orders", phone_config(), true).await;
    webhooks::rotate(env.db.pool(), hook.id, 800).await.unwrap();
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 200);
    // Just past the grace period, well within the second the receiver keeps a webhook.
    let rotated = webhooks::get(env.db.pool(), hook.id).await.unwrap();
    let ends = rotated.previous_token_expires_at.unwrap();
    let wait = ends + 100 - botwire_server::store::now_ms();
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 404);
    assert_eq!(env.post_json(&rotated, PHONE_DOC).await.status(), 200);
}

on_both_databases!(
    unknown_token_is_404_and_nothing_else,
    a_rotated_token_stops_when_its_grace_ends,
    inactive_webhook_is_403_and_logged,
    over_the_limit_is_429_counted_not_logged,
    the_window_is_rolling_24_hours,
    every_answer_from_a_known_token_has_the_rate_limit_headers,
    body_size_limits,
    slow_senders_time_out,
    shutdown_finishes_requests_in_progress,
    malformed_bodies,
    other_content_types_are_415_listing_the_accepted,
    form_bodies_are_objects_with_json_fields_parsed,
    no_usable_identity_is_422_naming_what_was_tried,
    a_crm_contact_id_is_kept_and_then_identifies,
    duplicates_get_the_first_answer_and_are_not_processed,
    a_retry_over_the_limit_gets_the_first_answer,
    keys_that_are_not_utf8_stay_apart,
    secrets_are_redacted_in_the_log,
    webhook_settings,
);

// ---- hostile but valid input ----------------------------------------------------------------

async fn nul_characters_and_long_keys_do_not_break_the_log(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env
        .webhook(
            "Orders",
            webhooks::Config {
                mappings: vec![mapping("$.name", "first_name")],
                action_template: Some("Hi {{first_name}}".into()),
                ..phone_config()
            },
            true,
        )
        .await;

    // Hex of a hash chain: 10,000 characters that no compression shrinks below an index
    // entry's limit.
    let mut key = String::new();
    let mut link = [0u8; 32];
    while key.len() < 10_000 {
        link = sha2::Sha256::digest(link).into();
        key.push_str(&hex::encode(link));
    }
    let first = keyed(&env, &hook, "Idempotency-Key", &key, PHONE_DOC).await;
    let status = first.status();
    let first = first.text().await.unwrap();
    assert_eq!(status, 200, "{first}");
    let again = keyed(&env, &hook, "Idempotency-Key", &key, PHONE_DOC).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), first);
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "duplicate");
    assert_eq!(
        log.idempotency_key.as_deref(),
        Some(key.as_str()),
        "kept whole"
    );

    // A NUL character escaped in valid JSON, mapped into a name and rendered into a message.
    let response = env
        .post_json(&hook, r#"{"phone": "+14155550132", "name": "A\u0000na"}"#)
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    // Stored, with the NUL as U+FFFD (PostgreSQL text cannot hold NUL; SQLite keeps the same).
    assert_eq!(
        env.scalar("SELECT first_name FROM bot_users")
            .await
            .as_deref(),
        Some("A\u{FFFD}na")
    );
    assert_eq!(
        env.scalar("SELECT message FROM outbox ORDER BY id DESC LIMIT 1")
            .await
            .as_deref(),
        Some("Hi A\u{FFFD}na")
    );

    // A percent-encoded NUL in a form.
    let response = env
        .post_with(
            &hook,
            Some("application/x-www-form-urlencoded"),
            &[],
            "phone=%2B14155550132&name=B%00b",
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(
        env.scalar("SELECT first_name FROM bot_users")
            .await
            .as_deref(),
        Some("B\u{FFFD}b")
    );

    // A raw NUL byte: malformed JSON, answered 400 and logged.
    let response = env
        .post_json(&hook, "{\"phone\": \"+1415\u{0}5550132\"}")
        .await;
    assert_eq!(response.status(), 400, "{}", response.text().await.unwrap());
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "invalid_body");
    assert_eq!(
        log.body.as_deref(),
        Some("{\"phone\": \"+1415\u{FFFD}5550132\"}")
    );

    // A user_ns holding a NUL names nobody, and says so.
    let by_ns = env
        .webhook(
            "By user_ns",
            webhooks::Config {
                identity: IdentityPaths {
                    user_ns: Some("$.id".into()),
                    ..IdentityPaths::default()
                },
                ..webhooks::Config::default()
            },
            true,
        )
        .await;
    let response = env.post_json(&by_ns, r#"{"id": "bw_\u0000x"}"#).await;
    assert_eq!(response.status(), 422);
    let body = body_json(response).await;
    assert_eq!(
        body["detail"],
        "no user with user_ns \"bw_\\0x\"; users are never created from a user_ns"
    );
}

/// A path whose matches nest in each other (`$..x` over 120 levels of `x`) would copy the
/// inner levels again at each one: a body of 560 KiB made a log row of 34 MB, and took 3 GB
/// of memory on its way. The mapping fails instead, saying why, and the others still apply.
async fn nested_matches_do_not_blow_up_a_small_body(kind: DbKind) {
    let env = Env::new(kind).await;
    let tree = env.field("tree", FieldType::Json).await;
    let hook = env
        .webhook(
            "Trees",
            webhooks::Config {
                mappings: vec![mapping("$..x", "tree"), mapping("$.name", "first_name")],
                ..phone_config()
            },
            true,
        )
        .await;
    let nested = (0..120).fold(json!("leaf"), |inner, _| json!({ "x": inner }));
    let body =
        json!({ "phone": "+14155550132", "name": "Ana", "t": vec![nested; 300] }).to_string();
    assert!(body.len() > 200_000, "{} bytes", body.len());
    let response = env.post_json(&hook, &body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let log = env.last_log().await.unwrap();
    let outcomes: Value = serde_json::from_str(log.mappings.as_deref().unwrap()).unwrap();
    assert_eq!(
        outcomes[0]["error"],
        botwire_core::mapping::MappingError::TooLarge.to_string()
    );
    assert_eq!(outcomes[1]["value"]["value"], "Ana", "{}", outcomes[1]);
    assert!(
        log.all_text().len() < 3 * body.len(),
        "the log row holds {} bytes for a body of {}",
        log.all_text().len(),
        body.len()
    );
    assert_eq!(
        env.count(&format!(
            "SELECT COUNT(*) FROM field_values WHERE field_id = {tree}"
        ))
        .await,
        0
    );
    assert_eq!(
        env.scalar("SELECT first_name FROM bot_users")
            .await
            .as_deref(),
        Some("Ana")
    );
}

/// A failure inside the server is a 500 that still carries the rate-limit headers, and the
/// request, rolled back, is not counted.
async fn internal_failure_keeps_the_headers_and_counts_nothing(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env
        .webhook(
            "Orders",
            webhooks::Config {
                action_template: Some("Hello".into()),
                ..phone_config()
            },
            true,
        )
        .await;
    assert_eq!(env.post_json(&hook, PHONE_DOC).await.status(), 200);
    sqlx::query("DROP TABLE outbox")
        .execute(env.db.pool())
        .await
        .unwrap();

    let response = env.post_json(&hook, PHONE_DOC).await;
    assert_eq!(response.status(), 500);
    assert_eq!(assert_rate_limit_headers(response.headers(), 500), 499);
    let body = body_json(response).await;
    assert_eq!(body["detail"], "the server could not complete the request");
    assert_eq!(env.count("SELECT COUNT(*) FROM request_logs").await, 1);
    assert_eq!(
        env.count("SELECT CAST(SUM(accepted) AS BIGINT) FROM usage_hours")
            .await,
        1
    );
}

on_both_databases!(
    nul_characters_and_long_keys_do_not_break_the_log,
    nested_matches_do_not_blow_up_a_small_body,
    internal_failure_keeps_the_headers_and_counts_nothing,
);
