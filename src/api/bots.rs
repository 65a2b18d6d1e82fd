//! Bots, and the list of a bot's inbound webhooks with its row actions.

use super::{ApiError, Page, get, post};
use serde::{Deserialize, Serialize};

pub use botwire_core::api::webhooks::{WebhookDetail, WebhookSummary};

/// Webhooks of a bot: how many are switched on, of how many.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WebhookCounts {
    pub active: i64,
    pub total: i64,
}

/// The bot's most recent failed request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LastError {
    pub log_id: i64,
    pub webhook_id: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub outcome: String,
    pub status: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Bot {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub channel: String,
    pub default_country: String,
    pub daily_limit: u32,
    pub max_webhooks: u32,
    /// Requests accepted in the rolling 24 hours the daily limit counts.
    pub accepted_24h: u32,
    pub webhooks: WebhookCounts,
    pub last_error: Option<LastError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewBot {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    pub name: String,
    pub channel: String,
    pub default_country: String,
}

/// `q` searches bot names; `cursor` continues a previous page.
pub async fn list(q: &str, cursor: Option<&str>) -> Result<Page<Bot>, ApiError> {
    let mut path = format!("/bots?limit=50&q={}", encode(q.trim()));
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

pub async fn get_bot(id: i64) -> Result<Bot, ApiError> {
    get(&format!("/bots/{id}")).await
}

pub async fn create(bot: &NewBot) -> Result<Bot, ApiError> {
    post("/bots", bot).await
}

#[derive(Serialize)]
struct NewWebhook<'a> {
    name: &'a str,
}

pub async fn webhooks(bot_id: i64, cursor: Option<&str>) -> Result<Page<WebhookSummary>, ApiError> {
    let mut path = format!("/bots/{bot_id}/webhooks?limit=50");
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

pub async fn create_webhook(bot_id: i64, name: &str) -> Result<WebhookDetail, ApiError> {
    post(&format!("/bots/{bot_id}/webhooks"), &NewWebhook { name }).await
}

/// Switches a webhook on; refused with the reasons by field (`identity`, `mappings[i]`).
pub async fn activate(webhook_id: i64) -> Result<WebhookDetail, ApiError> {
    post(&format!("/webhooks/{webhook_id}/activate"), &()).await
}

pub async fn deactivate(webhook_id: i64) -> Result<WebhookDetail, ApiError> {
    post(&format!("/webhooks/{webhook_id}/deactivate"), &()).await
}

/// A query-string value, percent-encoded.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
