//! Bots, and the list of a bot's inbound webhooks with its row actions.

use super::{ApiError, Page, get, post};
use botwire_core::api::webhooks::NewWebhook;
use botwire_core::channel::Channel;

pub use botwire_core::api::bots::BotView;
pub use botwire_core::api::webhooks::{WebhookDetail, WebhookSummary};

/// `q` searches bot names; `channel` (empty for all) keeps one channel's bots; `cursor`
/// continues a previous page.
pub async fn list(
    q: &str,
    channel: Option<Channel>,
    cursor: Option<&str>,
) -> Result<Page<BotView>, ApiError> {
    let mut path = format!("/bots?limit=50&q={}", encode(q.trim()));
    if let Some(channel) = channel {
        path.push_str(&format!("&channel={channel}"));
    }
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

pub async fn get_bot(id: i64) -> Result<BotView, ApiError> {
    get(&format!("/bots/{id}")).await
}

pub async fn webhooks(bot_id: i64, cursor: Option<&str>) -> Result<Page<WebhookSummary>, ApiError> {
    let mut path = format!("/bots/{bot_id}/webhooks?limit=50");
    if let Some(c) = cursor {
        path.push_str(&format!("&cursor={}", encode(c)));
    }
    get(&path).await
}

pub async fn create_webhook(bot_id: i64, name: &str) -> Result<WebhookDetail, ApiError> {
    let webhook = NewWebhook {
        name: name.to_owned(),
    };
    post(&format!("/bots/{bot_id}/webhooks"), &webhook).await
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
