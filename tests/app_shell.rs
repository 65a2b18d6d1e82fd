//! The app shell in headless Chromium against the real server and the release build.

use botwire_testkit::{Browser, DbKind, PASSWORD, Server, TestDb};

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
