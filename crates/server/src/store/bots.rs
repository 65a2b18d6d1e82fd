//! Workspaces, bots and their custom fields.

use super::sql::{self, Conn, query};
use crate::error::{Error, Result};
use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::names::FieldName;
use botwire_core::phone::Country;
use sqlx::AnyPool;

pub async fn create_workspace(pool: &AnyPool, name: &str) -> Result<i64> {
    let (id,): (i64,) =
        sqlx::query_as("INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(super::now_ms())
            .fetch_one(pool)
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
    sqlx::query("UPDATE bots SET daily_limit = $1 WHERE id = $2")
        .bind(i64::from(limit.get()))
        .bind(bot_id)
        .execute(pool)
        .await?;
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
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO custom_fields (bot_id, name, field_type, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (bot_id, name) DO NOTHING RETURNING id",
    )
    .bind(bot_id)
    .bind(name.as_str())
    .bind(field_type.as_str())
    .bind(super::now_ms())
    .fetch_optional(pool)
    .await?;
    row.map(|(id,)| id).ok_or_else(|| {
        Error::field(
            "name",
            format!("this bot already has a custom field named \"{name}\""),
        )
    })
}

pub async fn fields<'c>(db: impl Into<Conn<'c>>, bot_id: i64) -> Result<Vec<CustomField>> {
    let rows: Vec<(i64, String, String)> =
        query("SELECT id, name, field_type FROM custom_fields WHERE bot_id = $1 ORDER BY id")
            .bind(bot_id)
            .fetch_all(&mut db.into())
            .await?;
    rows.into_iter()
        .map(|(id, name, t)| field(id, name, &t))
        .collect()
}

/// A custom field from its stored columns.
pub(crate) fn field(id: i64, name: String, field_type: &str) -> Result<CustomField> {
    Ok(CustomField {
        id,
        name,
        field_type: FieldType::parse(field_type).map_err(Error::Internal)?,
    })
}
