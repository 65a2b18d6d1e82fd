//! The app shell in headless Chromium against the real server and the release build.

use botwire_testkit::{Browser, DbKind, EMAIL, PASSWORD, Server, TestDb, owner_server};

async fn title(browser: &Browser) -> String {
    browser.client.title().await.expect("the window's title")
}

#[tokio::test]
async fn shows_the_server_version_and_routes_deep_links() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server
        .create_user("shell@example.com", PASSWORD, "Shell", "owner")
        .await;
    let browser = Browser::start(1280, 900).await;

    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    let version = browser.text("#server-version").await;
    assert_eq!(version, format!("Server {}", env!("CARGO_PKG_VERSION")));
    // Without a session the app asks to log in.
    browser.wait_text_is("h1", "Log in").await;
    assert_eq!(title(&browser).await, "Log in – Botwire");

    // A deep link is served index.html by the server and routed by the app.
    browser
        .client
        .goto(&server.url("/bots/7/webhooks"))
        .await
        .expect("deep link");
    browser.wait_text_is("h1", "Log in").await;

    browser.type_into("#email", "shell@example.com").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_text_is("h1", "Bots").await;
    // A change of screen names it in the window's title and moves focus to its content, as a
    // page load would.
    assert_eq!(title(&browser).await, "Bots – Botwire");
    let focused = browser
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .expect("the focused element");
    assert_eq!(focused, "main");

    browser
        .client
        .goto(&server.url("/no/such/screen"))
        .await
        .expect("unknown");
    browser.wait_text_is("h1", "Page not found").await;
    assert_eq!(title(&browser).await, "Page not found – Botwire");

    browser.close().await;
}

#[tokio::test]
async fn fits_a_phone_screen_without_sideways_scrolling() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    let browser = Browser::start(360, 740).await;
    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    browser.text("#server-version").await;
    browser.assert_fits("the first screen").await;
    browser.close().await;
}

/// What goes wrong on the login page reads as words: a wait in minutes, not "894 s", and a
/// server that cannot be reached, not the browser's "TypeError: Failed to fetch".
#[tokio::test]
async fn login_failures_read_as_words() {
    let (_db, server) = owner_server().await;
    let browser = Browser::start(1280, 900).await;
    browser
        .client
        .goto(&server.url("/login"))
        .await
        .expect("login page");
    // Five wrong passwords are allowed in 15 minutes; the next attempt waits them out.
    let http = reqwest::Client::new();
    for attempt in 1..=5 {
        let answer = http
            .post(server.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": EMAIL, "password": format!("wrong {attempt}")}))
            .send()
            .await
            .expect("log in wrongly");
        assert_eq!(answer.status(), 401, "attempt {attempt}");
    }
    browser.type_into("#email", EMAIL).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser
        .wait_text_is(
            "#form-error",
            "too many failed logins for this email; try again in 15 minutes",
        )
        .await;

    let base = server.base.clone();
    server.kill().await;
    browser.clear("#password").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser
        .wait_text_is(
            "#form-error",
            "Could not reach the server. Check your connection and try again.",
        )
        .await;

    // A proxy in front of the server answers for it while it is down: its status in words.
    let address = base.trim_start_matches("http://").parse().expect("address");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(address).expect("the server's port");
    let proxy = socket.listen(8).expect("listen");
    let gateway = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut conn, _)) = proxy.accept().await else {
                return;
            };
            let mut request = [0u8; 8192];
            let _ = conn.read(&mut request).await;
            let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
            let answer = format!(
                "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    browser.click("button[type=submit]").await;
    browser
        .wait_text_is(
            "#form-error",
            "The server is not available right now (HTTP 502). Try again in a minute.",
        )
        .await;
    gateway.abort();
    browser.close().await;
}
