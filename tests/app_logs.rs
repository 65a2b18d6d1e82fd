//! The log a page at a time in headless Chromium against the real server and the release build:
//! *Older*, *Newer* and *Newest* with the filters kept, the position shown, focus on the table
//! after paging, the page in the address, and live rows only on the newest page (a notice
//! counts them on an older one).

use botwire_testkit::{Api, Browser, owner_server, poll};
use serde_json::{Value, json};
use std::time::Duration;

/// Whether the button is disabled, once it says so (it may be waiting for a page).
async fn wait_disabled(browser: &Browser, css: &str, want: bool) {
    let disabled = async || {
        let disabled = browser.find(css).await.prop("disabled").await;
        disabled.expect("disabled").as_deref() == Some("true")
    };
    if let Err(disabled) = poll(disabled, |&d| d == want).await {
        panic!("{css} disabled: {disabled}, wanted {want}");
    }
}

/// Waits until exactly these rows show, in this order, with this position text.
async fn wait_page(browser: &Browser, want: &[i64], position: &str) {
    let seen = async || {
        let at = browser.text_now("#log-position").await.unwrap_or_default();
        (browser.shown_log_ids().await, at)
    };
    if let Err((shown, at)) = poll(seen, |(shown, at)| shown == want && at == position).await {
        panic!(
            "wanted {position:?} with {} rows from {:?}; shown {at:?} with {} rows from {:?}",
            want.len(),
            want.first(),
            shown.len(),
            shown.first()
        );
    }
}

/// The accessible name of the element that has the keyboard focus.
async fn focused_label(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "return document.activeElement.getAttribute('aria-label') || ''",
            vec![],
        )
        .await
        .expect("active element")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The ids of the webhook's matched rows, newest first, as the API lists them.
async fn matched_ids(api: &Api, hook: i64) -> Vec<i64> {
    let path = format!("/webhooks/{hook}/logs?limit=500&outcome=matched");
    let page = api.ok(reqwest::Method::GET, &path, None).await;
    page["items"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn pages_the_log_with_filters_and_live_rows() {
    let (_db, server) = owner_server().await;
    let api = Api::login(&server).await;
    let bot = api.create_bot("Pizza Palace").await;
    let hook = api
        .ok(
            reqwest::Method::POST,
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "Orders"})),
        )
        .await;
    let hook_id = hook["id"].as_i64().expect("id");
    let url = format!("{}{}", server.base, hook["url"].as_str().expect("url"));
    api.ok(
        reqwest::Method::PATCH,
        &format!("/webhooks/{hook_id}"),
        Some(json!({"identity": {"email": "$.email"}})),
    )
    .await;
    api.ok(
        reqwest::Method::POST,
        &format!("/webhooks/{hook_id}/activate"),
        Some(json!({})),
    )
    .await;

    // The first request creates the user; then 110 rows that match it and 10 without one
    // (rejected), mixed: the filter "matched" leaves pages of 50, 50 and 10.
    let http = reqwest::Client::new();
    let post = |body: Value| {
        let request = http.post(&url).json(&body);
        async move { request.send().await.expect("post").status().as_u16() }
    };
    assert_eq!(post(json!({"email": "ana@example.com"})).await, 200);
    for i in 0..120 {
        if i % 12 == 0 {
            assert_eq!(post(json!({"note": format!("nobody {i}")})).await, 422);
        } else {
            let body = json!({"email": "ana@example.com", "note": format!("row {i}")});
            assert_eq!(post(body).await, 200);
        }
    }
    let matched = matched_ids(&api, hook_id).await;
    assert_eq!(matched.len(), 110);

    let browser = Browser::start(1280, 900).await;
    browser.log_in(&server).await;
    browser.wait_text_is("h1", "Bots").await;
    let logs = format!("/bots/{bot}/webhooks/{hook_id}/logs?outcome=matched");
    browser.client.goto(&server.url(&logs)).await.expect("logs");

    // The newest page: nothing newer.
    wait_page(&browser, &matched[..50], "Rows 1–50 (filtered)").await;
    wait_disabled(&browser, "#log-newest", true).await;
    wait_disabled(&browser, "#log-newer", true).await;
    wait_disabled(&browser, "#log-older", false).await;

    // Older, twice: the filter stays, the page is in the address, the keyboard lands on the
    // table, and the last page has no older one.
    browser.click("#log-older").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    let query = browser.query().await;
    assert!(
        query.starts_with("outcome=matched&cursor=") && query.ends_with("&page=2"),
        "{query}"
    );
    assert_eq!(focused_label(&browser).await, "Log rows 51–100");
    browser.click("#log-older").await;
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    wait_disabled(&browser, "#log-older", true).await;
    assert_eq!(focused_label(&browser).await, "Log rows 101–110");
    assert_eq!(browser.value("#log-outcome").await, "matched");

    // A live row on an older page: a notice counts it, the rows being read stay. A row the
    // filter leaves out is not counted.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 1"})).await,
        200
    );
    browser
        .wait_text_is("#newer-rows", "1 newer row — show newest")
        .await;
    assert_eq!(post(json!({"note": "live, nobody"})).await, 422);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        browser.text_now("#newer-rows").await.as_deref(),
        Some("1 newer row — show newest")
    );
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;

    // Newer goes back up the way it came.
    browser.click("#log-newer").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    assert_eq!(focused_label(&browser).await, "Log rows 51–100");

    // A reload shows the same page.
    let here = browser.client.current_url().await.expect("url");
    browser.client.goto(here.as_str()).await.expect("reload");
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;

    // After a reload the way down is forgotten: Newer asks the API for the rows above.
    browser.click("#log-older").await;
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    let here = browser.client.current_url().await.expect("url");
    browser.client.goto(here.as_str()).await.expect("reload");
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    wait_disabled(&browser, "#log-newer", false).await;
    browser.click("#log-newer").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    let query = browser.query().await;
    assert!(query.ends_with("&page=2"), "{query}");

    // The notice's link shows the newest page, live row on top.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 2"})).await,
        200
    );
    browser
        .wait_text_is("#newer-rows", "1 newer row — show newest")
        .await;
    browser.click("#show-newest").await;
    let now = matched_ids(&api, hook_id).await;
    assert_eq!(now.len(), 112);
    wait_page(&browser, &now[..50], "Rows 1–50 (filtered)").await;
    assert_eq!(browser.query().await, "outcome=matched");
    assert_eq!(
        browser.text_now("#newer-rows").await.unwrap_or_default(),
        ""
    );

    // On the newest page a live row goes straight in, and the page stays 50 rows.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 3"})).await,
        200
    );
    let now = matched_ids(&api, hook_id).await;
    wait_page(&browser, &now[..50], "Rows 1–50 (filtered)").await;
    browser.close().await;
}
