//! Accounts and credentials: the first start's setup link, login and its rate limit, the
//! session cookie, logout, the CSRF check, API tokens, and `botwire user create`.

mod api_client;
mod support;
use api_client::error_fields;
use support::*;

use reqwest::StatusCode;
use serde_json::{Value, json};

/// A browser-like client: keeps cookies, says where it comes from.
fn browser(origin: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", origin.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn create_user(db: &TestDb, email: &str, password: &str, role: &str) -> std::process::Output {
    tokio::process::Command::new(botwire_testkit::binary())
        .args([
            "user",
            "create",
            "--email",
            email,
            "--workspace",
            "Agency",
            "--role",
            role,
        ])
        .args(["--database-url", &db.url])
        .env("BOTWIRE_PASSWORD", password)
        .output()
        .await
        .unwrap()
}

async fn first_start_setup_link_then_login_and_logout(kind: DbKind) {
    let db = TestDb::new(kind).await;
    // The first start prints a one-time link; read it from the server's own output.
    let out = tokio::process::Command::new(botwire_testkit::binary())
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", &db.url])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(out.stdout.unwrap()));
    let mut link = None;
    let mut base = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(at) = line.find("/setup#") {
            link = Some(line[at + 7..].trim().to_owned());
        }
        if let Some(url) = line.strip_prefix("botwire listening on ") {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    let (link, base) = (link.expect("a setup link on first start"), base.unwrap());
    let api = |p: &str| format!("{base}/api/v1{p}");
    let client = browser(&base);

    // Nothing under /api answers without credentials.
    let r = client.get(api("/auth/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // A weak password is refused at its field; the link is not used up by that.
    let weak = json!({ "token": link, "email": "owner@agency.example", "password": "short" });
    let r = client
        .post(api("/auth/setup"))
        .json(&weak)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "password");
    // Both fields wrong: both are named, so the form can show both at once.
    let both = json!({ "token": link, "email": "not an address", "password": "short" });
    let r = client
        .post(api("/auth/setup"))
        .json(&both)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(error_fields(&problem), ["email", "password"], "{problem}");

    let setup =
        json!({ "token": link, "email": "Owner@Agency.example", "password": "a long passphrase" });
    let r = client
        .post(api("/auth/setup"))
        .json(&setup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("botwire_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not set Secure: {cookie}"
    );
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["email"], "owner@agency.example");
    assert_eq!(me["workspaces"][0]["role"], "owner");

    // The link works once.
    let again = reqwest::Client::new()
        .post(api("/auth/setup"))
        .json(&setup)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

    // The session cookie works, and logging out ends it on the server, not only in the browser.
    assert_eq!(
        client.get(api("/auth/me")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let replayed = reqwest::Client::new()
        .get(api("/auth/me"))
        .header("cookie", &session);
    assert_eq!(replayed.send().await.unwrap().status(), StatusCode::OK);
    let r = client.post(api("/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let replayed = reqwest::Client::new()
        .get(api("/auth/me"))
        .header("cookie", &session);
    assert_eq!(
        replayed.send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Logging in again with the new email, any case.
    let login = json!({ "email": "OWNER@agency.example", "password": "a long passphrase" });
    let r = client
        .post(api("/auth/login"))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Behind an HTTPS proxy the cookie is Secure.
    let r = reqwest::Client::new()
        .post(api("/auth/login"))
        .header("x-forwarded-proto", "https")
        .json(&login)
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

async fn login_is_rate_limited_per_email(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    assert!(
        create_user(&db, "ana@agency.example", "the right passphrase", "owner")
            .await
            .status
            .success()
    );
    let client = reqwest::Client::new();
    let login = |password: &str| {
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "email": "ana@agency.example", "password": password }))
            .send()
    };
    // An unknown email and a wrong password read the same.
    let unknown = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "email": "nobody@agency.example", "password": "whatever it is" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown: Value = unknown.json().await.unwrap();
    for _ in 0..5 {
        let r = login("a wrong guess").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.json::<Value>().await.unwrap()["detail"],
            unknown["detail"]
        );
    }
    // The sixth try is refused even with the right password, with a time to wait.
    let r = login("the right passphrase").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");

    // Guesses sent all at once are counted as they come, not after their checks: at most five
    // passwords are checked, and then the right one is refused too.
    assert!(
        create_user(&db, "bo@agency.example", "the right passphrase", "owner")
            .await
            .status
            .success()
    );
    let guesses = (0..24).map(|i| {
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "email": "bo@agency.example", "password": format!("guess {i}") }))
            .send()
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        19,
        "{statuses:?}"
    );
    let r = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "email": "bo@agency.example", "password": "the right passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn csrf_check_on_cookie_sessions(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    assert!(
        create_user(&db, "ana@agency.example", "the right passphrase", "owner")
            .await
            .status
            .success()
    );
    let own = browser(&server.base);
    let login = json!({ "email": "ana@agency.example", "password": "the right passphrase" });
    assert_eq!(
        own.post(server.url("/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = own
        .post(server.url("/api/v1/tokens"))
        .json(&json!({ "name": "mine" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // The same cookie sent from another site, or with no origin at all, changes nothing.
    let session = {
        let r = reqwest::Client::new()
            .post(server.url("/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .unwrap();
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    for origin in [Some("https://evil.example"), None] {
        let mut request = reqwest::Client::new()
            .post(server.url("/api/v1/tokens"))
            .header("cookie", &session)
            .json(&json!({ "name": "stolen" }));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
    }
    // Reading with the cookie needs no origin.
    let r = reqwest::Client::new()
        .get(server.url("/api/v1/tokens"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let names: Vec<String> = r
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().into())
        .collect();
    assert_eq!(names, ["mine"]);
}

async fn api_tokens_are_shown_once_and_revocable(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    assert!(
        create_user(&db, "ana@agency.example", "the right passphrase", "editor")
            .await
            .status
            .success()
    );
    let own = browser(&server.base);
    let login = json!({ "email": "ana@agency.example", "password": "the right passphrase" });
    own.post(server.url("/api/v1/auth/login"))
        .json(&login)
        .send()
        .await
        .unwrap();

    let r = own
        .post(server.url("/api/v1/tokens"))
        .json(&json!({ "name": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let created: Value = own
        .post(server.url("/api/v1/tokens"))
        .json(&json!({ "name": "ci" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("bwt_") && token.len() > 40);
    assert!(token.starts_with(created["prefix"].as_str().unwrap()));

    let script = |t: &str| {
        reqwest::Client::new()
            .get(server.url("/api/v1/auth/me"))
            .bearer_auth(t)
            .send()
    };
    let me: Value = script(&token).await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "ana@agency.example");
    assert_eq!(me["workspaces"][0]["role"], "editor");
    // The list never shows the secret again.
    let list = own
        .get(server.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&token));
    // A Bearer token needs no origin for changes: scripts are not browsers.
    let r = reqwest::Client::new()
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&json!({ "name": "from a script" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    let id = created["id"].as_i64().unwrap();
    let r = own
        .delete(server.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = script(&token).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Revoking twice, or someone else's token, is "not found".
    let r = own
        .delete(server.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    for bad in ["Bearer", "Basic abc", "Bearer bwt_not-a-token"] {
        let r = reqwest::Client::new()
            .get(server.url("/api/v1/auth/me"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
}

async fn user_create_refuses_bad_input_clearly(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let out = create_user(&db, "not-an-email", "a long passphrase", "owner").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-an-email"));
    let out = create_user(&db, "ana@agency.example", "short", "owner").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    let out = create_user(&db, "ana@agency.example", "a long passphrase", "admin").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected owner, editor or viewer"));
    assert!(
        create_user(&db, "ana@agency.example", "a long passphrase", "viewer")
            .await
            .status
            .success()
    );
    let out = create_user(&db, "ana@agency.example", "a long passphrase", "viewer").await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
}

/// The secret of the setup link `server` printed.
fn link_token(server: &Server) -> String {
    let line = server.setup_link.clone().expect("a setup link");
    line[line.find("/setup#").expect("a setup link") + 7..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Every start before setup prints a new link. Once the owner is set up with one, none of the
/// others works: a link printed by an earlier start (or by another process) must not take the
/// owner's account over, not even when it is used at the same moment.
async fn setup_links_all_die_once_setup_is_done(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let first = Server::start(&db).await;
    let second = Server::start(&db).await;
    let (old, new) = (link_token(&first), link_token(&second));
    assert_ne!(old, new, "each start prints a link of its own");
    let http = reqwest::Client::new();
    let setup = |server: &Server, token: &str, email: &str| {
        http.post(server.url("/api/v1/auth/setup"))
            .json(&json!({ "token": token, "email": email, "password": "a long passphrase" }))
            .send()
    };
    // Both at once: one sets the owner up, the other is refused.
    let (a, b) = tokio::join!(
        setup(&first, &old, "ana@agency.example"),
        setup(&second, &new, "intruder@example.com")
    );
    let statuses = [a.unwrap().status(), b.unwrap().status()];
    let owner = match statuses {
        [StatusCode::OK, StatusCode::UNAUTHORIZED] => "ana@agency.example",
        [StatusCode::UNAUTHORIZED, StatusCode::OK] => "intruder@example.com",
        other => panic!("two links used at once gave {other:?}"),
    };
    // Neither link works afterwards, whichever server is asked.
    for (server, token) in [(&first, &old), (&second, &new), (&first, &new)] {
        let r = setup(server, token, "mallory@example.com").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let login = |email: &str| {
        http.post(first.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": "a long passphrase" }))
            .send()
    };
    assert_eq!(login(owner).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        login("mallory@example.com").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // A new start prints no link: there is an owner now.
    assert_eq!(Server::start(&db).await.setup_link, None);
}

/// Servers started together on an empty database all start, with one owner to set up.
async fn servers_started_together_on_an_empty_database_all_start(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let servers = futures_util::future::join_all((0..4).map(|_| Server::start(&db))).await;
    let connected = botwire_server::db::Db::connect(&db.url).await.unwrap();
    let (accounts, workspaces): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM workspaces)")
            .fetch_one(connected.pool())
            .await
            .unwrap();
    assert_eq!((accounts, workspaces), (1, 1));
    for server in &servers {
        let r = reqwest::get(server.url("/api/v1/health")).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

on_both_databases!(
    first_start_setup_link_then_login_and_logout,
    setup_links_all_die_once_setup_is_done,
    servers_started_together_on_an_empty_database_all_start,
    login_is_rate_limited_per_email,
    csrf_check_on_cookie_sessions,
    api_tokens_are_shown_once_and_revocable,
    user_create_refuses_bad_input_clearly,
);
