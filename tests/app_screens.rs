//! The screens around the editor in headless Chromium against the real server and the release
//! build: log in, the bots list (search, channel, paging), a bot's inbound webhooks (create, switch, copy), the log with a
//! row's detail and replay, its filters, the user page, and a phone-sized screen.

use botwire_testkit::{Api, Browser, DbKind, EMAIL, PASSWORD, Server, TestDb, owner_server, poll};
use fantoccini::Locator;
use serde_json::{Value, json};
use std::time::Duration;

/// The channel filter asks the API, so it finds bots beyond the pages loaded; *Load more*
/// moves the focus to the first bot it added.
#[tokio::test]
async fn the_bots_list_filters_by_channel_and_loads_more() {
    let (_db, server) = owner_server().await;
    let api = Api::login(&server).await;
    // The oldest bot is the one WhatsApp bot: on the second page of all bots.
    let (status, bot) = api
        .call(
            reqwest::Method::POST,
            "/bots",
            Some(json!({"name": "Old WhatsApp", "channel": "whatsapp", "default_country": "US"})),
        )
        .await;
    assert_eq!(status, 201, "{bot}");
    for n in 1..=55 {
        api.create_bot(&format!("SMS bot {n}")).await;
    }
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&server).await;
    browser.wait_text("#bots tbody", "SMS bot 55").await;
    let rows = async || {
        browser
            .client
            .find_all(Locator::Css("#bots tbody tr"))
            .await
            .expect("rows")
            .len()
    };
    assert_eq!(rows().await, 50, "a page of 50");

    browser.select("#bot-channel", "whatsapp").await;
    browser.wait_text("#bots tbody", "Old WhatsApp").await;
    if let Err(n) = poll(rows, |&n| n == 1).await {
        panic!("{n} rows for WhatsApp");
    }
    assert_eq!(browser.text_now("#load-more-bots").await, None);

    browser.select("#bot-channel", "").await;
    browser.wait_text("#bots tbody", "SMS bot 55").await;
    browser.click("#load-more-bots").await;
    browser.wait_text("#bots tbody", "Old WhatsApp").await;
    assert_eq!(rows().await, 56);
    browser
        .wait_focus("#bots tbody tr:nth-child(51) a.bot-webhooks")
        .await;
    assert_eq!(
        browser.text_now("#load-more-bots").await,
        None,
        "the last page"
    );
    browser.close().await;
}

#[tokio::test]
async fn logs_in_and_walks_bots_webhooks_logs_and_user() {
    let (_db, server) = owner_server().await;
    let browser = Browser::start(1280, 900).await;

    // Any screen without a session sends the person to the login page.
    browser
        .client
        .goto(&server.url("/"))
        .await
        .expect("open app");
    browser.wait_path(|p| p == "/login").await;
    assert_eq!(browser.wait_text("h1", "Log in").await, "Log in");

    // A wrong password is refused with the API's reason, in an alert.
    browser.type_into("#email", EMAIL).await;
    browser.type_into("#password", "not the password").await;
    browser.click("button[type=submit]").await;
    browser
        .wait_text("#form-error", "the email or the password is wrong")
        .await;
    assert_eq!(browser.attr("#form-error", "role").await, "alert");

    // The right one lands on the bots list, with the account in the header.
    browser.clear("#password").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_path(|p| p == "/").await;
    browser.wait_text("h1", "Bots").await;
    browser.wait_text("#account-email", EMAIL).await;

    // A bot made through the API is listed, with its numbers.
    let api = Api::login(&server).await;
    let bot = api.create_bot("Pizza Palace").await;
    browser.client.goto(&server.url("/")).await.expect("reload");
    let row = browser.wait_text("#bots tbody", "Pizza Palace").await;
    assert!(row.contains("sms"), "channel shown: {row}");
    assert!(row.contains("0 / 500"), "requests against the limit: {row}");
    // Searching narrows the list.
    browser.type_into("#bot-search", "nothing like it").await;
    browser.wait_text(".empty", "No bots match").await;
    browser.clear("#bot-search").await;
    browser.type_into("#bot-search", "pizza").await;
    browser.wait_text("#bots tbody", "Pizza Palace").await;

    // The bot's name leads to Tools → Inbound Webhooks; New Inbound Webhook asks for a name
    // and opens the editor.
    browser.click("#bots tbody th a.bot-webhooks").await;
    browser
        .wait_path(|p| p == format!("/bots/{bot}/webhooks"))
        .await;
    browser.wait_text("h1", "Tools → Inbound Webhooks").await;
    browser.wait_text(".empty", "No inbound webhooks yet").await;
    // An owner can change the bot: no read-only note (a viewer's, see app_viewer).
    assert_eq!(browser.text_now("#read-only-note").await, None);
    browser.click("#new-webhook").await;
    browser.type_into("#webhook-name", "Bookings").await;
    browser.click("#new-webhook-form button[type=submit]").await;
    let prefix = format!("/bots/{bot}/webhooks/");
    let editor = browser
        .wait_path(|p| {
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
    browser.wait_attr(&switch, "aria-checked", "false").await;
    browser.click(&switch).await;
    browser
        .wait_text(
            &format!("#webhook-reason-{hook}"),
            "set at least one identity path",
        )
        .await;
    assert_eq!(browser.attr(&switch, "aria-checked").await, "false");

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
    browser.click(&switch).await;
    browser.wait_attr(&switch, "aria-checked", "true").await;

    // The URL is the server's origin plus the API's path, and copies with an announcement.
    let url = browser.value(&format!("#webhook-url-{hook}")).await;
    assert!(url.starts_with(&format!("{}/hooks/", server.base)), "{url}");
    browser
        .click(&format!("tr[data-webhook-id='{hook}'] .copy-button"))
        .await;
    browser
        .wait_text(
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
    browser.click("a[aria-label='Logs of Bookings']").await;
    browser
        .wait_path(|p| p == format!("/bots/{bot}/webhooks/{hook}/logs"))
        .await;
    browser.wait_text("h1", "Webhook logs").await;
    let table = browser.wait_text("#logs tbody", "created").await;
    assert!(table.contains("200"), "status shown: {table}");
    browser.click("#logs tbody tr .link-button").await;
    browser.wait_text("#log-body", "+1 415 555 0123").await;
    let decision = browser.text("#identity-decision").await;
    assert!(!decision.trim().is_empty(), "identity decision shown");
    browser.wait_text("#log-detail", "Headers").await;
    // The detail opens above the table: focus moves to its heading, so it is in view and
    // announced; closing it returns focus to the row.
    let focused = async || {
        browser
            .client
            .execute(
                "const e = document.activeElement; \
                 return e.id || (e.closest('tr') ? 'row ' + e.closest('tr').dataset.logId : e.tagName)",
                vec![],
            )
            .await
            .expect("the focused element")
    };
    assert_eq!(focused().await, json!("log-detail-title"));
    let row = browser.attr("#logs tbody tr", "data-log-id").await;
    browser.click("#log-detail .detail-head button").await;
    assert_eq!(focused().await, json!(format!("row {row}")));
    browser.click("#logs tbody tr .link-button").await;
    browser.wait_text("#log-detail", "Headers").await;

    // Replay runs it again and adds the new row; the focus comes back to Replay.
    browser.click("#replay").await;
    browser
        .wait_text("#replay-result", "Replayed: answered 200")
        .await;
    browser.wait_focus("#replay").await;
    let rows = async || {
        let rows = browser
            .client
            .find_all(Locator::Css("#logs tbody tr"))
            .await;
        rows.expect("rows").len()
    };
    if let Err(rows) = poll(rows, |&rows| rows >= 2).await {
        panic!("the replayed row was not added: {rows} rows");
    }

    // The filter asks the API for one outcome only.
    browser.select("#log-outcome", "rejected").await;
    browser
        .wait_text(".progress", "No rows match the filters")
        .await;
    browser.select("#log-outcome", "").await;
    browser.wait_text(".progress", "Rows 1–2").await;

    // A new request shows up live (SSE), without reloading the page.
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&json!({"phone": "+1 415 555 0199"}))
        .send()
        .await
        .expect("post again");
    assert_eq!(answer.status(), 200, "second answer");
    browser.wait_text(".progress", "Rows 1–3").await;

    // The user page (of the newest row's user): built-in fields and the requests that
    // touched the user.
    browser.click("#logs tbody tr .link-button").await;
    browser.wait_text("#log-body", "+1 415 555 0199").await;
    browser.click("#log-user-link").await;
    let user_page = browser
        .wait_path(|p| p.starts_with(&format!("/bots/{bot}/users/")))
        .await;
    let user = user_page.rsplit('/').next().expect("a user id").to_owned();
    browser.wait_text("h1", "Bot user").await;
    browser.wait_text("#user-fields", "+14155550199").await;
    browser.wait_text("#user-logs", "created").await;
    browser
        .wait_text("#user-outbox", "Thanks, your table is booked")
        .await;
    // Its request's link opens the log of that user only (not the other user's two rows).
    browser.click("#user-logs tbody a").await;
    browser
        .wait_path(|p| p == format!("/bots/{bot}/webhooks/{hook}/logs"))
        .await;
    assert_eq!(browser.query().await, format!("user_id={user}"));
    assert_eq!(browser.value("#log-user").await, user);
    if let Err(rows) = poll(async || browser.shown_log_ids().await.len(), |&n| n == 1).await {
        panic!("the log of one user shows {rows} rows");
    }
    browser
        .wait_text("#logs tbody", &format!("User {user}"))
        .await;

    // The webhook under another bot's address is not that bot's: not found.
    let other = bot + 1000;
    browser
        .client
        .goto(&server.url(&format!("/bots/{other}/webhooks/{hook}")))
        .await
        .expect("the editor under another bot");
    browser
        .wait_text(
            "p[role=alert]",
            &format!("bot {other} has no webhook {hook}"),
        )
        .await;

    // Log out ends the session.
    browser.click("#logout").await;
    browser.wait_path(|p| p == "/login").await;

    browser.close().await;
}

#[tokio::test]
async fn refuses_a_sixth_webhook_and_fits_a_phone_screen() {
    let (_db, server) = owner_server().await;
    let api = Api::login(&server).await;
    let bot = api
        .create_bot("A bot with a rather long name for a small phone screen")
        .await;
    let add_webhook = async |i: i32| {
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                &format!("/bots/{bot}/webhooks"),
                Some(json!({"name": format!("Webhook number {i}")})),
            )
            .await;
        assert_eq!(status, 201, "webhook {i}: {body}");
    };
    for i in 1..=4 {
        add_webhook(i).await;
    }
    let browser = Browser::start(360, 740).await;
    browser.log_in(&server).await;
    browser
        .wait_text("#bots tbody", "A bot with a rather long name")
        .await;
    browser.assert_fits("bots list").await;

    browser
        .client
        .goto(&server.url(&format!("/bots/{bot}/webhooks")))
        .await
        .expect("webhooks");
    browser
        .wait_text("#webhooks tbody", "Webhook number 4")
        .await;
    browser.assert_fits("webhooks list").await;

    // The fifth made elsewhere while the form is open: the sixth is refused with the API's
    // reason, and the page stays.
    browser.click("#new-webhook").await;
    add_webhook(5).await;
    browser.type_into("#webhook-name", "One too many").await;
    browser.click("#new-webhook-form button[type=submit]").await;
    browser
        .wait_text("#new-webhook-error", "its limit is 5")
        .await;
    assert_eq!(
        browser.wait_path(|_| true).await,
        format!("/bots/{bot}/webhooks")
    );
    browser.assert_fits("with the form").await;

    // At the limit, New Inbound Webhook is disabled and says why, before anyone types a name.
    browser.client.refresh().await.expect("reload the list");
    browser
        .wait_text("#webhooks tbody", "Webhook number 5")
        .await;
    browser.wait_attr("#new-webhook", "disabled", "true").await;
    assert_eq!(
        browser.attr("#new-webhook", "aria-describedby").await,
        "new-webhook-reason"
    );
    assert_eq!(
        browser.text("#new-webhook-reason").await,
        "This bot has 5 of 5 webhooks: delete one in its editor to add another."
    );
    browser.assert_fits("at the limit").await;

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
    browser.wait_text(".progress", "Rows 1–50").await;
    browser.assert_fits("logs").await;
    browser.click("#log-older").await;
    browser.wait_text(".progress", "Rows 51–55").await;
    let table = browser.wait_text("#logs tbody", "inactive").await;
    assert!(table.contains("403"), "status shown");
    // The last page has no cursor: no older page.
    browser.wait_attr("#log-older", "disabled", "true").await;
    // A row's detail fits the phone screen too.
    browser.click("#logs tbody tr .link-button").await;
    browser.wait_text("#log-body", "\"n\"").await;
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
    browser.wait_text("h1", "Set up Botwire").await;

    // The API's message for each field shows next to that field, every one at once, and is
    // read out when it appears.
    browser.type_into("#email", "owner at example.com").await;
    browser.type_into("#password", "short").await;
    browser.click("button[type=submit]").await;
    browser
        .wait_text("#password-error", "at least 10 characters")
        .await;
    assert_eq!(browser.attr("#password", "aria-invalid").await, "true");
    assert!(!browser.text("#email-error").await.is_empty());
    assert_eq!(browser.attr("#email", "aria-invalid").await, "true");
    for error in ["#email-error", "#password-error"] {
        assert_eq!(browser.attr(error, "aria-live").await, "polite", "{error}");
    }
    browser.clear("#email").await;
    browser.type_into("#email", "owner@example.com").await;

    browser.type_into("#password", " but now long enough").await;
    browser.click("button[type=submit]").await;
    browser.wait_path(|p| p == "/").await;
    browser
        .wait_text("#account-email", "owner@example.com")
        .await;
    browser.wait_text("h1", "Bots").await;
    browser.close().await;
}

/// Waits until exactly these log rows show, in this order (the list is done loading).
async fn wait_log_rows(browser: &Browser, want: &[i64], why: &str) {
    let seen = async || {
        let progress = browser.text_now(".progress").await.unwrap_or_default();
        (browser.shown_log_ids().await, progress)
    };
    let done =
        |(shown, progress): &(Vec<i64>, String)| shown == want && !progress.starts_with("Loading");
    if let Err((shown, progress)) = poll(seen, done).await {
        panic!("{why}: rows {shown:?} shown ({progress:?}), wanted {want:?}");
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

#[tokio::test]
async fn filters_the_log_by_outcome_user_time_and_body() {
    let (_db, server) = owner_server().await;
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
    browser.log_in(&server).await;
    let offset = browser
        .client
        .execute("return new Date().getTimezoneOffset()", vec![])
        .await
        .expect("offset");
    assert_eq!(offset, json!(-345), "the browser is at UTC+05:45");
    let logs = format!("/bots/{bot}/webhooks/{hook_id}/logs");
    browser.client.goto(&server.url(&logs)).await.expect("logs");
    wait_log_rows(&browser, &[d, c, b, a], "no filter").await;
    assert_eq!(browser.attr("#clear-filters", "disabled").await, "true");

    // Outcome.
    browser.select("#log-outcome", "matched").await;
    wait_log_rows(&browser, &[c], "matched only").await;
    assert_eq!(browser.query().await, "outcome=matched");
    browser.select("#log-outcome", "").await;
    wait_log_rows(&browser, &[d, c, b, a], "all outcomes").await;

    // User, then text in the body too: both in the address.
    browser
        .type_into("#log-user", &format!("{ana}\u{E004}"))
        .await;
    wait_log_rows(&browser, &[c, a], "Ana's requests").await;
    browser.type_into("#log-search", "anchovy").await;
    wait_log_rows(&browser, &[c], "Ana's requests about anchovies").await;
    assert_eq!(browser.query().await, format!("user_id={ana}&q=anchovy"));

    // A reload (or the link, shared) shows the same view.
    let address = browser.client.current_url().await.expect("url");
    browser.client.goto(address.as_str()).await.expect("reload");
    wait_log_rows(&browser, &[c], "after a reload").await;
    assert_eq!(browser.value("#log-user").await, ana.to_string());
    assert_eq!(browser.value("#log-search").await, "anchovy");

    // Clear filters, which leaves the focus on the first filter.
    browser.click("#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared").await;
    browser.wait_focus("#log-outcome").await;
    assert_eq!(browser.query().await, "");
    assert_eq!(browser.value("#log-user").await, "");
    assert_eq!(browser.value("#log-search").await, "");

    // The text search ignores case; a row's user offers "only this user".
    browser.type_into("#log-search", "ANCHOVY").await;
    wait_log_rows(&browser, &[d, c, b], "anchovies, any case").await;
    browser
        .click(&format!(
            "button[aria-label='Show only the requests of user {bo}']"
        ))
        .await;
    wait_log_rows(&browser, &[b], "Bo's anchovies").await;
    assert_eq!(browser.value("#log-user").await, bo.to_string());
    browser.click("#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared again").await;

    // Time received, in the browser's time zone.
    let shown = set_time(&browser, "#log-from", Some(last_second)).await;
    wait_log_rows(&browser, &[d], "from the last second").await;
    assert_eq!(browser.value("#log-from").await, shown);
    assert_eq!(browser.query().await, format!("from={last_second}"));
    // An end before the start: the API's reason, next to the end.
    set_time(&browser, "#log-to", Some(last_second - 60_000)).await;
    browser
        .wait_text("#log-to-error", "must not be before")
        .await;
    assert_eq!(browser.attr("#log-to", "aria-invalid").await, "true");
    browser.wait_text("#logs-error", "not valid").await;
    wait_log_rows(&browser, &[], "refused filters").await;
    set_time(&browser, "#log-to", Some(last_second)).await;
    set_time(&browser, "#log-from", None).await;
    wait_log_rows(&browser, &[c, b, a], "before the last second").await;
    assert_eq!(browser.attr("#log-to", "aria-invalid").await, "false");
    browser.click("#clear-filters").await;

    // A user id that is not a number: the API's reason, next to the field.
    browser.type_into("#log-user", "abc\u{E004}").await;
    browser
        .wait_text("#log-user-error", "must be an integer")
        .await;
    browser.click("#clear-filters").await;
    wait_log_rows(&browser, &[d, c, b, a], "cleared once more").await;
    assert_eq!(browser.text("#log-user-error").await, "");

    // Live rows: only those that match the filters arrive.
    browser.type_into("#log-search", "anchovy").await;
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
    browser.click("#clear-filters").await;
    browser.type_into("#log-search", "bulk").await;
    browser.wait_text(".progress", "Rows 1–50 (filtered)").await;
    browser.click("#log-older").await;
    browser
        .wait_text(".progress", "Rows 51–55 (filtered)")
        .await;
    assert_eq!(browser.shown_log_ids().await.len(), 5);
    browser.assert_fits("the filtered log").await;
    browser.close().await;
}
