//! Inbound webhooks: tokens, configuration, listen mode.

use super::bots::{self, BOT_COLUMNS, Bot, BotRow, CustomField};
use super::sql::{self, Conn, query};
use crate::error::{Error, Result};
use crate::receiver::signature::SignatureScheme;
use base64::Engine;
use botwire_core::identify::IdentityPaths;
use botwire_core::mapping::Mapping;
use botwire_core::names::WebhookName;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, FromRow};
use std::sync::LazyLock;
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
    pub created_at: i64,
    pub updated_at: i64,
    /// Moved by every saved edit of the configuration, and by nothing else.
    pub revision: i64,
    /// When the token replaced by the last rotation stops working (Unix ms), if one was kept.
    pub previous_token_expires_at: Option<i64>,
}

sql::row_struct! {
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
        created_at: i64,
        updated_at: i64,
        previous_token_expires_at: Option<i64>,
        revision: i64,
    }
}

/// [`WebhookRow`]'s columns, in its order.
const COLUMNS: &str = "id, bot_id, name, token, token_hash, previous_token_hash, active, listening, sample, identity, \
                       mappings, action_template, signature, created_at, updated_at, previous_token_expires_at, revision";

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
        created_at: r.created_at,
        updated_at: r.updated_at,
        revision: r.revision,
        // Only a hash still kept has a grace period.
        previous_token_expires_at: r
            .previous_token_hash
            .as_ref()
            .and(r.previous_token_expires_at),
    })
}

/// What the receiver reads about a webhook: the webhook, its bot and the bot's custom fields,
/// as of one configuration version of the bot ([`bots::config_version`]).
#[derive(Debug, Clone)]
pub struct Receiving {
    /// The webhook, without its sample (`None`).
    pub hook: Webhook,
    pub bot: Bot,
    pub fields: Vec<CustomField>,
    pub version: i64,
    token_hash: String,
    previous_token_hash: Option<String>,
}

impl Receiving {
    /// Whether a token with hash `hash` opens this webhook at `now`: its current token, or the
    /// previous one while the rotation's grace period lasts. Compared in constant time, so no
    /// collation or index quirk can accept a token that is merely similar.
    pub fn admits(&self, hash: &str, now: i64) -> bool {
        let current = self.token_hash.as_bytes().ct_eq(hash.as_bytes());
        let in_grace = self.hook.previous_token_expires_at.is_some_and(|t| t > now);
        let previous = match &self.previous_token_hash {
            Some(p) if in_grace => p.as_bytes().ct_eq(hash.as_bytes()),
            _ => subtle::Choice::from(0),
        };
        bool::from(current | previous)
    }
}

/// Read as one statement: on SQLite each statement outside a transaction is a read
/// transaction of its own, and starting one after the writer's latest commit costs more than
/// the reading. One row per custom field (one with none), in the order of the index on
/// (bot_id, name): an `ORDER BY` would copy every row, the webhook's columns included, into a
/// sorter. The sample, which the receiver never reads and which can be large, is read as NULL.
pub(crate) struct ReceivingQuery {
    pub(crate) sql: String,
    /// Where the bot's columns start, and where the configuration version is (the field's
    /// columns follow it).
    bot_column: usize,
    version_column: usize,
}

impl ReceivingQuery {
    fn new(condition: &str) -> ReceivingQuery {
        let (hook_columns, bot_column) = qualified("w", COLUMNS);
        let hook_columns = hook_columns.replace("w.sample", "NULL");
        let (bot_columns, bot_count) = qualified("b", BOT_COLUMNS);
        ReceivingQuery {
            sql: format!(
                "SELECT {hook_columns}, {bot_columns}, b.config_version, f.id, f.name, f.field_type \
                 FROM inbound_webhooks w \
                 JOIN bots b ON b.id = w.bot_id LEFT JOIN custom_fields f ON f.bot_id = w.bot_id \
                 WHERE {condition}"
            ),
            bot_column,
            version_column: bot_column + bot_count,
        }
    }

    async fn read(&self, db: &mut Conn<'_>, query: sql::Query<'_>) -> Result<Option<Receiving>> {
        let mut first: Option<(WebhookRow, BotRow, i64)> = None;
        let mut fields = Vec::new();
        query
            .for_each_row(db, |row| {
                // The webhook and bot repeat on every row; they are decoded once.
                if first.is_none() {
                    first = Some((
                        sql::FromRow::from_row_at(row, 0)?,
                        sql::FromRow::from_row_at(row, self.bot_column)?,
                        row.get(self.version_column)?,
                    ));
                }
                let field: bots::JoinedField =
                    sql::FromRow::from_row_at(row, self.version_column + 1)?;
                fields.extend(field.field()?);
                Ok(())
            })
            .await?;
        let Some((hook, bot, version)) = first else {
            return Ok(None);
        };
        Ok(Some(Receiving {
            token_hash: hook.token_hash.clone(),
            previous_token_hash: hook.previous_token_hash.clone(),
            hook: decode(hook)?,
            bot: bot.try_into()?,
            fields,
            version,
        }))
    }
}

/// The webhook with the current token hash `$1`, or with `$1` as its previous one while the
/// grace period lasts at `$2`.
pub(crate) static BY_TOKEN: LazyLock<ReceivingQuery> = LazyLock::new(|| {
    ReceivingQuery::new(
        "w.token_hash = $1 OR (w.previous_token_hash = $1 AND w.previous_token_expires_at > $2)",
    )
});

/// The webhook with id `$1`.
pub(crate) static BY_ID: LazyLock<ReceivingQuery> =
    LazyLock::new(|| ReceivingQuery::new("w.id = $1"));

/// `columns` (a comma-separated list) qualified with `table`, and how many there are.
fn qualified(table: &str, columns: &str) -> (String, usize) {
    let list: Vec<String> = (columns.split(','))
        .map(|c| format!("{table}.{}", c.trim()))
        .collect();
    (list.join(", "), list.len())
}

/// What a presented token names at `now`; `hash` is its [`token_hash`].
pub async fn by_token(db: &mut Conn<'_>, hash: &str, now: i64) -> Result<Option<Receiving>> {
    let statement = &*BY_TOKEN;
    let query = query(statement.sql.as_str()).bind(hash).bind(now);
    let found = statement.read(db, query).await?;
    Ok(found.filter(|r| r.admits(hash, now)))
}

/// What the receiver reads about webhook `id`, whatever token it was called by.
pub async fn receiving(db: &mut Conn<'_>, id: i64) -> Result<Option<Receiving>> {
    let statement = &*BY_ID;
    statement
        .read(db, query(statement.sql.as_str()).bind(id))
        .await
}

pub async fn get<'c>(db: impl Into<Conn<'c>>, id: i64) -> Result<Webhook> {
    let row: Option<WebhookRow> = query(format!(
        "SELECT {COLUMNS} FROM inbound_webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut db.into())
    .await?;
    decode(row.ok_or(Error::NotFound)?)
}

/// Creates an inactive webhook with a fresh token; refuses one over the bot's limit.
pub async fn create(pool: &AnyPool, bot_id: i64, name: &WebhookName) -> Result<Webhook> {
    let mut tx = pool.begin().await?;
    // Lock the bot's row first (as the receiver does), then read its limit and count: so
    // concurrent creates count in turn, and a limit lowered meanwhile (`update_bot` takes the
    // same lock) is the one applied.
    sqlx::query("UPDATE bots SET request_seq = request_seq WHERE id = $1")
        .bind(bot_id)
        .execute(&mut *tx)
        .await?;
    let bot = super::bots::get_bot(&mut *tx, bot_id).await?;
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
    // On SQLite a new row would take the largest id plus one, a deleted webhook's id when it
    // was the newest; `webhook_id_floor` keeps the largest id deleted (migration 0008).
    let id_sql = if tx.backend_name() == "SQLite" {
        "(max((SELECT COALESCE(MAX(id), 0) FROM inbound_webhooks), \
         (SELECT id FROM webhook_id_floor)) + 1)"
    } else {
        "DEFAULT"
    };
    let (id,): (i64,) = sqlx::query_as(&format!(
        "INSERT INTO inbound_webhooks (id, bot_id, name, token, token_hash, created_at, updated_at) \
         VALUES ({id_sql}, $1, $2, $3, $4, $5, $5) RETURNING id"
    ))
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
    let mut tx = pool.begin().await?;
    changing(&mut tx, id).await?;
    sqlx::query(
        "UPDATE inbound_webhooks SET identity = $1, mappings = $2, action_template = $3, signature = $4, \
         revision = revision + 1, updated_at = $5 WHERE id = $6",
    )
    .bind(json(&config.identity)?)
    .bind(json(&config.mappings)?)
    .bind(config.action_template.clone())
    .bind(json(&config.signature)?)
    .bind(super::now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the configuration version of the webhook's bot, first thing in a transaction that
/// changes the webhook (see [`bots::config_changing`]); `NotFound` when there is no webhook
/// `id`.
async fn changing(tx: &mut super::Tx<'_>, id: i64) -> Result<()> {
    let moved = sqlx::query(
        "UPDATE bots SET config_version = config_version + 1 \
         WHERE id = (SELECT bot_id FROM inbound_webhooks WHERE id = $1)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Switches a webhook on or off; on needs at least one identity path.
pub async fn set_active(pool: &AnyPool, id: i64, active: bool) -> Result<()> {
    super::in_transaction(pool, async |tx| set_active_in(tx, id, active).await).await
}

/// Switches the webhook on when `check` passes on the webhook and its bot's custom fields as
/// they are under the bot's lock, as [`update_checked`] does for edits: an edit committed while
/// the activation waited is what it checks, not what was read before.
pub async fn activate_checked(
    pool: &AnyPool,
    id: i64,
    check: impl FnOnce(&Webhook, &[CustomField]) -> Result<()>,
) -> Result<()> {
    super::in_transaction(pool, async |tx| {
        let (hook, fields) = locked(tx, id).await?;
        check(&hook, &fields)?;
        write_active(tx, id, true).await
    })
    .await
}

/// [`set_active`] in the caller's transaction.
pub async fn set_active_in(tx: &mut super::Tx<'_>, id: i64, active: bool) -> Result<()> {
    changing(tx, id).await?;
    if active && get(&mut **tx, id).await?.identity.is_empty() {
        return Err(Error::field(
            "active",
            "set at least one identity path (user_ns, CRM contact id, phone or email) before activating",
        ));
    }
    write_active(tx, id, active).await
}

async fn write_active(tx: &mut super::Tx<'_>, id: i64, active: bool) -> Result<()> {
    sqlx::query("UPDATE inbound_webhooks SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(super::now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Arms or disarms listen mode: when armed, the next request's JSON becomes the sample.
pub async fn set_listening(pool: &AnyPool, id: i64, listening: bool) -> Result<()> {
    let mut tx = pool.begin().await?;
    changing(&mut tx, id).await?;
    sqlx::query("UPDATE inbound_webhooks SET listening = $1 WHERE id = $2")
        .bind(i64::from(listening))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a captured sample and disarms listen mode, if it is still armed (in the receiver's
/// transaction, which holds the bot's row lock already).
pub async fn capture_sample(tx: &mut Conn<'_>, hook: &Webhook, sample: &str) -> Result<bool> {
    let changed = query(
        "UPDATE inbound_webhooks SET sample = $1, listening = 0 WHERE id = $2 AND listening = 1",
    )
    .bind(sample)
    .bind(hook.id)
    .execute(tx)
    .await?;
    if changed == 1 {
        bots::config_changing(tx.reborrow(), hook.bot_id).await?;
    }
    Ok(changed == 1)
}

/// A webhook as a bot's list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct Summary {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub active: i64,
    pub listening: i64,
    /// Requests accepted in the window the daily limit counts (`usage::hour_before_window`).
    pub accepted_24h: i64,
    pub last_received_at: Option<i64>,
    pub last_outcome: Option<String>,
    pub last_status: Option<i64>,
}

/// A bot's webhooks, newest first, with ids below `before_id`; at most `limit` rows.
pub async fn list(
    pool: &AnyPool,
    bot_id: i64,
    before_id: i64,
    limit: i64,
    now: i64,
) -> Result<Vec<Summary>> {
    Ok(sqlx::query_as(
        "SELECT w.id, w.name, w.token, w.active, w.listening, \
         (SELECT CAST(COALESCE(SUM(u.accepted), 0) AS BIGINT) FROM usage_hours u \
          WHERE u.bot_id = w.bot_id AND u.webhook_id = w.id AND u.hour > $2) AS accepted_24h, \
         l.received_at AS last_received_at, l.outcome AS last_outcome, l.status AS last_status \
         FROM inbound_webhooks w \
         LEFT JOIN request_logs l ON l.id = (SELECT MAX(m.id) FROM request_logs m WHERE m.webhook_id = w.id) \
         WHERE w.bot_id = $1 AND w.id < $3 ORDER BY w.id DESC LIMIT $4",
    )
    .bind(bot_id)
    .bind(super::usage::hour_before_window(now))
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// What an edit changes; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub name: Option<WebhookName>,
    pub sample: Option<Option<String>>,
    pub identity: Option<IdentityPaths>,
    pub mappings: Option<Vec<Mapping>>,
    pub action_template: Option<Option<String>>,
    pub signature: Option<SignatureScheme>,
}

/// Saves the given columns only, in the caller's transaction, so an edit never writes back a
/// sample the receiver captured meanwhile (or anything else it did not mean to change).
pub async fn update_in(tx: &mut super::Tx<'_>, id: i64, changes: &Changes) -> Result<()> {
    changing(tx, id).await?;
    write(tx, id, changes).await
}

/// Saves the changes `decide` works out from the webhook and its bot's custom fields as they
/// are under the bot's lock: a field renamed or deleted by a transaction that committed first
/// is seen (read before the lock, the check could pass and the write undo the rename).
pub async fn update_checked(
    pool: &AnyPool,
    id: i64,
    decide: impl FnOnce(&Webhook, &[CustomField]) -> Result<Changes>,
) -> Result<()> {
    super::in_transaction(pool, async |tx| {
        let (hook, fields) = locked(tx, id).await?;
        write(tx, id, &decide(&hook, &fields)?).await
    })
    .await
}

/// The webhook and its bot's custom fields, read after taking the bot's lock ([`changing`]).
async fn locked(tx: &mut super::Tx<'_>, id: i64) -> Result<(Webhook, Vec<CustomField>)> {
    changing(tx, id).await?;
    let hook = get(&mut **tx, id).await?;
    let fields = bots::fields(&mut **tx, hook.bot_id).await?;
    Ok((hook, fields))
}

/// Writes the given columns, in a transaction that has called [`changing`].
async fn write(tx: &mut super::Tx<'_>, id: i64, changes: &Changes) -> Result<()> {
    let mut sets: Vec<&str> = Vec::new();
    let mut values: Vec<Option<String>> = Vec::new();
    if let Some(name) = &changes.name {
        sets.push("name");
        values.push(Some(name.as_str().to_owned()));
    }
    if let Some(sample) = &changes.sample {
        sets.push("sample");
        values.push(sample.clone());
    }
    if let Some(identity) = &changes.identity {
        sets.push("identity");
        values.push(Some(json(identity)?));
    }
    if let Some(mappings) = &changes.mappings {
        sets.push("mappings");
        values.push(Some(json(mappings)?));
    }
    if let Some(template) = &changes.action_template {
        sets.push("action_template");
        values.push(template.clone());
    }
    if let Some(signature) = &changes.signature {
        sets.push("signature");
        values.push(Some(json(signature)?));
    }
    let assignments: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect();
    let n = sets.len();
    let sql = format!(
        "UPDATE inbound_webhooks SET {}revision = revision + 1, updated_at = ${} WHERE id = ${}",
        assignments
            .iter()
            .map(|a| format!("{a}, "))
            .collect::<String>(),
        n + 1,
        n + 2
    );
    let mut query = sqlx::query(&sql);
    for value in values {
        query = query.bind(value);
    }
    let done = query
        .bind(super::now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Gives the webhook a new token. The one it replaces keeps working for `grace_ms` (none when
/// 0); a token replaced by an earlier rotation stops working now.
pub async fn rotate(pool: &AnyPool, id: i64, grace_ms: i64) -> Result<()> {
    super::in_transaction(pool, async |tx| rotate_in(tx, id, grace_ms).await).await
}

/// [`rotate`] in the caller's transaction.
pub async fn rotate_in(tx: &mut super::Tx<'_>, id: i64, grace_ms: i64) -> Result<()> {
    changing(tx, id).await?;
    let token = new_token();
    let now = super::now_ms();
    let done = if grace_ms > 0 {
        sqlx::query(
            "UPDATE inbound_webhooks SET previous_token_hash = token_hash, previous_token_expires_at = $1, \
             token = $2, token_hash = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(now + grace_ms)
    } else {
        sqlx::query(
            "UPDATE inbound_webhooks SET previous_token_hash = NULL, previous_token_expires_at = $1, \
             token = $2, token_hash = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(None::<i64>)
    }
    .bind(&token)
    .bind(token_hash(&token))
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Deletes a webhook; its request logs, usage rows and idempotency keys go with it (the
/// foreign keys cascade), its outbox messages stay without it.
pub async fn delete(pool: &AnyPool, id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    changing(&mut tx, id).await?;
    sqlx::query("DELETE FROM inbound_webhooks WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A request log row in brief, as the live event stream sends it.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct LogSummary {
    pub id: i64,
    pub received_at: i64,
    pub status: i64,
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
}

/// One of the webhook's log rows in brief; `None` when it is not this webhook's (or is gone),
/// or the webhook with this id is not the one of that bot created at that time (SQLite
/// gives a deleted webhook's id to the next one).
pub async fn log_summary(
    pool: &AnyPool,
    webhook_id: i64,
    bot_id: i64,
    created_at: i64,
    log_id: i64,
) -> Result<Option<LogSummary>> {
    Ok(sqlx::query_as(
        "SELECT l.id, l.received_at, l.status, l.outcome, l.detail, l.user_id \
         FROM request_logs l JOIN inbound_webhooks w ON w.id = l.webhook_id \
         WHERE l.id = $1 AND l.webhook_id = $2 AND w.bot_id = $3 AND w.created_at = $4",
    )
    .bind(log_id)
    .bind(webhook_id)
    .bind(bot_id)
    .bind(created_at)
    .fetch_optional(pool)
    .await?)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}
