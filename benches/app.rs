//! The admin app's speed as a person sees it, measured inside headless Chromium against the
//! real server (the release binary when built) on a fresh SQLite file:
//!
//! - the bundle's size (`dist/*.wasm`, `dist/*.js`, raw and gzip -9),
//! - the editor's first render on a fresh page load,
//! - the tree of a 1 MiB sample: Preview Payload, opening a 2,000-item array, Show more,
//! - a log of 100,000 rows: its first page on a fresh load, and *Older* near the top and deep
//!   down (the 1st, 20th and 100th older page).
//!
//! Times come from `performance.now()` in the page (from navigation start for page loads, from
//! just before the click otherwise), polled with requestAnimationFrame until the content is in
//! the document, and taken in a task queued from that frame, that is once the frame that shows
//! it has been laid out and painted. A page load happens in a window-sized same-origin iframe
//! added by the measuring script: a fresh document (new wasm instance, every API call again),
//! watched from before its navigation starts. (Polling after WebDriver's own navigation returns
//! would start after the load event, which on the log page came after the rows were drawn.) Every figure is repeated (`BOTWIRE_BENCH_RUNS`, default 7)
//! and printed as median, min and max in milliseconds. There are no thresholds, but a screen
//! that does not appear within 20 s stops the run with the reason.
//!
//! `scripts/bench-app.sh` installs what is missing, builds, and runs this; by hand:
//! `cargo bench -p botwire-app --bench app` with the variables `scripts/test.sh` sets.

use botwire_testkit::{Browser, DbKind, Server, TestDb, dist};
use fantoccini::Locator;
use serde_json::{Value, json};
use sqlx::Connection;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "correct horse battery staple";
const LOG_ROWS: i64 = 100_000;
/// Rows per log page (the app asks for 50).
const LOG_PAGE: i64 = 50;
/// The *Older* clicks timed: the 1st, the 20th and the 100th from the newest page.
const OLDER_CLICKS: [i64; 3] = [1, 20, 100];

fn main() {
    // `cargo test --benches` runs bench targets too; measuring is for `cargo bench` only.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/app.rs measures only under `cargo bench -p botwire-app --bench app`");
        return;
    }
    prefer_release_server();
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(run());
}

/// Points `BOTWIRE_BIN` at the release build when it exists and nothing else was chosen: the
/// server's own speed should not colour the app's figures.
fn prefer_release_server() {
    if std::env::var_os("BOTWIRE_BIN").is_some() {
        return;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let release = target.join("release/botwire");
    if release.is_file() {
        // SAFETY: no other thread exists yet (the runtime starts after this).
        unsafe { std::env::set_var("BOTWIRE_BIN", release) };
    }
}

async fn run() {
    let runs: usize = std::env::var("BOTWIRE_BENCH_RUNS")
        .ok()
        .map(|n| n.parse().expect("BOTWIRE_BENCH_RUNS is a number"))
        .unwrap_or(7)
        .max(1);
    println!("Admin app in headless Chromium");
    println!("server:   {}", botwire_testkit::binary().display());
    println!("browser:  {}", chromium_version());
    println!();
    bundle_size();

    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server.create_user(EMAIL, PASSWORD, "Bench", "owner").await;
    let browser = Browser::start(1280, 900).await;
    let b = &browser;
    log_in(b, &server).await;
    let bot = create(
        b,
        "/bots",
        json!({"name": "Bench bot", "channel": "sms", "default_country": "US"}),
    )
    .await;

    println!();
    println!("{runs} runs each; milliseconds");
    println!("{:<60} {:>8} {:>8} {:>8}", "", "median", "min", "max");

    // The editor's first render: a webhook with the booking sample, loaded fresh each time.
    let booking = create(
        b,
        &format!("/bots/{bot}/webhooks"),
        json!({"name": "Bookings"}),
    )
    .await;
    patch_webhook(
        b,
        booking,
        json!({
            "sample": botwire_testkit::samples::BOOKING,
            "identity": {"phone": "$.contact.phone", "email": "$.contact.email"},
        }),
    )
    .await;
    let editor_url = server.url(&format!("/bots/{bot}/webhooks/{booking}"));
    // The frames' parent: a same-origin page with no app running in it (Chromium's JSON view).
    let quiet_parent = server.url("/api/v1/health");
    goto(b, &quiet_parent).await;
    let mut first_render = Figure::new("editor: first render on a fresh page load");
    for _ in 0..runs {
        first_render.add(measure(b, Load(&editor_url), EDITOR_SHOWN, json!("Bookings")).await);
    }
    first_render.print();

    // A 1 MiB sample: 2,000 records shown under `items` (the first 100, the tree's page) and
    // 2,000 more in `export.customers`, an array the tree keeps closed until opened.
    let big = create(
        b,
        &format!("/bots/{bot}/webhooks"),
        json!({"name": "Big export"}),
    )
    .await;
    let sample = one_mebibyte_sample();
    eprintln!("(the 1 MiB sample is {} bytes)", sample.len());
    patch_webhook(b, big, json!({ "sample": sample })).await;
    let big_url = server.url(&format!("/bots/{bot}/webhooks/{big}"));
    let mut preview = Figure::new("1 MiB sample: Preview Payload until the tree is drawn");
    let mut expand = Figure::new("1 MiB sample: open a 2,000-item array (100 shown)");
    let mut more = Figure::new("1 MiB sample: Show more in it (200 shown)");
    for _ in 0..runs {
        goto(b, &big_url).await;
        measure(b, Shown, EDITOR_SHOWN, json!("Big export")).await;
        preview.add(measure(b, Click("#preview-payload"), TREE_SHOWN, Value::Null).await);
        let customers = "button.jt-toggle[data-path=\"$['export']['customers']\"]";
        expand.add(measure(b, Click(customers), CHILDREN_SHOWN, json!([customers, 101])).await);
        let more_button = "li:has(> .jt-row > button.jt-toggle[data-path=\"$['export']['customers']\"]) \
                           > .jt-children > li > .jt-more";
        more.add(
            measure(
                b,
                Click(more_button),
                TEXT_SHOWN,
                json!([more_button, "200 of 2000"]),
            )
            .await,
        );
    }
    preview.print();
    expand.print();
    more.print();

    // 100,000 log rows: one real request, copied by SQL straight into the SQLite file.
    let token = webhook_token(b, booking).await;
    activate(b, booking).await;
    let answer = reqwest::Client::new()
        .post(server.url(&format!("/hooks/{token}")))
        .header("content-type", "application/json")
        .body(botwire_testkit::samples::BOOKING)
        .send()
        .await
        .expect("post the booking");
    assert_eq!(
        answer.status().as_u16(),
        200,
        "the booking was not processed"
    );
    let seeded = Instant::now();
    seed_log(&db.url, booking, LOG_ROWS - 1).await;
    eprintln!("(seeded {LOG_ROWS} log rows in {:?})", seeded.elapsed());

    let logs_url = server.url(&format!("/bots/{bot}/webhooks/{booking}/logs"));
    let mut first_page = Figure::new("log of 100,000 rows: first page on a fresh page load");
    let mut older: Vec<Figure> = OLDER_CLICKS
        .iter()
        .map(|n| {
            Figure::new(format!(
                "log: Older #{n}, rows {}–{}",
                n * LOG_PAGE + 1,
                (n + 1) * LOG_PAGE
            ))
        })
        .collect();
    for _ in 0..runs {
        goto(b, &quiet_parent).await;
        first_page.add(measure(b, Load(&logs_url), PAGE_SHOWN, json!(1)).await);
        goto(b, &logs_url).await;
        measure(b, Shown, PAGE_SHOWN, json!(1)).await;
        for n in 1..=OLDER_CLICKS[OLDER_CLICKS.len() - 1] {
            let first_row = n * LOG_PAGE + 1;
            let ms = measure(b, Click("#log-older"), PAGE_SHOWN, json!(first_row)).await;
            if let Some(i) = OLDER_CLICKS.iter().position(|c| *c == n) {
                older[i].add(ms);
            }
        }
    }
    first_page.print();
    older.iter().for_each(Figure::print);

    browser.close().await;
}

/// The sizes of the release bundle the server serves, as `scripts/bench-bundle.sh` prints them.
fn bundle_size() {
    let dir = dist();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "no bundle in {}: {e} (trunk build --release)",
                dir.display()
            )
        })
        .map(|e| e.expect("dist entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm" || x == "js"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .wasm or .js in {}", dir.display());
    println!("{:<44} {:>10} {:>10}", "bundle (bytes)", "raw", "gzip -9");
    let (mut raw_total, mut gz_total) = (0, 0);
    for file in files {
        let raw = std::fs::metadata(&file).expect("size").len();
        let gz = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&file)
            .output()
            .expect("run gzip")
            .stdout
            .len() as u64;
        raw_total += raw;
        gz_total += gz;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        println!("{name:<44} {raw:>10} {gz:>10}");
    }
    println!("{:<44} {raw_total:>10} {gz_total:>10}", "total");
}

fn chromium_version() -> String {
    let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
    Command::new(&chrome)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("{chrome}: {e}"))
}

/// Repeated measurements of one thing, with the slowest API answer inside each.
struct Figure {
    name: String,
    ms: Vec<f64>,
    api_ms: Vec<f64>,
}

impl Figure {
    fn new(name: impl Into<String>) -> Figure {
        Figure {
            name: name.into(),
            ms: Vec::new(),
            api_ms: Vec::new(),
        }
    }

    fn add(&mut self, m: Measured) {
        self.ms.push(m.ms);
        self.api_ms.extend(m.api_ms);
    }

    /// One line: median, min, max; a second for the API answers when there were any.
    fn print(&self) {
        print_row(&self.name, &self.ms);
        if !self.api_ms.is_empty() {
            print_row("    of which the slowest API answer", &self.api_ms);
        }
    }
}

fn print_row(name: &str, values: &[f64]) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    println!("{name:<60} {median:>8.1} {:>8.1} {:>8.1}", v[0], v[n - 1]);
}

#[derive(Clone, Copy)]
struct Measured {
    ms: f64,
    /// The longest `/api/v1` request that started inside the measured span (resource timing).
    api_ms: Option<f64>,
}

/// What starts the clock.
#[derive(Clone, Copy)]
enum Start<'a> {
    /// A fresh load of this URL in a window-sized iframe: from its navigation start.
    Load(&'a str),
    /// A click on the element matching this selector, made from inside the page.
    Click(&'a str),
    /// Nothing: only waits until the current page shows it (the time is not a figure).
    Shown,
}
use Start::{Click, Load, Shown};

/// Polls `test` (the body of a JS function of `arg` and `document`) once per frame until it
/// holds, then waits for that frame to be painted.
const MEASURE: &str = r#"
    const [start, target, arg, done] = arguments;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const afterPaint = () => new Promise((r) => setTimeout(r, 0));
    (async () => {
        const test = new Function('arg', 'document', TEST);
        let page = () => window;
        let t0 = 0;
        let iframe = null;
        if (start === 'load') {
            iframe = document.createElement('iframe');
            iframe.style.cssText = 'position: fixed; inset: 0; width: 100vw; height: 100vh; ' +
                'border: 0; background: #fff; z-index: 2147483647';
            const path = new URL(target, location.href).pathname;
            // Until the navigation commits the frame holds about:blank.
            page = () => {
                const w = iframe.contentWindow;
                return w && w.location.pathname === path ? w : null;
            };
            iframe.src = target;
            document.body.appendChild(iframe);
        }
        const holds = () => {
            const w = page();
            return !!w && test(arg, w.document);
        };
        if (start === 'click') {
            if (holds()) throw new Error('already shown before the click');
            const el = document.querySelector(target);
            if (!el) throw new Error('nothing to click: ' + target);
            t0 = performance.now();
            el.click();
        }
        const limit = performance.now() + 20000;
        let inFrame = false;
        while (!holds()) {
            if (performance.now() > limit) throw new Error('not shown within 20 s');
            await frame();
            inFrame = true;
        }
        if (!inFrame) await frame();
        await afterPaint();
        const perf = page().performance;
        const ms = perf.now() - t0;
        const api = perf.getEntriesByType('resource')
            .filter((e) => e.name.includes('/api/v1/') && e.startTime >= t0)
            .map((e) => e.duration);
        if (iframe) iframe.remove();
        return { ms, apiMs: api.length ? Math.max(...api) : null };
    })().then(done, (e) => done({ error: String((e && e.message) || e) }));
"#;

/// The editor of the webhook named `arg`, with its sample in the box.
const EDITOR_SHOWN: &str = r#"
    const h = document.querySelector('section.editor #screen-title');
    const s = document.getElementById('sample');
    return !!h && h.textContent === arg && !!s && s.value.length > 0;
"#;

/// The payload tree, with its first page of `items` and the button for more.
const TREE_SHOWN: &str = r#"
    return !!document.querySelector('.json-tree .jt-children .jt-more');
"#;

/// The list under the toggle `arg[0]` has `arg[1]` entries.
const CHILDREN_SHOWN: &str = r#"
    const t = document.querySelector(arg[0]);
    const list = t && t.closest('li').querySelector(':scope > .jt-children');
    return !!list && list.children.length === arg[1];
"#;

/// The element `arg[0]` says `arg[1]`.
const TEXT_SHOWN: &str = r#"
    const el = document.querySelector(arg[0]);
    return !!el && el.textContent.includes(arg[1]);
"#;

/// The log table has `arg` rows and says so.
/// A full page of the log from row `arg` on: the position says so and 50 rows are drawn.
const PAGE_SHOWN: &str = r#"
    const p = document.querySelector('#log-position');
    return !!p && p.textContent === 'Rows ' + arg + '–' + (arg + 49)
        && document.querySelectorAll('#logs tbody tr').length === 50;
"#;

async fn measure(b: &Browser, start: Start<'_>, test: &str, arg: Value) -> Measured {
    let (kind, target) = match start {
        Load(url) => ("load", url),
        Click(selector) => ("click", selector),
        Shown => ("shown", ""),
    };
    let script = MEASURE.replace("TEST", &serde_json::to_string(test).expect("js string"));
    let answer = b
        .client
        .execute_async(&script, vec![json!(kind), json!(target), arg.clone()])
        .await
        .unwrap_or_else(|e| panic!("measuring {test} ({arg}): {e}"));
    if let Some(error) = answer.get("error") {
        panic!("the screen did not appear: {error} (waiting for {test} with {arg})");
    }
    Measured {
        ms: answer["ms"].as_f64().expect("a time"),
        api_ms: answer["apiMs"].as_f64(),
    }
}

async fn goto(b: &Browser, url: &str) {
    b.client
        .goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
}

async fn log_in(b: &Browser, server: &Server) {
    goto(b, &server.url("/login")).await;
    let wait = |css: &'static str| {
        b.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
    };
    wait("#email")
        .await
        .expect("login form")
        .send_keys(EMAIL)
        .await
        .expect("email");
    wait("#password")
        .await
        .expect("login form")
        .send_keys(PASSWORD)
        .await
        .expect("password");
    wait("button[type=submit]")
        .await
        .expect("login form")
        .click()
        .await
        .expect("log in");
    wait("#account-email")
        .await
        .expect("logged in: the account in the header");
}

/// Calls the API from the page, with its session cookie: (status, JSON body).
async fn api(b: &Browser, method: &str, path: &str, body: Value) -> (u16, Value) {
    let script = r#"
        const [method, path, body, done] = arguments;
        fetch('/api/v1' + path, {
            method,
            headers: { 'content-type': 'application/json' },
            body: method === 'GET' ? undefined : JSON.stringify(body),
        })
            .then(async (r) => done([r.status, await r.text()]))
            .catch((e) => done([0, String(e)]));
    "#;
    let answer = b
        .client
        .execute_async(script, vec![json!(method), json!(path), body])
        .await
        .expect("fetch from the page");
    let status = answer[0].as_u64().expect("status") as u16;
    let text = answer[1].as_str().unwrap_or_default();
    (
        status,
        serde_json::from_str(text).unwrap_or(Value::String(text.to_owned())),
    )
}

/// POSTs `body` to `path`; returns the new object's id.
async fn create(b: &Browser, path: &str, body: Value) -> i64 {
    let (status, created) = api(b, "POST", path, body).await;
    assert_eq!(status, 201, "POST {path}: {created}");
    created["id"].as_i64().expect("an id")
}

async fn patch_webhook(b: &Browser, id: i64, body: Value) {
    let (status, answer) = api(b, "PATCH", &format!("/webhooks/{id}"), body).await;
    assert_eq!(status, 200, "PATCH webhook {id}: {answer}");
}

async fn activate(b: &Browser, id: i64) {
    let (status, answer) = api(b, "POST", &format!("/webhooks/{id}/activate"), json!({})).await;
    assert_eq!(status, 200, "activate webhook {id}: {answer}");
}

async fn webhook_token(b: &Browser, id: i64) -> String {
    let (status, hook) = api(b, "GET", &format!("/webhooks/{id}"), Value::Null).await;
    assert_eq!(status, 200, "GET webhook {id}: {hook}");
    hook["token"].as_str().expect("token").to_owned()
}

/// ~1,000,000 bytes of JSON (under the 1 MiB limit): records of ~250 bytes with nested members.
fn one_mebibyte_sample() -> String {
    let record = |i: usize| {
        json!({
            "id": i,
            "name": format!("Customer number {i}"),
            "email": format!("customer{i}@example.com"),
            "address": { "street": "1 Long Street", "city": "Springfield", "zip": format!("{i:05}") },
            "tags": ["alpha", "beta", "gamma"],
            "note": "x".repeat(60),
        })
    };
    let items: Vec<Value> = (0..2000).map(record).collect();
    let customers: Vec<Value> = (2000..4000).map(record).collect();
    let sample = json!({ "items": items, "export": { "customers": customers } }).to_string();
    assert!(
        (900_000..=1_048_576).contains(&sample.len()),
        "the sample is {} bytes",
        sample.len()
    );
    sample
}

/// Copies the webhook's newest log row `count` times in one statement (a recursive CTE: about
/// a second for 100,000 rows), the copies a second apart before it in time (their ids follow
/// it, so the original ends up as the oldest page's last row).
async fn seed_log(database_url: &str, webhook_id: i64, count: i64) {
    let mut conn = sqlx::SqliteConnection::connect(database_url)
        .await
        .unwrap_or_else(|e| panic!("open {database_url}: {e}"));
    let done = sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO request_logs (bot_id, webhook_id, received_at, method, content_type,
             headers, body, parsed, status, outcome, detail, user_id, mappings, action,
             response, idempotency_key, duplicate_of, replay_of, duration_us)
         SELECT t.bot_id, t.webhook_id, t.received_at - (?1 + 1 - n.i) * 1000, t.method,
             t.content_type, t.headers, t.body, t.parsed, t.status, t.outcome, t.detail,
             t.user_id, t.mappings, t.action, t.response, NULL, NULL, NULL, t.duration_us
         FROM n, (SELECT * FROM request_logs WHERE webhook_id = ?2 ORDER BY id DESC LIMIT 1) AS t",
    )
    .bind(count)
    .bind(webhook_id)
    .execute(&mut conn)
    .await
    .expect("seed the log");
    assert_eq!(
        done.rows_affected(),
        count as u64,
        "the webhook had no log row to copy"
    );
    conn.close().await.expect("close the seeding connection");
}
