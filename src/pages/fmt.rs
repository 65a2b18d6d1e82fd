//! How times, durations, outcomes and addresses read on the screens.

use crate::api::ApiError;
use wasm_bindgen::JsValue;

/// Unix milliseconds as `2026-11-21 09:15:02 UTC`.
pub fn time(ms: i64) -> String {
    let iso = String::from(js_sys::Date::new(&JsValue::from_f64(ms as f64)).to_iso_string());
    match iso.get(..19) {
        Some(s) => format!("{} UTC", s.replacen('T', " ", 1)),
        None => iso,
    }
}

/// Microseconds as milliseconds with one decimal.
pub fn duration(us: i64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

/// `invalid_body` → `invalid body`.
pub fn outcome(name: &str) -> String {
    name.replace('_', " ")
}

/// Every message of an API error: the field messages when it has them, else its detail.
pub fn reasons(e: &ApiError) -> String {
    match e {
        ApiError::Status { fields, .. } if !fields.is_empty() => fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// A route parameter as an id (0 when it is not a number, which the API answers 404 to).
pub fn id(value: Option<String>) -> i64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// What a viewer sees instead of a webhook's address, which the API keeps from them.
pub const HIDDEN_ADDRESS: &str = "Hidden: only the workspace's owners and editors see the address";

/// A webhook's full address, from the API's path; `None` when the API hid it.
pub fn address(origin: &str, path: Option<&str>) -> Option<String> {
    path.map(|p| format!("{origin}{p}"))
}
