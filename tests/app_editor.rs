//! The inbound-webhook editor in headless Chromium against the real server and the release
//! build: the seed walk-through, awkward member names in the tree, a 1 MiB payload, the tree
//! following the sample, and the question before leaving unsaved changes.

use botwire_testkit::{Browser, DbKind, Server, TestDb, samples};
use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const EMAIL: &str = "builder@example.com";
const PASSWORD: &str = "correct horse battery staple";
const WAIT: Duration = Duration::from_secs(20);

struct Session {
    _db: TestDb,
    server: Server,
    browser: Browser,
}

/// A server with one account, and a browser logged in to it through the login page.
async fn logged_in(width: u32, height: u32) -> Session {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server.create_user(EMAIL, PASSWORD, "Agency", "owner").await;
    let browser = Browser::start(width, height).await;
    browser
        .client
        .goto(&server.url("/login"))
        .await
        .expect("open login");
    find(&browser, "#email")
        .await
        .send_keys(EMAIL)
        .await
        .expect("type email");
    find(&browser, "#password")
        .await
        .send_keys(PASSWORD)
        .await
        .expect("type password");
    find(&browser, "button[type=submit]")
        .await
        .click()
        .await
        .expect("log in");
    let deadline = Instant::now() + WAIT;
    loop {
        let url = browser.client.current_url().await.expect("url");
        if url.path() != "/login" {
            break;
        }
        assert!(Instant::now() < deadline, "still on the login page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Session {
        _db: db,
        server,
        browser,
    }
}

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

async fn text(browser: &Browser, css: &str) -> String {
    find(browser, css).await.text().await.expect("text")
}

async fn value(browser: &Browser, css: &str) -> String {
    find(browser, css)
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// Waits until the text of `css` contains `needle`; returns the text.
async fn wait_text(browser: &Browser, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(el) = browser.client.find(Locator::Css(css)).await
            && let Ok(t) = el.text().await
            && t.contains(needle)
        {
            return t;
        }
        if Instant::now() > deadline {
            let now = match browser.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => "(no element)".into(),
            };
            panic!("{css} never contained {needle:?}; it says {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Calls the API from the page, with the page's session cookie: (status, JSON body).
async fn api(browser: &Browser, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let script = r#"
        const [method, path, body, done] = arguments;
        fetch('/api/v1' + path, {
            method,
            headers: body === null ? {} : { 'content-type': 'application/json' },
            body: body === null ? undefined : JSON.stringify(body),
        })
            .then(async (r) => done([r.status, await r.text()]))
            .catch((e) => done([0, String(e)]));
    "#;
    let answer = browser
        .client
        .execute_async(
            script,
            vec![json!(method), json!(path), body.unwrap_or(Value::Null)],
        )
        .await
        .expect("fetch from the page");
    let status = answer[0].as_u64().expect("status") as u16;
    let text = answer[1].as_str().unwrap_or_default();
    let body = serde_json::from_str(text).unwrap_or(Value::String(text.to_owned()));
    (status, body)
}

/// A bot (US numbers) and one webhook: (bot id, webhook).
async fn bot_and_webhook(browser: &Browser) -> (i64, Value) {
    let (status, bot) = api(
        browser,
        "POST",
        "/bots",
        Some(json!({"name": "Clinic", "channel": "sms", "default_country": "US"})),
    )
    .await;
    assert_eq!(status, 201, "create bot: {bot}");
    let bot_id = bot["id"].as_i64().expect("bot id");
    let (status, hook) = api(
        browser,
        "POST",
        &format!("/bots/{bot_id}/webhooks"),
        Some(json!({"name": "Bookings"})),
    )
    .await;
    assert_eq!(status, 201, "create webhook: {hook}");
    (bot_id, hook)
}

/// Clicks the tree's value whose member name is `key` (the first one in document order).
async fn click_tree_value(browser: &Browser, key: &str) {
    let found = browser
        .client
        .execute(
            r#"
            const [key] = arguments;
            const b = [...document.querySelectorAll('.json-tree button.jt-value')]
                .find((b) => b.querySelector('.jt-key').textContent === key);
            if (!b) return false;
            b.scrollIntoView();
            b.click();
            return true;
            "#,
            vec![json!(key)],
        )
        .await
        .expect("click tree value");
    assert_eq!(found, json!(true), "no value named {key:?} in the tree");
}

/// Saves a screenshot as `$BOTWIRE_SCREENSHOTS/{name}.png` when that variable is set.
async fn screenshot(browser: &Browser, name: &str) {
    let Ok(dir) = std::env::var("BOTWIRE_SCREENSHOTS") else {
        return;
    };
    let png = browser.client.screenshot().await.expect("screenshot");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(format!("{dir}/{name}.png"), png).expect("write screenshot");
}

/// Whether the page would ask before being left (its `beforeunload` handler cancels).
async fn leaving_is_held(browser: &Browser) -> bool {
    browser
        .client
        .execute(
            "const e = new Event('beforeunload', { cancelable: true }); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .expect("dispatch beforeunload")
        .as_bool()
        .expect("a boolean")
}

/// Waits until the page's path is `want`.
async fn wait_path(browser: &Browser, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = browser.client.current_url().await.expect("url");
        if url.path() == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "stayed at {}, wanted {want}",
            url.path()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the page's `window.confirm` dialog; returns its text (the dialog stays open).
async fn wait_dialog(browser: &Browser) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        match browser.client.get_alert_text().await {
            Ok(text) => return text,
            Err(e) => assert!(Instant::now() < deadline, "no dialog came: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn assert_no_dialog(browser: &Browser, when: &str) {
    if let Ok(text) = browser.client.get_alert_text().await {
        panic!("a dialog {when}: {text:?}");
    }
}

/// The browser's Back, as its button does it (a history traversal within the app). Run from a
/// timer so that a dialog it opens does not block this command.
async fn go_back(browser: &Browser) {
    browser
        .client
        .execute("setTimeout(() => history.back(), 0)", vec![])
        .await
        .expect("history.back()");
}

async fn open_editor(s: &Session, bot_id: i64, hook_id: i64) {
    s.browser
        .client
        .goto(&s.server.url(&format!("/bots/{bot_id}/webhooks/{hook_id}")))
        .await
        .expect("open editor");
    find(&s.browser, "#sample").await;
}

#[tokio::test]
async fn seed_walk_through_in_the_editor() {
    let s = logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    open_editor(&s, bot_id, hook_id).await;

    // 1. The address.
    assert_eq!(text(b, "h1").await, "Bookings");
    assert_eq!(
        text(b, "#webhook-url").await,
        s.server.url(&format!("/hooks/{token}"))
    );
    assert!(
        find(b, "#save")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some()
    );

    // 2. Listen, and send the booking sample from a second client.
    click(b, "#listen").await;
    wait_text(b, "#listen-status", "Waiting for a request to POST").await;
    let answer = reqwest::Client::new()
        .post(s.server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(samples::BOOKING)
        .send()
        .await
        .expect("post the sample");
    assert_eq!(answer.status().as_u16(), 403, "inactive, but captured");
    let deadline = Instant::now() + WAIT;
    while !value(b, "#sample").await.contains("booking.created") {
        assert!(Instant::now() < deadline, "the sample never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_text(b, "#listen-status", "Payload received").await;
    assert_eq!(
        serde_json::from_str::<Value>(&value(b, "#sample").await).unwrap(),
        serde_json::from_str::<Value>(samples::BOOKING).unwrap()
    );

    // 3. Preview Payload; click the values into their places.
    click(b, "#preview-payload").await;
    find(b, ".json-tree").await;

    click_tree_value(b, "phone").await;
    assert_eq!(text(b, "#selected-path").await, "$.contact.phone");
    click(b, "#use-as-phone").await;
    assert_eq!(value(b, "#identity-phone").await, "$.contact.phone");
    wait_text(b, "#identity-phone-status", "+14155550132").await;

    click_tree_value(b, "email").await;
    assert_eq!(text(b, "#selected-path").await, "$.contact.email");
    click(b, "#use-as-email").await;
    wait_text(b, "#identity-email-status", "ana.souza@example.com (valid)").await;

    click_tree_value(b, "first_name").await;
    assert_eq!(text(b, "#selected-path").await, "$.contact.first_name");
    find(b, "#map-field")
        .await
        .select_by_value("first_name")
        .await
        .expect("pick first_name");
    click(b, "#add-mapping").await;
    wait_text(b, "#mapping-list", "Ana").await;

    click_tree_value(b, "start").await;
    assert_eq!(text(b, "#selected-path").await, "$.booking.start");
    find(b, "#new-field-name")
        .await
        .send_keys("booking_start")
        .await
        .expect("field name");
    find(b, "#new-field-type")
        .await
        .select_by_value("datetime")
        .await
        .expect("field type");
    click(b, "#create-field").await;
    wait_text(b, "#mapping-list", "2026-12-03 15:30 UTC").await;
    b.client
        .execute(
            "document.getElementById('tree-title').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
    screenshot(b, "editor-tree-1280").await;
    let list = text(b, "#mapping-list").await;
    assert!(list.contains("datetime"), "{list}");

    // A path typed by hand is evaluated too, with the exact error.
    let (status, fields) = api(b, "GET", &format!("/bots/{bot_id}/fields"), None).await;
    assert_eq!(status, 200);
    assert_eq!(fields["items"][0]["name"], "booking_start");
    assert_eq!(fields["items"][0]["type"], "datetime");

    // 6. The message, with completion and a live preview.
    let area = find(b, "#action-template").await;
    area.send_keys("Hi {{first").await.expect("type");
    wait_text(b, "#template-suggestions", "first_name").await;
    area.send_keys("\u{E007}").await.expect("enter"); // Enter picks the suggestion
    area.send_keys(", see you on {{booking_start}}")
        .await
        .expect("type");
    assert_eq!(
        value(b, "#action-template").await,
        "Hi {{first_name}}, see you on {{booking_start}}"
    );
    wait_text(
        b,
        "#action-preview",
        "Hi Ana, see you on 2026-12-03 15:30 UTC",
    )
    .await;
    screenshot(b, "editor-1280").await;

    // 7. Save, then switch on.
    assert!(
        find(b, "#save")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_none()
    );
    assert!(leaving_is_held(b).await, "no unsaved-changes warning");
    click(b, "#save").await;
    wait_text(b, "#save-status", "Saved").await;
    assert!(!leaving_is_held(b).await, "a warning with nothing to save");
    let (_, saved) = api(b, "GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(saved["identity"]["phone"], "$.contact.phone");
    assert_eq!(saved["identity"]["email"], "$.contact.email");
    assert_eq!(
        saved["mappings"],
        json!([
            {"path": "$.contact.first_name", "field": "first_name"},
            {"path": "$.booking.start", "field": "booking_start"}
        ])
    );
    assert_eq!(
        saved["action_template"],
        "Hi {{first_name}}, see you on {{booking_start}}"
    );

    let switch = find(b, "#active-switch").await;
    assert_eq!(
        switch.attr("aria-checked").await.unwrap().as_deref(),
        Some("false")
    );
    switch.click().await.expect("switch on");
    let deadline = Instant::now() + WAIT;
    while find(b, "#active-switch")
        .await
        .attr("aria-checked")
        .await
        .unwrap()
        .as_deref()
        != Some("true")
    {
        assert!(
            Instant::now() < deadline,
            "never switched on: {}",
            text(b, "#active-error").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Post again: the user is created with the mapped values and the message.
    let answer = reqwest::Client::new()
        .post(s.server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(samples::BOOKING)
        .send()
        .await
        .expect("post again");
    assert_eq!(answer.status().as_u16(), 200);
    let (status, users) = api(b, "GET", &format!("/bots/{bot_id}/users"), None).await;
    assert_eq!(status, 200);
    let user = &users["items"][0];
    assert_eq!(user["phone"], "+14155550132");
    assert_eq!(user["email"], "ana.souza@example.com");
    assert_eq!(user["first_name"], "Ana");
    let (_, detail) = api(b, "GET", &format!("/users/{}", user["id"]), None).await;
    assert_eq!(
        detail["outbox"][0]["message"],
        "Hi Ana, see you on 2026-12-03 15:30 UTC"
    );
    s.browser.close().await;
}

#[tokio::test]
async fn identity_and_mapping_errors_show_live_and_from_the_api() {
    let s = logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let (status, _) = api(
        b,
        "PATCH",
        &format!("/webhooks/{hook_id}"),
        Some(json!({
            "sample": r#"{"phone": "12", "mail": "nope", "n": "abc", "m": 5}"#,
            "mappings": [
                {"path": "$.n", "field": "first_name"},
                {"path": "$.m", "field": "last_name"}
            ]
        })),
    )
    .await;
    assert_eq!(status, 200);
    open_editor(&s, bot_id, hook_id).await;

    // Live identity values and why they are not valid.
    find(b, "#identity-phone")
        .await
        .send_keys("$.phone")
        .await
        .unwrap();
    wait_text(b, "#identity-phone-status", "\"12\" is").await;
    find(b, "#identity-email")
        .await
        .send_keys("$.mail")
        .await
        .unwrap();
    wait_text(b, "#identity-email-status", "nope").await;
    find(b, "#identity-user_ns")
        .await
        .send_keys("$.none")
        .await
        .unwrap();
    wait_text(b, "#identity-user_ns-status", "No value in the sample").await;

    // Live mapping values; reorder and remove.
    wait_text(b, "#mapping-list", "abc").await;
    async fn row_paths(b: &Browser) -> Vec<String> {
        let mut out = Vec::new();
        for el in b
            .client
            .find_all(Locator::Css(".mapping-path"))
            .await
            .unwrap()
        {
            out.push(el.prop("value").await.unwrap().unwrap_or_default());
        }
        out
    }
    async fn wait_rows(b: &Browser, want: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = row_paths(b).await;
            if now == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "rows are {now:?}, expected {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    wait_rows(b, &["$.n", "$.m"]).await;
    click(b, ".mapping-row .move-down").await;
    wait_rows(b, &["$.m", "$.n"]).await;
    click(b, ".mapping-row:nth-child(2) .move-up").await;
    wait_rows(b, &["$.n", "$.m"]).await;
    click(b, ".mapping-row:nth-child(2) .remove-mapping").await;
    wait_rows(b, &["$.n"]).await;

    // A broken path: the exact error live, then the API's message next to the row on save.
    let path = find(b, ".mapping-path").await;
    path.clear().await.unwrap();
    path.send_keys("$.n[").await.unwrap();
    wait_text(
        b,
        "#mapping-list",
        "the path does not parse: expected a selector",
    )
    .await;
    click(b, "#save").await;
    wait_text(b, "#save-error", "Not saved").await;
    let api_error = text(b, ".mapping-row .field-error").await;
    assert!(api_error.contains("does not parse"), "{api_error}");

    // Activation is refused with the API's reason next to the switch.
    click(b, "#active-switch").await;
    wait_text(b, "#active-error", "set at least one identity path").await;

    // The syntax error of the sample, with line and column.
    let sample = find(b, "#sample").await;
    sample.clear().await.unwrap();
    sample.send_keys("{\"a\": 1,}").await.unwrap();
    wait_text(b, "#sample-error", "Line 1, column 9").await;
    s.browser.close().await;
}

#[tokio::test]
async fn copies_and_rotates_the_address() {
    let s = logged_in(360, 740).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    open_editor(&s, bot_id, hook_id).await;
    let old_url = s.server.url(&format!("/hooks/{token}"));
    assert_eq!(text(b, "#webhook-url").await, old_url);
    click(b, "#copy-url").await;
    wait_text(b, "#copy-status", "Copied").await;

    click(b, "#rotate-token").await;
    b.client.accept_alert().await.expect("confirm the rotation");
    wait_text(b, "#rotate-status", "keeps working until").await;
    let new_url = text(b, "#webhook-url").await;
    assert_ne!(new_url, old_url);
    let (_, now) = api(b, "GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(
        new_url,
        s.server
            .url(&format!("/hooks/{}", now["token"].as_str().unwrap()))
    );

    // Listening, then cancelling, disarms the webhook.
    click(b, "#listen").await;
    wait_text(b, "#listen-status", "Waiting for a request to POST").await;
    let (_, now) = api(b, "GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(now["listening"], true);
    click(b, "#listen-cancel").await;
    find(b, "#listen").await;
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, now) = api(b, "GET", &format!("/webhooks/{hook_id}"), None).await;
        if now["listening"] == false {
            break;
        }
        assert!(Instant::now() < deadline, "still listening after Cancel");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // No sideways scrolling at 360 px.
    b.assert_fits("the editor").await;
    s.browser.close().await;
}

#[tokio::test]
async fn the_tree_shows_paths_for_awkward_member_names() {
    let s = logged_in(390, 844).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let sample = json!({
        "it's": 1,
        "a.b": 2,
        "with space": 3,
        "🙂": 4,
        "": 5,
        "back\\slash": 6,
        "plain": { "x_1": [7] }
    });
    let (status, _) = api(
        b,
        "PATCH",
        &format!("/webhooks/{hook_id}"),
        Some(json!({ "sample": sample.to_string() })),
    )
    .await;
    assert_eq!(status, 200);
    open_editor(&s, bot_id, hook_id).await;
    click(b, "#preview-payload").await;
    find(b, ".json-tree").await;
    // Two levels open at first: the array two levels down is closed until opened.
    let toggle = find(b, "button.jt-toggle[data-path=\"$['plain']['x_1']\"]").await;
    assert_eq!(
        toggle.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    toggle.click().await.unwrap();
    assert_eq!(
        toggle.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );

    for (key, path) in [
        ("it's", r"$['it\'s']"),
        ("a.b", "$['a.b']"),
        ("with space", "$['with space']"),
        ("🙂", "$['🙂']"),
        ("", "$['']"),
        ("back\\slash", r"$['back\\slash']"),
        ("0", "$.plain.x_1[0]"),
    ] {
        click_tree_value(b, key).await;
        assert_eq!(text(b, "#selected-path").await, path, "member {key:?}");
        let marked = find(b, ".json-tree .jt-value[aria-current=true] .jt-key").await;
        assert_eq!(
            marked.text().await.unwrap(),
            key,
            "the selected node is marked"
        );
        // Each path, used as a mapping, evaluates to the value it was clicked on.
        click(b, "#add-mapping").await;
    }
    let results: Vec<String> = {
        let mut out = Vec::new();
        for el in b
            .client
            .find_all(Locator::Css(".mapping-value"))
            .await
            .unwrap()
        {
            out.push(el.text().await.unwrap());
        }
        out
    };
    assert_eq!(results, ["1", "2", "3", "4", "5", "6", "7"]);
    screenshot(b, "editor-390").await;

    // No sideways scrolling at phone width.
    b.assert_fits("the editor").await;
    // Leave without the unsaved-changes prompt blocking the browser.
    click(b, "#save").await;
    wait_text(b, "#save-status", "Saved").await;
    s.browser.close().await;
}

#[tokio::test]
async fn a_one_mebibyte_sample_renders_and_expands_quickly() {
    let s = logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    // ~1 MiB: 4,000 records of ~250 bytes, each with nested members.
    let items: Vec<Value> = (0..4000)
        .map(|i| {
            json!({
                "id": i,
                "name": format!("Customer number {i}"),
                "email": format!("customer{i}@example.com"),
                "address": { "street": "1 Long Street", "city": "Springfield", "zip": format!("{:05}", i) },
                "tags": ["alpha", "beta", "gamma"],
                "note": "x".repeat(60),
            })
        })
        .collect();
    let big = json!({ "items": items }).to_string();
    assert!(
        big.len() > 900_000 && big.len() <= 1_048_576,
        "{}",
        big.len()
    );
    let (status, body) = api(
        b,
        "PATCH",
        &format!("/webhooks/{hook_id}"),
        Some(json!({ "sample": big })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    open_editor(&s, bot_id, hook_id).await;

    let started = Instant::now();
    click(b, "#preview-payload").await;
    find(b, ".json-tree .jt-more").await;
    let rendered = started.elapsed();
    // The first 100 items show; the rest behind "Show more".
    let shown = b
        .client
        .execute(
            "return document.querySelectorAll('.json-tree > li > .jt-children > li > .jt-children > li').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown.as_i64(), Some(101), "100 items and the Show more row");

    let started = Instant::now();
    click(b, "button.jt-toggle[data-path=\"$['items'][3]\"]").await;
    wait_text(b, ".json-tree", "customer3@example.com").await;
    click(b, ".jt-more").await;
    wait_text(b, ".jt-more", "200 of 4000").await;
    let expanded = started.elapsed();
    eprintln!(
        "1 MiB sample: tree rendered in {rendered:?}, a node opened and 100 more shown in {expanded:?}"
    );
    assert!(
        rendered < Duration::from_secs(5),
        "rendering took {rendered:?}"
    );
    assert!(
        expanded < Duration::from_secs(5),
        "expanding took {expanded:?}"
    );
    s.browser.close().await;
}

#[tokio::test]
async fn asks_before_leaving_unsaved_changes_inside_the_app() {
    let s = logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let list = format!("/bots/{bot_id}/webhooks");
    let editor = format!("{list}/{hook_id}");
    let logs = format!("{editor}/logs");

    // Into the editor through the app, so that Back has a screen of the app to go to.
    b.client.goto(&s.server.url(&list)).await.expect("list");
    click(b, &format!("a[href='{editor}']")).await;
    wait_path(b, &editor).await;
    find(b, "#sample").await;

    // Nothing changed: links and Back just go.
    click(b, "#editor-logs").await;
    assert_no_dialog(b, "with nothing to save").await;
    wait_path(b, &logs).await;
    wait_text(b, "h1", "Webhook logs").await;
    go_back(b).await;
    wait_path(b, &editor).await;
    find(b, "#sample").await;

    // A change, then the header's link: Cancel stays, with the change.
    find(b, "#action-template")
        .await
        .send_keys("Hello there")
        .await
        .expect("type");
    wait_text(b, "#save-status", "Unsaved changes").await;
    click(b, "header nav a").await;
    let question = wait_dialog(b).await;
    assert!(question.contains("unsaved changes"), "{question}");
    b.client.dismiss_alert().await.expect("cancel");
    wait_path(b, &editor).await;
    assert_eq!(text(b, "h1").await, "Bookings");
    assert_eq!(value(b, "#action-template").await, "Hello there");

    // The link back to the list, then the browser's Back: the same question, the same answer.
    click(b, ".editor-back a").await;
    wait_dialog(b).await;
    b.client.dismiss_alert().await.expect("cancel");
    go_back(b).await;
    let question = wait_dialog(b).await;
    assert!(question.contains("unsaved changes"), "{question}");
    b.client.dismiss_alert().await.expect("cancel");
    wait_path(b, &editor).await;
    assert_eq!(text(b, "h1").await, "Bookings");
    assert_eq!(value(b, "#action-template").await, "Hello there");
    assert!(leaving_is_held(b).await, "closing the tab still asks");

    // OK leaves, and the change is gone.
    click(b, "#editor-logs").await;
    wait_dialog(b).await;
    b.client.accept_alert().await.expect("leave");
    wait_path(b, &logs).await;
    wait_text(b, "h1", "Webhook logs").await;
    go_back(b).await;
    wait_path(b, &editor).await;
    assert_eq!(value(b, "#action-template").await, "");

    // Saved changes: no question.
    find(b, "#action-template")
        .await
        .send_keys("Saved words")
        .await
        .expect("type");
    click(b, "#save").await;
    wait_text(b, "#save-status", "Saved").await;
    click(b, "header nav a").await;
    assert_no_dialog(b, "after saving").await;
    wait_path(b, "/").await;

    // Back into the editor, a change, and Back with OK: the list.
    go_back(b).await;
    wait_path(b, &editor).await;
    let area = find(b, "#action-template").await;
    assert_eq!(value(b, "#action-template").await, "Saved words");
    area.send_keys("!").await.expect("type");
    wait_text(b, "#save-status", "Unsaved changes").await;
    go_back(b).await;
    wait_dialog(b).await;
    b.client.accept_alert().await.expect("leave");
    wait_path(b, &list).await;
    wait_text(b, "h1", "Inbound Webhooks").await;
    s.browser.close().await;
}

/// Everything the tree shows.
async fn tree_text(browser: &Browser) -> String {
    text(browser, ".json-tree").await
}

#[tokio::test]
async fn the_preview_tree_follows_the_sample() {
    let s = logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    let first = json!({"contact": {"name": "Ana", "address": {"city": "Porto"}}});
    let (status, _) = api(
        b,
        "PATCH",
        &format!("/webhooks/{hook_id}"),
        Some(json!({ "sample": first.to_string() })),
    )
    .await;
    assert_eq!(status, 200);
    open_editor(&s, bot_id, hook_id).await;
    click(b, "#preview-payload").await;
    wait_text(b, ".json-tree", "Ana").await;
    // Open a node three levels down by hand, and select a value.
    let address = "button.jt-toggle[data-path=\"$['contact']['address']\"]";
    click(b, address).await;
    wait_text(b, ".json-tree", "Porto").await;
    click_tree_value(b, "name").await;
    assert_eq!(text(b, "#selected-path").await, "$.contact.name");

    // A member added to the sample shows in the tree, without pressing Preview Payload; the
    // opened node stays open and the selection stays.
    let sample = find(b, "#sample").await;
    sample.clear().await.expect("clear");
    sample
        .send_keys(r#"{"contact": {"name": "Ana", "phone": "+14155550132", "address": {"city": "Porto"}}}"#)
        .await
        .expect("type");
    wait_text(b, ".json-tree", "+14155550132").await;
    assert_eq!(
        find(b, address)
            .await
            .attr("aria-expanded")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    assert!(tree_text(b).await.contains("Porto"));
    assert_eq!(text(b, "#selected-path").await, "$.contact.name");
    assert_eq!(text(b, "#tree-note").await, "");

    // Broken JSON: the last tree stays, and says so.
    sample.send_keys(",").await.expect("type");
    wait_text(b, "#sample-error", "Line 1").await;
    wait_text(b, "#tree-note", "the tree shows the last valid JSON").await;
    assert!(tree_text(b).await.contains("+14155550132"));

    // Fixed, with new values: the tree follows again.
    sample.clear().await.expect("clear");
    sample
        .send_keys(r#"{"contact": {"name": "Bo", "email": "bo@example.com"}}"#)
        .await
        .expect("type");
    wait_text(b, ".json-tree", "bo@example.com").await;
    let tree = tree_text(b).await;
    assert!(tree.contains("Bo") && !tree.contains("Ana"), "{tree}");
    assert!(!tree.contains("+14155550132"), "{tree}");
    assert_eq!(text(b, "#tree-note").await, "");

    // A payload captured by Listen is drawn too.
    click(b, "#listen").await;
    wait_text(b, "#listen-status", "Waiting for a request to POST").await;
    let answer = reqwest::Client::new()
        .post(s.server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(r#"{"order": {"id": "A-1001", "total": 12.5}}"#)
        .send()
        .await
        .expect("post a payload");
    assert_eq!(answer.status().as_u16(), 403, "inactive, but captured");
    wait_text(b, "#listen-status", "Payload received").await;
    wait_text(b, ".json-tree", "A-1001").await;
    assert!(!tree_text(b).await.contains("bo@example.com"));
    // The selected member is gone from the payload, so nothing is selected.
    let selected = b
        .client
        .find_all(Locator::Css("#selected-path"))
        .await
        .expect("find");
    assert!(
        selected.is_empty(),
        "a selection of a value no longer there"
    );
    s.browser.close().await;
}
