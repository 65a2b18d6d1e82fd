//! Every screen at desktop (1280 px), phone (390 px) and the narrowest supported (360 px) width,
//! in headless Chromium against the real server and the release build. Each screen must fit:
//! the document never scrolls sideways and the screen's heading is on screen, not clipped or
//! covered. With `BOTWIRE_SCREENSHOTS=<dir>` each screen at 1280 and 390 px is also saved as
//! `<dir>/<screen>-<width>.png`, the whole page tall (`scripts/screenshots.sh` regenerates
//! `docs/screenshots/` this way).

use botwire_testkit::{Browser, DbKind, Server, TestDb, samples};
use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const EMAIL: &str = "ana@agency.example";
const PASSWORD: &str = "correct horse battery staple";
const WAIT: Duration = Duration::from_secs(20);
/// Full-page pictures stop here: a phone-width editor is several screens tall.
const MAX_PICTURE_HEIGHT: i64 = 4000;

#[tokio::test]
async fn every_screen_fits_at_1280_px() {
    walk_every_screen(1280, 800, Pictures::Take).await;
}

#[tokio::test]
async fn every_screen_fits_at_390_px() {
    walk_every_screen(390, 844, Pictures::Take).await;
}

#[tokio::test]
async fn every_screen_fits_at_360_px() {
    walk_every_screen(360, 740, Pictures::Skip).await;
}

/// Whether a walk saves its screens for `docs/screenshots/` (two widths are enough there).
#[derive(Clone, Copy, PartialEq)]
enum Pictures {
    Take,
    Skip,
}

/// First start → setup → bots → webhooks → editor → logs → a row's detail → the user → log
/// out → login, checking and (optionally) photographing each screen on the way.
async fn walk_every_screen(width: u32, height: u32, pictures: Pictures) {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    let link = server
        .setup_link
        .clone()
        .expect("a first start prints a setup link");
    let browser = Browser::start(width, height).await;
    let b = &browser;
    let screen = Screen { b, pictures };

    b.client.goto(&link).await.expect("open the setup link");
    wait_text(b, "h1", "Set up Botwire").await;
    screen.check("setup", "#screen-title").await;
    type_into(b, "#email", EMAIL).await;
    type_into(b, "#password", PASSWORD).await;
    click(b, "button[type=submit]").await;
    wait_path(b, |p| p == "/").await;

    let demo = Demo::create(b, &server).await;

    b.client.goto(&server.url("/")).await.expect("bots");
    wait_text(b, "#bots tbody", "Front desk").await;
    screen.check("bots", "#screen-title").await;

    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks", demo.bot)))
        .await
        .expect("webhooks");
    wait_text(b, "#webhooks tbody", "Bookings").await;
    screen.check("webhooks", "#screen-title").await;

    // The editor with the booking sample previewed as a tree, a value selected in it, and the
    // live identity values, mappings and message preview.
    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks/{}", demo.bot, demo.hook)))
        .await
        .expect("editor");
    wait_text(b, "h1", "Bookings").await;
    click(b, "#preview-payload").await;
    find(b, ".json-tree").await;
    click_tree_value(b, "phone").await;
    wait_text(b, "#selected-path", "$.contact.phone").await;
    wait_text(b, "#identity-phone-status", "+14155550132").await;
    wait_text(b, "#identity-email-status", "ana.souza@example.com").await;
    wait_text(b, "#mapping-list", "2026-12-03 15:30 UTC").await;
    wait_text(b, "#action-preview", "Hi Ana").await;
    screen.check("editor", "#screen-title").await;

    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks/{}/logs", demo.bot, demo.hook)))
        .await
        .expect("logs");
    wait_text(b, ".progress", "Rows 1–4").await;
    screen.check("logs", "#screen-title").await;

    // The newest row: the booking posted again, matched to Ana.
    click(b, "#logs tbody tr .link-button").await;
    wait_text(b, "#log-body", "booking.created").await;
    wait_text(b, "#log-detail", "Headers").await;
    screen.check("log-detail", "#log-detail-title").await;

    click(b, "#log-user-link").await;
    wait_text(b, "h1", "Bot user").await;
    wait_text(b, "#user-fields", "+14155550132").await;
    wait_text(b, "#user-outbox", "Hi Ana").await;
    screen.check("user", "#screen-title").await;

    click(b, "#logout").await;
    wait_path(b, |p| p == "/login").await;
    wait_text(b, "h1", "Log in").await;
    screen.check("login", "#screen-title").await;

    browser.close().await;
}

/// One screen of one walk: the checks every screen must pass, then the picture.
struct Screen<'a> {
    b: &'a Browser,
    pictures: Pictures,
}

impl Screen<'_> {
    async fn check(&self, name: &str, heading: &str) {
        let b = self.b;
        b.client
            .execute("window.scrollTo(0, 0)", vec![])
            .await
            .expect("scroll to the top");
        b.assert_fits(name).await;
        let seen = b
            .client
            .execute(HEADING_ON_SCREEN, vec![json!(heading)])
            .await
            .expect("look at the heading");
        assert_eq!(
            seen,
            json!("visible"),
            "{name} at {} px: heading {heading}",
            b.width()
        );
        self.picture(name).await;
    }

    /// Saves `$BOTWIRE_SCREENSHOTS/<name>-<width>.png` when that variable is set: the viewport
    /// grows to the page's height for the picture, then returns to its size.
    async fn picture(&self, name: &str) {
        let Ok(dir) = std::env::var("BOTWIRE_SCREENSHOTS") else {
            return;
        };
        if self.pictures == Pictures::Skip {
            return;
        }
        let b = self.b;
        let page = b
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .expect("page height")
            .as_i64()
            .expect("a number");
        let tall = page.clamp(i64::from(b.height()), MAX_PICTURE_HEIGHT) as u32;
        b.set_viewport(b.width(), tall).await;
        let png = b.client.screenshot().await.expect("screenshot");
        b.set_viewport(b.width(), b.height()).await;
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let file = format!("{dir}/{name}-{}.png", b.width());
        std::fs::write(&file, png).unwrap_or_else(|e| panic!("write {file}: {e}"));
    }
}

/// "visible" when the element is rendered with text, wholly inside the viewport and not
/// covered by another element at its centre; otherwise what is wrong.
const HEADING_ON_SCREEN: &str = r#"
    const [selector] = arguments;
    const h = document.querySelector(selector);
    if (!h) return 'missing';
    if (!h.textContent.trim()) return 'empty';
    const r = h.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return 'not rendered';
    if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) {
        return `outside the ${innerWidth}×${innerHeight} viewport: ` +
            `left ${r.left}, top ${r.top}, right ${r.right}, bottom ${r.bottom}`;
    }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !(hit === h || h.contains(hit))) {
        return 'covered by ' + (hit ? hit.outerHTML.slice(0, 120) : 'nothing');
    }
    return 'visible';
"#;

/// The demo data the screens show: a bot with a booking webhook set up as in the README, and
/// four requests to it (rejected, malformed, created, matched).
struct Demo {
    bot: i64,
    hook: i64,
}

impl Demo {
    async fn create(b: &Browser, server: &Server) -> Demo {
        let (status, bot) = api(
            b,
            "POST",
            "/bots",
            Some(json!({"name": "Front desk", "channel": "sms", "default_country": "US"})),
        )
        .await;
        assert_eq!(status, 201, "create bot: {bot}");
        let bot = bot["id"].as_i64().expect("bot id");
        let (status, field) = api(
            b,
            "POST",
            &format!("/bots/{bot}/fields"),
            Some(json!({"name": "booking_start", "type": "datetime"})),
        )
        .await;
        assert_eq!(status, 201, "create field: {field}");
        let (status, hook) = api(
            b,
            "POST",
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "Bookings"})),
        )
        .await;
        assert_eq!(status, 201, "create webhook: {hook}");
        let id = hook["id"].as_i64().expect("webhook id");
        let url = server.url(hook["url"].as_str().expect("webhook url"));
        let (status, body) = api(
            b,
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(json!({
                "sample": samples::BOOKING,
                "identity": {"phone": "$.contact.phone", "email": "$.contact.email"},
                "mappings": [
                    {"path": "$.contact.first_name", "field": "first_name"},
                    {"path": "$.booking.start", "field": "booking_start"}
                ],
                "action_template": "Hi {{first_name}}, see you on {{booking_start}}",
            })),
        )
        .await;
        assert_eq!(status, 200, "set up the webhook: {body}");
        let (status, body) = api(
            b,
            "POST",
            &format!("/webhooks/{id}/activate"),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, 200, "activate: {body}");

        let http = reqwest::Client::new();
        for (body, want) in [
            (r#"{"contact": {"phone": "12"}}"#, 422),
            (r#"{"contact": "#, 400),
            (samples::BOOKING, 200),
            (samples::BOOKING, 200),
        ] {
            let answer = http
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("post to the webhook");
            assert_eq!(answer.status().as_u16(), want, "answer to {body}");
        }
        Demo { bot, hook: id }
    }
}

/// Calls the API from the page, with the page's session cookie: (status, JSON body).
async fn api(b: &Browser, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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
    let answer = b
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

async fn find(b: &Browser, css: &str) -> Element {
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

async fn click(b: &Browser, css: &str) {
    find(b, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    find(b, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Clicks the tree's value whose member name is `key` (the first one in document order).
async fn click_tree_value(b: &Browser, key: &str) {
    let found = b
        .client
        .execute(
            r#"
            const [key] = arguments;
            const v = [...document.querySelectorAll('.json-tree button.jt-value')]
                .find((v) => v.querySelector('.jt-key').textContent === key);
            if (!v) return false;
            v.click();
            return true;
            "#,
            vec![json!(key)],
        )
        .await
        .expect("click a tree value");
    assert_eq!(found, json!(true), "no value named {key:?} in the tree");
}

/// Waits until the text of `css` contains `needle`.
async fn wait_text(b: &Browser, css: &str, needle: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = match b.client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => "(no element)".into(),
        };
        if text.contains(needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never contained {needle:?}; it says {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the page's path satisfies `ok`.
async fn wait_path(b: &Browser, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = b.client.current_url().await.expect("url");
        if ok(url.path()) {
            return;
        }
        assert!(Instant::now() < deadline, "stayed at {}", url.path());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
