//! Live events for subscribers (the editor's listen mode, the live log): a captured sample,
//! a new log row. Events carry ids only; subscribers read the rest from the database.
//!
//! On PostgreSQL they travel by `NOTIFY` inside the transaction that wrote them (delivered at
//! commit, to every server process on the database); on SQLite there is one process and they
//! go straight to its subscribers after commit.

use crate::db::{Db, DbKind};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

const CHANNEL: &str = "botwire_events";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    SampleCaptured { webhook_id: i64 },
    LogWritten { webhook_id: i64, log_id: i64 },
}

#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Event>,
    kind: DbKind,
}

impl Hub {
    /// Starts the hub; on PostgreSQL it listens for other processes' events too.
    pub async fn start(db: &Db) -> Result<Hub, String> {
        let (sender, _) = broadcast::channel(1024);
        if db.kind() == DbKind::Postgres {
            let mut listener = sqlx::postgres::PgListener::connect(db.url())
                .await
                .map_err(|e| format!("cannot listen for events: {e}"))?;
            listener.listen(CHANNEL).await.map_err(|e| e.to_string())?;
            let tx = sender.clone();
            tokio::spawn(async move {
                loop {
                    match listener.recv().await {
                        Ok(n) => match serde_json::from_str::<Event>(n.payload()) {
                            Ok(event) => {
                                let _ = tx.send(event);
                            }
                            Err(e) => tracing::warn!(error = %e, "unreadable event"),
                        },
                        // PgListener reconnects by itself on the next recv.
                        Err(e) => tracing::warn!(error = %e, "event listener"),
                    }
                }
            });
        }
        Ok(Hub {
            sender,
            kind: db.kind(),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// Publishes `events` as part of `tx`: call before commit; [`Hub::committed`] after it.
    pub async fn stage(
        &self,
        tx: &mut crate::store::sql::Conn<'_>,
        events: &[Event],
    ) -> crate::error::Result<()> {
        if self.kind == DbKind::Postgres {
            for event in events {
                let payload = serde_json::to_string(event)
                    .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
                crate::store::sql::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(tx)
                    .await?;
            }
        }
        Ok(())
    }

    /// After commit: on SQLite, hands the events to this process's subscribers.
    pub fn committed(&self, events: Vec<Event>) {
        if self.kind == DbKind::Sqlite {
            for event in events {
                let _ = self.sender.send(event);
            }
        }
    }
}
