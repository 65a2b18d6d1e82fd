//! Request headers as the log keeps them: secrets replaced by `[redacted]`.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde_json::{Map, Value};

pub const REDACTED: &str = "[redacted]";

/// Header names that contain a secret-looking word but carry no secret; the log shows them.
/// `Idempotency-Key` (with its `X-` variant) is what duplicate detection keys on, and
/// `webhook-id` / `webhook-timestamp` are the public half of a Standard Webhooks signature.
const NOT_SECRET: [&str; 4] = [
    "idempotency-key",
    "x-idempotency-key",
    "webhook-id",
    "webhook-timestamp",
];

/// Header names that are secrets without saying so.
const SECRET: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Words that mark a name as a secret wherever they appear in it. `hmac` catches signature
/// headers that are not called one, such as Shopify's `X-Shopify-Hmac-Sha256`; `pass` covers
/// password, passphrase and passwd.
const SECRET_WORDS: [&str; 13] = [
    "signature",
    "token",
    "secret",
    "pass",
    "pwd",
    "auth",
    "key",
    "hmac",
    "credential",
    "jwt",
    "bearer",
    "private",
    "session",
];

/// Short words that mark a name as a secret only as a whole part of it (between `-`, `_` or
/// `.`): `PayPal-Transmission-Sig`, `X-Sign`, `X-Hook-Digest`, but not `X-Design-Id`.
const SECRET_PARTS: [&str; 4] = ["sig", "sign", "signed", "digest"];

/// Whether a header carries a secret: Authorization, Cookie, and anything named like a
/// signature, token, key, password or secret (but not `Idempotency-Key`, which duplicates
/// detection shows).
///
/// The rule, case-insensitively:
/// 1. `idempotency-key`, `x-idempotency-key`, `webhook-id` and `webhook-timestamp` are not
///    secrets;
/// 2. `authorization`, `proxy-authorization`, `cookie` and `set-cookie` are;
/// 3. so is any name containing one of [`SECRET_WORDS`] (`x-hub-signature-256`,
///    `webhook-signature`, `x-api-key`, `api_key`, `x-auth-token`, `x-gitlab-token`,
///    `x-shopify-hmac-sha256`, `x-passphrase`, `x-session-id`, …), or with one of
///    [`SECRET_PARTS`] as a part (`paypal-transmission-sig`);
/// 4. nothing else is.
///
/// Matching by substring errs on the side of hiding: an odd header that merely contains one
/// of the words is redacted too, which costs a little debugging detail, never a secret.
pub fn is_secret(name: &str) -> bool {
    let is = |listed: &&str| name.eq_ignore_ascii_case(listed);
    if NOT_SECRET.iter().any(is) {
        return false;
    }
    // Compared in place: lowercasing a copy and a substring search per word cost more than
    // the rest of the headers' redaction.
    let contains = |word: &&str| {
        (name.as_bytes().windows(word.len())).any(|part| part.eq_ignore_ascii_case(word.as_bytes()))
    };
    let has_part = |part: &str| SECRET_PARTS.iter().any(|p| part.eq_ignore_ascii_case(p));
    SECRET.iter().any(is)
        || SECRET_WORDS.iter().any(contains)
        || name.split(['-', '_', '.']).any(has_part)
}

/// Headers as a JSON object (lowercase names; repeated headers as arrays), secrets redacted.
///
/// Names are in sorted order whether or not serde_json's `preserve_order` is enabled. A value
/// that is not UTF-8 is kept lossily (`�` for the bad bytes). A secret header is one
/// `"[redacted]"` string however often it was sent.
pub fn redacted_headers(headers: &HeaderMap) -> Value {
    let mut sorted = BTreeMap::new();
    for name in headers.keys() {
        // `HeaderName` is always lowercase already.
        let name = name.as_str();
        let value = if is_secret(name) {
            Value::String(REDACTED.to_owned())
        } else {
            let mut values: Vec<Value> = headers
                .get_all(name)
                .iter()
                .map(|value| Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()))
                .collect();
            if values.len() == 1 {
                values.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(values)
            }
        };
        sorted.insert(name, value);
    }
    Value::Object(
        sorted
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect::<Map<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use serde_json::json;

    const SECRET_VALUE: &str = "s3cr3t-VALUE-do-not-log";

    #[test]
    fn secret_names() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "set-cookie",
            "X-Hub-Signature",
            "x-hub-signature-256",
            "webhook-signature",
            "Stripe-Signature",
            "x-twilio-signature",
            "X-API-Key",
            "api_key",
            "apikey",
            "x-auth-token",
            "X-Gitlab-Token",
            "x-telegram-bot-api-secret-token",
            "x-hook-secret",
            "x-password",
            "X-Shopify-Hmac-Sha256",
            "x-csrf-token",
            "X-Passphrase",
            "x-passwd",
            "X-Pwd",
            "X-Credentials",
            "X-Jwt",
            "X-Bearer",
            "X-Private",
            "X-Session-Id",
            "PayPal-Transmission-Sig",
            "X-Sig",
            "X-Sign",
            "x_webhook_signed",
            "X-Hook-Digest",
        ] {
            assert!(is_secret(name), "{name} should be secret");
        }
    }

    #[test]
    fn ordinary_names() {
        for name in [
            "Idempotency-Key",
            "idempotency-key",
            "x-idempotency-key",
            "webhook-id",
            "Webhook-Timestamp",
            "content-type",
            "content-length",
            "user-agent",
            "x-request-id",
            "x-github-event",
            "host",
            "accept",
            "keep-alive",
            "x-design-id",
            "x-signal",
            "x-forwarded-for",
        ] {
            assert!(!is_secret(name), "{name} should not be secret");
        }
    }

    fn header_map(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn secrets_are_redacted_and_never_serialized() {
        let bearer = format!("Bearer {SECRET_VALUE}");
        let cookie = format!("session={SECRET_VALUE}");
        let signed = format!("sha256={SECRET_VALUE}");
        let headers = header_map(&[
            ("Authorization", bearer.as_bytes()),
            ("Cookie", cookie.as_bytes()),
            ("cookie", b"other=1"),
            ("X-Hub-Signature-256", signed.as_bytes()),
            ("webhook-signature", SECRET_VALUE.as_bytes()),
            ("X-API-Key", SECRET_VALUE.as_bytes()),
            ("x-auth-token", SECRET_VALUE.as_bytes()),
            ("X-Hook-Secret", SECRET_VALUE.as_bytes()),
            ("Idempotency-Key", b"order-123"),
            ("webhook-id", b"msg_1"),
            ("webhook-timestamp", b"1700000000"),
            ("Content-Type", b"application/json"),
        ]);
        let value = redacted_headers(&headers);
        assert_eq!(
            value,
            json!({
                "authorization": "[redacted]",
                "content-type": "application/json",
                "cookie": "[redacted]",
                "idempotency-key": "order-123",
                "webhook-id": "msg_1",
                "webhook-signature": "[redacted]",
                "webhook-timestamp": "1700000000",
                "x-api-key": "[redacted]",
                "x-auth-token": "[redacted]",
                "x-hook-secret": "[redacted]",
                "x-hub-signature-256": "[redacted]",
            })
        );
        let serialized = serde_json::to_string(&value).unwrap();
        assert!(!serialized.contains(SECRET_VALUE), "{serialized}");
        assert!(!serialized.contains("s3cr3t"), "{serialized}");
    }

    #[test]
    fn repeated_headers_are_arrays_in_order() {
        let headers = header_map(&[
            ("X-Forwarded-For", b"10.0.0.1"),
            ("accept", b"*/*"),
            ("x-forwarded-for", b"10.0.0.2"),
            ("X-Forwarded-For", b"10.0.0.3"),
        ]);
        assert_eq!(
            redacted_headers(&headers),
            json!({"accept": "*/*", "x-forwarded-for": ["10.0.0.1", "10.0.0.2", "10.0.0.3"]})
        );
    }

    #[test]
    fn names_are_sorted_in_the_serialized_object() {
        let headers = header_map(&[
            ("zeta", b"1"),
            ("Alpha", b"2"),
            ("mid", b"3"),
            ("Content-Type", b"x"),
        ]);
        assert_eq!(
            serde_json::to_string(&redacted_headers(&headers)).unwrap(),
            r#"{"alpha":"2","content-type":"x","mid":"3","zeta":"1"}"#
        );
    }

    #[test]
    fn non_utf8_values_are_kept_lossily() {
        let headers = header_map(&[("x-name", b"caf\xe9")]);
        assert_eq!(redacted_headers(&headers), json!({"x-name": "caf\u{fffd}"}));
    }

    #[test]
    fn no_headers_is_an_empty_object() {
        assert_eq!(redacted_headers(&HeaderMap::new()), json!({}));
    }
}
