//! Bots, with the figures their list shows, and a bot's custom fields.

use serde::{Deserialize, Serialize};

/// A bot, with the figures its list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotView {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// `sms`, `voice`, `whatsapp`, `messenger`, `instagram`, `email` or `webchat`.
    #[cfg_attr(feature = "openapi", schema(example = "sms"))]
    pub channel: String,
    /// ISO 3166-1 alpha-2 code used to read national phone numbers.
    #[cfg_attr(feature = "openapi", schema(example = "US"))]
    pub default_country: String,
    /// Inbound requests accepted per rolling 24 hours: 500, or 1000–10000 in steps of 1000.
    pub daily_limit: u32,
    /// How many inbound webhooks the bot may have (1–100).
    pub max_webhooks: u32,
    /// Requests accepted in the rolling 24-hour window (the current hour and the 24 before
    /// it), counted against `daily_limit`.
    pub accepted_24h: u32,
    pub webhooks: WebhookCounts,
    /// The newest request answered with a status of 400 or more; absent when there is none.
    pub last_error: Option<LastError>,
}

// Webhooks of a bot: how many are switched on, of how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCounts {
    pub active: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastError {
    pub log_id: i64,
    pub webhook_id: i64,
    /// When the request arrived (Unix ms).
    pub at: i64,
    /// The log's outcome, e.g. `rejected`, `invalid_body`.
    pub outcome: String,
    pub status: i64,
}

// A custom field of a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldView {
    pub id: i64,
    pub bot_id: i64,
    pub name: String,
    /// `text`, `number`, `boolean`, `date`, `datetime` or `json`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(example = "text"))]
    pub field_type: String,
    /// Unix ms.
    pub created_at: i64,
}

/// `POST /bots`. Every member is optional here so that a missing one is answered by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBot {
    /// The workspace to create it in; may be left out when the caller belongs to one only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    /// 1–100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "sms"))]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "US"))]
    pub default_country: Option<String>,
    /// Default 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<u32>,
    /// Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_webhooks: Option<u32>,
}

/// `POST /bots/{id}/fields`. Both members are optional here so that a missing one is answered
/// by name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateField {
    /// A letter or `_`, then letters, digits and `_`; 1–64 characters; unique in the bot; not
    /// a built-in user field's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "text"))]
    pub field_type: Option<String>,
}
