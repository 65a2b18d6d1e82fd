//! The server as started by users: health, the app's files, SPA fallback, database creation.

use botwire_testkit::{DbKind, Server, TestDb};

async fn health_and_files(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let server = Server::start(&db).await;
    let http = reqwest::Client::new();

    let health = http.get(server.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["cache-control"], "no-store");
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        body["database"],
        if kind == DbKind::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );

    // Unknown API routes are problem+json 404s, never the app's index.html.
    let missing = http
        .get(server.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    // API answers are never kept by a cache, nor sniffed into another type.
    assert_eq!(missing.headers()["cache-control"], "no-store");
    assert_eq!(missing.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn health_and_api_404_on_sqlite() {
    health_and_files(DbKind::Sqlite).await;
}

#[tokio::test]
async fn health_and_api_404_on_postgres() {
    health_and_files(DbKind::Postgres).await;
}

#[tokio::test]
async fn serves_the_app_with_a_fallback_for_deep_links() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    let dist = botwire_testkit::dist();
    let index = std::fs::read_to_string(dist.join("index.html"))
        .expect("the app must be built (trunk build --release) before the server tests");
    let http = reqwest::Client::new();
    let policy = botwire_server::spa::content_security_policy(&index);
    assert!(
        policy.contains("'sha256-"),
        "Trunk's loader script is allowed by its hash: {policy}"
    );
    for path in ["/", "/bots/1/webhooks/2", "/login", "/index.html"] {
        let r = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        // No other site may frame the page or run scripts in it.
        let headers = r.headers().clone();
        assert_eq!(
            headers["content-security-policy"],
            policy.as_str(),
            "{path}"
        );
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(r.text().await.unwrap(), index, "{path}");
    }
    // The app's other files are not pages: no page policy on them.
    let css = index
        .split('"')
        .find(|s| s.ends_with(".css"))
        .expect("the page links its stylesheet");
    let r = http.get(server.url(css)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{css}");
    assert!(r.headers().get("content-security-policy").is_none());
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn creates_the_sqlite_file_on_first_start_and_reopens_it() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let file = db.url.trim_start_matches("sqlite://").to_owned();
    assert!(!std::path::Path::new(&file).exists());
    let server = Server::start(&db).await;
    assert!(std::path::Path::new(&file).is_file());
    server.kill().await;
    // A second start runs the migrations again without error.
    let server = Server::start(&db).await;
    let r = reqwest::get(server.url("/api/v1/health")).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn refuses_an_unsupported_database_url_clearly() {
    let out = tokio::process::Command::new(botwire_testkit::binary())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "mysql://u:secret@h/db",
        ])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsupported database URL mysql://u:***@h/db"),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password leaked: {err}");
}
