//! Messages a webhook's action sends, queued for the bot's channel.

use super::sql::{Conn, query};
use crate::error::Result;

/// Queues a message for the bot's channel.
pub async fn enqueue(
    tx: &mut Conn<'_>,
    bot_id: i64,
    user_id: i64,
    webhook_id: i64,
    channel: &str,
    message: &str,
) -> Result<i64> {
    let (id,): (i64,) = query(
        "INSERT INTO outbox (bot_id, user_id, webhook_id, channel, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(bot_id)
    .bind(user_id)
    .bind(webhook_id)
    .bind(channel)
    .bind(message)
    .bind(super::now_ms())
    .fetch_one(tx)
    .await?;
    Ok(id)
}

/// Records which log row queued the message.
pub async fn link_log(tx: &mut Conn<'_>, outbox_id: i64, log_id: i64) -> Result<()> {
    query("UPDATE outbox SET log_id = $1 WHERE id = $2")
        .bind(log_id)
        .bind(outbox_id)
        .execute(tx)
        .await?;
    Ok(())
}
