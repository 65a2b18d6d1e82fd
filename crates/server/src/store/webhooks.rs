//! Inbound webhooks: tokens, configuration, listen mode.

use crate::error::{Error, Result};
use crate::receiver::signature::SignatureScheme;
use base64::Engine;
use botwire_core::identify::IdentityPaths;
use botwire_core::mapping::Mapping;
use botwire_core::names::WebhookName;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, FromRow};
use subtle::ConstantTimeEq;

/// A new secret token: 256 random bits, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What tokens are looked up by: a hash, so the index's timing says nothing about the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A webhook with everything the receiver needs.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: i64,
    pub bot_id: i64,
    pub name: String,
    pub token: String,
    pub active: bool,
    pub listening: bool,
    pub sample: Option<String>,
    pub identity: IdentityPaths,
    pub mappings: Vec<Mapping>,
    pub action_template: Option<String>,
    pub signature: SignatureScheme,
}

#[derive(FromRow)]
struct WebhookRow {
    id: i64,
    bot_id: i64,
    name: String,
    token: String,
    token_hash: String,
    previous_token_hash: Option<String>,
    active: i64,
    listening: i64,
    sample: Option<String>,
    identity: String,
    mappings: String,
    action_template: Option<String>,
    signature: String,
}

const COLUMNS: &str = "id, bot_id, name, token, token_hash, previous_token_hash, active, listening, sample, identity, \
                       mappings, action_template, signature";

fn decode(r: WebhookRow) -> Result<Webhook> {
    let bad = |what: &str, e: serde_json::Error| {
        Error::Internal(format!("webhook {}: stored {what}: {e}", r.id))
    };
    Ok(Webhook {
        identity: serde_json::from_str(&r.identity).map_err(|e| bad("identity", e))?,
        mappings: serde_json::from_str(&r.mappings).map_err(|e| bad("mappings", e))?,
        signature: serde_json::from_str(&r.signature).map_err(|e| bad("signature", e))?,
        id: r.id,
        bot_id: r.bot_id,
        name: r.name,
        token: r.token,
        active: r.active != 0,
        listening: r.listening != 0,
        sample: r.sample,
        action_template: r.action_template,
    })
}

/// The webhook a presented token belongs to: its current token, or its previous one while
/// the rotation's grace period lasts.
pub async fn by_token(pool: &AnyPool, token: &str, now: i64) -> Result<Option<Webhook>> {
    let hash = token_hash(token);
    let row: Option<WebhookRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM inbound_webhooks \
         WHERE token_hash = $1 OR (previous_token_hash = $1 AND previous_token_expires_at > $2)"
    ))
    .bind(&hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    // The database compared hashes; the final word is a constant-time comparison here, so no
    // collation or index quirk can accept a token that is merely similar.
    let current = row.token_hash.as_bytes().ct_eq(hash.as_bytes());
    let previous = row
        .previous_token_hash
        .as_deref()
        .map_or(subtle::Choice::from(0), |p| {
            p.as_bytes().ct_eq(hash.as_bytes())
        });
    if !bool::from(current | previous) {
        return Ok(None);
    }
    decode(row).map(Some)
}

pub async fn get<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    id: i64,
) -> Result<Webhook> {
    let row: Option<WebhookRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM inbound_webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    decode(row.ok_or(Error::NotFound)?)
}

/// Creates an inactive webhook with a fresh token; refuses one over the bot's limit.
pub async fn create(pool: &AnyPool, bot_id: i64, name: &WebhookName) -> Result<Webhook> {
    let bot = super::bots::get_bot(pool, bot_id).await?;
    let mut tx = pool.begin().await?;
    // Lock the bot's row first (as the receiver does), so concurrent creates count in turn.
    sqlx::query("UPDATE bots SET request_seq = request_seq WHERE id = $1")
        .bind(bot_id)
        .execute(&mut *tx)
        .await?;
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM inbound_webhooks WHERE bot_id = $1")
            .bind(bot_id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= i64::from(bot.max_webhooks.get()) {
        return Err(Error::Conflict(format!(
            "this bot already has {count} inbound webhooks, its limit is {}",
            bot.max_webhooks.get()
        )));
    }
    let token = new_token();
    let now = super::now_ms();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO inbound_webhooks (bot_id, name, token, token_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(bot_id)
    .bind(name.as_str())
    .bind(&token)
    .bind(token_hash(&token))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    get(pool, id).await
}

/// The parts of a webhook a builder edits.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub identity: IdentityPaths,
    pub mappings: Vec<Mapping>,
    pub action_template: Option<String>,
    pub signature: SignatureScheme,
}

pub async fn configure(pool: &AnyPool, id: i64, config: &Config) -> Result<()> {
    sqlx::query(
        "UPDATE inbound_webhooks SET identity = $1, mappings = $2, action_template = $3, signature = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(json(&config.identity)?)
    .bind(json(&config.mappings)?)
    .bind(config.action_template.clone())
    .bind(json(&config.signature)?)
    .bind(super::now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Switches a webhook on or off; on needs at least one identity path.
pub async fn set_active(pool: &AnyPool, id: i64, active: bool) -> Result<()> {
    if active && get(pool, id).await?.identity.is_empty() {
        return Err(Error::field(
            "active",
            "set at least one identity path (user_ns, CRM contact id, phone or email) before activating",
        ));
    }
    sqlx::query("UPDATE inbound_webhooks SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(super::now_ms())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Arms or disarms listen mode: when armed, the next request's JSON becomes the sample.
pub async fn set_listening(pool: &AnyPool, id: i64, listening: bool) -> Result<()> {
    sqlx::query("UPDATE inbound_webhooks SET listening = $1 WHERE id = $2")
        .bind(i64::from(listening))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores a captured sample and disarms listen mode, if it is still armed.
pub async fn capture_sample(tx: &mut super::Tx<'_>, id: i64, sample: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE inbound_webhooks SET sample = $1, listening = 0 WHERE id = $2 AND listening = 1",
    )
    .bind(sample)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}
