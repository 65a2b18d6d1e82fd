//! One inbound webhook, as the editor needs it: read, save, activate, rotate, listen, delete,
//! and the bot's custom fields.

use super::{ApiError, Page, delete, get, patch, post};
use botwire_core::api::bots::CreateField;
use botwire_core::api::webhooks::WebhookUpdate;

pub use botwire_core::api::bots::{BotView, FieldView};
pub use botwire_core::api::webhooks::{Identity, MappingRule, WebhookDetail};

/// What the editor edits, as last saved or as on screen; saving sends every member.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDraft {
    pub sample: Option<String>,
    pub identity: Identity,
    pub mappings: Vec<MappingRule>,
    pub action_template: Option<String>,
}

pub async fn webhook(id: i64) -> Result<WebhookDetail, ApiError> {
    get(&format!("/webhooks/{id}")).await
}

pub async fn bot(id: i64) -> Result<BotView, ApiError> {
    get(&format!("/bots/{id}")).await
}

/// The bot's custom fields (all of them: a bot has far fewer than a page).
pub async fn fields(bot_id: i64) -> Result<Vec<FieldView>, ApiError> {
    let page: Page<FieldView> = get(&format!("/bots/{bot_id}/fields?limit=500")).await?;
    Ok(page.items)
}

pub async fn create_field(
    bot_id: i64,
    name: &str,
    field_type: &str,
) -> Result<FieldView, ApiError> {
    post(
        &format!("/bots/{bot_id}/fields"),
        &CreateField {
            name: Some(name.to_owned()),
            field_type: Some(field_type.to_owned()),
        },
    )
    .await
}

/// Saves the members of `draft` that differ from `saved` (what the editor last loaded or
/// saved), so a sample captured meanwhile is not written back, and refuses (409) when the
/// webhook was saved elsewhere since `base_revision`.
pub async fn save(
    id: i64,
    saved: &WebhookDraft,
    draft: &WebhookDraft,
    base_revision: i64,
) -> Result<WebhookDetail, ApiError> {
    let update = WebhookUpdate {
        sample: if_changed(&saved.sample, &draft.sample),
        identity: if_changed(&saved.identity, &draft.identity),
        mappings: if_changed(&saved.mappings, &draft.mappings),
        action_template: if_changed(&saved.action_template, &draft.action_template),
        base_revision: Some(base_revision),
        ..WebhookUpdate::default()
    };
    patch(&format!("/webhooks/{id}"), &update).await
}

fn if_changed<T: PartialEq + Clone>(saved: &T, draft: &T) -> Option<T> {
    (saved != draft).then(|| draft.clone())
}

pub async fn set_active(id: i64, active: bool) -> Result<WebhookDetail, ApiError> {
    let action = if active { "activate" } else { "deactivate" };
    post(&format!("/webhooks/{id}/{action}"), &serde_json::json!({})).await
}

/// Deletes the webhook and its request log; its address answers 404 from then on.
pub async fn delete_webhook(id: i64) -> Result<(), ApiError> {
    delete(&format!("/webhooks/{id}")).await
}

pub async fn rotate(id: i64) -> Result<WebhookDetail, ApiError> {
    post(&format!("/webhooks/{id}/rotate"), &serde_json::json!({})).await
}

pub async fn listen(id: i64) -> Result<WebhookDetail, ApiError> {
    post(&format!("/webhooks/{id}/listen"), &serde_json::json!({})).await
}

pub async fn stop_listening(id: i64) -> Result<(), ApiError> {
    delete(&format!("/webhooks/{id}/listen")).await
}

/// The address of the webhook's live event stream (Server-Sent Events).
pub fn events_url(id: i64) -> String {
    format!("{}/webhooks/{id}/events", super::BASE)
}
