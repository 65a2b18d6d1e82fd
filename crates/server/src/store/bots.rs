//! Workspaces, bots and their custom fields.

use super::sql::{self, Conn, query};
use crate::error::{Error, Result};
use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::limits::{DailyLimit, MAX_CUSTOM_FIELDS, MaxWebhooks};
use botwire_core::names::FieldName;
use botwire_core::phone::Country;
use sqlx::AnyPool;

pub async fn create_workspace<'c>(db: impl Into<Conn<'c>>, name: &str) -> Result<i64> {
    let (id,): (i64,) =
        query("INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(super::now_ms())
            .fetch_one(&mut db.into())
            .await?;
    Ok(id)
}

/// A bot as the receiver needs it.
#[derive(Debug, Clone)]
pub struct Bot {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub channel: Channel,
    pub default_country: Country,
    pub daily_limit: DailyLimit,
    pub max_webhooks: MaxWebhooks,
}

sql::row_struct! {
    /// A bot as stored ([`BOT_COLUMNS`]); [`Bot`] is it checked.
    pub(crate) struct BotRow {
        id: i64,
        workspace_id: i64,
        name: String,
        channel: String,
        default_country: String,
        daily_limit: i64,
        max_webhooks: i64,
    }
}

pub(crate) const BOT_COLUMNS: &str =
    "id, workspace_id, name, channel, default_country, daily_limit, max_webhooks";

impl TryFrom<BotRow> for Bot {
    type Error = Error;
    fn try_from(r: BotRow) -> Result<Bot> {
        let bad =
            |what: &str, e: String| Error::Internal(format!("bot {}: stored {what}: {e}", r.id));
        Ok(Bot {
            id: r.id,
            workspace_id: r.workspace_id,
            channel: Channel::parse(&r.channel).map_err(|e| bad("channel", e))?,
            default_country: Country::parse(&r.default_country).map_err(|e| bad("country", e))?,
            daily_limit: u32::try_from(r.daily_limit)
                .map_err(|e| e.to_string())
                .and_then(DailyLimit::parse)
                .map_err(|e| bad("daily limit", e))?,
            max_webhooks: u32::try_from(r.max_webhooks)
                .map_err(|e| e.to_string())
                .and_then(MaxWebhooks::parse)
                .map_err(|e| bad("webhook limit", e))?,
            name: r.name,
        })
    }
}

/// What a new bot needs; limits default to the free plan.
#[derive(Debug, Clone)]
pub struct NewBot {
    pub workspace_id: i64,
    pub name: String,
    pub channel: Channel,
    pub default_country: Country,
    pub daily_limit: DailyLimit,
    pub max_webhooks: MaxWebhooks,
}

pub async fn create_bot(pool: &AnyPool, bot: &NewBot) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO bots (workspace_id, name, channel, default_country, daily_limit, max_webhooks, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(bot.workspace_id)
    .bind(&bot.name)
    .bind(bot.channel.as_str())
    .bind(bot.default_country.as_str())
    .bind(i64::from(bot.daily_limit.get()))
    .bind(i64::from(bot.max_webhooks.get()))
    .bind(super::now_ms())
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub async fn get_bot<'c>(db: impl Into<Conn<'c>>, id: i64) -> Result<Bot> {
    let row: Option<BotRow> = query(format!("SELECT {BOT_COLUMNS} FROM bots WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut db.into())
        .await?;
    row.ok_or(Error::NotFound)?.try_into()
}

pub async fn set_daily_limit(pool: &AnyPool, bot_id: i64, limit: DailyLimit) -> Result<()> {
    let mut tx = pool.begin().await?;
    config_changing(&mut *tx, bot_id).await?;
    sqlx::query("UPDATE bots SET daily_limit = $1 WHERE id = $2")
        .bind(i64::from(limit.get()))
        .bind(bot_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub id: i64,
    pub name: String,
    pub field_type: FieldType,
}

pub async fn create_field(
    pool: &AnyPool,
    bot_id: i64,
    name: &FieldName,
    field_type: FieldType,
) -> Result<i64> {
    super::in_transaction(pool, async |tx| {
        create_field_in(tx, bot_id, name, field_type).await
    })
    .await
}

/// [`create_field`] in the caller's transaction.
pub async fn create_field_in(
    tx: &mut super::Tx<'_>,
    bot_id: i64,
    name: &FieldName,
    field_type: FieldType,
) -> Result<i64> {
    config_changing(&mut **tx, bot_id).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM custom_fields WHERE bot_id = $1")
        .bind(bot_id)
        .fetch_one(&mut **tx)
        .await?;
    if count >= MAX_CUSTOM_FIELDS {
        return Err(Error::Conflict(format!(
            "this bot already has {count} custom fields, its limit is {MAX_CUSTOM_FIELDS}"
        )));
    }
    name_is_free(tx, bot_id, name.as_str(), None).await?;
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO custom_fields (bot_id, name, field_type, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (bot_id, name) DO NOTHING RETURNING id",
    )
    .bind(bot_id)
    .bind(name.as_str())
    .bind(field_type.as_str())
    .bind(super::now_ms())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|(id,)| id).ok_or_else(|| {
        Error::field(
            "name",
            format!("this bot already has a custom field named \"{name}\""),
        )
    })
}

/// Refuses `name` when another of the bot's custom fields (not `except`) has it in any case:
/// `{{Foo}}` and `{{foo}}` must never name two fields. The caller holds the bot's lock
/// ([`config_changing`]), so no other change can take the name meanwhile.
pub(crate) async fn name_is_free(
    tx: &mut super::Tx<'_>,
    bot_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let taken: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM custom_fields WHERE bot_id = $1 AND lower(name) = lower($2) AND id <> $3",
    )
    .bind(bot_id)
    .bind(name)
    .bind(except.unwrap_or(0))
    .fetch_optional(&mut **tx)
    .await?;
    match taken {
        Some((other,)) => Err(Error::field(
            "name",
            format!("this bot already has a custom field named \"{other}\""),
        )),
        None => Ok(()),
    }
}

/// Moves the bot's configuration version, the version of everything the receiver reads about
/// the bot, which a request's turn reads ([`super::turn::start`]). Every transaction that
/// changes what the receiver reads about a bot (its settings, custom fields or webhooks) calls
/// it first: on PostgreSQL that takes the bot's row lock before any other, in the receiver's
/// order, so the two cannot deadlock. `NotFound` when there is no such bot.
pub(crate) async fn config_changing<'c>(db: impl Into<Conn<'c>>, bot_id: i64) -> Result<()> {
    let moved = query("UPDATE bots SET config_version = config_version + 1 WHERE id = $1")
        .bind(bot_id)
        .execute(&mut db.into())
        .await?;
    if moved == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The bot's custom fields, oldest first.
pub async fn fields<'c>(db: impl Into<Conn<'c>>, bot_id: i64) -> Result<Vec<CustomField>> {
    let rows: Vec<(i64, String, String)> =
        query("SELECT id, name, field_type FROM custom_fields WHERE bot_id = $1 ORDER BY id")
            .bind(bot_id)
            .fetch_all(&mut db.into())
            .await?;
    rows.into_iter()
        .map(|(id, name, field_type)| field(id, name, &field_type))
        .collect()
}

sql::row_struct! {
    /// A custom field's columns from a `LEFT JOIN`: all NULL in the one row of a bot without
    /// fields.
    pub(crate) struct JoinedField {
        id: Option<i64>,
        name: Option<String>,
        field_type: Option<String>,
    }
}

impl JoinedField {
    pub(crate) fn field(self) -> Result<Option<CustomField>> {
        match (self.id, self.name, self.field_type) {
            (Some(id), Some(name), Some(t)) => field(id, name, &t).map(Some),
            _ => Ok(None),
        }
    }
}

/// A custom field from its stored columns.
pub(crate) fn field(id: i64, name: String, field_type: &str) -> Result<CustomField> {
    Ok(CustomField {
        id,
        name,
        field_type: FieldType::parse(field_type).map_err(Error::Internal)?,
    })
}
