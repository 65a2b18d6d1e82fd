//! A bot's users: the list rows and one user in full.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A bot user's built-in fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: i64,
    pub bot_id: i64,
    /// The platform's id for the user, unique in the bot.
    pub user_ns: String,
    pub crm_contact_id: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Where the user came from (e.g. the webhook that created them).
    pub source: String,
    /// Unix ms.
    pub created_at: i64,
    pub updated_at: i64,
}

/// A custom field's value for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldValueView {
    pub field_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(example = "datetime"))]
    pub field_type: String,
    /// The typed value as JSON: text a string, number a number, boolean a boolean, date
    /// `YYYY-MM-DD`, datetime RFC 3339, json the value itself.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub value: Value,
    /// The value as a message shows it (`2026-12-03 15:30 UTC`).
    pub display: String,
    /// Set when the stored value no longer fits the field's type; `value` is then as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Unix ms.
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxView {
    pub id: i64,
    pub webhook_id: Option<i64>,
    pub log_id: Option<i64>,
    pub channel: String,
    pub message: String,
    /// `queued`, …
    pub status: String,
    pub created_at: i64,
}

/// A log row that touched the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserLogView {
    pub id: i64,
    /// Unix ms.
    pub received_at: i64,
    pub webhook_id: i64,
    pub outcome: String,
    pub status: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserView,
    /// Custom fields with a value, in the fields' order.
    pub fields: Vec<FieldValueView>,
    /// The newest 100 messages queued for the user, newest first.
    pub outbox: Vec<OutboxView>,
    /// The newest 100 requests that matched or created the user, newest first.
    pub logs: Vec<UserLogView>,
}
