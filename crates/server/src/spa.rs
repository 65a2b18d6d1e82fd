//! Serving the built admin app: files from `dist/`, and `index.html` for every other path so
//! that the app's own router handles deep links.
//!
//! The page carries a content security policy that allows only our own files, the module
//! script Trunk writes into `index.html` (by its hash), and WebAssembly; and it may not be
//! framed by another site, so no page can overlay the app's buttons (deleting a webhook,
//! rotating its token) to have a signed-in builder click them.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(dist: &Path) -> Router {
    let index = dist.join("index.html");
    let policy = Arc::new(PagePolicy {
        index: index.clone(),
        cached: Mutex::default(),
    });
    Router::new()
        .fallback_service(ServeDir::new(dist).fallback(ServeFile::new(index)))
        .layer(axum::middleware::map_response_with_state(
            policy,
            page_headers,
        ))
}

async fn page_headers(State(policy): State<Arc<PagePolicy>>, mut response: Response) -> Response {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html {
        let headers = response.headers_mut();
        if let Some(csp) = policy.current().await {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // The page shows webhook addresses, whose tokens are secrets: no Referer names them.
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        // The page names the build's files; a new build must be seen at the next load.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// The policy for the `index.html` on disk, worked out again when the file changes (a new
/// build of the app while the server runs).
struct PagePolicy {
    index: PathBuf,
    cached: Mutex<Option<(FileStamp, HeaderValue)>>,
}

type FileStamp = (Option<SystemTime>, u64);

impl PagePolicy {
    async fn current(&self) -> Option<HeaderValue> {
        let meta = tokio::fs::metadata(&self.index).await.ok()?;
        let stamp = (meta.modified().ok(), meta.len());
        if let Some((at, value)) = &*self.lock()
            && *at == stamp
        {
            return Some(value.clone());
        }
        let page = tokio::fs::read_to_string(&self.index).await.ok()?;
        let value = HeaderValue::from_str(&content_security_policy(&page)).ok()?;
        *self.lock() = Some((stamp, value.clone()));
        Some(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(FileStamp, HeaderValue)>> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The policy for `page`: its inline scripts are allowed by their SHA-256, nothing else inline.
pub fn content_security_policy(page: &str) -> String {
    let hashes: String = inline_scripts(page)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of each `<script>` element without a `src`, as the browser hashes it.
fn inline_scripts(page: &str) -> impl Iterator<Item = &str> {
    let mut rest = page;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find("<script")?;
            let after_open = &rest[open..];
            let tag_end = after_open.find('>')?;
            let tag = &after_open[..tag_end];
            let body_and_rest = &after_open[tag_end + 1..];
            let close = body_and_rest.find("</script")?;
            rest = &body_and_rest[close..];
            if !tag.contains(" src=") {
                return Some(&body_and_rest[..close]);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_others_not_at_all() {
        let page = "<html><head><script src=\"/a.js\"></script>\
                    <script type=\"module\">import init from '/b.js';\nawait init();</script>\
                    </head><body></body></html>";
        let policy = content_security_policy(page);
        let want = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/b.js';\nawait init();"));
        assert!(policy.contains(&format!("'sha256-{want}'")), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn a_page_without_scripts_allows_none_inline() {
        let policy = content_security_policy("<html><body>no scripts</body></html>");
        assert!(!policy.contains("'sha256-"), "{policy}");
        assert!(!content_security_policy("<script>unclosed").contains("'sha256-"));
    }
}
