//! The first statement of a request's turn to write.

use super::sql::{Conn, query};
use crate::error::Result;

/// What a request's turn starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnStart {
    /// The bot's configuration version, as committed ([`super::bots::config_changing`] moves it).
    pub config_version: i64,
    /// The id the request's log row will have: its answer and its queued message name it.
    pub log_id: i64,
}

/// Starts a request's turn in the writer's transaction for bot `bot_id`, in one statement
/// (on PostgreSQL each statement is a round trip): it reads the bot's configuration version
/// and takes the id of the request's log row, and on PostgreSQL it takes the bot's row lock,
/// which orders the bot's requests until commit across server processes (SQLite's writer runs
/// one transaction at a time). `None` when the bot is gone.
pub async fn start(tx: &mut Conn<'_>, bot_id: i64) -> Result<Option<TurnStart>> {
    let sqlite = tx.is_sqlite("a request's turn")?;
    let log_id = super::logs::next_id_sql(sqlite);
    let sql = if sqlite {
        format!("SELECT config_version, {log_id} FROM bots WHERE id = $1")
    } else {
        format!(
            "UPDATE bots SET request_seq = request_seq + 1 WHERE id = $1 \
             RETURNING config_version, {log_id}"
        )
    };
    let row: Option<(i64, i64)> = query(sql).bind(bot_id).fetch_optional(tx).await?;
    Ok(row.map(|(config_version, log_id)| TurnStart {
        config_version,
        log_id,
    }))
}
