//! Bot users as the admin API shows them: search, and one user with field values, outbox
//! messages and the log rows that touched them.

use super::bot_admin::contains_pattern;
use crate::error::{Error, Result};
use sqlx::{AnyPool, FromRow};

/// A bot user's built-in fields.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct User {
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
}

const USER_COLUMNS: &str = "id, bot_id, user_ns, crm_contact_id, phone, email, first_name, last_name, \
                            source, created_at, updated_at";

/// The bot's users whose first or last name, phone, email or user_ns contains `q` (any case),
/// newest first, ids below `before_id`, up to `limit`.
pub async fn search(
    pool: &AnyPool,
    bot_id: i64,
    q: Option<&str>,
    before_id: i64,
    limit: u32,
) -> Result<Vec<User>> {
    let filter = if q.is_some() {
        " AND (LOWER(first_name) LIKE LOWER($3) ESCAPE '\\' OR LOWER(last_name) LIKE LOWER($3) ESCAPE '\\' \
         OR LOWER(phone) LIKE LOWER($3) ESCAPE '\\' OR LOWER(email) LIKE LOWER($3) ESCAPE '\\' \
         OR LOWER(user_ns) LIKE LOWER($3) ESCAPE '\\')"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM bot_users WHERE bot_id = $1 AND id < $2{filter} \
         ORDER BY id DESC LIMIT {limit}"
    );
    let mut query = sqlx::query_as::<_, User>(&sql).bind(bot_id).bind(before_id);
    if let Some(q) = q {
        query = query.bind(contains_pattern(q));
    }
    Ok(query.fetch_all(pool).await?)
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<User> {
    let user: Option<User> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM bot_users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    user.ok_or(Error::NotFound)
}

/// A stored custom field value: the field, its type, the JSON text as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StoredValue {
    pub field_id: i64,
    pub name: String,
    pub field_type: String,
    pub value: String,
    pub updated_at: i64,
}

/// The user's custom field values, in field order.
pub async fn values(pool: &AnyPool, user_id: i64) -> Result<Vec<StoredValue>> {
    Ok(sqlx::query_as(
        "SELECT v.field_id, f.name, f.field_type, v.value, v.updated_at FROM field_values v \
         JOIN custom_fields f ON f.id = v.field_id WHERE v.user_id = $1 ORDER BY f.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// A message queued for the user.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub webhook_id: Option<i64>,
    pub log_id: Option<i64>,
    pub channel: String,
    pub message: String,
    pub status: String,
    pub created_at: i64,
}

/// The user's newest `limit` outbox messages, newest first.
pub async fn outbox(pool: &AnyPool, user_id: i64, limit: u32) -> Result<Vec<OutboxMessage>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, webhook_id, log_id, channel, message, status, created_at FROM outbox \
         WHERE user_id = $1 ORDER BY id DESC LIMIT {limit}"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// A log row that touched the user, briefly.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UserLog {
    pub id: i64,
    pub received_at: i64,
    pub webhook_id: i64,
    pub outcome: String,
    pub status: i64,
}

/// The newest `limit` log rows that touched the user, newest first.
pub async fn logs(pool: &AnyPool, user_id: i64, limit: u32) -> Result<Vec<UserLog>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, received_at, webhook_id, outcome, status FROM request_logs \
         WHERE user_id = $1 ORDER BY id DESC LIMIT {limit}"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}
