//! Headless Chromium driven over WebDriver (Debian's chromium and chromium-driver).
//!
//! Headless Chromium will not make a window narrower than 500 px, so the viewport is not the
//! window's: it is set through the DevTools protocol (`Emulation.setDeviceMetricsOverride`), as
//! a phone's would be, and checked, so a test asking for 360 px really runs at 360 px.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// Run before any page script: records what the page's content security policy blocks.
const RECORD_POLICY_VIOLATIONS: &str = "window.__policyViolations = []; \
    document.addEventListener('securitypolicyviolation', e => \
        window.__policyViolations.push(e.effectiveDirective + ' blocked ' + e.blockedURI));";

/// Below this width the viewport is a phone's: overlay scrollbars, the viewport meta tag honoured.
const PHONE_BELOW: u32 = 600;

pub struct Browser {
    pub client: Client,
    width: u32,
    height: u32,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a fresh headless Chromium whose viewport is exactly
    /// `width`×`height` CSS pixels, at any width (panics if the page would see another width).
    pub async fn start(width: u32, height: u32) -> Browser {
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chrome = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {driver_bin}: {e} (apt-get install chromium-driver)")
            });
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chrome,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = caps.as_object().cloned().expect("object");
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let browser = Browser {
                        client,
                        width,
                        height,
                        _driver: driver,
                        _profile: profile,
                    };
                    browser.set_viewport(width, height).await;
                    browser
                        .devtools(
                            "Page.addScriptToEvaluateOnNewDocument",
                            json!({ "source": RECORD_POLICY_VIOLATIONS }),
                        )
                        .await;
                    browser.check_viewport().await;
                    return browser;
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start a session: {last_error}");
    }

    /// The viewport width asked for at the start, in CSS pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The viewport height asked for at the start, in CSS pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Sets the page's viewport to `width`×`height` CSS pixels (a phone's below 600 px) and
    /// waits until a frame is drawn at that size. It holds across navigations. For a while
    /// only (a full-page picture): [`Browser::assert_fits`] expects the width from the start.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < PHONE_BELOW,
            }),
        )
        .await;
        self.next_paint().await;
    }

    /// Sends a Chrome DevTools Protocol command to the page; returns its answer.
    pub async fn devtools(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Asserts that the current page is as wide as the viewport asked for and does not scroll
    /// sideways: `document.documentElement.scrollWidth <= window.innerWidth == width`. `what`
    /// names the screen in the failure.
    pub async fn assert_fits(&self, what: &str) {
        let fit = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth]",
                vec![],
            )
            .await
            .expect("measure the page");
        let (scroll_width, inner_width) = (fit[0].as_i64(), fit[1].as_i64());
        let width = i64::from(self.width);
        assert_eq!(
            inner_width,
            Some(width),
            "{what}: the window is not {width} px wide"
        );
        let scroll_width = scroll_width.expect("a number");
        assert!(
            scroll_width <= width,
            "{what} at {width} px scrolls sideways: the document is {scroll_width} px wide"
        );
    }

    /// Asserts that the page's content security policy has blocked nothing since the page
    /// was loaded: a blocked script, style or request is a broken screen. `what` names it.
    pub async fn assert_no_policy_violations(&self, what: &str) {
        let seen = self
            .client
            .execute("return window.__policyViolations", vec![])
            .await
            .expect("read the policy violations");
        assert_eq!(seen, json!([]), "{what}: blocked by the page's policy");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Checks the viewport on a page that, like the app's, sets `width=device-width`.
    async fn check_viewport(&self) {
        self.client
            .goto(
                "data:text/html,<meta name=viewport content='width=device-width, initial-scale=1'>",
            )
            .await
            .expect("open a blank page");
        self.assert_fits("a blank page").await;
    }

    /// Waits until the browser has drawn a frame after the current one.
    async fn next_paint(&self) {
        self.client
            .execute_async(
                "const done = arguments[0]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .expect("wait for a frame");
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.expect("a WebDriver session");
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
