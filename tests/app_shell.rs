//! The app shell in headless Chromium against the real server and the release build.

use botwire_testkit::{Browser, DbKind, Server, TestDb};
use fantoccini::Locator;
use std::time::Duration;

async fn text_of(browser: &Browser, css: &str) -> String {
    let el = browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"));
    el.text().await.expect("text")
}

#[tokio::test]
async fn shows_the_server_version_and_routes_deep_links() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server
        .create_user(
            "shell@example.com",
            "correct horse battery staple",
            "Shell",
            "owner",
        )
        .await;
    let browser = Browser::start(1280, 900).await;

    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    let version = text_of(&browser, "#server-version").await;
    assert_eq!(version, format!("Server {}", env!("CARGO_PKG_VERSION")));
    // Without a session the app asks to log in.
    wait_for_h1(&browser, "Log in").await;

    // A deep link is served index.html by the server and routed by the app.
    browser
        .client
        .goto(&server.url("/bots/7/webhooks"))
        .await
        .expect("deep link");
    wait_for_h1(&browser, "Log in").await;

    browser
        .client
        .find(Locator::Css("#email"))
        .await
        .expect("email")
        .send_keys("shell@example.com")
        .await
        .expect("type");
    browser
        .client
        .find(Locator::Css("#password"))
        .await
        .expect("password")
        .send_keys("correct horse battery staple")
        .await
        .expect("type");
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("log in");
    wait_for_h1(&browser, "Bots").await;

    browser
        .client
        .goto(&server.url("/no/such/screen"))
        .await
        .expect("unknown");
    wait_for_h1(&browser, "Page not found").await;

    browser.close().await;
}

async fn wait_for_h1(browser: &Browser, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = match browser.client.find(Locator::Css("h1")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "h1 stayed {text:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
    text_of(&browser, "#server-version").await;
    browser.assert_fits("the first screen").await;
    browser.close().await;
}
