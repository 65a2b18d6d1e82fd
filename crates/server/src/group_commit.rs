//! The receiver's writes: [`Writer::write`] runs a request's work in a transaction and returns
//! once it is committed and durable.
//!
//! SQLite has one writer, so it gets one thread: it owns a connection, runs every queued
//! request's work in one transaction and commits the batch. The busier the server, the bigger
//! the batch. Statements run in place on that thread (`store::sql`), with no hand-off per
//! statement.
//!
//! A failing request must roll back alone. Savepoints would do that, but a savepoint per request
//! copies every page the request changes into a statement journal first, about a tenth of the
//! writer's time, for requests that almost never fail. So a batch runs without them, and only
//! when a request fails is the batch rolled back and run again with a savepoint per request
//! (work is therefore re-runnable: [`Work`] is `FnMut`).
//!
//! The writer does not wait for the disk: a second thread syncs the WAL file after commits and
//! only then answers their requests. One sync makes every batch committed before it durable,
//! and while it waits for the disk the writer runs the next batch.
//!
//! PostgreSQL writes in parallel under row locks, so there each request is a transaction of
//! its own; requests to one bot wait for each other in the process first (see [`BotQueues`]).

use crate::error::{Error, Result};
use crate::store::sql::{Conn, Role, SqliteConn};
use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc as std_mpsc};
use tokio::sync::{Mutex, mpsc, oneshot};

/// At most this many requests share a commit, so a batch's answers are not held back long.
const MAX_BATCH: usize = 512;

/// What a write does in its transaction; a failure rolls back only its own effects. It may run
/// more than once, each time after the effects of the run before were rolled back.
pub type Work<T> = Box<dyn for<'t, 'c> FnMut(&'t mut Conn<'c>) -> BoxFuture<'t, Result<T>> + Send>;

/// Who writes: SQLite's writer thread, or PostgreSQL's pool with a queue per bot.
pub enum Writer {
    Sqlite(WriterThread),
    Postgres { pool: AnyPool, queues: BotQueues },
}

impl Writer {
    /// Runs `work` in a transaction for `bot_id`, in arrival order behind the bot's earlier
    /// requests, and returns once its effects are committed and durable. The order is what
    /// makes the daily limit exact: each request's count sees every one committed before it.
    pub async fn write<T: Send + 'static>(&self, bot_id: i64, mut work: Work<T>) -> Result<T> {
        match self {
            Writer::Sqlite(thread) => thread.write(work).await,
            Writer::Postgres { pool, queues } => {
                let queue = queues.queue(bot_id);
                let _turn = queue.lock().await;
                let mut conn = Conn::Tx(pool.begin().await?);
                // The work's first statement takes the bot's row lock (`store::turn::start`),
                // which orders its requests until commit, across server processes too.
                let out = work(&mut conn).await?;
                if let Conn::Tx(tx) = conn {
                    tx.commit().await?;
                }
                Ok(out)
            }
        }
    }
}

/// A request's work as the writer thread runs it, and its answer once its batch's commit ended.
trait Job: Send {
    /// Runs the work; whether it succeeded. A run replaces the outcome of any run before it.
    fn run<'a>(&'a mut self, conn: &'a mut Conn<'_>) -> BoxFuture<'a, bool>;
    /// Answers the request with its work's outcome and the commit's.
    fn answer(self: Box<Self>, committed: std::result::Result<(), String>);
}

struct Pending<T> {
    work: Work<T>,
    /// The last run's outcome; `None` before a run, or when the run panicked.
    outcome: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send + 'static> Job for Pending<T> {
    fn run<'a>(&'a mut self, conn: &'a mut Conn<'_>) -> BoxFuture<'a, bool> {
        self.outcome = None;
        Box::pin(async move {
            let outcome = (self.work)(conn).await;
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn answer(self: Box<Self>, committed: std::result::Result<(), String>) {
        let answer = match (self.outcome, committed) {
            (None, _) => Err(not_run()),
            (Some(outcome), Ok(())) => outcome,
            (Some(_), Err(e)) => Err(Error::Internal(format!("commit failed: {e}"))),
        };
        let _ = self.reply.send(answer);
    }
}

fn not_run() -> Error {
    Error::Internal("the SQLite writer could not run the request".into())
}

/// SQLite's one writer.
pub struct WriterThread {
    jobs: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl WriterThread {
    /// Starts the writer of the database file at `path`, with the thread that makes its
    /// commits durable. Both stop once the writer is dropped.
    pub fn start(path: &Path) -> std::result::Result<WriterThread, String> {
        let conn = SqliteConn::open(path, Role::Writer)?;
        let (jobs, queue) = mpsc::unbounded_channel();
        let (committed, to_sync) = std_mpsc::channel();
        let wal = wal_path(path);
        spawn("sqlite-sync", move || sync(&wal, to_sync))?;
        spawn("sqlite-writer", move || run(conn, queue, committed))?;
        Ok(WriterThread { jobs })
    }

    async fn write<T: Send + 'static>(&self, work: Work<T>) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            work,
            outcome: None,
            reply,
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::Internal("the SQLite writer has stopped".into()))?;
        // A dropped reply means the job was dropped unrun: its batch could not begin.
        answer.await.map_err(|_| not_run())?
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::result::Result<(), String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map(drop)
        .map_err(|e| format!("cannot start the SQLite {name}: {e}"))
}

fn run(
    conn: SqliteConn,
    mut queue: mpsc::UnboundedReceiver<Box<dyn Job>>,
    committed: std_mpsc::Sender<Vec<Box<dyn Job>>>,
) {
    // The work is async (the same code runs on PostgreSQL) but never waits on SQLite; a
    // runtime of this thread's own drives it.
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("the SQLite writer cannot start: {e}");
            return;
        }
    };
    let writer = BatchRunner {
        runtime: &runtime,
        conn: &conn,
    };
    while let Some(first) = queue.blocking_recv() {
        if let Err(e) = conn.run("BEGIN IMMEDIATE") {
            // Dropping the job answers it with an error; nothing was written.
            tracing::error!("the SQLite writer cannot begin a transaction: {e}");
            continue;
        }
        let mut batch = Batch::default();
        let mut result = Ok(());
        let mut next = Some(first);
        while let Some(job) = next.take() {
            result = writer.run(&mut batch, job);
            if result.is_err() {
                break;
            }
            if batch.jobs.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        let batch = batch.jobs;
        let result = result.and_then(|()| conn.run("COMMIT"));
        match result {
            Ok(()) => {
                if let Err(unsent) = committed.send(batch) {
                    answer(unsent.0, &Err("the SQLite sync thread has stopped".into()));
                }
            }
            Err(e) => {
                tracing::error!("group commit failed: {e}");
                let _ = conn.run("ROLLBACK");
                answer(batch, &Err(e));
            }
        }
    }
}

/// The requests of one transaction.
#[derive(Default)]
struct Batch {
    jobs: Vec<Box<dyn Job>>,
    /// Whether each job runs in a savepoint of its own: once one has failed.
    in_savepoints: bool,
}

/// Runs a batch's requests on the writer's connection.
struct BatchRunner<'w> {
    runtime: &'w tokio::runtime::Runtime,
    conn: &'w SqliteConn,
}

impl BatchRunner<'_> {
    /// Runs `job` and adds it to the batch. Without a savepoint until a job fails: then the
    /// batch is rolled back, and every job of it runs again, each in a savepoint of its own, as
    /// will the batch's later jobs. An error leaves the batch unusable.
    fn run(&self, batch: &mut Batch, mut job: Box<dyn Job>) -> std::result::Result<(), String> {
        if batch.in_savepoints {
            self.run_in_savepoint(&mut job)?;
            batch.jobs.push(job);
            return Ok(());
        }
        let ok = self.run_alone(&mut job);
        batch.jobs.push(job);
        if ok {
            return Ok(());
        }
        batch.in_savepoints = true;
        self.conn.run("ROLLBACK")?;
        self.conn.run("BEGIN IMMEDIATE")?;
        (batch.jobs.iter_mut()).try_for_each(|job| self.run_in_savepoint(job))
    }

    /// Runs one job; whether it succeeded. A panic in one request's work must not stop the
    /// writer: that request gets an error (it has no outcome) and its effects are rolled back.
    fn run_alone(&self, job: &mut Box<dyn Job>) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.runtime.block_on(job.run(&mut Conn::Sqlite(self.conn)))
        }))
        .unwrap_or(false)
    }

    /// Runs one job in its own savepoint, rolled back when the job fails.
    fn run_in_savepoint(&self, job: &mut Box<dyn Job>) -> std::result::Result<(), String> {
        self.conn.run("SAVEPOINT request")?;
        if !self.run_alone(job) {
            self.conn.run("ROLLBACK TO request")?;
        }
        self.conn.run("RELEASE request")
    }
}

fn answer(batch: Vec<Box<dyn Job>>, outcome: &std::result::Result<(), String>) {
    for job in batch {
        job.answer(outcome.clone());
    }
}

/// Answers committed batches once the WAL file holding them is on disk. The writer commits
/// without syncing (synchronous=NORMAL), so this sync is what makes a commit survive a crash
/// of the machine; every batch committed before it started is covered by it.
fn sync(wal: &Path, committed: std_mpsc::Receiver<Vec<Box<dyn Job>>>) {
    // A new WAL file's name in its folder must be on disk as well; SQLite syncs the folder
    // only at its own first sync of the file, which a NORMAL commit does not make.
    let mut folder_synced = false;
    while let Ok(mut finished) = committed.recv() {
        while let Ok(more) = committed.try_recv() {
            finished.extend(more);
        }
        let synced = sync_file(wal).and_then(|()| {
            if !folder_synced {
                sync_file(
                    wal.parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .unwrap_or(Path::new(".")),
                )?;
                folder_synced = true;
            }
            Ok(())
        });
        if let Err(e) = &synced {
            tracing::error!("{e}");
        }
        answer(finished, &synced);
    }
}

/// The WAL file is open in SQLite as long as the writer's connection is, so it is the same
/// file here; an fd of our own only syncs, and holds no lock that closing it could drop.
fn sync_file(path: &Path) -> std::result::Result<(), String> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_data())
        .map_err(|e| format!("cannot sync {}: {e}", path.display()))
}

/// SQLite's WAL file for the database at `path`.
fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::query;

    /// A new database file with table `t (v <column>)`, and a writer on it.
    fn writer_on_new_table(column: &str) -> (tempfile::TempDir, PathBuf, Arc<WriterThread>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("writer.db");
        let setup = SqliteConn::open(&path, Role::Writer).unwrap();
        setup
            .run(&format!("CREATE TABLE t (v {column} NOT NULL)"))
            .unwrap();
        let writer = Arc::new(WriterThread::start(&path).unwrap());
        (dir, path, writer)
    }

    fn insert(v: i64) -> Work<i64> {
        Box::new(move |conn| {
            Box::pin(async move {
                query("INSERT INTO t (v) VALUES ($1)")
                    .bind(v)
                    .execute(conn)
                    .await?;
                Ok(v)
            })
        })
    }

    /// Work that inserts `v` and counts its runs in `runs`.
    fn counted_insert(v: i64, runs: &Arc<std::sync::atomic::AtomicUsize>) -> Work<i64> {
        let runs = runs.clone();
        Box::new(move |conn| {
            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            insert(v)(conn)
        })
    }

    /// Work that holds the writer, the first time it runs, until `release` is sent; so that the
    /// requests sent while it waits share its batch.
    fn holding(release: std::sync::mpsc::Receiver<()>) -> Work<i64> {
        let mut hold = Some(release);
        Box::new(move |conn| {
            let hold = hold.take();
            Box::pin(async move {
                if let Some(hold) = hold {
                    hold.recv().unwrap();
                }
                query("INSERT INTO t (v) VALUES (1)").execute(conn).await?;
                Ok(1)
            })
        })
    }

    /// Sends `works` to the writer one after another, all in one batch behind a first request
    /// that holds the writer until they are queued; their answers in order.
    async fn one_batch(writer: &Arc<WriterThread>, works: Vec<Work<i64>>) -> Vec<Result<i64>> {
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let mut answers = Vec::new();
        for work in std::iter::once(holding(hold)).chain(works) {
            let writer = writer.clone();
            answers.push(tokio::spawn(async move { writer.write(work).await }));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        release.send(()).unwrap();
        let mut results = Vec::new();
        for answer in answers {
            results.push(answer.await.unwrap());
        }
        results
    }

    async fn values(path: &Path) -> Vec<i64> {
        let reader = SqliteConn::open(path, Role::Reader).unwrap();
        let rows: Vec<(i64,)> = query("SELECT v FROM t ORDER BY v")
            .fetch_all(&mut Conn::Sqlite(&reader))
            .await
            .unwrap();
        rows.into_iter().map(|(v,)| v).collect()
    }

    /// Requests that share a batch: one fails after writing, one panics after writing; both
    /// roll back alone, the others commit, and the writer goes on serving. The batch ran
    /// without savepoints until the failure, then again with one per request: the requests
    /// before the failure ran twice, those after it once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_request_rolls_back_alone() {
        let (_dir, path, writer) = writer_on_new_table("INTEGER");
        let (before, after) = (Arc::default(), Arc::default());
        let failing: Work<i64> = Box::new(|conn| {
            Box::pin(async move {
                query("INSERT INTO t (v) VALUES (2)").execute(conn).await?;
                Err(Error::Conflict("refused after writing".into()))
            })
        });
        let panicking: Work<i64> = Box::new(|conn| {
            Box::pin(async move {
                query("INSERT INTO t (v) VALUES (3)").execute(conn).await?;
                panic!("a bug in one request's work");
            })
        });
        let works = vec![
            counted_insert(10, &before),
            failing,
            panicking,
            counted_insert(4, &after),
        ];
        let results = one_batch(&writer, works).await;
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert_eq!(results[1].as_ref().ok(), Some(&10));
        assert!(
            matches!(results[2], Err(Error::Conflict(_))),
            "{:?}",
            results[2]
        );
        assert!(
            matches!(&results[3], Err(Error::Internal(m)) if m.contains("could not run")),
            "{:?}",
            results[3]
        );
        assert_eq!(results[4].as_ref().ok(), Some(&4));
        let runs =
            |n: &Arc<std::sync::atomic::AtomicUsize>| n.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!((runs(&before), runs(&after)), (2, 1));
        assert_eq!(writer.write(insert(5)).await.unwrap(), 5);
        assert_eq!(values(&path).await, [1, 4, 5, 10]);
    }

    /// A batch in which every request succeeds runs each once and commits them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_without_failures_runs_each_request_once() {
        let (_dir, path, writer) = writer_on_new_table("INTEGER");
        let runs: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let works = (2..6).map(|v| counted_insert(v, &runs)).collect();
        let results = one_batch(&writer, works).await;
        let answered: Vec<i64> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(answered, [1, 2, 3, 4, 5]);
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert_eq!(values(&path).await, [1, 2, 3, 4, 5]);
    }

    /// A batch is answered only once its WAL file is synced: when the sync fails, the request
    /// is answered with the error, not as durable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_is_answered_only_after_its_sync() {
        let (_dir, path, writer) = writer_on_new_table("INTEGER");
        assert_eq!(writer.write(insert(1)).await.unwrap(), 1);

        // Without its name the WAL file cannot be opened to be synced.
        std::fs::remove_file(wal_path(&path)).unwrap();
        let refused = writer.write(insert(2)).await.unwrap_err();
        assert!(
            matches!(&refused, Error::Internal(m) if m.contains("cannot sync")),
            "{refused:?}"
        );
    }

    /// A writer that never pauses still gets its WAL file started over: SQLite's checkpoint
    /// in the writer's commits keeps it near 1,000 pages (4 MB), where a checkpoint that
    /// cannot catch up would let it grow with everything written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_sustained_writes() {
        let (_dir, path, writer) = writer_on_new_table("TEXT");
        let row = Arc::new("x".repeat(4000));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (writer, row) = (writer.clone(), row.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..500 {
                    let row = row.clone();
                    let work: Work<()> = Box::new(move |conn| {
                        let row = row.clone();
                        Box::pin(async move {
                            query("INSERT INTO t (v) VALUES ($1)")
                                .bind(row.as_str())
                                .execute(conn)
                                .await?;
                            Ok(())
                        })
                    });
                    writer.write(work).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        // 8,000 rows of 4 KB: 32 MB went through the WAL.
        let wal = std::fs::metadata(wal_path(&path)).unwrap().len();
        assert!(wal < 12 << 20, "the WAL file grew to {wal} bytes");
    }
}
