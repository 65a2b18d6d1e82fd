//! Live events for subscribers (the editor's listen mode, the live log): a captured sample,
//! a new log row. Events carry ids only; subscribers read the rest from the database.
//!
//! After a commit, [`Hub::committed`] hands the events to this process's subscribers at once.
//! On PostgreSQL it also queues them for every other server process on the database: a task
//! sends them by `NOTIFY`, from a connection of its own, after the commit. Not inside the
//! request's transaction: a transaction that notifies takes a lock on the whole database
//! cluster at commit and holds it until its commit is on disk, so every request's commit would
//! wait for every other's. The price: a process that dies between a commit and its `NOTIFY`
//! leaves the other processes' live views one event short; the log row itself is committed.

use crate::db::{Db, DbKind};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, postgres::PgConnection};
use tokio::sync::{broadcast, mpsc};

const CHANNEL: &str = "botwire_events";
/// Events per `NOTIFY`: PostgreSQL refuses payloads of 8000 bytes or more, and an event takes
/// at most 89 bytes (two 19-digit ids).
const EVENTS_PER_NOTICE: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    SampleCaptured { webhook_id: i64 },
    LogWritten { webhook_id: i64, log_id: i64 },
}

impl Event {
    pub fn webhook_id(&self) -> i64 {
        match self {
            Event::SampleCaptured { webhook_id } | Event::LogWritten { webhook_id, .. } => {
                *webhook_id
            }
        }
    }
}

/// One `NOTIFY`'s payload: events in commit order, and the process that sent them, which has
/// already handed them to its own subscribers.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    from: u64,
    events: Vec<Event>,
}

#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<Event>,
    /// PostgreSQL: events for the other server processes.
    others: Option<mpsc::UnboundedSender<Vec<Event>>>,
}

impl Hub {
    /// Starts the hub; on PostgreSQL it listens for other processes' events and starts the
    /// task that sends this process's.
    pub async fn start(db: &Db) -> Result<Hub, String> {
        let (sender, _) = broadcast::channel(1024);
        let mut others = None;
        if db.kind() == DbKind::Postgres {
            // Tells this process's notices from the others'.
            let origin: u64 = rand::random();
            let mut listener = sqlx::postgres::PgListener::connect(db.url())
                .await
                .map_err(|e| format!("cannot listen for events: {e}"))?;
            listener.listen(CHANNEL).await.map_err(|e| e.to_string())?;
            tokio::spawn(hear(listener, origin, sender.clone()));
            let (queue, queued) = mpsc::unbounded_channel();
            tokio::spawn(tell(db.url().to_owned(), origin, queued));
            others = Some(queue);
        }
        Ok(Hub { sender, others })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// After commit: hands `events` to this process's subscribers, and on PostgreSQL to the
    /// other processes'.
    pub fn committed(&self, events: Vec<Event>) {
        for event in &events {
            let _ = self.sender.send(event.clone());
        }
        if let Some(others) = &self.others
            && !events.is_empty()
        {
            let _ = others.send(events);
        }
    }
}

/// Hands the other processes' notices to this process's subscribers.
async fn hear(
    mut listener: sqlx::postgres::PgListener,
    origin: u64,
    sender: broadcast::Sender<Event>,
) {
    loop {
        match listener.recv().await {
            Ok(n) => match serde_json::from_str::<Notice>(n.payload()) {
                Ok(notice) if notice.from == origin => {}
                Ok(notice) => {
                    for event in notice.events {
                        let _ = sender.send(event);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "unreadable event"),
            },
            // PgListener reconnects by itself on the next recv.
            Err(e) => tracing::warn!(error = %e, "event listener"),
        }
    }
}

/// Sends this process's events to the others, in commit order, as few notices as fit: whatever
/// was committed while one was being sent goes in the next.
async fn tell(url: String, origin: u64, mut queued: mpsc::UnboundedReceiver<Vec<Event>>) {
    let mut conn = None;
    while let Some(mut events) = queued.recv().await {
        while let Ok(more) = queued.try_recv() {
            events.extend(more);
        }
        for payload in notices(origin, events) {
            if let Err(e) = notify(&mut conn, &url, &payload).await {
                // Connected again for the next events; these reach only this process's
                // subscribers.
                conn = None;
                tracing::warn!(error = %e, "events not sent to the other server processes");
                break;
            }
        }
    }
}

fn notices(origin: u64, mut events: Vec<Event>) -> Vec<String> {
    let mut payloads = Vec::new();
    while !events.is_empty() {
        let rest = events.split_off(events.len().min(EVENTS_PER_NOTICE));
        let notice = Notice {
            from: origin,
            events,
        };
        payloads.push(serde_json::to_string(&notice).expect("events serialise"));
        events = rest;
    }
    payloads
}

async fn notify(
    conn: &mut Option<PgConnection>,
    url: &str,
    payload: &str,
) -> Result<(), sqlx::Error> {
    let conn = match conn {
        Some(conn) => conn,
        None => {
            let mut new = PgConnection::connect(url).await?;
            // A notice lost in a crash costs a live update only, so its commit need not wait
            // for the disk, holding the notify lock meanwhile.
            sqlx::query("SET synchronous_commit = off")
                .execute(&mut new)
                .await?;
            conn.insert(new)
        }
    };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_fit_postgres_payload_limit_and_keep_the_order() {
        let events: Vec<Event> = (0..200)
            .map(|i| match i % 3 {
                0 => Event::SampleCaptured { webhook_id: -i },
                _ => Event::LogWritten {
                    webhook_id: i64::MIN + i,
                    log_id: i64::MIN + i,
                },
            })
            .collect();
        let payloads = notices(u64::MAX, events.clone());
        assert_eq!(payloads.len(), 4);
        let mut back = Vec::new();
        for payload in payloads {
            assert!(payload.len() < 8000, "{} bytes", payload.len());
            let notice: Notice = serde_json::from_str(&payload).unwrap();
            assert_eq!(notice.from, u64::MAX);
            back.extend(notice.events);
        }
        assert_eq!(back, events);
        assert!(notices(1, Vec::new()).is_empty());
    }
}
