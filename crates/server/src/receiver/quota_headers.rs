//! The rate-limit headers every answer from a known token carries: the platforms' documented
//! `rate-limit-remaining`, the `RateLimit-*` trio, and the IETF draft pair.

use crate::store::usage::Quota;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

// Names made once: a `&str` name is checked character by character on every insert.
const REMAINING_LEGACY: HeaderName = HeaderName::from_static("rate-limit-remaining");
const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

pub fn apply(mut response: Response, quota: &Quota) -> Response {
    let remaining = quota.remaining();
    let reset = quota.reset_secs.max(0);
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set(REMAINING_LEGACY, remaining.to_string());
    set(LIMIT, quota.limit.to_string());
    set(REMAINING, remaining.to_string());
    set(RESET, reset.to_string());
    set(POLICY, format!("\"daily\";q={};w=86400", quota.limit));
    set(RATELIMIT, format!("\"daily\";r={remaining};t={reset}"));
    response
}
