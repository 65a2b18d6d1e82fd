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
async fn shows_the_server_version_and_placeholder_screens() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    let browser = Browser::start(1280, 900).await;

    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    let version = text_of(&browser, "#server-version").await;
    assert_eq!(version, format!("Server {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(text_of(&browser, "h1").await, "Bots");

    // A deep link is served index.html by the server and routed by the app.
    browser
        .client
        .goto(&server.url("/bots/7/webhooks"))
        .await
        .expect("deep link");
    assert_eq!(text_of(&browser, "h1").await, "Tools → Inbound Webhooks");
    assert_eq!(
        text_of(&browser, ".placeholder-note").await,
        "This screen is not built yet."
    );

    browser
        .client
        .goto(&server.url("/no/such/screen"))
        .await
        .expect("unknown");
    assert_eq!(text_of(&browser, "h1").await, "Page not found");

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
    text_of(&browser, "#server-version").await;
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .expect("measure");
    assert_eq!(
        overflow.as_i64(),
        Some(0),
        "the page scrolls sideways at 360 px"
    );
    browser.close().await;
}
