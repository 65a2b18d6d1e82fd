//! What the admin API does to bots and custom fields beyond the receiver's needs: listing
//! with search, updating and deleting bots, list figures (webhooks, last error), and custom
//! field renames and deletions together with everything that names the field.

use super::bots::{BOT_COLUMNS, Bot, BotRow, CustomField};
use crate::error::{Error, Result};
use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::mapping::Mapping;
use botwire_core::phone::Country;
use sqlx::{AnyPool, FromRow};
use std::collections::HashMap;

/// `%text%` for `LOWER(col) LIKE LOWER($n) ESCAPE '\'`: `%`, `_` and `\` in the text match
/// themselves.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `$first, $first+1, …` for `n` values bound in order.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bots of `workspace_ids` whose name contains `q` (any case), newest first, with ids below
/// `before_id`; up to `limit` rows.
pub async fn list_bots(
    pool: &AnyPool,
    workspace_ids: &[i64],
    q: Option<&str>,
    channel: Option<Channel>,
    before_id: i64,
    limit: u32,
) -> Result<Vec<Bot>> {
    if workspace_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!(
        "SELECT {BOT_COLUMNS} FROM bots WHERE id < $1 AND workspace_id IN ({})",
        placeholders(2, workspace_ids.len())
    );
    let mut next = workspace_ids.len() + 2;
    if q.is_some() {
        sql.push_str(&format!(" AND LOWER(name) LIKE LOWER(${next}) ESCAPE '\\'"));
        next += 1;
    }
    if channel.is_some() {
        sql.push_str(&format!(" AND channel = ${next}"));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut statement = super::sql::query(sql).bind(before_id);
    for id in workspace_ids {
        statement = statement.bind(*id);
    }
    if let Some(q) = q {
        statement = statement.bind(contains_pattern(q));
    }
    if let Some(channel) = channel {
        statement = statement.bind(channel.as_str());
    }
    statement
        .fetch_all::<BotRow>(&mut pool.into())
        .await?
        .into_iter()
        .map(Bot::try_from)
        .collect()
}

/// A bot's inbound webhooks: how many are active, how many in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookCounts {
    pub active: i64,
    pub total: i64,
}

pub async fn webhook_counts(
    pool: &AnyPool,
    bot_ids: &[i64],
) -> Result<HashMap<i64, WebhookCounts>> {
    if bot_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT bot_id, CAST(SUM(CASE WHEN active = 1 THEN 1 ELSE 0 END) AS BIGINT), COUNT(*) \
         FROM inbound_webhooks WHERE bot_id IN ({}) GROUP BY bot_id",
        placeholders(1, bot_ids.len())
    );
    let mut query = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
    for id in bot_ids {
        query = query.bind(*id);
    }
    Ok(query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(bot, active, total)| (bot, WebhookCounts { active, total }))
        .collect())
}

/// The newest request a bot answered with a status of 400 or more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    pub log_id: i64,
    pub webhook_id: i64,
    pub received_at: i64,
    pub outcome: String,
    pub status: i64,
}

/// The last error of each of `bots` bots: one walk down each bot's error rows in their partial
/// index, newest first, however many other rows the bot has.
pub(crate) fn last_errors_sql(bots: usize) -> String {
    format!(
        "SELECT bot_id, id, webhook_id, received_at, outcome, status FROM request_logs WHERE id IN \
         (SELECT (SELECT e.id FROM request_logs e WHERE e.bot_id = b.id AND e.status >= 400 \
          ORDER BY e.id DESC LIMIT 1) FROM bots b WHERE b.id IN ({}))",
        placeholders(1, bots)
    )
}

pub async fn last_errors(pool: &AnyPool, bot_ids: &[i64]) -> Result<HashMap<i64, LastError>> {
    if bot_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = last_errors_sql(bot_ids.len());
    let mut query = sqlx::query_as::<_, (i64, i64, i64, i64, String, i64)>(&sql);
    for id in bot_ids {
        query = query.bind(*id);
    }
    Ok(query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(bot, log_id, webhook_id, received_at, outcome, status)| {
            (
                bot,
                LastError {
                    log_id,
                    webhook_id,
                    received_at,
                    outcome,
                    status,
                },
            )
        })
        .collect())
}

/// Changes to a bot's settings, each already validated; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct BotChanges {
    pub workspace_id: Option<i64>,
    pub name: Option<String>,
    pub channel: Option<Channel>,
    pub default_country: Option<Country>,
    pub daily_limit: Option<DailyLimit>,
    pub max_webhooks: Option<MaxWebhooks>,
}

/// Changes a bot's settings, reading and writing under the bot's row lock (SQLite: the one
/// write lock), so concurrent changes of different settings all land. A webhook limit below
/// the number of webhooks the bot has is refused, naming both; creating a webhook takes the
/// same lock before it reads the limit and counts, so neither overtakes the other.
pub async fn update_bot(pool: &AnyPool, id: i64, changes: &BotChanges) -> Result<Bot> {
    let mut tx = pool.begin().await?;
    super::bots::config_changing(&mut *tx, id).await?;
    let current = super::bots::get_bot(&mut *tx, id).await?;
    let bot = Bot {
        id,
        workspace_id: changes.workspace_id.unwrap_or(current.workspace_id),
        name: changes.name.clone().unwrap_or(current.name),
        channel: changes.channel.unwrap_or(current.channel),
        default_country: changes
            .default_country
            .clone()
            .unwrap_or(current.default_country),
        daily_limit: changes.daily_limit.unwrap_or(current.daily_limit),
        max_webhooks: changes.max_webhooks.unwrap_or(current.max_webhooks),
    };
    if let Some(max) = changes.max_webhooks {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM inbound_webhooks WHERE bot_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let max = i64::from(max.get());
        if count > max {
            return Err(Error::field(
                "max_webhooks",
                format!(
                    "this bot has {count} inbound webhooks, more than the limit of {max} asked for; \
                     delete {} of them first or set a limit of at least {count}",
                    count - max
                ),
            ));
        }
    }
    sqlx::query(
        "UPDATE bots SET workspace_id = $1, name = $2, channel = $3, default_country = $4, \
         daily_limit = $5, max_webhooks = $6 WHERE id = $7",
    )
    .bind(bot.workspace_id)
    .bind(&bot.name)
    .bind(bot.channel.as_str())
    .bind(bot.default_country.as_str())
    .bind(i64::from(bot.daily_limit.get()))
    .bind(i64::from(bot.max_webhooks.get()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(bot)
}

/// Deletes a bot and everything it owns (fields, users, webhooks, logs, usage, outbox).
pub async fn delete_bot(pool: &AnyPool, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM bots WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

// ---- Custom fields -----------------------------------------------------------------------

/// A custom field as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    pub id: i64,
    pub bot_id: i64,
    pub name: String,
    pub field_type: FieldType,
    pub created_at: i64,
}

fn field_from_row(
    (id, bot_id, name, t, created_at): (i64, i64, String, String, i64),
) -> Result<FieldInfo> {
    Ok(FieldInfo {
        id,
        bot_id,
        name,
        field_type: FieldType::parse(&t).map_err(Error::Internal)?,
        created_at,
    })
}

/// A bot's custom fields, newest first, ids below `before_id`, up to `limit`.
pub async fn list_fields(
    pool: &AnyPool,
    bot_id: i64,
    before_id: i64,
    limit: u32,
) -> Result<Vec<FieldInfo>> {
    let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(&format!(
        "SELECT id, bot_id, name, field_type, created_at FROM custom_fields \
         WHERE bot_id = $1 AND id < $2 ORDER BY id DESC LIMIT {limit}"
    ))
    .bind(bot_id)
    .bind(before_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(field_from_row).collect()
}

/// One of the bot's custom fields; another bot's field is "not found".
pub async fn field<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    bot_id: i64,
    field_id: i64,
) -> Result<FieldInfo> {
    let row: Option<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, bot_id, name, field_type, created_at FROM custom_fields WHERE id = $1 AND bot_id = $2",
    )
    .bind(field_id)
    .bind(bot_id)
    .fetch_optional(db)
    .await?;
    field_from_row(row.ok_or(Error::NotFound)?)
}

impl From<FieldInfo> for CustomField {
    fn from(f: FieldInfo) -> CustomField {
        CustomField {
            id: f.id,
            name: f.name,
            field_type: f.field_type,
        }
    }
}

/// Locks the field before it is read (SQLite: the one write lock, which the caller's
/// `config_changing` took already, so a read-then-write transaction cannot be overtaken;
/// PostgreSQL: the field's row), "not found" for another bot's field.
async fn lock_field(tx: &mut super::Tx<'_>, bot_id: i64, field_id: i64) -> Result<()> {
    let done = sqlx::query("UPDATE custom_fields SET name = name WHERE id = $1 AND bot_id = $2")
        .bind(field_id)
        .bind(bot_id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The field, read first thing in a transaction that changes it: under the bot's lock
/// ([`super::bots::config_changing`]) and its own ([`lock_field`]).
async fn locked_field(tx: &mut super::Tx<'_>, bot_id: i64, field_id: i64) -> Result<FieldInfo> {
    super::bots::config_changing(&mut **tx, bot_id).await?;
    lock_field(tx, bot_id, field_id).await?;
    field(&mut **tx, bot_id, field_id).await
}

#[derive(FromRow)]
struct HookConfigRow {
    id: i64,
    name: String,
    mappings: String,
    action_template: Option<String>,
}

/// Every webhook of the bot with its mappings and template, under a write lock on those rows
/// (PostgreSQL row locks; SQLite's one writer), so nobody changes them until commit.
async fn lock_hook_configs(
    tx: &mut super::Tx<'_>,
    bot_id: i64,
) -> Result<Vec<(HookConfigRow, Vec<Mapping>)>> {
    sqlx::query("UPDATE inbound_webhooks SET updated_at = updated_at WHERE bot_id = $1")
        .bind(bot_id)
        .execute(&mut **tx)
        .await?;
    let rows: Vec<HookConfigRow> = sqlx::query_as(
        "SELECT id, name, mappings, action_template FROM inbound_webhooks WHERE bot_id = $1 ORDER BY id",
    )
    .bind(bot_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|row| {
            let mappings: Vec<Mapping> = serde_json::from_str(&row.mappings).map_err(|e| {
                Error::Internal(format!("webhook {}: stored mappings: {e}", row.id))
            })?;
            Ok((row, mappings))
        })
        .collect()
}

/// Renames a custom field, and with it every mapping into it and every `{{name}}` in the
/// bot's action templates, in one transaction. A name another field of the bot has is refused
/// on `name`.
pub async fn rename_field(
    pool: &AnyPool,
    bot_id: i64,
    field_id: i64,
    new_name: &str,
) -> Result<FieldInfo> {
    super::in_transaction(pool, async |tx| {
        rename_field_in(tx, bot_id, field_id, new_name).await
    })
    .await
}

/// [`rename_field`] in the caller's transaction.
pub async fn rename_field_in(
    tx: &mut super::Tx<'_>,
    bot_id: i64,
    field_id: i64,
    new_name: &str,
) -> Result<FieldInfo> {
    let old = locked_field(tx, bot_id, field_id).await?;
    if old.name == new_name {
        return Ok(old);
    }
    super::bots::name_is_free(tx, bot_id, new_name, Some(field_id)).await?;
    let duplicate = || {
        Error::field(
            "name",
            format!("this bot already has a custom field named \"{new_name}\""),
        )
    };
    let renamed = sqlx::query("UPDATE custom_fields SET name = $1 WHERE id = $2")
        .bind(new_name)
        .bind(field_id)
        .execute(&mut **tx)
        .await;
    match renamed {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(duplicate()),
        other => other?,
    };
    let now = super::now_ms();
    for (hook, mut mappings) in lock_hook_configs(tx, bot_id).await? {
        let mut changed = false;
        for m in mappings.iter_mut().filter(|m| m.field == old.name) {
            m.field = new_name.to_owned();
            changed = true;
        }
        let template = hook
            .action_template
            .as_deref()
            .map(|t| rename_placeholder(t, &old.name, new_name));
        if template != hook.action_template {
            changed = true;
        }
        if changed {
            sqlx::query(
                "UPDATE inbound_webhooks SET mappings = $1, action_template = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(to_json(&mappings)?)
            .bind(template)
            .bind(now)
            .bind(hook.id)
            .execute(&mut **tx)
            .await?;
        }
    }
    field(&mut **tx, bot_id, field_id).await
}

/// `template` with every placeholder naming `old` renamed to `new` (the whitespace inside the
/// braces kept). Placeholders are found as [`botwire_core::template::Template::parse`] finds
/// them; a template that does not parse is left as it is.
pub fn rename_placeholder(template: &str, old: &str, new: &str) -> String {
    use botwire_core::template::Template;
    let Ok(parsed) = Template::parse(template) else {
        return template.to_owned();
    };
    if !parsed.placeholders().contains(&old) {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len());
    let mut pos = 0;
    while let Some(found) = template[pos..].find("{{") {
        let mut open = pos + found;
        while template[open + 2..].starts_with('{') {
            open += 1;
        }
        let inner_start = open + 2;
        let Some(close) = template[inner_start..].find("}}").map(|c| inner_start + c) else {
            break;
        };
        let inner = &template[inner_start..close];
        out.push_str(&template[pos..inner_start]);
        if inner.trim() == old {
            let lead = inner.len() - inner.trim_start().len();
            let trail = inner.len() - inner.trim_end().len();
            out.push_str(&inner[..lead]);
            out.push_str(new);
            out.push_str(&inner[inner.len() - trail..]);
        } else {
            out.push_str(inner);
        }
        out.push_str("}}");
        pos = close + 2;
    }
    out.push_str(&template[pos..]);
    out
}

/// A webhook that names a custom field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldUser {
    pub webhook_id: i64,
    pub webhook_name: String,
    pub in_mappings: bool,
    pub in_template: bool,
}

/// What uses a custom field: webhooks whose mappings or action template name it, and how many
/// bot users have a value in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldUses {
    pub webhooks: Vec<FieldUser>,
    pub users_with_value: i64,
}

impl FieldUses {
    pub fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.users_with_value == 0
    }
}

fn template_names(template: Option<&str>, name: &str) -> bool {
    template
        .and_then(|t| botwire_core::template::Template::parse(t).ok())
        .is_some_and(|t| t.placeholders().contains(&name))
}

async fn field_uses(tx: &mut super::Tx<'_>, bot_id: i64, field: &FieldInfo) -> Result<FieldUses> {
    let hooks: Vec<HookConfigRow> = sqlx::query_as(
        "SELECT id, name, mappings, action_template FROM inbound_webhooks WHERE bot_id = $1 ORDER BY id",
    )
    .bind(bot_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut webhooks = Vec::new();
    for hook in hooks {
        let mappings: Vec<Mapping> = serde_json::from_str(&hook.mappings)
            .map_err(|e| Error::Internal(format!("webhook {}: stored mappings: {e}", hook.id)))?;
        let in_mappings = mappings.iter().any(|m| m.field == field.name);
        let in_template = template_names(hook.action_template.as_deref(), &field.name);
        if in_mappings || in_template {
            webhooks.push(FieldUser {
                webhook_id: hook.id,
                webhook_name: hook.name,
                in_mappings,
                in_template,
            });
        }
    }
    let (users_with_value,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM field_values WHERE field_id = $1")
            .bind(field.id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(FieldUses {
        webhooks,
        users_with_value,
    })
}

/// What [`delete_field`] did.
#[derive(Debug)]
pub enum FieldDeletion {
    Deleted,
    /// Nothing changed: the field is in use and the delete was not confirmed.
    InUse(FieldInfo, FieldUses),
}

/// Deletes a custom field, its values, and the mappings into it, in one transaction; unless
/// `confirmed`, a field in use is left alone and what uses it returned. The uses are read
/// under the same locks as the delete, so one added meanwhile is seen (read before, an edit
/// committed in between would lose its mapping unasked). Templates naming the field are left
/// as they are (the receiver refuses to render them, and says so in the log).
pub async fn delete_field(
    pool: &AnyPool,
    bot_id: i64,
    field_id: i64,
    confirmed: bool,
) -> Result<FieldDeletion> {
    let mut tx = pool.begin().await?;
    let field = locked_field(&mut tx, bot_id, field_id).await?;
    if !confirmed {
        let uses = field_uses(&mut tx, bot_id, &field).await?;
        if !uses.is_empty() {
            tx.rollback().await?;
            return Ok(FieldDeletion::InUse(field, uses));
        }
    }
    remove_field(&mut tx, bot_id, &field).await?;
    tx.commit().await?;
    Ok(FieldDeletion::Deleted)
}

/// Deletes a custom field as a confirmed [`delete_field`] does, in the caller's transaction.
pub async fn delete_field_in(tx: &mut super::Tx<'_>, bot_id: i64, field_id: i64) -> Result<()> {
    let field = locked_field(tx, bot_id, field_id).await?;
    remove_field(tx, bot_id, &field).await
}

/// Removes the mappings into a field [`locked_field`] read, its values and the field.
async fn remove_field(tx: &mut super::Tx<'_>, bot_id: i64, field: &FieldInfo) -> Result<()> {
    let now = super::now_ms();
    for (hook, mappings) in lock_hook_configs(tx, bot_id).await? {
        let kept: Vec<Mapping> = mappings
            .iter()
            .filter(|m| m.field != field.name)
            .cloned()
            .collect();
        if kept.len() != mappings.len() {
            sqlx::query("UPDATE inbound_webhooks SET mappings = $1, updated_at = $2 WHERE id = $3")
                .bind(to_json(&kept)?)
                .bind(now)
                .bind(hook.id)
                .execute(&mut **tx)
                .await?;
        }
    }
    sqlx::query("DELETE FROM field_values WHERE field_id = $1")
        .bind(field.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM custom_fields WHERE id = $1")
        .bind(field.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn renames_placeholders_only() {
        let t = "Hi {{ name }}, {{name}}! {{names}} {name} {{{name}}} {{first_name}}";
        assert_eq!(
            rename_placeholder(t, "name", "who"),
            "Hi {{ who }}, {{who}}! {{names}} {name} {{{who}}} {{first_name}}"
        );
        assert_eq!(
            rename_placeholder("no placeholders", "a", "b"),
            "no placeholders"
        );
        // A template that does not parse is left alone.
        assert_eq!(rename_placeholder("{{a}} {{", "a", "b"), "{{a}} {{");
        // Multi-byte text around placeholders.
        assert_eq!(
            rename_placeholder("Olá {{a}} — até {{ a }} 🎉", "a", "nome"),
            "Olá {{nome}} — até {{ nome }} 🎉"
        );
    }
}
