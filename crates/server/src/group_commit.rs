//! Group commit for SQLite's one writer: requests that queue for the write lock share one
//! transaction, each in its own savepoint, and a committer task commits them together, so one
//! WAL sync makes a whole batch durable instead of one request. Each request is answered only
//! after the commit that holds it, so nothing acknowledged is lost.
//!
//! PostgreSQL writes in parallel under row locks, so there a turn is a transaction of its own;
//! requests to one bot wait for each other in the process first (see [`BotQueues`]).

use crate::error::{Error, Result};
use crate::store::Tx;
use sqlx::{AnyPool, Connection};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

/// How a batch's commit ended, for every request in it.
type Outcome = Option<std::result::Result<(), String>>;

/// The SQLite writer: the open batch and the committer's wake-up call.
pub struct Group {
    batch: Arc<Mutex<Batch>>,
    wake: Arc<Notify>,
}

struct Batch {
    /// The shared transaction, begun by the batch's first request.
    tx: Option<Tx<'static>>,
    /// Tells the batch's requests how its commit ended.
    done: watch::Sender<Outcome>,
}

impl Group {
    /// Starts the committer task; call within the tokio runtime.
    pub fn start() -> Arc<Group> {
        let group = Arc::new(Group {
            batch: Arc::new(Mutex::new(Batch {
                tx: None,
                done: watch::channel(None).0,
            })),
            wake: Arc::new(Notify::new()),
        });
        tokio::spawn(commit_loop(
            Arc::downgrade(&group.batch),
            group.wake.clone(),
        ));
        group
    }
}

/// Commits whatever batch is open each time a request asks for it. The lock is fair (FIFO),
/// so the commit waits for every request that queued before the call and includes them all:
/// the busier the writer, the bigger the batch.
async fn commit_loop(batch: std::sync::Weak<Mutex<Batch>>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(batch) = batch.upgrade() else { return };
        let mut open = batch.lock_owned().await;
        let Some(tx) = open.tx.take() else { continue };
        let outcome = tx.commit().await.map_err(|e| e.to_string());
        if let Err(e) = &outcome {
            tracing::error!("group commit failed: {e}");
        }
        let done = std::mem::replace(&mut open.done, watch::channel(None).0);
        done.send_replace(Some(outcome));
    }
}

/// PostgreSQL: one queue per bot in the process. A bot's requests are serialised by its row
/// lock anyway; queueing here, before a pooled connection is taken, keeps a burst at one bot
/// from holding every connection while it waits on that lock and starving the other bots.
#[derive(Default)]
pub struct BotQueues {
    queues: std::sync::Mutex<HashMap<i64, Arc<Mutex<()>>>>,
}

/// Queues not in use are dropped once the map holds more than this many bots.
const IDLE_QUEUES_KEPT: usize = 1024;

impl BotQueues {
    fn queue(&self, bot_id: i64) -> Arc<Mutex<()>> {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if queues.len() > IDLE_QUEUES_KEPT {
            queues.retain(|_, q| Arc::strong_count(q) > 1);
        }
        queues.entry(bot_id).or_default().clone()
    }
}

/// Who a turn waits for: SQLite's one writer, or the bot's queue on PostgreSQL.
pub enum Writer {
    Sqlite(Arc<Group>),
    Postgres(Arc<BotQueues>),
}

/// One request's turn to write to a bot; take it before [`Turn::begin`].
pub struct Turn {
    pool: AnyPool,
    bot_id: i64,
    shared: Option<(OwnedMutexGuard<Batch>, Arc<Notify>)>,
    /// PostgreSQL: this bot's place in the process, held until the answer.
    _bot_turn: Option<OwnedMutexGuard<()>>,
}

impl Turn {
    /// Waits for the turn, in arrival order: on SQLite for the writer, on PostgreSQL for the
    /// bot's earlier requests in this process.
    pub async fn take(pool: &AnyPool, writer: &Writer, bot_id: i64) -> Turn {
        let (shared, bot_turn) = match writer {
            Writer::Sqlite(g) => (
                Some((g.batch.clone().lock_owned().await, g.wake.clone())),
                None,
            ),
            Writer::Postgres(queues) => (None, Some(queues.queue(bot_id).lock_owned().await)),
        };
        Turn {
            pool: pool.clone(),
            bot_id,
            shared,
            _bot_turn: bot_turn,
        }
    }

    /// The transaction for the request, in order behind the bot's earlier requests, so the
    /// limit counts every one committed before it: a savepoint in the shared batch on SQLite
    /// (the writer lock orders it; a failing request rolls back alone), its own transaction on
    /// PostgreSQL that first writes the bot's row (the row lock orders it until commit, across
    /// server processes too). Commit it, then wait for [`Turn::durable`] before answering.
    pub async fn begin(&mut self) -> Result<Tx<'_>> {
        let bot_id = self.bot_id;
        match &mut self.shared {
            None => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE bots SET request_seq = request_seq + 1 WHERE id = $1")
                    .bind(bot_id)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
            Some((open, _)) => {
                if open.tx.is_none() {
                    open.tx = Some(self.pool.begin().await?);
                }
                let batch = open.tx.as_mut().expect("begun above");
                Ok(Connection::begin(&mut **batch).await?)
            }
        }
    }

    /// Returns once what this turn committed survives a crash: on SQLite, when the batch that
    /// holds it has committed; the lock is let go first, so later requests join the batch.
    pub async fn durable(mut self) -> Result<()> {
        let Some((open, wake)) = self.shared.take() else {
            return Ok(());
        };
        if open.tx.is_none() {
            return Ok(());
        }
        let mut done = open.done.subscribe();
        drop(open);
        wake.notify_one();
        let outcome = done
            .wait_for(Option::is_some)
            .await
            .map_err(|_| Error::Internal("the committer stopped".into()))?
            .clone();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(Error::Internal(format!("commit failed: {e}"))),
            None => unreachable!("waited for Some"),
        }
    }
}

/// A turn given up without [`Turn::durable`] (an error, or the client went away) still asks
/// for the commit: the batch may hold other requests' work, and an open batch holds SQLite's
/// write lock.
impl Drop for Turn {
    fn drop(&mut self) {
        if let Some((open, wake)) = self.shared.take()
            && open.tx.is_some()
        {
            drop(open);
            wake.notify_one();
        }
    }
}
