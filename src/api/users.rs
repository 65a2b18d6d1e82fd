//! A bot user in full: built-in fields, custom-field values, outbox and log rows.

use super::{ApiError, get};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldValue {
    pub field_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    pub value: Value,
    pub display: String,
    #[serde(default)]
    pub error: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub webhook_id: Option<i64>,
    pub log_id: Option<i64>,
    pub channel: String,
    pub message: String,
    pub status: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserLog {
    pub id: i64,
    pub received_at: i64,
    pub webhook_id: i64,
    pub outcome: String,
    pub status: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserDetail {
    pub id: i64,
    pub bot_id: i64,
    pub user_ns: String,
    pub crm_contact_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub fields: Vec<FieldValue>,
    #[serde(default)]
    pub outbox: Vec<OutboxMessage>,
    #[serde(default)]
    pub logs: Vec<UserLog>,
}

pub async fn get_user(id: i64) -> Result<UserDetail, ApiError> {
    get(&format!("/users/{id}")).await
}
