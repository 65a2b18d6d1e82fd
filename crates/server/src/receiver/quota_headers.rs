//! The rate-limit headers every answer from a known token carries: the platforms' documented
//! `rate-limit-remaining`, the `RateLimit-*` trio, and the IETF draft pair.

use crate::store::usage::Quota;
use axum::http::HeaderValue;
use axum::response::Response;

pub fn apply(mut response: Response, quota: &Quota) -> Response {
    let remaining = quota.remaining();
    let reset = quota.reset_secs.max(0);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("rate-limit-remaining", remaining.to_string());
    set("ratelimit-limit", quota.limit.to_string());
    set("ratelimit-remaining", remaining.to_string());
    set("ratelimit-reset", reset.to_string());
    set(
        "ratelimit-policy",
        format!("\"daily\";q={};w=86400", quota.limit),
    );
    set("ratelimit", format!("\"daily\";r={remaining};t={reset}"));
    response
}
