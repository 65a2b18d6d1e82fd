//! The screens around the editor in headless Chromium against the real server and the release
//! build: log in, the bots list, a bot's inbound webhooks (create, switch, copy), the log with a
//! row's detail and replay, its filters, the user page, and a phone-sized screen.

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

async fn type_into(browser: &Browser, css: &str, text: &str) {
    find(browser, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Waits until the element's text contains `needle`; returns the text.
async fn wait_text(browser: &Browser, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = match browser.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never contained {needle:?}; last text {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn attr(browser: &Browser, css: &str, name: &str) -> String {
    find(browser, css)
        .await
        .attr(name)
        .await
        .expect("attr")
        .unwrap_or_default()
}

async fn wait_attr(browser: &Browser, css: &str, name: &str, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = attr(browser, css, name).await;
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css}[{name}] stayed {got:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the page's path satisfies `ok`; returns it.
async fn wait_path(browser: &Browser, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = browser.client.current_url().await.expect("url");
        if ok(url.path()) {
            return url.path().to_owned();
        }
        assert!(Instant::now() < deadline, "stayed at {}", url.path());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API call");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn create_bot(&self, name: &str) -> i64 {
        let (status, bot) = self
            .call(
                reqwest::Method::POST,
                "/bots",
                Some(json!({"name": name, "channel": "sms", "default_country": "US"})),
            )
            .await;
        assert_eq!(status, 201, "create bot: {bot}");
        bot["id"].as_i64().expect("bot id")
    }
}

async fn start() -> (TestDb, Server) {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server.create_user(EMAIL, PASSWORD, "Agency", "owner").await;
    (db, server)
}

async fn log_in(browser: &Browser, server: &Server) {
    browser
        .client
        .goto(&server.url("/login"))
        .await
        .expect("open login");
    type_into(browser, "#email", EMAIL).await;
    type_into(browser, "#password", PASSWORD).await;
    click(browser, "button[type=submit]").await;
    wait_path(browser, |p| p == "/").await;
}

#[tokio::test]
async fn logs_in_and_walks_bots_webhooks_logs_and_user() {
    let (_db, server) = start().await;
    let browser = Browser::start(1280, 900).await;

    // Any screen without a session sends the person to the login page.
    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    wait_path(&browser, |p| p == "/login").await;
    assert_eq!(wait_text(&browser, "h1", "Log in").await, "Log in");

    // A wrong password is refused with the API's reason, in an alert.
    type_into(&browser, "#email", EMAIL).await;
    type_into(&browser, "#password", "not the password").await;
    click(&browser, "button[type=submit]").await;
    wait_text(
        &browser,
        "#form-error",
        "the email or the password is wrong",
    )
    .await;
    assert_eq!(attr(&browser, "#form-error", "role").await, "alert");

    // The right one lands on the bots list, with the account in the header.
    find(&browser, "#password")
        .await
        .clear()
        .await
        .expect("clear");
    type_into(&browser, "#password", PASSWORD).await;
    click(&browser, "button[type=submit]").await;
    wait_path(&browser, |p| p == "/").await;
    wait_text(&browser, "h1", "Bots").await;
    wait_text(&browser, "#account-email", EMAIL).await;

    // A bot made through the API is listed, with its numbers.
    let api = Api::login(&server).await;
    let bot = api.create_bot("Pizza Palace").await;
    browser.client.goto(&server.url("/")).await.expect("reload");
    let row = wait_text(&browser, "#bots tbody", "Pizza Palace").await;
    assert!(row.contains("sms"), "channel shown: {row}");
    assert!(row.contains("0 / 500"), "requests against the limit: {row}");
    // Searching narrows the list.
    type_into(&browser, "#bot-search", "nothing like it").await;
    wait_text(&browser, ".empty", "No bots match").await;
    find(&browser, "#bot-search")
        .await
        .clear()
        .await
        .expect("clear");
    type_into(&browser, "#bot-search", "pizza").await;
    wait_text(&browser, "#bots tbody", "Pizza Palace").await;

    // The bot's name leads to Tools → Inbound Webhooks; New Inbound Webhook asks for a name
    // and opens the editor.
    click(&browser, "#bots tbody th a.bot-webhooks").await;
    wait_path(&browser, |p| p == format!("/bots/{bot}/webhooks")).await;
    wait_text(&browser, "h1", "Tools → Inbound Webhooks").await;
    wait_text(&browser, ".empty", "No inbound webhooks yet").await;
    click(&browser, "#new-webhook").await;
    type_into(&browser, "#webhook-name", "Bookings").await;
    click(&browser, "#new-webhook-form button[type=submit]").await;
    let prefix = format!("/bots/{bot}/webhooks/");
    let editor = wait_path(&browser, |p| {
        p.strip_prefix(prefix.as_str())
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
    })
    .await;
    let hook: i64 = editor[prefix.len()..].parse().expect("webhook id");

    // Back on the list: switching it on is refused with the reason, next to the switch.
    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks")))
        .await
        .expect("list");
    let switch = format!("tr[data-webhook-id='{hook}'] button[role=switch]");
    wait_attr(&browser, &switch, "aria-checked", "false").await;
    click(&browser, &switch).await;
    wait_text(
        &browser,
        &format!("#webhook-reason-{hook}"),
        "set at least one identity path",
    )
    .await;
    assert_eq!(attr(&browser, &switch, "aria-checked").await, "false");

    // With an identity path set, the same switch turns it on.
    let (status, body) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/webhooks/{hook}"),
            Some(json!({
                "identity": {"phone": "$.phone"},
                "action_template": "Thanks, your table is booked",
            })),
        )
        .await;
    assert_eq!(status, 200, "set identity: {body}");
    click(&browser, &switch).await;
    wait_attr(&browser, &switch, "aria-checked", "true").await;

    // The URL is the server's origin plus the API's path, and copies with an announcement.
    let url = find(&browser, &format!("#webhook-url-{hook}"))
        .await
        .prop("value")
        .await
        .expect("value")
        .expect("url value");
    assert!(url.starts_with(&format!("{}/hooks/", server.base)), "{url}");
    click(
        &browser,
        &format!("tr[data-webhook-id='{hook}'] .copy-button"),
    )
    .await;
    wait_text(
        &browser,
        &format!("tr[data-webhook-id='{hook}'] .copy-status"),
        "Copied",
    )
    .await;

    // A request from another client is logged; the row opens its detail.
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&json!({"phone": "+1 415 555 0123", "name": "Ann"}))
        .send()
        .await
        .expect("post to the hook");
    assert_eq!(answer.status(), 200, "hook answer");
    click(&browser, "a[aria-label='Logs of Bookings']").await;
    wait_path(&browser, |p| {
        p == format!("/bots/{bot}/webhooks/{hook}/logs")
    })
    .await;
    wait_text(&browser, "h1", "Webhook logs").await;
    let table = wait_text(&browser, "#logs tbody", "created").await;
    assert!(table.contains("200"), "status shown: {table}");
    click(&browser, "#logs tbody tr .link-button").await;
    wait_text(&browser, "#log-body", "+1 415 555 0123").await;
    let decision = find(&browser, "#identity-decision")
        .await
        .text()
        .await
        .expect("text");
    assert!(!decision.trim().is_empty(), "identity decision shown");
    wait_text(&browser, "#log-detail", "Headers").await;

    // Replay runs it again and adds the new row.
    click(&browser, "#replay").await;
    wait_text(&browser, "#replay-result", "Replayed: answered 200").await;
    let deadline = Instant::now() + WAIT;
    while browser
        .client
        .find_all(Locator::Css("#logs tbody tr"))
        .await
        .expect("rows")
        .len()
        < 2
    {
        assert!(Instant::now() < deadline, "the replayed row was not added");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The filter asks the API for one outcome only.
    find(&browser, "#log-outcome")
        .await
        .select_by_value("rejected")
        .await
        .expect("filter");
    wait_text(&browser, ".progress", "No rows match the filters").await;
    find(&browser, "#log-outcome")
        .await
        .select_by_value("")
        .await
        .expect("all");
    wait_text(&browser, ".progress", "Rows 1–2").await;

    // A new request shows up live (SSE), without reloading the page.
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&json!({"phone": "+1 415 555 0199"}))
        .send()
        .await
        .expect("post again");
    assert_eq!(answer.status(), 200, "second answer");
    wait_text(&browser, ".progress", "Rows 1–3").await;

    // The user page (of the newest row's user): built-in fields and the requests that
    // touched the user.
    click(&browser, "#logs tbody tr .link-button").await;
    wait_text(&browser, "#log-body", "+1 415 555 0199").await;
    click(&browser, "#log-user-link").await;
    wait_path(&browser, |p| p.starts_with(&format!("/bots/{bot}/users/"))).await;
    wait_text(&browser, "h1", "Bot user").await;
    wait_text(&browser, "#user-fields", "+14155550199").await;
    wait_text(&browser, "#user-logs", "created").await;
    wait_text(&browser, "#user-outbox", "Thanks, your table is booked").await;

    // Log out ends the session.
    click(&browser, "#logout").await;
    wait_path(&browser, |p| p == "/login").await;

    browser.close().await;
}

#[tokio::test]
async fn refuses_a_sixth_webhook_and_fits_a_phone_screen() {
    let (_db, server) = start().await;
    let api = Api::login(&server).await;
    let bot = api
        .create_bot("A bot with a rather long name for a small phone screen")
        .await;
    for i in 1..=5 {
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/bots/{bot}/webhooks"),
                Some(json!({"name": format!("Webhook number {i}")})),
            )
            .await;
        assert_eq!(status, 201, "webhook {i}: {body}");
    }
    let browser = Browser::start(360, 740).await;
    log_in(&browser, &server).await;
    wait_text(&browser, "#bots tbody", "A bot with a rather long name").await;
    browser.assert_fits("bots list").await;

    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks")))
        .await
        .expect("webhooks");
    wait_text(&browser, "#webhooks tbody", "Webhook number 5").await;
    browser.assert_fits("webhooks list").await;

    // The sixth is refused with the API's reason, and the page stays.
    click(&browser, "#new-webhook").await;
    type_into(&browser, "#webhook-name", "One too many").await;
    click(&browser, "#new-webhook-form button[type=submit]").await;
    wait_text(&browser, "#new-webhook-error", "its limit is 5").await;
    assert_eq!(
        wait_path(&browser, |_| true).await,
        format!("/bots/{bot}/webhooks")
    );
    browser.assert_fits("with the form").await;

    let (_, page) = api
        .call(reqwest::Method::GET, &format!("/bots/{bot}/webhooks"), None)
        .await;
    let hook = page["items"][0]["id"].as_i64().expect("a webhook");
    let url = format!(
        "{}{}",
        server.base,
        page["items"][0]["url"].as_str().expect("url")
    );
    // 55 requests to the inactive webhook: each is logged; the log shows them a page at a time.
    let http = reqwest::Client::new();
    for i in 0..55 {
        let answer = http
            .post(&url)
            .json(&json!({"n": i}))
            .send()
            .await
            .expect("post");
        assert_eq!(answer.status(), 403, "inactive webhook");
    }
    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks/{hook}/logs")))
        .await
        .expect("logs");
    wait_text(&browser, ".progress", "Rows 1–50").await;
    browser.assert_fits("logs").await;
    click(&browser, "#log-older").await;
    wait_text(&browser, ".progress", "Rows 51–55").await;
    let table = wait_text(&browser, "#logs tbody", "inactive").await;
    assert!(table.contains("403"), "status shown");
    // The last page has no cursor: no older page.
    wait_attr(&browser, "#log-older", "disabled", "true").await;
    // A row's detail fits the phone screen too.
    click(&browser, "#logs tbody tr .link-button").await;
    wait_text(&browser, "#log-body", "\"n\"").await;
    browser.assert_fits("log detail").await;

    browser.close().await;
}

#[tokio::test]
async fn the_setup_link_creates_the_first_account() {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    let link = server
        .setup_link
        .clone()
        .expect("a first start prints a setup link");
    let browser = Browser::start(1280, 900).await;
    browser.client.goto(&link).await.expect("open the link");
    wait_text(&browser, "h1", "Set up Botwire").await;

    // The API's message for a field shows next to that field.
    type_into(&browser, "#email", "owner@example.com").await;
    type_into(&browser, "#password", "short").await;
    click(&browser, "button[type=submit]").await;
    wait_text(&browser, "#password-error", "at least 10 characters").await;
    assert_eq!(attr(&browser, "#password", "aria-invalid").await, "true");

    type_into(&browser, "#password", " but now long enough").await;
    click(&browser, "button[type=submit]").await;
    wait_path(&browser, |p| p == "/").await;
    wait_text(&browser, "#account-email", "owner@example.com").await;
    wait_text(&browser, "h1", "Bots").await;
    browser.close().await;
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

/// Waits until exactly these log rows show, in this order (the list is done loading).
async fn wait_log_rows(browser: &Browser, want: &[i64], why: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = shown_log_ids(browser).await;
        let progress = match browser.client.find(Locator::Css(".progress")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown == want && !progress.starts_with("Loading") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{why}: rows {shown:?} shown, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sets a `datetime-local` filter as the picker does: to `ms` in the browser's time zone, to
/// the second, or empty for `None`. Returns the text the field shows.
async fn set_time(browser: &Browser, css: &str, ms: Option<i64>) -> String {
    let shown = browser
        .client
        .execute(
            r#"
            const [css, ms] = arguments;
            const el = document.querySelector(css);
            let value = '';
            if (ms !== null) {
                const d = new Date(ms);
                const p = (n, w = 2) => String(n).padStart(w, '0');
                value = `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}` +
                    `T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
            }
            el.value = value;
            el.dispatchEvent(new Event('input', { bubbles: true }));
            el.dispatchEvent(new Event('change', { bubbles: true }));
            return el.value;
            "#,
            vec![json!(css), ms.map_or(Value::Null, |m| json!(m))],
        )
        .await
        .expect("set the time");
    shown.as_str().unwrap_or_default().to_owned()
}

async fn query_of(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("url");
    url.query().unwrap_or_default().to_owned()
}

async fn prop_value(browser: &Browser, css: &str) -> String {
    find(browser, css)
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

#[tokio::test]
async fn filters_the_log_by_outcome_user_time_and_body() {
    let (_db, server) = start().await;
    let api = Api::login(&server).await;
    let bot = api.create_bot("Pizza Palace").await;
    let (status, hook) = api
        .call(
            reqwest::Method::POST,
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "Orders"})),
        )
        .await;
    assert_eq!(status, 201, "webhook: {hook}");
    let hook_id = hook["id"].as_i64().expect("id");
    let url = format!("{}{}", server.base, hook["url"].as_str().expect("url"));
    let (status, body) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/webhooks/{hook_id}"),
            Some(json!({"identity": {"email": "$.email"}})),
        )
        .await;
    assert_eq!(status, 200, "identity: {body}");
    let (status, body) = api
        .call(
            reqwest::Method::POST,
            &format!("/webhooks/{hook_id}/activate"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "activate: {body}");

    // Rows of two users, two outcomes and different bodies; the last one a second later.
    let http = reqwest::Client::new();
    let post = |body: Value| {
        let request = http.post(&url).json(&body);
        async move { request.send().await.expect("post").status().as_u16() }
    };
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "pineapple"})).await,
        200
    );
    assert_eq!(
        post(json!({"email": "bo@example.com", "note": "anchovy"})).await,
        200
    );
    assert_eq!(
        post(json!({"email": "ana@example.com", "note": "Anchovy and olives"})).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(post(json!({"note": "anchovy, but nobody"})).await, 422);
    let (_, page) = api
        .call(
            reqwest::Method::GET,
            &format!("/webhooks/{hook_id}/logs"),
            None,
        )
        .await;
    let items = page["items"].as_array().expect("rows");
    assert_eq!(items.len(), 4, "{page}");
    let id = |i: usize| items[i]["id"].as_i64().expect("id");
    let (d, c, b, a) = (id(0), id(1), id(2), id(3));
    assert_eq!(items[1]["outcome"], "matched");
    assert_eq!(items[0]["outcome"], "rejected");
    let ana = items[3]["user_id"].as_i64().expect("ana");
    let bo = items[2]["user_id"].as_i64().expect("bo");
    let last_at = items[0]["received_at"].as_i64().expect("time");
    let last_second = last_at / 1000 * 1000;

    let browser = Browser::start(1280, 900).await;
    // A time zone with an odd offset, so a time read as UTC (or as a whole hour off) shows.
    browser
        .devtools(
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": "Asia/Kathmandu" }),
        )
        .await;
    log_in(&browser, &server).await;
    let offset = browser
        .client
        .execute("return new Date().getTimezoneOffset()", vec![])
        .await
        .expect("offset");
    assert_eq!(offset, json!(-345), "the browser is at UTC+05:45");
    let logs = format!("/bots/{bot}/webhooks/{hook_id}/logs");
    browser.client.goto(&server.url(&logs)).await.expect("logs");
    wait_log_rows(&browser, &[d, c, b, a], "no filter").await;
    assert_eq!(attr(&browser, "#clear-filters", "disabled").await, "true");

    // Outcome.
    find(&browser, "#log-outcome")
        .await
        .select_by_value("matched")
        .await
        .expect("outcome");
    wait_log_rows(&browser, &[c], "matched only").await;
    assert_eq!(query_of(&browser).await, "outcome=matched");
    find(&browser, "#log-outcome")
        .await
        .select_by_value("")
        .await
        .expect("all");
    wait_log_rows(&browser, &[d, c, b, a], "all outcomes").await;

    // User, then text in the body too: both in the address.
    type_into(&browser, "#log-user", &format!("{ana}\u{E004}")).await;
    wait_log_rows(&browser, &[c, a], "Ana's requests").await;
    type_into(&browser, "#log-search", "anchovy").await;
    wait_log_rows(&browser, &[c], "Ana's requests about anchovies").await;
    assert_eq!(query_of(&browser).await, format!("user_id={ana}&q=anchovy"));

    // A reload (or the link, shared) shows the same view.
    let address = browser.client.current_url().await.expect("url");
    browser.client.goto(address.as_str()).await.expect("reload");
    wait_log_rows(&browser, &[c], "after a reload").await;
    assert_eq!(prop_value(&browser, "#log-user").await, ana.to_string());
    assert_eq!(prop_value(&browser, "#log-search").await, "anchovy");

    // Clear filters.
    click(&browser, "#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared").await;
    assert_eq!(query_of(&browser).await, "");
    assert_eq!(prop_value(&browser, "#log-user").await, "");
    assert_eq!(prop_value(&browser, "#log-search").await, "");

    // The text search ignores case; a row's user offers "only this user".
    type_into(&browser, "#log-search", "ANCHOVY").await;
    wait_log_rows(&browser, &[d, c, b], "anchovies, any case").await;
    click(
        &browser,
        &format!("button[aria-label='Show only the requests of user {bo}']"),
    )
    .await;
    wait_log_rows(&browser, &[b], "Bo's anchovies").await;
    assert_eq!(prop_value(&browser, "#log-user").await, bo.to_string());
    click(&browser, "#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared again").await;

    // Time received, in the browser's time zone.
    let shown = set_time(&browser, "#log-from", Some(last_second)).await;
    wait_log_rows(&browser, &[d], "from the last second").await;
    assert_eq!(prop_value(&browser, "#log-from").await, shown);
    assert_eq!(query_of(&browser).await, format!("from={last_second}"));
    // An end before the start: the API's reason, next to the end.
    set_time(&browser, "#log-to", Some(last_second - 60_000)).await;
    wait_text(&browser, "#log-to-error", "must not be before").await;
    assert_eq!(attr(&browser, "#log-to", "aria-invalid").await, "true");
    wait_text(&browser, "#logs-error", "not valid").await;
    wait_log_rows(&browser, &[], "refused filters").await;
    set_time(&browser, "#log-to", Some(last_second)).await;
    set_time(&browser, "#log-from", None).await;
    wait_log_rows(&browser, &[c, b, a], "before the last second").await;
    assert_eq!(attr(&browser, "#log-to", "aria-invalid").await, "false");
    click(&browser, "#clear-filters").await;

    // A user id that is not a number: the API's reason, next to the field.
    type_into(&browser, "#log-user", "abc\u{E004}").await;
    wait_text(&browser, "#log-user-error", "must be an integer").await;
    click(&browser, "#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared once more").await;
    assert_eq!(text_of(&browser, "#log-user-error").await, "");

    // Live rows: only those that match the filters arrive.
    type_into(&browser, "#log-search", "anchovy").await;
    wait_log_rows(&browser, &[d, c, b], "anchovies").await;
    assert_eq!(
        post(json!({"email": "cy@example.com", "note": "pineapple"})).await,
        200
    );
    assert_eq!(
        post(json!({"email": "cy@example.com", "note": "more anchovy"})).await,
        200
    );
    let (_, page) = api
        .call(
            reqwest::Method::GET,
            &format!("/webhooks/{hook_id}/logs"),
            None,
        )
        .await;
    let newest = page["items"][0]["id"].as_i64().expect("id");
    wait_log_rows(&browser, &[newest, d, c, b], "a live row that matches").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_log_rows(&browser, &[newest, d, c, b], "no live row that does not").await;

    // More pages keep the filters: 55 matching rows among 61.
    for i in 0..55 {
        assert_eq!(post(json!({"note": format!("bulk {i}")})).await, 422);
    }
    click(&browser, "#clear-filters").await;
    type_into(&browser, "#log-search", "bulk").await;
    wait_text(&browser, ".progress", "Rows 1–50 (filtered)").await;
    click(&browser, "#log-older").await;
    wait_text(&browser, ".progress", "Rows 51–55 (filtered)").await;
    assert_eq!(shown_log_ids(&browser).await.len(), 5);
    browser.assert_fits("the filtered log").await;
    browser.close().await;
}

async fn text_of(browser: &Browser, css: &str) -> String {
    find(browser, css).await.text().await.expect("text")
}
