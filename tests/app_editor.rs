//! The inbound-webhook editor in headless Chromium against the real server and the release
//! build: the seed walk-through, deleting a webhook, the tree by keyboard, awkward member names in the tree, a 1 MiB payload, the tree
//! following the sample, and the question before leaving unsaved changes.

use botwire_testkit::{Browser, EMAIL, PASSWORD, Session, poll, samples};
use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A bot (US numbers) and one webhook: (bot id, webhook).
async fn bot_and_webhook(browser: &Browser) -> (i64, Value) {
    let (status, bot) = browser
        .api(
            "POST",
            "/bots",
            Some(json!({"name": "Clinic", "channel": "sms", "default_country": "US"})),
        )
        .await;
    assert_eq!(status, 201, "create bot: {bot}");
    let bot_id = bot["id"].as_i64().expect("bot id");
    let (status, hook) = browser
        .api(
            "POST",
            &format!("/bots/{bot_id}/webhooks"),
            Some(json!({"name": "Bookings"})),
        )
        .await;
    assert_eq!(status, 201, "create webhook: {hook}");
    (bot_id, hook)
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

/// Waits for the page's `window.confirm` dialog; returns its text (the dialog stays open).
async fn wait_dialog(browser: &Browser) -> String {
    poll(
        async || browser.client.get_alert_text().await,
        Result::is_ok,
    )
    .await
    .unwrap_or_else(|e| panic!("no dialog came: {e:?}"))
    .expect("dialog text")
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

/// Saves `sample` as the webhook's sample, then opens its editor.
async fn open_editor_with_sample(s: &Session, bot_id: i64, hook_id: i64, sample: &str) {
    let (status, body) = s
        .browser
        .api(
            "PATCH",
            &format!("/webhooks/{hook_id}"),
            Some(json!({ "sample": sample })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    open_editor(s, bot_id, hook_id).await;
}

async fn open_editor(s: &Session, bot_id: i64, hook_id: i64) {
    s.browser
        .client
        .goto(&s.server.url(&format!("/bots/{bot_id}/webhooks/{hook_id}")))
        .await
        .expect("open editor");
    s.browser.find("#sample").await;
}

#[tokio::test]
async fn seed_walk_through_in_the_editor() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    open_editor(&s, bot_id, hook_id).await;

    // 1. The address.
    assert_eq!(b.text("h1").await, "Bookings");
    assert_eq!(
        b.text("#webhook-url").await,
        s.server.url(&format!("/hooks/{token}"))
    );
    assert!(
        b.find("#save")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some()
    );

    // 2. Listen, and send the booking sample from a second client.
    b.click("#listen").await;
    b.wait_text("#listen-status", "Waiting for a request to POST")
        .await;
    let answer = reqwest::Client::new()
        .post(s.server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(samples::BOOKING)
        .send()
        .await
        .expect("post the sample");
    assert_eq!(answer.status().as_u16(), 403, "inactive, but captured");
    let sample = async || b.value("#sample").await;
    if let Err(sample) = poll(sample, |v| v.contains("booking.created")).await {
        panic!("the sample never arrived: #sample holds {sample:?}");
    }
    b.wait_text("#listen-status", "Payload received").await;
    assert_eq!(
        serde_json::from_str::<Value>(&b.value("#sample").await).unwrap(),
        serde_json::from_str::<Value>(samples::BOOKING).unwrap()
    );

    // 3. Preview Payload; click the values into their places.
    b.click("#preview-payload").await;
    b.find(".json-tree").await;

    b.click_tree_value("phone").await;
    assert_eq!(b.text("#selected-path").await, "$.contact.phone");
    b.click("#use-as-phone").await;
    assert_eq!(b.value("#identity-phone").await, "$.contact.phone");
    b.wait_text("#identity-phone-status", "+14155550132").await;

    b.click_tree_value("email").await;
    assert_eq!(b.text("#selected-path").await, "$.contact.email");
    b.click("#use-as-email").await;
    b.wait_text("#identity-email-status", "ana.souza@example.com (valid)")
        .await;

    b.click_tree_value("first_name").await;
    assert_eq!(b.text("#selected-path").await, "$.contact.first_name");
    b.select("#map-field", "first_name").await;
    b.click("#add-mapping").await;
    b.wait_text("#mapping-list", "Ana").await;

    b.click_tree_value("start").await;
    assert_eq!(b.text("#selected-path").await, "$.booking.start");
    b.type_into("#new-field-name", "booking_start").await;
    b.select("#new-field-type", "datetime").await;
    b.click("#create-field").await;
    b.wait_text("#mapping-list", "2026-12-03 15:30 UTC").await;
    b.client
        .execute(
            "document.getElementById('tree-title').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
    screenshot(b, "editor-tree-1280").await;
    let list = b.text("#mapping-list").await;
    assert!(list.contains("datetime"), "{list}");

    // A path typed by hand is evaluated too, with the exact error.
    let (status, fields) = b.api("GET", &format!("/bots/{bot_id}/fields"), None).await;
    assert_eq!(status, 200);
    assert_eq!(fields["items"][0]["name"], "booking_start");
    assert_eq!(fields["items"][0]["type"], "datetime");

    // 6. The message, with completion and a live preview.
    let area = b.find("#action-template").await;
    area.send_keys("Hi {{").await.expect("type");
    b.wait_text("#template-suggestions", "first_name").await;
    // A screen reader hears how many match and which one ↑ ↓ reached, the focus in the text
    // (the status is visually hidden: its text content, not its rendered text).
    let status = async || {
        b.find("#template-suggestions-status")
            .await
            .prop("textContent")
            .await
            .expect("textContent")
            .unwrap_or_default()
    };
    if let Err(said) = poll(status, |t| {
        t.ends_with("fields match: ↑ ↓ choose, Enter inserts.")
    })
    .await
    {
        panic!("the suggestions' status says {said:?}");
    }
    assert_eq!(
        b.attr("#action-template", "aria-activedescendant").await,
        "suggestion-0"
    );
    area.send_keys(&Key::Down.to_string()).await.expect("down");
    b.wait_attr("#action-template", "aria-activedescendant", "suggestion-1")
        .await;
    assert_eq!(b.attr("#suggestion-1", "aria-selected").await, "true");
    area.send_keys("first").await.expect("type");
    if let Err(said) = poll(status, |t| t == "1 field matches: Enter inserts it.").await {
        panic!("the suggestions' status says {said:?}");
    }
    area.send_keys("\u{E007}").await.expect("enter"); // Enter picks the suggestion
    b.wait_attr("#action-template", "aria-activedescendant", "")
        .await;
    area.send_keys(", see you on {{booking_start}}")
        .await
        .expect("type");
    assert_eq!(
        b.value("#action-template").await,
        "Hi {{first_name}}, see you on {{booking_start}}"
    );
    b.wait_text("#action-preview", "Hi Ana, see you on 2026-12-03 15:30 UTC")
        .await;
    screenshot(b, "editor-1280").await;

    // 7. Save, then switch on.
    assert!(
        b.find("#save")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_none()
    );
    assert!(leaving_is_held(b).await, "no unsaved-changes warning");
    b.click("#save").await;
    b.wait_text("#save-status", "Saved").await;
    assert!(!leaving_is_held(b).await, "a warning with nothing to save");
    let (_, saved) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
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

    let switch = b.find("#active-switch").await;
    assert_eq!(
        switch.attr("aria-checked").await.unwrap().as_deref(),
        Some("false")
    );
    switch.click().await.expect("switch on");
    let on = async || b.attr("#active-switch", "aria-checked").await;
    if poll(on, |on| on == "true").await.is_err() {
        panic!("never switched on: {}", b.text("#active-error").await);
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
    let (status, users) = b.api("GET", &format!("/bots/{bot_id}/users"), None).await;
    assert_eq!(status, 200);
    let user = &users["items"][0];
    assert_eq!(user["phone"], "+14155550132");
    assert_eq!(user["email"], "ana.souza@example.com");
    assert_eq!(user["first_name"], "Ana");
    let (_, detail) = b.api("GET", &format!("/users/{}", user["id"]), None).await;
    assert_eq!(
        detail["outbox"][0]["message"],
        "Hi Ana, see you on 2026-12-03 15:30 UTC"
    );
    s.browser.close().await;
}

#[tokio::test]
async fn identity_and_mapping_errors_show_live_and_from_the_api() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let (status, _) = b
        .api(
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
    b.type_into("#identity-phone", "$.phone").await;
    b.wait_text("#identity-phone-status", "\"12\" is").await;
    b.type_into("#identity-email", "$.mail").await;
    b.wait_text("#identity-email-status", "nope").await;
    b.type_into("#identity-user_ns", "$.none").await;
    b.wait_text("#identity-user_ns-status", "No value in the sample")
        .await;

    // Live mapping values; reorder and remove.
    b.wait_text("#mapping-list", "abc").await;
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
    // Moving and removing rows keeps the focus in the list: on the arrow pressed, or the
    // other one once the row is at the end; on the row that takes a removed one's place.
    wait_rows(b, &["$.n", "$.m"]).await;
    b.click(".mapping-row .move-down").await;
    wait_rows(b, &["$.m", "$.n"]).await;
    b.wait_focus(".mapping-row:nth-child(2) .move-up").await;
    b.click(".mapping-row:nth-child(2) .move-up").await;
    wait_rows(b, &["$.n", "$.m"]).await;
    b.wait_focus(".mapping-row:nth-child(1) .move-down").await;
    b.click(".mapping-row:nth-child(2) .remove-mapping").await;
    wait_rows(b, &["$.n"]).await;
    b.wait_focus(".mapping-row:nth-child(1) .remove-mapping")
        .await;

    // A broken path: the exact error live, then the API's message next to the row on save.
    let path = b.find(".mapping-path").await;
    path.clear().await.unwrap();
    path.send_keys("$.n[").await.unwrap();
    b.wait_text(
        "#mapping-list",
        "the path does not parse: expected a selector",
    )
    .await;
    b.click("#save").await;
    b.wait_text("#save-error", "Not saved").await;
    let api_error = b.text(".mapping-row .field-error").await;
    assert!(api_error.contains("does not parse"), "{api_error}");
    // Fixed, the row no longer shows the server's complaint, nor Save its refusal.
    let path = b.find(".mapping-path").await;
    path.send_keys(&Key::Backspace.to_string()).await.unwrap();
    b.wait_text_is("#save-error", "").await;
    b.wait_text_is(".mapping-row .field-error", "").await;

    // Activation is refused with the API's reason next to the switch.
    b.click("#active-switch").await;
    b.wait_text("#active-error", "set at least one identity path")
        .await;

    // The syntax error of the sample, with line and column.
    let sample = b.find("#sample").await;
    sample.clear().await.unwrap();
    sample.send_keys("{\"a\": 1,}").await.unwrap();
    b.wait_text("#sample-error", "Line 1, column 9").await;
    s.browser.close().await;
}

#[tokio::test]
async fn copies_and_rotates_the_address() {
    let s = Session::logged_in(360, 740).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    open_editor(&s, bot_id, hook_id).await;
    let old_url = s.server.url(&format!("/hooks/{token}"));
    assert_eq!(b.text("#webhook-url").await, old_url);
    b.click("#copy-url").await;
    b.wait_text("#copy-status", "Copied").await;

    // In Tokyo (UTC+9 all year) the old address's last moment reads in Tokyo time, saying so.
    b.devtools(
        "Emulation.setTimezoneOverride",
        json!({"timezoneId": "Asia/Tokyo"}),
    )
    .await;
    b.click("#rotate-token").await;
    b.client.accept_alert().await.expect("confirm the rotation");
    let status = b.wait_text("#rotate-status", "keeps working until").await;
    let new_url = b.text("#webhook-url").await;
    assert_ne!(new_url, old_url);
    let (_, now) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
    let until = now["previous_token_expires_at"]
        .as_i64()
        .expect("a grace period");
    let tokyo = (until / 1000 + 9 * 3600).rem_euclid(86_400);
    let clock = format!(
        "{:02}:{:02}:{:02} GMT+9.",
        tokyo / 3600,
        tokyo / 60 % 60,
        tokyo % 60
    );
    assert!(status.ends_with(&clock), "{status:?} ends with {clock:?}");
    assert_eq!(
        new_url,
        s.server
            .url(&format!("/hooks/{}", now["token"].as_str().unwrap()))
    );

    // Listening, then cancelling, disarms the webhook.
    b.click("#listen").await;
    b.wait_text("#listen-status", "Waiting for a request to POST")
        .await;
    let (_, now) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(now["listening"], true);
    b.click("#listen-cancel").await;
    b.find("#listen").await;
    let listening = async || b.api("GET", &format!("/webhooks/{hook_id}"), None).await.1;
    if poll(listening, |now| now["listening"] == false)
        .await
        .is_err()
    {
        panic!("still listening after Cancel");
    }

    // No sideways scrolling at 360 px.
    b.assert_fits("the editor").await;

    // Leaving the editor while listening stops listening: a later request is not the sample
    // of an editor nobody looks at.
    b.click("#listen").await;
    b.wait_text("#listen-status", "Waiting for a request to POST")
        .await;
    b.click("#editor-logs").await;
    b.wait_path(|p| p.ends_with("/logs")).await;
    if poll(listening, |now| now["listening"] == false)
        .await
        .is_err()
    {
        panic!("still listening after leaving the editor");
    }
    s.browser.close().await;
}

/// Two tabs on one webhook: the tab that saves second is told its webhook was saved elsewhere,
/// nothing of the first tab's save is lost, and it can load the saved version.
#[tokio::test]
async fn a_save_over_another_tabs_save_is_refused_and_can_load_it() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let path = format!("/webhooks/{hook_id}");
    open_editor(&s, bot_id, hook_id).await;

    // This tab saves once: its own saves never conflict with each other.
    b.type_into("#action-template", "Hello").await;
    b.click("#save").await;
    b.wait_text_is("#save-status", "Saved").await;
    b.clear("#action-template").await;
    b.type_into("#action-template", "Hello there").await;
    b.click("#save").await;
    b.wait_text_is("#save-status", "Saved").await;

    // The other tab saves, through the API as the app does, from the revision it opened.
    let (_, now) = b.api("GET", &path, None).await;
    let (status, other) = b
        .api(
            "PATCH",
            &path,
            Some(json!({ "action_template": "From the other tab", "base_revision": now["revision"] })),
        )
        .await;
    assert_eq!(status, 200, "{other}");

    b.clear("#action-template").await;
    b.type_into("#action-template", "Mine").await;
    b.click("#save").await;
    let text = b.wait_text("#save-error", "saved elsewhere").await;
    assert!(text.contains("Nothing was overwritten"), "{text}");
    assert_eq!(b.attr("#save-error", "role").await, "alert");
    let (_, now) = b.api("GET", &path, None).await;
    assert_eq!(now["action_template"], "From the other tab");
    // What was typed here stays until the user chooses.
    assert_eq!(b.value("#action-template").await, "Mine");
    assert_eq!(b.text("#save-status").await, "Unsaved changes");

    b.click("#load-saved").await;
    b.wait_text_is("#save-status", "").await;
    assert_eq!(b.value("#action-template").await, "From the other tab");
    assert!(b.text_now("#save-error").await.is_none());
    assert_eq!(focused_id(b).await, "screen-title");
    assert_no_dialog(b, "after loading the saved version").await;

    // Saving again starts from the loaded revision and goes through.
    b.type_into("#action-template", "!").await;
    b.click("#save").await;
    b.wait_text_is("#save-status", "Saved").await;
    let (_, now) = b.api("GET", &path, None).await;
    assert_eq!(now["action_template"], "From the other tab!");
    s.browser.close().await;
}

/// Deleting from the editor: a modal dialog says what goes, Escape keeps the webhook, and
/// confirming deletes it and its log, without asking about the unsaved changes it mentioned,
/// and the list says so.
#[tokio::test]
async fn a_webhook_is_deleted_after_confirming_and_the_list_says_so() {
    let s = Session::logged_in(390, 844).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let address = s
        .server
        .url(&format!("/hooks/{}", hook["token"].as_str().unwrap()));
    let post = async || {
        reqwest::Client::new()
            .post(&address)
            .header("content-type", "application/json")
            .body(samples::BOOKING)
            .send()
            .await
            .expect("post to the webhook")
            .status()
            .as_u16()
    };
    assert_eq!(post().await, 403, "inactive, and logged");
    open_editor(&s, bot_id, hook_id).await;
    b.type_into("#action-template", "Not saved").await;

    // The dialog opens modal, on its safe choice, naming the webhook and what goes with it.
    b.click("#delete-webhook").await;
    let modal = async || {
        b.client
            .execute(
                "const d = document.getElementById('delete-dialog'); \
                 return d.open && d.matches(':modal');",
                vec![],
            )
            .await
            .expect("dialog state")
            .as_bool()
            .expect("a boolean")
    };
    assert!(modal().await, "the dialog is modal");
    assert_eq!(focused_id(b).await, "cancel-delete");
    assert_eq!(
        b.text("#delete-dialog-title").await,
        "Delete \u{201c}Bookings\u{201d}?"
    );
    let why = b.text("#delete-dialog-why").await;
    assert!(why.contains("request log is deleted"), "{why}");
    assert!(why.contains("unsaved changes are lost too"), "{why}");
    b.assert_fits("the delete dialog").await;

    // Escape keeps it, and focus goes back to the button that opened the dialog.
    b.client
        .active_element()
        .await
        .expect("focused")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("Escape");
    if poll(modal, |open| !open).await.is_err() {
        panic!("Escape did not close the dialog");
    }
    assert_eq!(focused_id(b).await, "delete-webhook");
    let (status, _) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(status, 200, "kept");

    // Confirmed: the list of the bot's webhooks, saying what was deleted, and nothing asked.
    b.click("#delete-webhook").await;
    b.click("#confirm-delete").await;
    b.wait_path(|p| p == format!("/bots/{bot_id}/webhooks"))
        .await;
    assert_no_dialog(b, "after deleting").await;
    assert_eq!(
        b.wait_text("#notice", "Deleted").await,
        "Deleted the webhook \u{201c}Bookings\u{201d} and its request log."
    );
    assert_eq!(b.attr("#notice", "role").await, "status");
    b.wait_text(".empty", "No inbound webhooks yet").await;
    assert_eq!(focused_id(b).await, "main");
    let (status, _) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = b
        .api("GET", &format!("/webhooks/{hook_id}/logs"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(post().await, 404, "the address is dead");

    // The notice was for that screen only.
    b.click(".breadcrumb a").await;
    b.wait_path(|p| p == "/").await;
    b.wait_text_is("#notice", "").await;
    s.browser.close().await;
}

/// The payload tree by keyboard: one tab stop, the arrow keys inside.
#[tokio::test]
async fn the_payload_tree_is_one_tab_stop_with_arrow_keys() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let items: Vec<u32> = (0..150).collect();
    let sample = json!({ "a": { "b": 1 }, "c": items });
    open_editor_with_sample(&s, bot_id, hook_id, &sample.to_string()).await;
    b.click("#preview-payload").await;
    b.find(".json-tree").await;
    let tab_stops = async || {
        b.client
            .execute(
                "return [...document.querySelectorAll('.json-tree button')] \
                 .filter(e => e.tabIndex >= 0).map(e => e.dataset.path || e.className)",
                vec![],
            )
            .await
            .expect("tab stops")
    };
    assert_eq!(tab_stops().await, json!(["$"]), "one tab stop: the root");

    let key = async |k: Key| {
        b.client
            .active_element()
            .await
            .expect("focused")
            .send_keys(&k.to_string())
            .await
            .expect("key");
    };
    let toggle = |path: &str| format!(".jt-toggle[data-path=\"{path}\"]");
    b.client
        .execute(
            "document.querySelector('.json-tree .jt-toggle').focus()",
            vec![],
        )
        .await
        .expect("focus the root");
    b.wait_focus(&toggle("$")).await;
    key(Key::Down).await;
    b.wait_focus(".jt-pick[aria-label=\"Select $\"]").await;
    key(Key::Down).await;
    b.wait_focus(&toggle("$['a']")).await;
    // ← closes an open container; → opens it again and then goes into it.
    key(Key::Left).await;
    b.wait_attr(&toggle("$['a']"), "aria-expanded", "false")
        .await;
    b.wait_focus(&toggle("$['a']")).await;
    key(Key::Right).await;
    b.wait_attr(&toggle("$['a']"), "aria-expanded", "true")
        .await;
    key(Key::Right).await;
    b.wait_focus(".jt-pick[aria-label=\"Select $.a\"]").await;
    key(Key::Down).await;
    b.wait_focus(".jt-value[data-path=\"$['a']['b']\"]").await;
    // ← from a value goes to its container.
    key(Key::Left).await;
    b.wait_focus(&toggle("$['a']")).await;
    // End reaches Show more; it shows the next members and the focus goes to the first.
    key(Key::End).await;
    b.wait_focus(".jt-more").await;
    key(Key::Enter).await;
    b.wait_focus(".jt-value[data-path=\"$['c'][100]\"]").await;
    assert_eq!(
        tab_stops().await,
        json!(["$['c'][100]"]),
        "the tab stop follows the focus"
    );
    key(Key::Home).await;
    b.wait_focus(&toggle("$")).await;
    assert_eq!(tab_stops().await, json!(["$"]));
    // Enter on a value selects it, as a click does.
    for _ in 0..4 {
        key(Key::Down).await;
    }
    b.wait_focus(".jt-value[data-path=\"$['a']['b']\"]").await;
    key(Key::Enter).await;
    b.wait_text("#selected-path", "$.a.b").await;
    s.browser.close().await;
}

#[tokio::test]
async fn the_tree_shows_paths_for_awkward_member_names() {
    let s = Session::logged_in(390, 844).await;
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
    open_editor_with_sample(&s, bot_id, hook_id, &sample.to_string()).await;
    b.click("#preview-payload").await;
    b.find(".json-tree").await;
    // Two levels open at first: the array two levels down is closed until opened.
    let toggle = b
        .find("button.jt-toggle[data-path=\"$['plain']['x_1']\"]")
        .await;
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
        b.click_tree_value(key).await;
        assert_eq!(b.text("#selected-path").await, path, "member {key:?}");
        let marked = b
            .find(".json-tree .jt-value[aria-current=true] .jt-key")
            .await;
        assert_eq!(
            marked.text().await.unwrap(),
            key,
            "the selected node is marked"
        );
        // Each path, used as a mapping, evaluates to the value it was clicked on.
        b.click("#add-mapping").await;
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
    b.click("#save").await;
    b.wait_text("#save-status", "Saved").await;
    s.browser.close().await;
}

#[tokio::test]
async fn a_one_mebibyte_sample_renders_and_expands_quickly_and_a_larger_one_is_refused() {
    let s = Session::logged_in(1280, 900).await;
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
    open_editor_with_sample(&s, bot_id, hook_id, &big).await;

    let started = Instant::now();
    b.click("#preview-payload").await;
    b.find(".json-tree .jt-more").await;
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
    b.click("button.jt-toggle[data-path=\"$['items'][3]\"]")
        .await;
    b.wait_text(".json-tree", "customer3@example.com").await;
    b.click(".jt-more").await;
    b.wait_text(".jt-more", "200 of 4000").await;
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

    // Three times that is more than the API takes: the editor says so at once, without
    // working it out, and Save is refused with the same limit.
    b.client
        .execute(
            "const t = document.getElementById('sample'); \
             t.value = '[' + [t.value, t.value, t.value].join(',') + ']'; \
             t.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await
        .expect("paste a 3 MiB sample");
    let error = b.wait_text("#sample-error", "more than the 2 MiB").await;
    assert!(error.starts_with("The sample is 2."), "{error}");
    b.click("#save").await;
    b.wait_text("#save-error", "larger than the API accepts (2 MiB)")
        .await;
    s.browser.close().await;
}

#[tokio::test]
async fn asks_before_leaving_unsaved_changes_inside_the_app() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let list = format!("/bots/{bot_id}/webhooks");
    let editor = format!("{list}/{hook_id}");
    let logs = format!("{editor}/logs");

    // Into the editor through the app, so that Back has a screen of the app to go to.
    b.client.goto(&s.server.url(&list)).await.expect("list");
    b.click(&format!("a[href='{editor}']")).await;
    b.wait_path(|p| p == editor).await;
    b.find("#sample").await;

    // Nothing changed: links and Back just go.
    b.click("#editor-logs").await;
    assert_no_dialog(b, "with nothing to save").await;
    b.wait_path(|p| p == logs).await;
    b.wait_text("h1", "Webhook logs").await;
    go_back(b).await;
    b.wait_path(|p| p == editor).await;
    b.find("#sample").await;

    // A change, then the header's link: Cancel stays, with the change.
    b.type_into("#action-template", "Hello there").await;
    b.wait_text("#save-status", "Unsaved changes").await;
    b.click("header nav a").await;
    let question = wait_dialog(b).await;
    assert!(question.contains("unsaved changes"), "{question}");
    b.client.dismiss_alert().await.expect("cancel");
    b.wait_path(|p| p == editor).await;
    assert_eq!(b.text("h1").await, "Bookings");
    assert_eq!(b.value("#action-template").await, "Hello there");

    // The link back to the list, then the browser's Back: the same question, the same answer.
    b.click(".editor-back a").await;
    wait_dialog(b).await;
    b.client.dismiss_alert().await.expect("cancel");
    go_back(b).await;
    let question = wait_dialog(b).await;
    assert!(question.contains("unsaved changes"), "{question}");
    b.client.dismiss_alert().await.expect("cancel");
    b.wait_path(|p| p == editor).await;
    assert_eq!(b.text("h1").await, "Bookings");
    assert_eq!(b.value("#action-template").await, "Hello there");
    assert!(leaving_is_held(b).await, "closing the tab still asks");

    // Log out asks too; Cancel keeps the session and the change.
    b.click("#logout").await;
    let question = wait_dialog(b).await;
    assert!(question.contains("unsaved changes"), "{question}");
    b.client.dismiss_alert().await.expect("cancel");
    b.wait_path(|p| p == editor).await;
    assert_eq!(b.value("#action-template").await, "Hello there");
    let (status, _) = b.api("GET", "/auth/me", None).await;
    assert_eq!(status, 200, "still logged in");

    // OK leaves, and the change is gone.
    b.click("#editor-logs").await;
    wait_dialog(b).await;
    b.client.accept_alert().await.expect("leave");
    b.wait_path(|p| p == logs).await;
    b.wait_text("h1", "Webhook logs").await;
    go_back(b).await;
    b.wait_path(|p| p == editor).await;
    assert_eq!(b.value("#action-template").await, "");

    // Saved changes: no question.
    b.type_into("#action-template", "Saved words").await;
    b.click("#save").await;
    b.wait_text("#save-status", "Saved").await;
    b.click("header nav a").await;
    assert_no_dialog(b, "after saving").await;
    b.wait_path(|p| p == "/").await;

    // Back into the editor, a change, and Back with OK: the list.
    go_back(b).await;
    b.wait_path(|p| p == editor).await;
    let area = b.find("#action-template").await;
    assert_eq!(b.value("#action-template").await, "Saved words");
    area.send_keys("!").await.expect("type");
    b.wait_text("#save-status", "Unsaved changes").await;
    go_back(b).await;
    wait_dialog(b).await;
    b.client.accept_alert().await.expect("leave");
    b.wait_path(|p| p == list).await;
    b.wait_text("h1", "Inbound Webhooks").await;
    s.browser.close().await;
}

/// The session ends under the editor's unsaved changes (here: logged out from elsewhere). A
/// save answered 401 keeps the screen and its changes and asks to log in again in a modal
/// dialog; after that the changes save. With nothing unsaved, a 401 goes to the login page.
#[tokio::test]
async fn a_session_ending_over_unsaved_changes_keeps_them() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let editor = format!("/bots/{bot_id}/webhooks/{hook_id}");
    open_editor(&s, bot_id, hook_id).await;

    b.type_into("#action-template", "Kept words").await;
    b.wait_text("#save-status", "Unsaved changes").await;
    let (status, _) = b.api("POST", "/auth/logout", None).await;
    assert_eq!(status, 204, "log out from elsewhere");

    b.click("#save").await;
    b.wait_text("#session-ended h2", "Your session has ended")
        .await;
    b.wait_text("#save-error", "Not saved").await;
    assert_eq!(b.path().await, editor, "the editor stays");
    assert_eq!(b.value("#action-template").await, "Kept words");
    assert_eq!(b.value("#session-ended #email").await, EMAIL);
    screenshot(b, "session-ended").await;
    let (modal, focused) = dialog_state(b).await;
    assert!(modal, "the dialog is modal");
    assert_eq!(focused, "password", "typing goes to the password");
    // On a phone the dialog fits the screen.
    b.set_viewport(360, 740).await;
    let fits = b
        .client
        .execute(
            "const r = document.getElementById('session-ended').getBoundingClientRect(); \
             return r.left >= 0 && r.right <= window.innerWidth && r.width > 300;",
            vec![],
        )
        .await
        .expect("measure the dialog");
    assert_eq!(fits, json!(true), "the dialog fits 360 px");
    b.set_viewport(1280, 900).await;

    // A wrong password is answered in the dialog, which stays.
    b.type_into("#session-ended #password", "not the password at all")
        .await;
    b.click("#session-ended button[type=submit]").await;
    b.wait_text("#session-ended #form-error", "wrong").await;
    assert_eq!(b.path().await, editor);

    b.clear("#session-ended #password").await;
    b.type_into("#session-ended #password", PASSWORD).await;
    b.click("#session-ended button[type=submit]").await;
    wait_session_dialog_closed(b, "once logged in").await;
    assert_eq!(b.text("#account-email").await, EMAIL);
    assert_eq!(b.value("#action-template").await, "Kept words");
    assert_eq!(focused_id(b).await, "save", "focus is back on Save");
    assert!(
        b.text_now("#save-error").await.is_none(),
        "the error that asked to log in is gone"
    );
    b.wait_text("#save-status", "Unsaved changes").await;
    b.click("#save").await;
    b.wait_text("#save-status", "Saved").await;
    let (status, saved) = b.api("GET", &format!("/webhooks/{hook_id}"), None).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["action_template"], "Kept words");

    // Escape closes the dialog and keeps the changes; the next save asks again, and
    // *Leave without saving* goes to the login page.
    b.type_into("#action-template", " and more").await;
    b.api("POST", "/auth/logout", None).await;
    b.click("#save").await;
    b.find("#session-ended").await;
    b.client
        .active_element()
        .await
        .expect("focused element")
        .send_keys(&Key::Escape.to_string())
        .await
        .expect("Escape");
    wait_session_dialog_closed(b, "on Escape").await;
    assert_eq!(b.value("#action-template").await, "Kept words and more");
    b.click("#save").await;
    b.click("#session-ended-leave").await;
    b.wait_path(|p| p == "/login").await;

    // Nothing unsaved: a 401 goes straight to the login page.
    b.log_in(&s.server).await;
    open_editor(&s, bot_id, hook_id).await;
    b.api("POST", "/auth/logout", None).await;
    b.click("#editor-logs").await;
    b.wait_path(|p| p == "/login").await;
    assert!(
        b.text_now("#session-ended").await.is_none(),
        "no dialog without unsaved changes"
    );
    s.browser.close().await;
}

/// Whether the session-ended dialog is open as a modal, and the id of the focused element.
async fn dialog_state(browser: &Browser) -> (bool, String) {
    let modal = browser
        .client
        .execute(
            "const d = document.getElementById('session-ended'); \
             return d.open && d.matches(':modal');",
            vec![],
        )
        .await
        .expect("dialog state");
    (
        modal.as_bool().expect("a boolean"),
        focused_id(browser).await,
    )
}

/// The id of the focused element ("" when it has none).
async fn focused_id(browser: &Browser) -> String {
    let id = browser
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .expect("focused element");
    id.as_str().expect("an id").to_owned()
}

async fn wait_session_dialog_closed(browser: &Browser, when: &str) {
    poll(
        async || browser.text_now("#session-ended").await.is_none(),
        |gone| *gone,
    )
    .await
    .unwrap_or_else(|_| panic!("the session-ended dialog did not close {when}"));
}

/// Everything the tree shows.
async fn tree_text(browser: &Browser) -> String {
    browser.text(".json-tree").await
}

#[tokio::test]
async fn the_preview_tree_follows_the_sample() {
    let s = Session::logged_in(1280, 900).await;
    let b = &s.browser;
    let (bot_id, hook) = bot_and_webhook(b).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let token = hook["token"].as_str().unwrap().to_owned();
    let first = json!({"contact": {"name": "Ana", "address": {"city": "Porto"}}});
    open_editor_with_sample(&s, bot_id, hook_id, &first.to_string()).await;
    b.click("#preview-payload").await;
    b.wait_text(".json-tree", "Ana").await;
    // Open a node three levels down by hand, and select a value.
    let address = "button.jt-toggle[data-path=\"$['contact']['address']\"]";
    b.click(address).await;
    b.wait_text(".json-tree", "Porto").await;
    b.click_tree_value("name").await;
    assert_eq!(b.text("#selected-path").await, "$.contact.name");

    // A member added to the sample shows in the tree, without pressing Preview Payload; the
    // opened node stays open and the selection stays.
    let sample = b.find("#sample").await;
    sample.clear().await.expect("clear");
    sample
        .send_keys(r#"{"contact": {"name": "Ana", "phone": "+14155550132", "address": {"city": "Porto"}}}"#)
        .await
        .expect("type");
    b.wait_text(".json-tree", "+14155550132").await;
    assert_eq!(
        b.find(address)
            .await
            .attr("aria-expanded")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    assert!(tree_text(b).await.contains("Porto"));
    assert_eq!(b.text("#selected-path").await, "$.contact.name");
    assert_eq!(b.text("#tree-note").await, "");

    // Broken JSON: the last tree stays, and says so.
    sample.send_keys(",").await.expect("type");
    b.wait_text("#sample-error", "Line 1").await;
    b.wait_text("#tree-note", "the tree shows the last valid JSON")
        .await;
    assert!(tree_text(b).await.contains("+14155550132"));

    // Fixed, with new values: the tree follows again.
    sample.clear().await.expect("clear");
    sample
        .send_keys(r#"{"contact": {"name": "Bo", "email": "bo@example.com"}}"#)
        .await
        .expect("type");
    b.wait_text(".json-tree", "bo@example.com").await;
    let tree = tree_text(b).await;
    assert!(tree.contains("Bo") && !tree.contains("Ana"), "{tree}");
    assert!(!tree.contains("+14155550132"), "{tree}");
    assert_eq!(b.text("#tree-note").await, "");

    // A payload captured by Listen is drawn too.
    b.click("#listen").await;
    b.wait_text("#listen-status", "Waiting for a request to POST")
        .await;
    let answer = reqwest::Client::new()
        .post(s.server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(r#"{"order": {"id": "A-1001", "total": 12.5}}"#)
        .send()
        .await
        .expect("post a payload");
    assert_eq!(answer.status().as_u16(), 403, "inactive, but captured");
    b.wait_text("#listen-status", "Payload received").await;
    b.wait_text(".json-tree", "A-1001").await;
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
