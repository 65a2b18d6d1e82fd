//! Inbound webhooks: the list rows and one webhook in full.

use crate::identify::IdentityPaths;
use crate::mapping::Mapping;
use serde::{Deserialize, Serialize};

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
    /// The receiver's path, `/hooks/{token}`; prefix it with the server's origin.
    pub url: String,
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
    /// The secret in the webhook's URL.
    pub token: String,
    /// The receiver's path, `/hooks/{token}`; prefix it with the server's origin.
    pub url: String,
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
    /// While the token replaced by the last rotation still works: until when (Unix
    /// milliseconds). `null` when no old token works any more.
    pub previous_token_expires_at: Option<i64>,
}
