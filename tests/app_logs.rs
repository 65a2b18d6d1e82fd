//! The log a page at a time in headless Chromium against the real server and the release build:
//! *Older*, *Newer* and *Newest* with the filters kept, the position shown, focus on the table
//! after paging, the page in the address, and live rows only on the newest page (a notice
//! counts them on an older one).

use botwire_testkit::{Browser, DbKind, Server, TestDb};
use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const EMAIL: &str = "agency@example.com";
const PASSWORD: &str = "correct horse battery staple";
const WAIT: Duration = Duration::from_secs(20);

async fn find(browser: &Browser, css: &str) -> Element {
    browser
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

async fn click(browser: &Browser, css: &str) {
    find(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn text_of(browser: &Browser, css: &str) -> String {
    match browser.client.find(Locator::Css(css)).await {
        Ok(el) => el.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the element's text is `want` exactly.
async fn wait_text_is(browser: &Browser, css: &str, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = text_of(browser, css).await;
        if text == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never read {want:?}; last text {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the button is disabled, once it says so (it may be waiting for a page).
async fn wait_disabled(browser: &Browser, css: &str, want: bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let disabled = find(browser, css)
            .await
            .prop("disabled")
            .await
            .expect("disabled")
            .as_deref()
            == Some("true");
        if disabled == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} disabled: {disabled}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ids of the log rows shown, top to bottom.
async fn shown_log_ids(browser: &Browser) -> Vec<i64> {
    let mut ids = Vec::new();
    for row in browser
        .client
        .find_all(Locator::Css("#logs tbody tr"))
        .await
        .expect("rows")
    {
        if let Ok(Some(id)) = row.attr("data-log-id").await {
            ids.push(id.parse().expect("a log id"));
        }
    }
    ids
}

/// Waits until exactly these rows show, in this order, with this position text.
async fn wait_page(browser: &Browser, want: &[i64], position: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = shown_log_ids(browser).await;
        let at = text_of(browser, "#log-position").await;
        if shown == want && at == position {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "wanted {position:?} with {} rows from {:?}; shown {at:?} with {} rows from {:?}",
            want.len(),
            want.first(),
            shown.len(),
            shown.first()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn query_of(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("url");
    url.query().unwrap_or_default().to_owned()
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

/// The REST API as a second client, logged in with its own session cookie.
struct Api {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Api {
    async fn login(server: &Server) -> Api {
        let http = reqwest::Client::new();
        let response = http
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200, "API login");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        Api {
            http,
            base: server.base.clone(),
            cookie,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API call");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// The ids of the webhook's matched rows, newest first, as the API lists them.
    async fn matched_ids(&self, hook: i64) -> Vec<i64> {
        let page = self
            .call(
                reqwest::Method::GET,
                &format!("/webhooks/{hook}/logs?limit=500&outcome=matched"),
                None,
            )
            .await;
        page["items"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect()
    }
}

#[tokio::test]
async fn pages_the_log_with_filters_and_live_rows() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server.create_user(EMAIL, PASSWORD, "Agency", "owner").await;
    let api = Api::login(&server).await;
    let bot = api
        .call(
            reqwest::Method::POST,
            "/bots",
            Some(json!({"name": "Pizza Palace", "channel": "sms", "default_country": "US"})),
        )
        .await["id"]
        .as_i64()
        .expect("bot id");
    let hook = api
        .call(
            reqwest::Method::POST,
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "Orders"})),
        )
        .await;
    let hook_id = hook["id"].as_i64().expect("id");
    let url = format!("{}{}", server.base, hook["url"].as_str().expect("url"));
    api.call(
        reqwest::Method::PATCH,
        &format!("/webhooks/{hook_id}"),
        Some(json!({"identity": {"email": "$.email"}})),
    )
    .await;
    api.call(
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
    let matched = api.matched_ids(hook_id).await;
    assert_eq!(matched.len(), 110);

    let browser = Browser::start(1280, 900).await;
    browser
        .client
        .goto(&server.url("/login"))
        .await
        .expect("open login");
    find(&browser, "#email")
        .await
        .send_keys(EMAIL)
        .await
        .expect("email");
    find(&browser, "#password")
        .await
        .send_keys(PASSWORD)
        .await
        .expect("password");
    click(&browser, "button[type=submit]").await;
    wait_text_is(&browser, "h1", "Bots").await;
    let logs = format!("/bots/{bot}/webhooks/{hook_id}/logs?outcome=matched");
    browser.client.goto(&server.url(&logs)).await.expect("logs");

    // The newest page: nothing newer.
    wait_page(&browser, &matched[..50], "Rows 1–50 (filtered)").await;
    wait_disabled(&browser, "#log-newest", true).await;
    wait_disabled(&browser, "#log-newer", true).await;
    wait_disabled(&browser, "#log-older", false).await;

    // Older, twice: the filter stays, the page is in the address, the keyboard lands on the
    // table, and the last page has no older one.
    click(&browser, "#log-older").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    let query = query_of(&browser).await;
    assert!(
        query.starts_with("outcome=matched&cursor=") && query.ends_with("&page=2"),
        "{query}"
    );
    assert_eq!(focused_label(&browser).await, "Log rows 51–100");
    click(&browser, "#log-older").await;
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    wait_disabled(&browser, "#log-older", true).await;
    assert_eq!(focused_label(&browser).await, "Log rows 101–110");
    assert_eq!(
        find(&browser, "#log-outcome")
            .await
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("matched")
    );

    // A live row on an older page: a notice counts it, the rows being read stay. A row the
    // filter leaves out is not counted.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 1"})).await,
        200
    );
    wait_text_is(&browser, "#newer-rows", "1 newer row — show newest").await;
    assert_eq!(post(json!({"note": "live, nobody"})).await, 422);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        text_of(&browser, "#newer-rows").await,
        "1 newer row — show newest"
    );
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;

    // Newer goes back up the way it came.
    click(&browser, "#log-newer").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    assert_eq!(focused_label(&browser).await, "Log rows 51–100");

    // A reload shows the same page.
    let here = browser.client.current_url().await.expect("url");
    browser.client.goto(here.as_str()).await.expect("reload");
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;

    // After a reload the way down is forgotten: Newer asks the API for the rows above.
    click(&browser, "#log-older").await;
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    let here = browser.client.current_url().await.expect("url");
    browser.client.goto(here.as_str()).await.expect("reload");
    wait_page(&browser, &matched[100..], "Rows 101–110 (filtered)").await;
    wait_disabled(&browser, "#log-newer", false).await;
    click(&browser, "#log-newer").await;
    wait_page(&browser, &matched[50..100], "Rows 51–100 (filtered)").await;
    let query = query_of(&browser).await;
    assert!(query.ends_with("&page=2"), "{query}");

    // The notice's link shows the newest page, live row on top.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 2"})).await,
        200
    );
    wait_text_is(&browser, "#newer-rows", "1 newer row — show newest").await;
    click(&browser, "#show-newest").await;
    let now = api.matched_ids(hook_id).await;
    assert_eq!(now.len(), 112);
    wait_page(&browser, &now[..50], "Rows 1–50 (filtered)").await;
    assert_eq!(query_of(&browser).await, "outcome=matched");
    assert_eq!(text_of(&browser, "#newer-rows").await, "");

    // On the newest page a live row goes straight in, and the page stays 50 rows.
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "live 3"})).await,
        200
    );
    let now = api.matched_ids(hook_id).await;
    wait_page(&browser, &now[..50], "Rows 1–50 (filtered)").await;
    browser.close().await;
}
