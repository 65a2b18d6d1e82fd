//! What the app's browser tests do on a page, as a person would: find an element by CSS
//! selector, click it, type into it, read it, and wait until it shows what is expected. Every
//! wait gives up after [`WAIT`] and panics naming the selector and what it saw last.

use crate::Browser;
use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long any wait lasts before the test fails (a cold debug server on a busy machine).
pub const WAIT: Duration = Duration::from_secs(20);

/// Calls `probe` every 100 ms until `done` accepts what it saw, for up to [`WAIT`]: `Ok` with
/// the accepted value, or `Err` with the last one seen when time ran out (for the panic).
pub async fn poll<T>(mut probe: impl AsyncFnMut() -> T, done: impl Fn(&T) -> bool) -> Result<T, T> {
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = probe().await;
        if done(&seen) {
            return Ok(seen);
        }
        if Instant::now() > deadline {
            return Err(seen);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    /// Waits until an element matches `css`; returns the first.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types `text` after what the field already holds.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.find(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Empties a field.
    pub async fn clear(&self, css: &str) {
        self.find(css)
            .await
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
    }

    /// Picks the option whose value is `value` in a `<select>`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value:?} in {css}: {e}"));
    }

    /// The text of the element, once there is one.
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// The text of the element right now; `None` when there is no such element.
    pub async fn text_now(&self, css: &str) -> Option<String> {
        let el = self.client.find(Locator::Css(css)).await.ok()?;
        Some(el.text().await.unwrap_or_default())
    }

    /// The current value of a field (its `value` property, not the attribute).
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("value of {css}: {e}"))
            .unwrap_or_default()
    }

    /// An attribute of the element, once there is one; empty when it is not set.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("{css}[{name}]: {e}"))
            .unwrap_or_default()
    }

    /// Waits until the element's attribute `name` is `want` (`""` is also met by no attribute).
    pub async fn wait_attr(&self, css: &str, name: &str, want: &str) {
        if let Err(got) = poll(async || self.attr(css, name).await, |got| got == want).await {
            panic!("{css}[{name}] stayed {got:?}, wanted {want:?}");
        }
    }

    /// Waits until the element's text contains `needle`; returns the whole text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        poll(
            async || self.text_now(css).await,
            |t| t.as_deref().is_some_and(|t| t.contains(needle)),
        )
        .await
        .map(Option::unwrap_or_default)
        .unwrap_or_else(|seen| {
            let seen = seen.unwrap_or_else(|| "(no element)".into());
            panic!("{css} never contained {needle:?}; it says {seen:?}")
        })
    }

    /// Waits until the element's text is exactly `want` (`""` is also met by no element).
    pub async fn wait_text_is(&self, css: &str, want: &str) {
        if let Err(seen) = poll(
            async || self.text_now(css).await.unwrap_or_default(),
            |t| t == want,
        )
        .await
        {
            panic!("{css} never read {want:?}; last text {seen:?}");
        }
    }

    /// Waits until the page's path satisfies `ok`; returns it.
    pub async fn wait_path(&self, ok: impl Fn(&str) -> bool) -> String {
        poll(async || self.path().await, |p| ok(p))
            .await
            .unwrap_or_else(|path| panic!("stayed at {path}"))
    }

    /// Waits until the element with the keyboard focus matches `css` (focus that an action
    /// moves once the screen is drawn again).
    pub async fn wait_focus(&self, css: &str) {
        let probe = async || {
            self.client
                .execute(
                    "const [css] = arguments; const e = document.activeElement; \
                     const name = e ? (e.id ? '#' + e.id : e.tagName) : 'nothing'; \
                     return [!!e && e.matches(css), name];",
                    vec![json!(css)],
                )
                .await
                .expect("the focused element")
        };
        if let Err(seen) = poll(probe, |seen| seen[0] == true).await {
            panic!("the focus stayed on {}, not on {css}", seen[1]);
        }
    }

    /// The current address's path.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        url.path().to_owned()
    }

    /// The current address's query, without the `?`; empty when there is none.
    pub async fn query(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        url.query().unwrap_or_default().to_owned()
    }

    /// Calls the REST API from the page with the page's session cookie: (status, JSON body,
    /// or the body as a string when it is not JSON; status 0 when the request failed).
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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
        let answer = self
            .client
            .execute_async(
                script,
                vec![json!(method), json!(path), body.unwrap_or(Value::Null)],
            )
            .await
            .unwrap_or_else(|e| panic!("{method} {path} from the page: {e}"));
        let status = answer[0].as_u64().expect("status") as u16;
        let text = answer[1].as_str().unwrap_or_default();
        let body = serde_json::from_str(text).unwrap_or(Value::String(text.to_owned()));
        (status, body)
    }

    /// Clicks the JSON tree's value whose member name is `key` (the first one in document
    /// order), scrolled into view first.
    pub async fn click_tree_value(&self, key: &str) {
        let found = self
            .client
            .execute(
                r#"
                const [key] = arguments;
                const v = [...document.querySelectorAll('.json-tree button.jt-value')]
                    .find((v) => v.querySelector('.jt-key').textContent === key);
                if (!v) return false;
                v.scrollIntoView();
                v.click();
                return true;
                "#,
                vec![json!(key)],
            )
            .await
            .expect("click a tree value");
        assert_eq!(found, json!(true), "no value named {key:?} in the tree");
    }

    /// The ids of the log rows shown (`#logs tbody tr[data-log-id]`), top to bottom.
    pub async fn shown_log_ids(&self) -> Vec<i64> {
        let rows = self
            .client
            .find_all(Locator::Css("#logs tbody tr"))
            .await
            .expect("log rows");
        let mut ids = Vec::new();
        for row in rows {
            if let Ok(Some(id)) = row.attr("data-log-id").await {
                ids.push(id.parse().expect("a log id"));
            }
        }
        ids
    }
}
