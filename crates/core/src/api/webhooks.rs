//! Inbound webhooks: the list rows and one webhook in full.

use crate::identify::IdentityPaths;
use crate::mapping::Mapping;
use serde::{Deserialize, Deserializer, Serialize};

/// `POST /bots/{id}/webhooks`: a new webhook, inactive, with a fresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    pub name: String,
}

/// The last request that reached a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastRequest {
    /// Unix milliseconds.
    pub received_at: i64,
    /// `matched`, `created`, `rejected`, `inactive`, `invalid_body`, `unsupported_type`,
    /// `unauthorized` or `duplicate`.
    pub outcome: String,
    /// The HTTP status it was answered with.
    pub status: i64,
}

/// A webhook as a bot's list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSummary {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub listening: bool,
    /// The receiver's path, `/hooks/{token}`; prefix it with the server's origin. `null` for
    /// a viewer: the address is the secret that lets anyone post to the webhook.
    pub url: Option<String>,
    /// Requests to this webhook accepted in the rolling 24 hours the daily limit counts.
    pub requests_today: i64,
    /// The bot's limit of accepted requests in 24 hours, shared by all its webhooks.
    pub daily_limit: u32,
    pub last_request: Option<LastRequest>,
}

/// A webhook's identity paths (JSONPath, RFC 9535); unset ones are `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Identity {
    #[serde(default)]
    pub user_ns: Option<String>,
    #[serde(default)]
    pub crm_contact_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl From<IdentityPaths> for Identity {
    fn from(p: IdentityPaths) -> Identity {
        Identity {
            user_ns: p.user_ns,
            crm_contact_id: p.crm_contact_id,
            phone: p.phone,
            email: p.email,
        }
    }
}

/// Blank paths are unset.
impl From<Identity> for IdentityPaths {
    fn from(i: Identity) -> IdentityPaths {
        let set = |p: Option<String>| p.filter(|p| !p.trim().is_empty());
        IdentityPaths {
            user_ns: set(i.user_ns),
            crm_contact_id: set(i.crm_contact_id),
            phone: set(i.phone),
            email: set(i.email),
        }
    }
}

/// A mapping: the value at `path` goes into `field` (`first_name`, `last_name` or a custom
/// field of the bot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MappingRule {
    pub path: String,
    pub field: String,
}

impl From<MappingRule> for Mapping {
    fn from(m: MappingRule) -> Mapping {
        Mapping {
            path: m.path,
            field: m.field,
        }
    }
}

impl From<Mapping> for MappingRule {
    fn from(m: Mapping) -> MappingRule {
        MappingRule {
            path: m.path,
            field: m.field,
        }
    }
}

/// How requests must be signed. The secret is never shown: only whether one is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureView {
    /// `none`, `standard_webhooks` or `hmac`.
    pub scheme: String,
    /// The header carrying an `hmac` signature.
    pub header: Option<String>,
    pub secret_set: bool,
}

/// Everything about a webhook but its signing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDetail {
    pub id: i64,
    pub bot_id: i64,
    pub name: String,
    /// The secret in the webhook's URL; `null` for a viewer, who may not post to it.
    pub token: Option<String>,
    /// The receiver's path, `/hooks/{token}`; prefix it with the server's origin. `null` for
    /// a viewer, as the token.
    pub url: Option<String>,
    pub active: bool,
    /// Armed: the next request's JSON becomes the sample.
    pub listening: bool,
    /// The sample payload, as JSON text.
    pub sample: Option<String>,
    pub identity: Identity,
    pub mappings: Vec<MappingRule>,
    /// The message sent to the user, with `{{field}}` placeholders.
    pub action_template: Option<String>,
    pub signature: SignatureView,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// The configuration's edit revision: every saved edit (`PATCH`) moves it, and nothing
    /// else does (switching on or off, listen mode, a captured sample, a rotation). Send it
    /// back as `base_revision` so a save over someone else's newer one is refused.
    pub revision: i64,
    /// While the token replaced by the last rotation still works: until when (Unix
    /// milliseconds). `null` when no old token works any more.
    pub previous_token_expires_at: Option<i64>,
}

/// `PATCH /webhooks/{id}`: the members to change; absent ones stay as they are. `sample` and
/// `action_template` are cleared with `null`. `identity` and `mappings` replace the whole set.
/// No `Debug`: it may hold a signing secret.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// JSON text.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub sample: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mappings: Option<Vec<MappingRule>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub action_template: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureInput>,
    /// The `revision` the edit started from. When the webhook has been saved since (its
    /// revision moved), nothing is saved and the answer is 409; leave it out to save anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_revision: Option<i64>,
}

/// `Some(value)` for a member that is present, `null` included: with `#[serde(default)]`,
/// `None` means absent and `Some(None)` means `null`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A signature scheme to save. Leave `secret` out to keep the secret already set for the
/// same scheme. No `Debug`: it holds a secret.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignatureInput {
    None,
    /// Standard Webhooks: `secret` is `whsec_` + base64 of 24–64 bytes.
    StandardWebhooks {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    /// HMAC-SHA256 of the raw body in `header` (hex or base64, `sha256=` prefix optional).
    Hmac {
        header: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The app sends what the server reads: `null` clears a member, absence leaves it alone.
    #[test]
    fn an_update_keeps_null_apart_from_absent_both_ways() {
        let update = WebhookUpdate {
            sample: Some(None),
            action_template: Some(Some("Hi {{first_name}}".into())),
            signature: Some(SignatureInput::Hmac {
                header: "X-Hub-Signature-256".into(),
                secret: None,
            }),
            ..WebhookUpdate::default()
        };
        let sent = serde_json::to_value(&update).unwrap();
        assert_eq!(
            sent,
            json!({
                "sample": null,
                "action_template": "Hi {{first_name}}",
                "signature": { "scheme": "hmac", "header": "X-Hub-Signature-256" },
            })
        );
        let read: WebhookUpdate = serde_json::from_value(sent).unwrap();
        assert_eq!(read.sample, Some(None));
        assert_eq!(read.action_template, Some(Some("Hi {{first_name}}".into())));
        assert!(read.name.is_none() && read.identity.is_none() && read.mappings.is_none());
        assert!(matches!(
            read.signature,
            Some(SignatureInput::Hmac { header, secret: None }) if header == "X-Hub-Signature-256"
        ));
    }

    #[test]
    fn an_update_refuses_unknown_members() {
        let wrong: Value = json!({ "sampel": "{}" });
        let e = serde_json::from_value::<WebhookUpdate>(wrong)
            .err()
            .unwrap();
        assert!(e.to_string().contains("sampel"), "{e}");
    }
}
