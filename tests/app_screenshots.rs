//! Every screen at desktop (1280 px), phone (390 px) and the narrowest supported (360 px) width,
//! in headless Chromium against the real server and the release build. Each screen must fit:
//! the document never scrolls sideways and the screen's heading is on screen, not clipped or
//! covered. With `BOTWIRE_SCREENSHOTS=<dir>` each screen at 1280 and 390 px is also saved as
//! `<dir>/<screen>-<width>.png`, the whole page tall (`scripts/screenshots.sh` regenerates
//! `docs/screenshots/` this way).

use botwire_testkit::{Api, Browser, DbKind, PASSWORD, Server, TestDb, owner_server, samples};
use serde_json::json;

/// The first account, made through the setup link (its address shows in the pictures).
const EMAIL: &str = "ana@agency.example";
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

/// The longest names the API takes, without a space to break at, wrap on the bots list and
/// a bot's webhooks list at a phone's width and a desktop's instead of widening the page.
#[tokio::test]
async fn the_longest_names_without_spaces_wrap() {
    let (_db, server) = owner_server().await;
    let api = Api::login(&server).await;
    let bot = api.create_bot(&"B".repeat(100)).await;
    let (status, hook) = api
        .call(
            reqwest::Method::POST,
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "W".repeat(128)})),
        )
        .await;
    assert_eq!(status, 201, "create webhook: {hook}");
    for (width, height) in [(390, 844), (1280, 800)] {
        let b = Browser::start(width, height).await;
        b.log_in(&server).await;
        b.wait_text("#bots tbody", "BBBB").await;
        b.assert_fits("bots list with a long name").await;
        b.client
            .goto(&server.url(&format!("/bots/{bot}/webhooks")))
            .await
            .expect("webhooks");
        b.wait_text("#webhooks tbody", "WWWW").await;
        b.wait_text("#bot-name", "BBBB").await;
        b.assert_fits("webhooks list with long names").await;
        b.close().await;
    }
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
    b.wait_text("h1", "Set up Botwire").await;
    screen.check("setup", "#screen-title").await;
    b.type_into("#email", EMAIL).await;
    b.type_into("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_path(|p| p == "/").await;

    let demo = Demo::create(b, &server).await;

    b.client.goto(&server.url("/")).await.expect("bots");
    b.wait_text("#bots tbody", "Front desk").await;
    screen.check("bots", "#screen-title").await;

    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks", demo.bot)))
        .await
        .expect("webhooks");
    b.wait_text("#webhooks tbody", "Bookings").await;
    screen.check("webhooks", "#screen-title").await;

    // The editor with the booking sample previewed as a tree, a value selected in it, and the
    // live identity values, mappings and message preview.
    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks/{}", demo.bot, demo.hook)))
        .await
        .expect("editor");
    b.wait_text("h1", "Bookings").await;
    b.click("#preview-payload").await;
    b.find(".json-tree").await;
    b.click_tree_value("phone").await;
    b.wait_text("#selected-path", "$.contact.phone").await;
    b.wait_text("#identity-phone-status", "+14155550132").await;
    b.wait_text("#identity-email-status", "ana.souza@example.com")
        .await;
    b.wait_text("#mapping-list", "2026-12-03 15:30 UTC").await;
    b.wait_text("#action-preview", "Hi Ana").await;
    screen.check("editor", "#screen-title").await;

    b.client
        .goto(&server.url(&format!("/bots/{}/webhooks/{}/logs", demo.bot, demo.hook)))
        .await
        .expect("logs");
    b.wait_text(".progress", "Rows 1–4").await;
    screen.check("logs", "#screen-title").await;

    // The newest row: the booking posted again, matched to Ana.
    b.click("#logs tbody tr .link-button").await;
    b.wait_text("#log-body", "booking.created").await;
    b.wait_text("#log-detail", "Headers").await;
    screen.check("log-detail", "#log-detail-title").await;

    b.click("#log-user-link").await;
    b.wait_text("h1", "Bot user").await;
    b.wait_text("#user-fields", "+14155550132").await;
    b.wait_text("#user-outbox", "Hi Ana").await;
    screen.check("user", "#screen-title").await;

    b.click("#logout").await;
    b.wait_path(|p| p == "/login").await;
    b.wait_text("h1", "Log in").await;
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
        b.assert_no_policy_violations(name).await;
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
        let (status, bot) = b
            .api(
                "POST",
                "/bots",
                Some(json!({"name": "Front desk", "channel": "sms", "default_country": "US"})),
            )
            .await;
        assert_eq!(status, 201, "create bot: {bot}");
        let bot = bot["id"].as_i64().expect("bot id");
        let (status, field) = b
            .api(
                "POST",
                &format!("/bots/{bot}/fields"),
                Some(json!({"name": "booking_start", "type": "datetime"})),
            )
            .await;
        assert_eq!(status, 201, "create field: {field}");
        let (status, hook) = b
            .api(
                "POST",
                &format!("/bots/{bot}/webhooks"),
                Some(json!({"name": "Bookings"})),
            )
            .await;
        assert_eq!(status, 201, "create webhook: {hook}");
        let id = hook["id"].as_i64().expect("webhook id");
        let url = server.url(hook["url"].as_str().expect("webhook url"));
        let (status, body) = b
            .api(
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
        let (status, body) = b
            .api("POST", &format!("/webhooks/{id}/activate"), Some(json!({})))
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
