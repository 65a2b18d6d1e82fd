//! Storage: one sqlx `Any` pool over SQLite (the default, a file) or PostgreSQL (by URL).
//! Queries are written once in the SQL both accept (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); times are Unix milliseconds and JSON is text, so no type differs.

use crate::error::Result;
use crate::group_commit::{Work, Writer, WriterThread};
use crate::store::sql::{Conn, Role, SqliteConn};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The receiver's own SQLite read connections (see `store::sql`): about one per core, so a
/// read rarely waits for another.
const SQLITE_READERS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(DbKind::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(DbKind::Postgres)
        } else {
            Err(format!(
                "unsupported database URL {}: expected sqlite://FILE or postgres://…",
                redact_url(url)
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    kind: DbKind,
    url: String,
    /// Where the receiver's writes go (see `group_commit`): on SQLite its writer thread,
    /// which commits in groups (SQLite's busy handler, polling with growing sleeps, would
    /// make tail latency seconds long); on PostgreSQL the pool, queued per bot.
    writer: Arc<Writer>,
    /// SQLite: the receiver's read connections.
    readers: Arc<[SqliteConn]>,
    next_reader: Arc<AtomicUsize>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Runs the migrations not applied yet. Processes started together on a new SQLite file race
/// to migrate it (PostgreSQL's migrations take an advisory lock; SQLite's take none): the
/// loser's migration fails on the tables the winner just made, each in a transaction of its
/// own, and running them again finds them applied.
async fn migrate(
    migrator: &sqlx::migrate::Migrator,
    pool: &AnyPool,
    kind: DbKind,
) -> Result<(), String> {
    let mut tries = 0;
    loop {
        match migrator.run(pool).await {
            Ok(()) => return Ok(()),
            Err(_) if kind == DbKind::Sqlite && tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100 * tries)).await;
            }
            Err(e) => return Err(format!("migrations failed: {e}")),
        }
    }
}

impl Db {
    /// Opens the pool (creating an SQLite file if missing) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Db, String> {
        install_default_drivers();
        let kind = DbKind::from_url(url)?;
        if kind == DbKind::Sqlite {
            unicode_lower_on_sqlite()?;
        }
        let (url, options) = match kind {
            DbKind::Sqlite => (
                sqlite_url_creating_file(url),
                AnyPoolOptions::new()
                    // SQLite has one writer; a few connections serve readers while it writes.
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL: readers don't block the writer. FULL: a committed
                            // transaction survives a crash of the process or the machine.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    }),
            ),
            DbKind::Postgres => (url.to_owned(), AnyPoolOptions::new().max_connections(16)),
        };
        let pool = options
            // How long a request may queue for a connection. A burst at one bot is served at
            // that bot's serialised commit rate (see `store::usage`): its pooled connections
            // all wait on the bot's row (PostgreSQL) or the write lock (SQLite), and the rest
            // of the burst waits here, in order, so the tail of a burst of N waits about
            // N / rate. With 10 s, 600 concurrent requests on a loaded 2-core machine (debug
            // build, ~40 commits/s on PostgreSQL) answered their tail 500 "pool timed out"
            // instead of 200 or 429. 30 s drains such a burst and is still within what
            // webhook senders wait for an answer.
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await
            .map_err(|e| e.to_string())?;
        let migrator = match kind {
            DbKind::Sqlite => &SQLITE_MIGRATIONS,
            DbKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrate(migrator, &pool, kind).await?;
        let (writer, readers) = match kind {
            DbKind::Sqlite => {
                let path = sqlite_path(&url)?;
                let readers = (0..SQLITE_READERS)
                    .map(|_| SqliteConn::open(&path, Role::Reader))
                    .collect::<Result<Vec<_>, _>>()?;
                (Writer::Sqlite(WriterThread::start(&path)?), readers)
            }
            DbKind::Postgres => (
                Writer::Postgres {
                    pool: pool.clone(),
                    queues: Default::default(),
                },
                Vec::new(),
            ),
        };
        Ok(Db {
            pool,
            kind,
            url,
            writer: Arc::new(writer),
            readers: readers.into(),
            next_reader: Arc::default(),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs the receiver's `work` for `bot_id` in a transaction, after the bot's earlier
    /// requests, and returns once it is durable (see `group_commit`).
    pub async fn write<T: Send + 'static>(&self, bot_id: i64, work: Work<T>) -> Result<T> {
        self.writer.write(bot_id, work).await
    }

    /// Where the receiver reads: one of its own SQLite connections, or the pool.
    pub fn reader(&self) -> Conn<'_> {
        if self.readers.is_empty() {
            return Conn::Pool(&self.pool);
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        Conn::Sqlite(&self.readers[i])
    }
}

/// Gives every SQLite connection this process opens from now on (sqlx's and the receiver's)
/// a `lower` that folds all of Unicode, as PostgreSQL's does in a UTF-8 database: SQLite's
/// own folds ASCII only, so searches (`LOWER(col) LIKE LOWER($1)`) found "Álvaro" for
/// "álvaro" on PostgreSQL only. Replacing the built-in keeps one SQL text for both databases;
/// no index is on `lower(…)`, whose results this changes.
fn unicode_lower_on_sqlite() -> Result<(), String> {
    use rusqlite::auto_extension::{init_auto_extension, register_auto_extension};
    use rusqlite::ffi;
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    use std::os::raw::{c_char, c_int};

    fn add_lower(conn: rusqlite::Connection) -> rusqlite::Result<()> {
        let flags = FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS;
        conn.create_scalar_function("lower", 1, flags, |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Null => None,
                ValueRef::Integer(i) => Some(i.to_string()),
                ValueRef::Real(f) => Some(f.to_string()),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Some(String::from_utf8_lossy(t).to_lowercase())
                }
            })
        })
    }
    unsafe extern "C" fn entry(
        db: *mut ffi::sqlite3,
        error: *mut *mut c_char,
        _: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: SQLite calls this with a connection it has just opened; `add_lower` only
        // registers a function on it.
        unsafe { init_auto_extension(db, error, add_lower) }
    }
    static REGISTERED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    REGISTERED
        // SAFETY: `entry` opens no database and leaves the list of extensions alone.
        .get_or_init(|| unsafe { register_auto_extension(entry) }.map_err(|e| e.to_string()))
        .clone()
}

/// The file an SQLite URL names; the receiver opens its own connections to it.
fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    use std::str::FromStr;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(
            "an in-memory SQLite database cannot be shared by the server's \
                    connections: give a file, e.g. sqlite://./botwire.db"
                .into(),
        );
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    Ok(options.get_filename().to_path_buf())
}

/// sqlx opens an SQLite file read-write but does not create it unless asked (`mode=rwc`).
fn sqlite_url_creating_file(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// The URL without its passwords (after the user name, or in the query), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = without_password(base);
    if let Some(query) = query {
        let params: Vec<String> = (query.split('&'))
            .map(|param| match param.split_once('=') {
                Some((name, _)) if SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str()) => {
                    format!("{name}=***")
                }
                _ => param.to_owned(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&params.join("&"));
    }
    redacted
}

/// Query parameters of a database URL that hold a secret (libpq's).
const SECRET_PARAMS: [&str; 2] = ["password", "sslpassword"];

/// `scheme://user:***@host…` for a URL (without its query) that has a password.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact_url, sqlite_path};

    #[test]
    fn passwords_in_a_database_url_are_hidden() {
        for (url, shown) in [
            (
                "postgres://bot:s3cret@db:5432/botwire",
                "postgres://bot:***@db:5432/botwire",
            ),
            (
                "postgres://bot@db/x?password=s3cret&sslmode=require",
                "postgres://bot@db/x?password=***&sslmode=require",
            ),
            (
                "postgres://db/x?sslmode=verify-full&SSLPassword=k3y&user=a@b",
                "postgres://db/x?sslmode=verify-full&SSLPassword=***&user=a@b",
            ),
            (
                "sqlite://botwire.db?mode=rwc",
                "sqlite://botwire.db?mode=rwc",
            ),
        ] {
            assert_eq!(redact_url(url), shown);
        }
    }

    #[test]
    fn an_sqlite_url_names_a_file_and_memory_is_refused() {
        assert_eq!(
            sqlite_path("sqlite://./data/botwire.db?mode=rwc").unwrap(),
            std::path::PathBuf::from("./data/botwire.db")
        );
        let refused = sqlite_path("sqlite::memory:").unwrap_err();
        assert!(refused.contains("give a file"), "{refused}");
    }
}
