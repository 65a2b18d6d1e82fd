//! Messages a webhook's action sends, queued for the bot's channel.

use super::sql::{Conn, query};
use crate::error::Result;

/// A message to queue, and the log row of the request that queues it.
pub struct NewMessage<'a> {
    pub bot_id: i64,
    pub user_id: i64,
    pub webhook_id: i64,
    pub log_id: i64,
    pub channel: &'a str,
    pub message: &'a str,
}

/// Queues a message for the bot's channel.
pub async fn enqueue(tx: &mut Conn<'_>, m: &NewMessage<'_>) -> Result<i64> {
    query(
        "INSERT INTO outbox (bot_id, user_id, webhook_id, log_id, channel, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.bot_id)
    .bind(m.user_id)
    .bind(m.webhook_id)
    .bind(m.log_id)
    .bind(m.channel)
    .bind(m.message)
    .bind(super::now_ms())
    .insert_returning_id(tx)
    .await
}
