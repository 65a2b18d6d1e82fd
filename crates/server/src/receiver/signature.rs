//! Request signatures a webhook may require: Standard Webhooks (`whsec_…` secrets with
//! `webhook-id`, `webhook-timestamp`, `webhook-signature`) or a generic HMAC-SHA256 of the raw
//! body in a named header (hex or base64, optionally `sha256=`-prefixed, as GitHub sends it).
//!
//! Error texts never contain the secret, the expected signature or the received one: they are
//! sent back to the caller in the 401 and written to the request log.

use axum::http::{HeaderMap, HeaderName};
use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// How a webhook's requests must be signed. Stored as JSON on the webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum SignatureScheme {
    #[default]
    None,
    /// Standard Webhooks; `secret` is `whsec_` + base64 of the key.
    StandardWebhooks { secret: String },
    /// HMAC-SHA256 of the raw body in `header`, keyed with the UTF-8 bytes of `secret`.
    Hmac { header: String, secret: String },
}

/// Why a request's signature was refused; the Display text is the 401's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing {0} header")]
    Missing(String),
    #[error("malformed {header} header: {reason}")]
    Malformed { header: String, reason: String },
    #[error(
        "webhook-timestamp is {skew_secs} s away from the server's clock (at most 300 s allowed)"
    )]
    Stale { skew_secs: i64 },
    #[error("signature does not match")]
    Mismatch,
}

/// The Standard Webhooks headers.
const WEBHOOK_ID: &str = "webhook-id";
const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// How far `webhook-timestamp` may be from the server's clock, either way (the spec's 5 minutes).
const TOLERANCE_SECS: i64 = 300;

/// The optional prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// Key lengths the Standard Webhooks spec recommends, in bytes.
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;

/// Longest generic HMAC secret we store, in characters.
const MAX_HMAC_SECRET_CHARS: usize = 256;

/// Headers that cannot carry a signature: hop-by-hop, framing and other standard request
/// headers that proxies or clients set themselves.
const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "expect",
    "host",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
];

const STANDARD_SECRET_RULE: &str =
    "the signing secret must be whsec_ followed by base64 of 24 to 64 bytes";

/// Standard base64 alphabet, padding optional (senders and secret generators differ).
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// URL-safe base64 alphabet, padding optional.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl SignatureScheme {
    /// Checks the configuration (secret format, header name); the message names the problem.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            SignatureScheme::None => Ok(()),
            SignatureScheme::StandardWebhooks { secret } => standard_key(secret).map(|_| ()),
            SignatureScheme::Hmac { header, secret } => {
                validate_hmac_header(header)?;
                validate_hmac_secret(secret)
            }
        }
    }

    /// Verifies a request. `now_unix` is the server's clock in seconds.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        match self {
            SignatureScheme::None => Ok(()),
            SignatureScheme::StandardWebhooks { secret } => {
                verify_standard(secret, headers, body, now_unix)
            }
            SignatureScheme::Hmac { header, secret } => verify_hmac(header, secret, headers, body),
        }
    }
}

/// The `webhook-signature` value (`v1,<base64>`) for a Standard Webhooks message.
pub fn sign_standard(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, String> {
    let key = standard_key(secret)?;
    let mac = standard_mac(&key, id.as_bytes(), timestamp.to_string().as_bytes(), body);
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

// ---------------------------------------------------------------------------------------------
// Standard Webhooks
// ---------------------------------------------------------------------------------------------

/// Decodes a Standard Webhooks secret (`whsec_` optional, as the spec's libraries accept) into
/// its key bytes. The error never repeats the secret.
fn standard_key(secret: &str) -> Result<Vec<u8>, String> {
    let secret = secret.trim();
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD_LENIENT.decode(encoded).map_err(|_| {
        format!("{STANDARD_SECRET_RULE} (the part after whsec_ is not valid base64)")
    })?;
    if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
        return Err(format!(
            "{STANDARD_SECRET_RULE} (it decodes to {} bytes)",
            key.len()
        ));
    }
    Ok(key)
}

/// The HMAC over `{id}.{timestamp}.{body}`, ready to finalize or verify.
fn standard_mac(key: &[u8], id: &[u8], timestamp: &[u8], body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(id);
    mac.update(b".");
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    mac
}

fn verify_standard(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    now_unix: i64,
) -> Result<(), SignatureError> {
    let id = required_header(headers, WEBHOOK_ID)?;
    let timestamp = required_header(headers, WEBHOOK_TIMESTAMP)?;
    if headers.get(WEBHOOK_SIGNATURE).is_none() {
        return Err(SignatureError::Missing(WEBHOOK_SIGNATURE.to_owned()));
    }

    let ts = parse_timestamp(timestamp)?;
    let skew = i128::from(now_unix) - i128::from(ts);
    if skew.abs() > i128::from(TOLERANCE_SECS) {
        let skew_secs = i64::try_from(skew.abs()).unwrap_or(i64::MAX);
        return Err(SignatureError::Stale { skew_secs });
    }

    let key = match standard_key(secret) {
        Ok(key) => key,
        Err(_) => {
            // A stored secret that no longer validates: refuse without saying more to the caller.
            tracing::warn!(
                "the webhook's Standard Webhooks secret is invalid; refusing the request"
            );
            return Err(SignatureError::Mismatch);
        }
    };
    let expected = standard_mac(&key, id, timestamp, body)
        .finalize()
        .into_bytes();

    // Every `webhook-signature` value, each a space-delimited list of `version,signature`.
    let mut v1_entries = 0usize;
    let mut matched = subtle::Choice::from(0u8);
    for value in headers.get_all(WEBHOOK_SIGNATURE) {
        for entry in value.as_bytes().split(u8::is_ascii_whitespace) {
            let Some(comma) = entry.iter().position(|&b| b == b',') else {
                continue;
            };
            if &entry[..comma] != b"v1" {
                continue; // other versions (v1a, …) are not ours to check
            }
            v1_entries += 1;
            // Undecodable entries simply do not match; `ct_eq` is false for other lengths.
            if let Ok(given) = STANDARD_LENIENT.decode(&entry[comma + 1..]) {
                matched |= given.as_slice().ct_eq(expected.as_slice());
            }
        }
    }
    if v1_entries == 0 {
        return Err(SignatureError::Malformed {
            header: WEBHOOK_SIGNATURE.to_owned(),
            reason: "no v1,<base64> signature in it".to_owned(),
        });
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The raw bytes of a header that must be present and non-blank.
fn required_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a [u8], SignatureError> {
    let value = headers
        .get(name)
        .ok_or_else(|| SignatureError::Missing(name.to_owned()))?;
    let bytes = value.as_bytes().trim_ascii();
    if bytes.is_empty() {
        return Err(SignatureError::Missing(name.to_owned()));
    }
    Ok(bytes)
}

/// `webhook-timestamp`: integer seconds since the Unix epoch, digits only.
fn parse_timestamp(raw: &[u8]) -> Result<i64, SignatureError> {
    let malformed = |reason: &str| SignatureError::Malformed {
        header: WEBHOOK_TIMESTAMP.to_owned(),
        reason: reason.to_owned(),
    };
    if !raw.iter().all(u8::is_ascii_digit) {
        return Err(malformed("expected integer seconds since the Unix epoch"));
    }
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| malformed("the number is too large"))
}

// ---------------------------------------------------------------------------------------------
// Generic HMAC-SHA256
// ---------------------------------------------------------------------------------------------

fn validate_hmac_header(header: &str) -> Result<(), String> {
    if header.trim().is_empty() {
        return Err("the signature header name must not be empty".to_owned());
    }
    let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
        "the signature header name must be a valid HTTP header name \
         (letters, digits and - only, e.g. X-Hub-Signature-256)"
            .to_owned()
    })?;
    if RESERVED_HEADERS.contains(&name.as_str()) {
        return Err(format!(
            "{} cannot carry a signature; choose the header your sender signs into \
             (e.g. X-Hub-Signature-256)",
            name.as_str()
        ));
    }
    if [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE].contains(&name.as_str()) {
        return Err(format!(
            "{} belongs to Standard Webhooks; choose the Standard Webhooks scheme instead",
            name.as_str()
        ));
    }
    Ok(())
}

fn validate_hmac_secret(secret: &str) -> Result<(), String> {
    if secret.trim().is_empty() {
        return Err("the signing secret must not be empty".to_owned());
    }
    let chars = secret.chars().count();
    if chars > MAX_HMAC_SECRET_CHARS {
        return Err(format!(
            "the signing secret must be at most {MAX_HMAC_SECRET_CHARS} characters (it has {chars})"
        ));
    }
    Ok(())
}

fn verify_hmac(
    header: &str,
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header_name = header.trim();
    let mut values = headers.get_all(header_name).iter().peekable();
    if values.peek().is_none() {
        return Err(SignatureError::Missing(header_name.to_owned()));
    }
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    // A repeated header (a proxy may add its own) passes when any of its values is a valid
    // signature, as Standard Webhooks' several signatures do.
    let mut malformed = None;
    let mut mismatched = false;
    for value in values {
        match decode_hmac_value(value.as_bytes()) {
            // Constant time; a wrong length is a mismatch too.
            Ok(given) if mac.clone().verify_slice(&given).is_ok() => return Ok(()),
            Ok(_) => mismatched = true,
            Err(reason) => {
                malformed.get_or_insert(reason);
            }
        }
    }
    match malformed {
        Some(reason) if !mismatched => Err(SignatureError::Malformed {
            header: header_name.to_owned(),
            reason: reason.to_owned(),
        }),
        _ => Err(SignatureError::Mismatch),
    }
}

/// The signature bytes of a generic HMAC header: `[sha256=]` then hex (either case) or base64
/// (standard or URL-safe, padding optional).
fn decode_hmac_value(raw: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut value = raw.trim_ascii();
    if value.len() >= 7 && value[..7].eq_ignore_ascii_case(b"sha256=") {
        value = value[7..].trim_ascii();
    }
    if value.is_empty() {
        return Err("no signature in it");
    }
    // Hex when it can only be hex (an even run of hex digits); base64 otherwise.
    if value.iter().all(u8::is_ascii_hexdigit)
        && let Ok(bytes) = hex::decode(value)
    {
        return Ok(bytes);
    }
    STANDARD_LENIENT
        .decode(value)
        .or_else(|_| URL_SAFE_LENIENT.decode(value))
        .map_err(|_| "expected a hex or base64 HMAC-SHA256, optionally prefixed sha256=")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    // The Standard Webhooks spec's published example.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    // GitHub's documented example ("Validating webhook deliveries").
    const GH_SECRET: &str = "It's a Secret to Everybody";
    const GH_BODY: &[u8] = b"Hello, World!";
    const GH_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const GH_HEADER: &str = "X-Hub-Signature-256";

    fn standard() -> SignatureScheme {
        SignatureScheme::StandardWebhooks {
            secret: SPEC_SECRET.to_owned(),
        }
    }

    fn std_headers(id: &str, ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", HeaderValue::from_str(id).unwrap());
        h.insert("webhook-timestamp", HeaderValue::from_str(ts).unwrap());
        h.insert("webhook-signature", HeaderValue::from_str(sig).unwrap());
        h
    }

    fn spec_headers() -> HeaderMap {
        std_headers(SPEC_ID, &SPEC_TS.to_string(), SPEC_SIG)
    }

    fn github() -> SignatureScheme {
        SignatureScheme::Hmac {
            header: GH_HEADER.to_owned(),
            secret: GH_SECRET.to_owned(),
        }
    }

    fn gh_headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-hub-signature-256", HeaderValue::from_str(value).unwrap());
        h
    }

    // ---- Standard Webhooks ------------------------------------------------------------------

    #[test]
    fn spec_vector_signs_as_published() {
        assert_eq!(
            sign_standard(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY).unwrap(),
            SPEC_SIG
        );
    }

    #[test]
    fn spec_vector_verifies() {
        assert_eq!(
            standard().verify(&spec_headers(), SPEC_BODY, SPEC_TS),
            Ok(())
        );
        // Within tolerance, both ways.
        assert_eq!(
            standard().verify(&spec_headers(), SPEC_BODY, SPEC_TS + 300),
            Ok(())
        );
        assert_eq!(
            standard().verify(&spec_headers(), SPEC_BODY, SPEC_TS - 300),
            Ok(())
        );
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_bytes(b"Webhook-Id").unwrap(),
            HeaderValue::from_static(SPEC_ID),
        );
        h.insert(
            HeaderName::from_bytes(b"WEBHOOK-TIMESTAMP").unwrap(),
            HeaderValue::from_static("1614265330"),
        );
        h.insert(
            HeaderName::from_bytes(b"Webhook-Signature").unwrap(),
            HeaderValue::from_static(SPEC_SIG),
        );
        assert_eq!(standard().verify(&h, SPEC_BODY, SPEC_TS), Ok(()));
    }

    #[test]
    fn any_matching_v1_entry_is_enough() {
        let sig = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,{} {SPEC_SIG} v1,bm90LWJhc2U2NCE=!",
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let h = std_headers(SPEC_ID, "1614265330", &sig);
        assert_eq!(standard().verify(&h, SPEC_BODY, SPEC_TS), Ok(()));
    }

    #[test]
    fn signature_spread_over_several_header_values() {
        let mut h = std_headers(
            SPEC_ID,
            "1614265330",
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        );
        h.append("webhook-signature", HeaderValue::from_static(SPEC_SIG));
        assert_eq!(standard().verify(&h, SPEC_BODY, SPEC_TS), Ok(()));
    }

    #[test]
    fn other_versions_are_ignored() {
        // The right bytes under another version prefix do not count.
        let h = std_headers(
            SPEC_ID,
            "1614265330",
            "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        assert!(matches!(
            standard().verify(&h, SPEC_BODY, SPEC_TS),
            Err(SignatureError::Malformed { header, .. }) if header == "webhook-signature"
        ));
        let h = std_headers(
            SPEC_ID,
            "1614265330",
            "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        );
        assert_eq!(
            standard().verify(&h, SPEC_BODY, SPEC_TS),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn wrong_signature_is_a_mismatch() {
        for sig in [
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ", // truncated: 30 bytes
            "v1,not base64",
            "v1,",
        ] {
            let h = std_headers(SPEC_ID, "1614265330", sig);
            assert_eq!(
                standard().verify(&h, SPEC_BODY, SPEC_TS),
                Err(SignatureError::Mismatch),
                "{sig}"
            );
        }
    }

    #[test]
    fn padding_is_optional_in_the_signature() {
        let h = std_headers(
            SPEC_ID,
            "1614265330",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
        );
        // "…1OE" without "=" is the same 32 bytes.
        assert_eq!(standard().verify(&h, SPEC_BODY, SPEC_TS), Ok(()));
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        assert_eq!(
            standard().verify(&spec_headers(), br#"{"test": 2432232315}"#, SPEC_TS),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            standard().verify(&spec_headers(), b"", SPEC_TS),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn tampered_id_or_timestamp_is_a_mismatch() {
        let h = std_headers("msg_p5jXN8AQM9LWM0D4loKWxJel", "1614265330", SPEC_SIG);
        assert_eq!(
            standard().verify(&h, SPEC_BODY, SPEC_TS),
            Err(SignatureError::Mismatch)
        );
        let h = std_headers(SPEC_ID, "1614265331", SPEC_SIG);
        assert_eq!(
            standard().verify(&h, SPEC_BODY, SPEC_TS),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_in_both_directions() {
        // Server clock 301 s after the timestamp: too old.
        assert_eq!(
            standard().verify(&spec_headers(), SPEC_BODY, SPEC_TS + 301),
            Err(SignatureError::Stale { skew_secs: 301 })
        );
        // Server clock 1000 s before the timestamp: from the future.
        assert_eq!(
            standard().verify(&spec_headers(), SPEC_BODY, SPEC_TS - 1000),
            Err(SignatureError::Stale { skew_secs: 1000 })
        );
        let text = SignatureError::Stale { skew_secs: 1000 }.to_string();
        assert!(text.contains("1000 s"), "{text}");
    }

    #[test]
    fn huge_timestamps_do_not_overflow() {
        let h = std_headers(SPEC_ID, &i64::MAX.to_string(), SPEC_SIG);
        assert_eq!(
            standard().verify(&h, SPEC_BODY, i64::MIN),
            Err(SignatureError::Stale {
                skew_secs: i64::MAX
            })
        );
    }

    #[test]
    fn malformed_timestamp() {
        for ts in [
            "1614265330.5",
            "-1614265330",
            "+1614265330",
            "abc",
            "1.6e9",
            "99999999999999999999",
        ] {
            let h = std_headers(SPEC_ID, ts, SPEC_SIG);
            assert!(
                matches!(
                    standard().verify(&h, SPEC_BODY, SPEC_TS),
                    Err(SignatureError::Malformed { header, .. }) if header == "webhook-timestamp"
                ),
                "{ts}"
            );
        }
    }

    #[test]
    fn missing_each_header() {
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut h = spec_headers();
            h.remove(name);
            assert_eq!(
                standard().verify(&h, SPEC_BODY, SPEC_TS),
                Err(SignatureError::Missing(name.to_owned()))
            );
            assert_eq!(
                SignatureError::Missing(name.to_owned()).to_string(),
                format!("missing {name} header")
            );
        }
        assert_eq!(
            standard().verify(&HeaderMap::new(), SPEC_BODY, SPEC_TS),
            Err(SignatureError::Missing("webhook-id".to_owned()))
        );
    }

    #[test]
    fn secret_without_prefix() {
        let bare = SPEC_SECRET.strip_prefix("whsec_").unwrap();
        let scheme = SignatureScheme::StandardWebhooks {
            secret: bare.to_owned(),
        };
        assert_eq!(scheme.validate(), Ok(()));
        assert_eq!(scheme.verify(&spec_headers(), SPEC_BODY, SPEC_TS), Ok(()));
        assert_eq!(
            sign_standard(bare, SPEC_ID, SPEC_TS, SPEC_BODY).unwrap(),
            SPEC_SIG
        );
    }

    #[test]
    fn validate_standard_secret() {
        assert_eq!(standard().validate(), Ok(()));
        let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        let ok = |secret: String| SignatureScheme::StandardWebhooks { secret }.validate();
        assert_eq!(ok(format!("whsec_{}", b64(24))), Ok(()));
        assert_eq!(ok(format!("whsec_{}", b64(64))), Ok(()));
        for bad in [
            "whsec_not*base64!".to_owned(),
            "whsec_".to_owned(),
            String::new(),
            format!("whsec_{}", b64(23)),
            format!("whsec_{}", b64(65)),
            "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw".to_owned(),
        ] {
            let err = ok(bad.clone()).unwrap_err();
            assert!(err.contains(STANDARD_SECRET_RULE), "{bad:?}: {err}");
            if bad.len() > 6 {
                assert!(!err.contains(&bad[6..]), "{err}");
            }
        }
    }

    #[test]
    fn sign_standard_refuses_invalid_secrets() {
        assert!(sign_standard("whsec_%%%", SPEC_ID, SPEC_TS, SPEC_BODY).is_err());
        assert!(sign_standard("whsec_c2hvcnQ=", SPEC_ID, SPEC_TS, SPEC_BODY).is_err());
    }

    #[test]
    fn sign_then_verify_round_trip() {
        let secret = format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode((0u8..48).collect::<Vec<_>>())
        );
        let scheme = SignatureScheme::StandardWebhooks {
            secret: secret.clone(),
        };
        let body = "{\"name\":\"Zoë 🚀\",\"n\":1}\n".as_bytes();
        let now = 1_700_000_000;
        let sig = sign_standard(&secret, "msg_1", now, body).unwrap();
        assert!(sig.starts_with("v1,"));
        let h = std_headers("msg_1", &now.to_string(), &sig);
        assert_eq!(scheme.verify(&h, body, now + 10), Ok(()));
        assert_eq!(scheme.verify(&h, b"{}", now), Err(SignatureError::Mismatch));
        // Another key does not verify it.
        assert_eq!(
            standard().verify(&h, body, now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn invalid_stored_secret_refuses_without_panicking() {
        let scheme = SignatureScheme::StandardWebhooks {
            secret: "whsec_%%%".to_owned(),
        };
        assert_eq!(
            scheme.verify(&spec_headers(), SPEC_BODY, SPEC_TS),
            Err(SignatureError::Mismatch)
        );
    }

    // ---- Generic HMAC -----------------------------------------------------------------------

    #[test]
    fn github_vector_verifies() {
        assert_eq!(github().verify(&gh_headers(GH_SIG), GH_BODY, 0), Ok(()));
    }

    #[test]
    fn github_vector_in_other_encodings() {
        let hex_lower = GH_SIG.strip_prefix("sha256=").unwrap();
        let hex_upper = hex_lower.to_ascii_uppercase();
        let std_b64 = "dXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhc=";
        let url_b64 = "dXEH6g6yUJ_CESIczphLijdXC211hsIsRvQ3nIsEPhc";
        for value in [
            hex_lower.to_owned(),
            hex_upper.clone(),
            format!("SHA256={hex_upper}"),
            format!("Sha256={hex_lower}"),
            std_b64.to_owned(),
            std_b64.trim_end_matches('=').to_owned(),
            url_b64.to_owned(),
            format!("{url_b64}="),
            format!("sha256={std_b64}"),
        ] {
            assert_eq!(
                github().verify(&gh_headers(&value), GH_BODY, 0),
                Ok(()),
                "{value}"
            );
        }
    }

    #[test]
    fn hmac_wrong_or_tampered_is_a_mismatch() {
        assert_eq!(
            github().verify(&gh_headers(GH_SIG), b"Hello, World?", 0),
            Err(SignatureError::Mismatch)
        );
        let other = SignatureScheme::Hmac {
            header: GH_HEADER.to_owned(),
            secret: "another".to_owned(),
        };
        assert_eq!(
            other.verify(&gh_headers(GH_SIG), GH_BODY, 0),
            Err(SignatureError::Mismatch)
        );
        // Decodable but the wrong length (a SHA-1 sized hex value, a short base64 value).
        for value in [
            "sha256=0123456789abcdef0123456789abcdef01234567",
            "aGVsbG8=",
        ] {
            assert_eq!(
                github().verify(&gh_headers(value), GH_BODY, 0),
                Err(SignatureError::Mismatch)
            );
        }
    }

    #[test]
    fn hmac_repeated_header_passes_when_any_value_verifies() {
        let repeated = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for value in values {
                h.append(GH_HEADER, HeaderValue::from_str(value).unwrap());
            }
            github().verify(&h, GH_BODY, 0)
        };
        assert_eq!(repeated(&["sha256=00", GH_SIG]), Ok(()));
        assert_eq!(repeated(&["not a signature!", GH_SIG]), Ok(()));
        assert_eq!(
            repeated(&["not a signature!", "sha256=00"]),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            repeated(&["not a signature!", "sha256="]),
            Err(SignatureError::Malformed { .. })
        ));
    }

    #[test]
    fn hmac_missing_and_malformed() {
        assert_eq!(
            github().verify(&HeaderMap::new(), GH_BODY, 0),
            Err(SignatureError::Missing(GH_HEADER.to_owned()))
        );
        for value in ["sha256=", "", "not a signature!", "sha256=zz??"] {
            assert!(
                matches!(
                    github().verify(&gh_headers(value), GH_BODY, 0),
                    Err(SignatureError::Malformed { header, .. }) if header == GH_HEADER
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn validate_hmac_config() {
        assert_eq!(github().validate(), Ok(()));
        let check = |header: &str, secret: &str| {
            SignatureScheme::Hmac {
                header: header.to_owned(),
                secret: secret.to_owned(),
            }
            .validate()
        };
        assert_eq!(check("x-signature", "s"), Ok(()));
        assert_eq!(check("X-Hub-Signature-256", &"é".repeat(256)), Ok(()));
        for header in [
            "",
            "bad header",
            "x:sig",
            "Content-Type",
            "content-length",
            "Transfer-Encoding",
            "Host",
            "webhook-signature",
        ] {
            assert!(check(header, GH_SECRET).is_err(), "{header:?}");
        }
        assert!(check(GH_HEADER, "").is_err());
        assert!(check(GH_HEADER, "   ").is_err());
        assert!(check(GH_HEADER, &"a".repeat(257)).is_err());
    }

    #[test]
    fn none_accepts_everything() {
        assert_eq!(SignatureScheme::None.validate(), Ok(()));
        assert_eq!(
            SignatureScheme::None.verify(&HeaderMap::new(), b"anything", 0),
            Ok(())
        );
    }

    #[test]
    fn serde_shape() {
        let json = serde_json::to_value(github()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"scheme": "hmac", "header": GH_HEADER, "secret": GH_SECRET})
        );
        let back: SignatureScheme = serde_json::from_value(json).unwrap();
        assert_eq!(back, github());
        let none: SignatureScheme =
            serde_json::from_value(serde_json::json!({"scheme": "none"})).unwrap();
        assert_eq!(none, SignatureScheme::None);
        assert_eq!(
            serde_json::to_value(standard()).unwrap()["scheme"],
            serde_json::json!("standard_webhooks")
        );
    }

    // ---- Secrets never leak ----------------------------------------------------------------

    #[test]
    fn error_texts_never_contain_secrets_or_signatures() {
        let spec_key = SPEC_SECRET.strip_prefix("whsec_").unwrap();
        let mut texts = Vec::new();

        // Standard Webhooks: every failure path.
        let mut missing = spec_headers();
        missing.remove("webhook-signature");
        for (h, now) in [
            (
                std_headers(
                    SPEC_ID,
                    "1614265330",
                    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                ),
                SPEC_TS,
            ),
            (std_headers(SPEC_ID, "1614265330", "v1a,xyz"), SPEC_TS),
            (std_headers(SPEC_ID, "nope", SPEC_SIG), SPEC_TS),
            (spec_headers(), SPEC_TS + 10_000),
            (missing, SPEC_TS),
        ] {
            texts.push(
                standard()
                    .verify(&h, b"tampered", now)
                    .unwrap_err()
                    .to_string(),
            );
        }
        for secret in [
            "whsec_%%%MfKQ9r8GKYqrTwjU",
            "whsec_c2hvcnQ=",
            "MfKQ9r8GKYqrTwjU",
        ] {
            texts.push(
                SignatureScheme::StandardWebhooks {
                    secret: secret.to_owned(),
                }
                .validate()
                .unwrap_err(),
            );
            texts.push(sign_standard(secret, SPEC_ID, SPEC_TS, SPEC_BODY).unwrap_err());
        }

        // Generic HMAC: every failure path.
        for value in [
            "sha256=0000000000000000000000000000000000000000000000000000000000000000",
            "not a signature!",
        ] {
            texts.push(
                github()
                    .verify(&gh_headers(value), GH_BODY, 0)
                    .unwrap_err()
                    .to_string(),
            );
        }
        texts.push(
            github()
                .verify(&HeaderMap::new(), GH_BODY, 0)
                .unwrap_err()
                .to_string(),
        );
        let long = format!("{GH_SECRET}{}", "x".repeat(300));
        texts.push(
            SignatureScheme::Hmac {
                header: GH_HEADER.to_owned(),
                secret: long,
            }
            .validate()
            .unwrap_err(),
        );
        texts.push(
            SignatureScheme::Hmac {
                header: "content-type".to_owned(),
                secret: GH_SECRET.to_owned(),
            }
            .validate()
            .unwrap_err(),
        );

        let expected_std = SPEC_SIG.strip_prefix("v1,").unwrap();
        let expected_hmac = GH_SIG.strip_prefix("sha256=").unwrap();
        for text in &texts {
            for needle in [
                spec_key,
                "MfKQ9r8GKYqrTwjU",
                "c2hvcnQ",
                GH_SECRET,
                "Secret",
                expected_std,
                "g0hM9SsE",
                expected_hmac,
                "757107ea",
                "dXEH6g6y",
            ] {
                assert!(!text.contains(needle), "{text:?} contains {needle:?}");
            }
        }
        assert_eq!(texts.len(), 16);
    }
}
