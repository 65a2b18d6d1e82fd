//! A viewer in headless Chromium against the real server and the release build: every screen
//! of a bot in a workspace where the account is only a viewer shows its editing controls
//! read-only, with one note saying why, instead of failing after the click.

use botwire_testkit::{Api, Browser, PASSWORD, owner_server};
use reqwest::Method;
use serde_json::{Value, json};

const VIEWER: &str = "viewer@example.com";
const NOTE: &str = "You can view this bot; only its workspace's owners and editors can change it.";

/// The selectors among `css` whose elements can still be changed (a button or select not
/// disabled, an input or textarea not read-only), or that match nothing.
async fn changeable(browser: &Browser, css: &[&str]) -> Vec<String> {
    let found = browser
        .client
        .execute(
            r#"
            const out = [];
            for (const css of arguments[0]) {
                const els = [...document.querySelectorAll(css)];
                if (els.length === 0) out.push(css + ' (missing)');
                for (const e of els) {
                    const locked = (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA')
                        ? e.readOnly : e.disabled;
                    if (!locked) { out.push(css); break; }
                }
            }
            return out;
            "#,
            vec![json!(css)],
        )
        .await
        .expect("check the controls");
    serde_json::from_value(found).expect("a list")
}

async fn assert_read_only(browser: &Browser, screen: &str, css: &[&str]) {
    assert_eq!(
        browser.wait_text("#read-only-note", NOTE).await,
        NOTE,
        "{screen}: the note"
    );
    let open = changeable(browser, css).await;
    assert!(open.is_empty(), "{screen}: still changeable: {open:?}");
}

#[tokio::test]
async fn a_viewer_sees_every_editing_control_read_only() {
    let (_db, server) = owner_server().await;
    server
        .create_user(VIEWER, PASSWORD, "Agency", "viewer")
        .await;
    // The owner sets up a working webhook with a mapping and one logged request.
    let api = Api::login(&server).await;
    let bot = api.create_bot("Shared bot").await;
    api.ok(
        Method::POST,
        &format!("/bots/{bot}/fields"),
        Some(json!({"name": "plan", "type": "text"})),
    )
    .await;
    let hook = api
        .ok(
            Method::POST,
            &format!("/bots/{bot}/webhooks"),
            Some(json!({"name": "Signups"})),
        )
        .await;
    let hook_id = hook["id"].as_i64().expect("webhook id");
    api.ok(
        Method::PATCH,
        &format!("/webhooks/{hook_id}"),
        Some(json!({
            "sample": r#"{"phone": "+1 415 555 0123", "plan": "pro"}"#,
            "identity": {"phone": "$.phone"},
            "mappings": [{"path": "$.plan", "field": "plan"}],
            "action_template": "Welcome on {{plan}}",
        })),
    )
    .await;
    let hook: Value = api
        .ok(Method::POST, &format!("/webhooks/{hook_id}/activate"), None)
        .await;
    let url = format!("{}{}", server.base, hook["url"].as_str().expect("url"));
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&json!({"phone": "+1 415 555 0123", "plan": "pro"}))
        .send()
        .await
        .expect("post to the hook");
    assert_eq!(answer.status(), 200, "hook answer");

    let browser = Browser::start(1280, 900).await;
    browser.log_in_as(&server, VIEWER).await;
    browser.wait_text("#bots tbody", "Shared bot").await;

    // The webhooks list: no new webhook, no switching.
    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks")))
        .await
        .expect("webhooks");
    browser.wait_text("#webhooks tbody", "Signups").await;
    assert_read_only(
        &browser,
        "webhooks list",
        &["#new-webhook", "#webhooks button[role=switch]"],
    )
    .await;
    assert_eq!(
        browser.attr("#new-webhook", "aria-describedby").await,
        "read-only-note"
    );

    // The editor: everything that changes the webhook, its address or the bot's fields.
    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks/{hook_id}")))
        .await
        .expect("editor");
    browser.find("#sample").await;
    // The tree still opens, to see the paths; what would use a value is locked.
    browser.click("#preview-payload").await;
    browser.find(".json-tree").await;
    browser.click_tree_value("plan").await;
    browser.find("#selected-path").await;
    assert_read_only(
        &browser,
        "editor",
        &[
            "#rotate-token",
            "#sample",
            "#listen",
            ".selected-value button.use-as",
            "#map-field",
            "#add-mapping",
            "#new-field-name",
            "#new-field-type",
            "#create-field",
            "input[id^=identity-]",
            "input.mapping-path",
            "select.mapping-field",
            ".remove-mapping",
            "#action-template",
            "button.insert-field",
            "#save",
            "#active-switch",
            "#delete-webhook",
        ],
    )
    .await;
    // Typing changes nothing, so there is nothing unsaved. (No space: in a read-only box it
    // scrolls the page smoothly, and a click while it scrolls lands elsewhere.)
    browser.type_into("#sample", "x").await;
    browser.type_into("#identity-phone", "x").await;
    assert!(browser.value("#sample").await.ends_with("\"pro\"}"));
    assert_eq!(browser.value("#identity-phone").await, "$.phone");
    assert_eq!(browser.text("#save-status").await, "");

    // The log: a request's detail can be read, not replayed.
    browser.click("#editor-logs").await;
    browser.wait_text("#logs tbody", "created").await;
    browser.click("#logs tbody tr .link-button").await;
    browser.wait_text("#log-detail", "Headers").await;
    assert_read_only(&browser, "log", &["#replay"]).await;
    assert_eq!(
        browser.attr("#replay", "aria-describedby").await,
        "read-only-note"
    );

    browser.close().await;
}
