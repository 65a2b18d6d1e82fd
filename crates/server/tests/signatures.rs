//! Signed webhooks on the wire: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`) and a generic HMAC-SHA256 in a named header. The spec's published
//! example vector is unit-tested in `receiver/signature.rs`; here a real sender signs with
//! the current time.

mod support;
use support::*;

use base64::Engine as _;
use botwire_server::receiver::signature::{SignatureScheme, sign_standard};
use botwire_server::store::webhooks;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const DOC: &str = r#"{"phone": "+14155550132", "name": "Ana"}"#;
/// `whsec_` + base64 of 32 bytes.
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbCdEfGhIjk=";
const OTHER_SECRET: &str = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn now_secs() -> i64 {
    botwire_server::store::now_ms() / 1000
}

async fn standard_webhook(env: &Env) -> webhooks::Webhook {
    let scheme = SignatureScheme::StandardWebhooks {
        secret: STANDARD_SECRET.into(),
    };
    scheme.validate().unwrap();
    env.webhook(
        "Signed",
        webhooks::Config {
            signature: scheme,
            ..phone_config()
        },
        true,
    )
    .await
}

async fn post_standard(
    env: &Env,
    hook: &webhooks::Webhook,
    id: &str,
    timestamp: Option<i64>,
    signature: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let timestamp = timestamp.map(|t| t.to_string());
    let mut headers = vec![("webhook-id", id)];
    if let Some(t) = &timestamp {
        headers.push(("webhook-timestamp", t.as_str()));
    }
    if let Some(s) = signature {
        headers.push(("webhook-signature", s));
    }
    env.post_with(hook, Some("application/json"), &headers, body.to_owned())
        .await
}

/// Asserts a 401 whose detail is `reason`, logged as unauthorized without the body.
async fn assert_unauthorized(env: &Env, response: reqwest::Response, reason: &str) {
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_rate_limit_headers(response.headers(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 401);
    assert_eq!(body["title"], "Unauthorized");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(reason), "{reason:?} not in {detail:?}");
    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "unauthorized");
    assert_eq!(log.status, 401);
    assert_eq!(log.detail, detail);
    assert_eq!(log.body, None, "an unauthenticated body is not kept");
    assert_eq!(log.parsed, None);
    assert_eq!(log.user_id, None);
}

async fn standard_webhooks_signatures(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = standard_webhook(&env).await;

    // Valid, signed now.
    let ts = now_secs();
    let signature = sign_standard(STANDARD_SECRET, "msg_1", ts, DOC.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_1", Some(ts), Some(&signature), DOC).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let log = env.log(body["log_id"].as_i64().unwrap()).await;
    assert_eq!(log.outcome, "created");
    assert_eq!(log.body.as_deref(), Some(DOC));
    let headers = log.headers_json();
    assert_eq!(headers["webhook-signature"], "[redacted]");
    assert_eq!(headers["webhook-id"], "msg_1");
    assert_eq!(headers["webhook-timestamp"], ts.to_string());
    assert!(!log.all_text().contains(&signature[3..]));

    // Signed with another secret.
    let wrong = sign_standard(OTHER_SECRET, "msg_2", ts, DOC.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&wrong), DOC).await;
    assert_unauthorized(&env, response, "signature does not match").await;

    // Valid signature of another body.
    let response = post_standard(
        &env,
        &hook,
        "msg_1b",
        Some(ts),
        Some(&sign_standard(STANDARD_SECRET, "msg_1b", ts, b"{}").unwrap()),
        DOC,
    )
    .await;
    assert_unauthorized(&env, response, "signature does not match").await;

    // Six minutes old, and six minutes ahead: stale, even if correctly signed.
    for skew in [-360, 360] {
        let id = format!("msg_skew_{skew}");
        let old = ts + skew;
        let signed = sign_standard(STANDARD_SECRET, &id, old, DOC.as_bytes()).unwrap();
        let response = post_standard(&env, &hook, &id, Some(old), Some(&signed), DOC).await;
        assert_unauthorized(&env, response, "s away from the server's clock").await;
    }
    // Four minutes is within tolerance.
    let recent = ts - 240;
    let signed = sign_standard(STANDARD_SECRET, "msg_recent", recent, DOC.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_recent", Some(recent), Some(&signed), DOC).await;
    assert_eq!(response.status(), 200);

    // Missing headers.
    let response = post_standard(&env, &hook, "msg_3", Some(ts), None, DOC).await;
    assert_unauthorized(&env, response, "missing webhook-signature header").await;
    let signed = sign_standard(STANDARD_SECRET, "msg_4", ts, DOC.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_4", None, Some(&signed), DOC).await;
    assert_unauthorized(&env, response, "missing webhook-timestamp header").await;
    let response = env
        .post_with(
            &hook,
            Some("application/json"),
            &[
                ("webhook-timestamp", ts.to_string().as_str()),
                ("webhook-signature", signed.as_str()),
            ],
            DOC,
        )
        .await;
    assert_unauthorized(&env, response, "missing webhook-id header").await;

    // Several signatures (a key rotation): one valid is enough.
    let good = sign_standard(STANDARD_SECRET, "msg_5", ts, DOC.as_bytes()).unwrap();
    let bad = sign_standard(OTHER_SECRET, "msg_5", ts, DOC.as_bytes()).unwrap();
    let several = format!("{bad} v1a,c29tZXRoaW5n {good}");
    let response = post_standard(&env, &hook, "msg_5", Some(ts), Some(&several), DOC).await;
    assert_eq!(response.status(), 200);
    let several_bad = format!("{bad} v1,bm90IGl0");
    let response = post_standard(&env, &hook, "msg_6", Some(ts), Some(&several_bad), DOC).await;
    assert_unauthorized(&env, response, "signature does not match").await;

    // A 401 is not remembered: the sender's corrected retry with the same webhook-id goes
    // through, and only then is the id a duplicate.
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&wrong), DOC).await;
    assert_unauthorized(&env, response, "signature does not match").await;
    let fixed = sign_standard(STANDARD_SECRET, "msg_2", ts, DOC.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&fixed), DOC).await;
    assert_eq!(response.status(), 200);
    let first = response.text().await.unwrap();
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&fixed), DOC).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), first);
    assert_eq!(env.last_log().await.unwrap().outcome, "duplicate");
    // A redelivery with a bad signature is still refused, not answered from memory.
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&wrong), DOC).await;
    assert_unauthorized(&env, response, "signature does not match").await;

    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
}

fn hmac_sha256(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

async fn generic_hmac_signatures(kind: DbKind) {
    const SECRET: &str = "It's a Secret to Everybody";
    let env = Env::new(kind).await;
    let config = |header: &str| webhooks::Config {
        signature: SignatureScheme::Hmac {
            header: header.into(),
            secret: SECRET.into(),
        },
        ..phone_config()
    };
    let github = env
        .webhook("GitHub style", config("X-Hub-Signature-256"), true)
        .await;
    // A header whose name says nothing about secrets: redacted because it is configured.
    let custom = env.webhook("Custom", config("X-Shop-Check"), true).await;

    let mac = hmac_sha256(SECRET, DOC.as_bytes());
    let hex_sig = format!("sha256={}", hex::encode(&mac));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&mac);
    let values = [
        hex_sig.clone(),
        hex::encode(&mac),
        hex::encode_upper(&mac),
        b64.clone(),
        format!("sha256={b64}"),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac),
    ];
    for value in &values {
        let response = env
            .post_with(
                &github,
                Some("application/json"),
                &[("X-Hub-Signature-256", value)],
                DOC,
            )
            .await;
        assert_eq!(response.status(), 200, "{value}");
        let body: Value = response.json().await.unwrap();
        let log = env.log(body["log_id"].as_i64().unwrap()).await;
        assert_eq!(log.headers_json()["x-hub-signature-256"], "[redacted]");
        assert!(
            !log.all_text().contains(value.as_str()),
            "{value} was logged"
        );
    }

    // Wrong: another secret, another body, a malformed value, none at all.
    let other = format!(
        "sha256={}",
        hex::encode(hmac_sha256("guess", DOC.as_bytes()))
    );
    let response = env
        .post_with(
            &github,
            Some("application/json"),
            &[("X-Hub-Signature-256", other.as_str())],
            DOC,
        )
        .await;
    assert_unauthorized(&env, response, "signature does not match").await;
    let response = env
        .post_with(
            &github,
            Some("application/json"),
            &[("X-Hub-Signature-256", hex_sig.as_str())],
            r#"{"phone": "+14155550199"}"#,
        )
        .await;
    assert_unauthorized(&env, response, "signature does not match").await;
    let response = env
        .post_with(
            &github,
            Some("application/json"),
            &[("X-Hub-Signature-256", "sha256=not hex!")],
            DOC,
        )
        .await;
    assert_unauthorized(&env, response, "malformed X-Hub-Signature-256 header").await;
    let response = env
        .post_with(&github, Some("application/json"), &[], DOC)
        .await;
    assert_unauthorized(&env, response, "missing X-Hub-Signature-256 header").await;

    // The configured header is redacted in the log, valid or not.
    for value in [hex_sig.as_str(), "sha256=00ff"] {
        let response = env
            .post_with(
                &custom,
                Some("application/json"),
                &[("X-Shop-Check", value)],
                DOC,
            )
            .await;
        let status = response.status();
        assert!(status == 200 || status == 401, "{status}");
        let body: Value = response.json().await.unwrap();
        let log = env.log(body["log_id"].as_i64().unwrap()).await;
        assert_eq!(log.headers_json()["x-shop-check"], "[redacted]", "{value}");
        assert!(!log.all_text().contains(value), "{value} was logged");
    }
    assert_eq!(env.count("SELECT COUNT(*) FROM bot_users").await, 1);
}

/// On an inactive webhook the signature is checked too: an unsigned body is neither kept nor
/// captured as the sample; a signed one gets the inactive answer and is captured.
async fn inactive_signed_webhook_checks_the_signature_first(kind: DbKind) {
    let env = Env::new(kind).await;
    let hook = env
        .webhook(
            "Signed",
            webhooks::Config {
                signature: SignatureScheme::StandardWebhooks {
                    secret: STANDARD_SECRET.into(),
                },
                ..phone_config()
            },
            false,
        )
        .await;
    webhooks::set_listening(env.db.pool(), hook.id, true)
        .await
        .unwrap();

    let ts = now_secs();
    let forged = sign_standard(OTHER_SECRET, "msg_1", ts, b"{}").unwrap();
    let response = post_standard(&env, &hook, "msg_1", Some(ts), Some(&forged), "{}").await;
    assert_unauthorized(&env, response, "signature does not match").await;
    let state = webhooks::get(env.db.pool(), hook.id).await.unwrap();
    assert!(state.listening, "still armed");
    assert_eq!(state.sample, None);

    let body = samples::BOOKING;
    let signed = sign_standard(STANDARD_SECRET, "msg_2", ts, body.as_bytes()).unwrap();
    let response = post_standard(&env, &hook, "msg_2", Some(ts), Some(&signed), body).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"webhook inactive"}"#
    );
    let state = webhooks::get(env.db.pool(), hook.id).await.unwrap();
    assert!(!state.listening);
    let sample: Value = serde_json::from_str(&state.sample.unwrap()).unwrap();
    assert_eq!(sample, serde_json::from_str::<Value>(body).unwrap());
    let log = env.last_log().await.unwrap();
    assert_eq!(log.outcome, "inactive");
    assert_eq!(log.body.as_deref(), Some(body));
}

on_both_databases!(
    standard_webhooks_signatures,
    generic_hmac_signatures,
    inactive_signed_webhook_checks_the_signature_first,
);
