//! Statements of the receiver's path, written once and run on either driver: sqlx (a pooled
//! PostgreSQL or SQLite connection) or a plain SQLite connection of this process's own (the
//! writer thread of `group_commit`, and the receiver's reads).
//!
//! Why two drivers for SQLite: sqlx runs every SQLite connection on a worker thread and hands
//! each statement over to it and back, and those hand-offs were most of a webhook's CPU. The
//! receiver's statements run in place instead, prepared once and cached per connection. The
//! API's statements, off the hot path, use sqlx directly.
//!
//! Placeholders are `$1`, `$2`, … in both: SQLite reads `$1` as a parameter named "$1", and
//! values are bound by that name, so a placeholder may repeat or come out of order. Which
//! value each of a statement's parameters takes is worked out once per connection
//! ([`Placeholders`]).

use crate::error::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, Row as _};
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Prepared statements kept per SQLite connection: the receiver's are a few dozen.
const STATEMENT_CACHE: usize = 128;

/// Where a statement runs.
pub enum Conn<'c> {
    /// A sqlx transaction: PostgreSQL, or SQLite outside the writer thread.
    Tx(sqlx::Transaction<'c, Any>),
    /// A borrowed sqlx connection or transaction.
    Sqlx(&'c mut AnyConnection),
    /// Reads on the sqlx pool.
    Pool(&'c AnyPool),
    /// A plain SQLite connection (the writer thread inside a request's savepoint, or a
    /// reader).
    Sqlite(&'c SqliteConn),
}

impl<'c> From<&'c AnyPool> for Conn<'c> {
    fn from(pool: &'c AnyPool) -> Self {
        Conn::Pool(pool)
    }
}

impl<'c> From<&'c mut AnyConnection> for Conn<'c> {
    fn from(conn: &'c mut AnyConnection) -> Self {
        Conn::Sqlx(conn)
    }
}

/// An SQLite connection of this process's own. The mutex makes it shareable between threads
/// (a future holding it stays `Send`); each statement takes it, uncontended on the writer
/// thread.
pub struct SqliteConn(Mutex<Inner>);

struct Inner {
    conn: rusqlite::Connection,
    placeholders: Placeholders,
}

/// Which value each parameter of a statement takes, by the statement's text. SQLite numbers
/// the parameters in order of first appearance; asking it each one's name on every run cost
/// about 6% of the writer's instructions. Found by the text's address (the receiver's
/// statements are static strings), then checked against the text itself, so a string that
/// reuses a freed one's address is never taken for it.
#[derive(Default)]
struct Placeholders(Vec<Known>);

struct Known {
    address: usize,
    sql: Box<str>,
    /// For each parameter, the index of its value (`$N` takes value N - 1).
    values: Box<[usize]>,
}

impl Placeholders {
    fn values(&mut self, sql: &str, stmt: &rusqlite::Statement<'_>) -> Result<&[usize]> {
        let address = sql.as_ptr() as usize;
        let found = (self.0.iter()).position(|k| k.address == address && *k.sql == *sql);
        let at = match found {
            Some(at) => at,
            None => {
                // Statements built afresh for each run would otherwise pile up here.
                if self.0.len() >= STATEMENT_CACHE {
                    self.0.clear();
                }
                let values = (1..=stmt.parameter_count())
                    .map(|i| {
                        (stmt.parameter_name(i))
                            .and_then(|n| n.strip_prefix('$'))
                            .and_then(|n| n.parse::<usize>().ok())
                            .filter(|&n| n > 0)
                            .map(|n| n - 1)
                            .ok_or_else(|| {
                                Error::Internal(format!("placeholder {i} is not $N: {sql}"))
                            })
                    })
                    .collect::<Result<_>>()?;
                self.0.push(Known {
                    address,
                    sql: sql.into(),
                    values,
                });
                self.0.len() - 1
            }
        };
        Ok(&self.0[at].values)
    }
}

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The receiver's one writer (`group_commit`).
    Writer,
    Reader,
}

impl SqliteConn {
    /// Opens the database file, which the migrations have created.
    pub fn open(path: &Path, role: Role) -> std::result::Result<SqliteConn, String> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL (readers don't block the writer) and foreign keys, as the pool's connections
        // (db.rs); readers refuse to write.
        //
        // The writer commits with synchronous=NORMAL: its commit does not wait for the disk,
        // because `group_commit` syncs the WAL file itself, on another thread, before it
        // answers any request of the batch; a commit is answered only once it would survive a
        // crash of the machine, as with FULL, while the writer goes on with the next batch.
        // It keeps temporary data in memory: each request's savepoint journals the pages it
        // changes, and once that journal outgrew its memory budget SQLite wrote it to a
        // temporary file, two system calls a page, for the rest of the batch.
        let pragmas = match role {
            Role::Writer => {
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                 PRAGMA temp_store = MEMORY;"
            }
            Role::Reader => "PRAGMA busy_timeout = 10000; PRAGMA query_only = ON;",
        };
        conn.execute_batch(pragmas)
            .map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
        Ok(SqliteConn(Mutex::new(Inner {
            conn,
            placeholders: Placeholders::default(),
        })))
    }

    /// Runs one statement without values (transaction control), prepared once.
    pub fn run(&self, sql: &str) -> std::result::Result<(), String> {
        let inner = self.lock();
        let mut stmt = inner.conn.prepare_cached(sql).map_err(|e| e.to_string())?;
        stmt.raw_execute().map(drop).map_err(|e| e.to_string())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves nothing half-done in the connection that
        // the next statement could trip on: statements are reset when dropped.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<'c> Conn<'c> {
    /// Whether this connection is SQLite's; an error on the pool, outside a transaction, where
    /// `purpose` (an id taken ahead, say) would not hold.
    pub fn is_sqlite(&self, purpose: &str) -> Result<bool> {
        Ok(match self {
            Conn::Sqlite(_) => true,
            Conn::Tx(tx) => tx.backend_name() == "SQLite",
            Conn::Sqlx(c) => c.backend_name() == "SQLite",
            Conn::Pool(_) => {
                return Err(Error::Internal(format!("{purpose} outside a transaction")));
            }
        })
    }

    /// This connection, borrowed again for one call.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Tx(tx) => Conn::Sqlx(tx),
            Conn::Sqlx(c) => Conn::Sqlx(c),
            Conn::Pool(p) => Conn::Pool(p),
            Conn::Sqlite(c) => Conn::Sqlite(c),
        }
    }
}

/// A bound value. Nulls carry their type: PostgreSQL types every parameter.
#[derive(Debug, Clone)]
pub enum Param<'a> {
    Int(i64),
    Text(Cow<'a, str>),
    NullInt,
    NullText,
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Param<'_> {
    fn from(v: String) -> Self {
        Param::Text(Cow::Owned(v))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Param::NullInt, Param::Int)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Param::NullText, Param::from)
    }
}

/// A statement and its values.
#[must_use]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    params: Vec<Param<'q>>,
}

pub fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        params: Vec::new(),
    }
}

/// A result row, read by column position.
pub enum Row<'r> {
    Sqlx(&'r AnyRow),
    Sqlite(&'r rusqlite::Row<'r>),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, i: usize) -> Result<T> {
        match self {
            Row::Sqlx(row) => T::from_sqlx(row, i),
            Row::Sqlite(row) => T::from_sqlite(row, i),
        }
    }
}

/// A type a column decodes to.
pub trait Column: Sized {
    fn from_sqlx(row: &AnyRow, i: usize) -> Result<Self>;
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self>;
}

macro_rules! column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn from_sqlx(row: &AnyRow, i: usize) -> Result<Self> {
                Ok(row.try_get(i)?)
            }
            fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
                row.get(i).map_err(sqlite_error)
            }
        }
    )*};
}
column!(i64, Option<i64>, String, Option<String>);

/// A type a row, or a run of its columns, decodes to.
pub trait FromRow: Sized {
    /// Decodes the columns from `first` on (a row that joins several tables).
    fn from_row_at(row: &Row<'_>, first: usize) -> Result<Self>;

    fn from_row(row: &Row<'_>) -> Result<Self> {
        Self::from_row_at(row, 0)
    }
}

/// Declares a struct whose fields are a statement's columns, in the same order, with its
/// `FromRow`: `row_struct!(struct UserRow { id: i64, user_ns: String })` for
/// `SELECT id, user_ns …`.
macro_rules! row_struct {
    ($(#[$meta:meta])* $vis:vis struct $ty:ident { $($field:ident: $fty:ty),* $(,)? }) => {
        $(#[$meta])*
        $vis struct $ty {
            $($field: $fty,)*
        }

        impl $crate::store::sql::FromRow for $ty {
            #[allow(unused_assignments)]
            fn from_row_at(
                row: &$crate::store::sql::Row<'_>,
                first: usize,
            ) -> $crate::error::Result<Self> {
                let mut column = first;
                Ok($ty {
                    $($field: {
                        let value = row.get(column)?;
                        column += 1;
                        value
                    },)*
                })
            }
        }
    };
}
pub(crate) use row_struct;

macro_rules! tuple_row {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Column),*> FromRow for ($($t,)*) {
            fn from_row_at(row: &Row<'_>, first: usize) -> Result<Self> {
                Ok(($(row.get::<$t>(first + $i)?,)*))
            }
        }
    };
}
tuple_row!(A 0);
tuple_row!(A 0, B 1);
tuple_row!(A 0, B 1, C 2);

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Into<Param<'q>>) -> Self {
        self.params.push(value.into());
        self
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute(self, conn: &mut Conn<'_>) -> Result<u64> {
        match conn {
            Conn::Sqlite(c) => self.sqlite_execute(c),
            Conn::Tx(tx) => Ok(self.sqlx().execute(&mut **tx).await?.rows_affected()),
            Conn::Sqlx(c) => Ok(self.sqlx().execute(&mut **c).await?.rows_affected()),
            Conn::Pool(p) => Ok(self.sqlx().execute(*p).await?.rows_affected()),
        }
    }

    /// Runs an `INSERT` (written without `RETURNING`) and returns the new row's `id`. On the
    /// writer's own SQLite connection that is the connection's last rowid: SQLite runs a
    /// `RETURNING` clause through a temporary table of its own, opened and closed for every
    /// statement. Elsewhere the statement returns it.
    pub async fn insert_returning_id(mut self, conn: &mut Conn<'_>) -> Result<i64> {
        if let Conn::Sqlite(c) = conn {
            let mut inner = c.lock();
            self.sqlite_statement(&mut inner)?
                .raw_execute()
                .map_err(sqlite_error)?;
            return Ok(inner.conn.last_insert_rowid());
        }
        self.sql = format!("{} RETURNING id", self.sql).into();
        let (id,): (i64,) = self.fetch_one(conn).await?;
        Ok(id)
    }

    pub async fn fetch_all<T: FromRow>(self, conn: &mut Conn<'_>) -> Result<Vec<T>> {
        let rows = match conn {
            Conn::Sqlite(c) => return self.sqlite_rows(c, usize::MAX),
            Conn::Tx(tx) => self.sqlx().fetch_all(&mut **tx).await?,
            Conn::Sqlx(c) => self.sqlx().fetch_all(&mut **c).await?,
            Conn::Pool(p) => self.sqlx().fetch_all(*p).await?,
        };
        rows.iter().map(|r| T::from_row(&Row::Sqlx(r))).collect()
    }

    /// Runs the statement and hands each row to `each`, decoding only what it reads.
    pub async fn for_each_row(
        self,
        conn: &mut Conn<'_>,
        mut each: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let rows = match conn {
            Conn::Sqlite(c) => {
                let mut inner = c.lock();
                let mut stmt = self.sqlite_statement(&mut inner)?;
                let mut rows = stmt.raw_query();
                while let Some(row) = rows.next().map_err(sqlite_error)? {
                    each(&Row::Sqlite(row))?;
                }
                return Ok(());
            }
            Conn::Tx(tx) => self.sqlx().fetch_all(&mut **tx).await?,
            Conn::Sqlx(c) => self.sqlx().fetch_all(&mut **c).await?,
            Conn::Pool(p) => self.sqlx().fetch_all(*p).await?,
        };
        rows.iter().try_for_each(|r| each(&Row::Sqlx(r)))
    }

    pub async fn fetch_optional<T: FromRow>(self, conn: &mut Conn<'_>) -> Result<Option<T>> {
        self.first_row(conn).await
    }

    pub async fn fetch_one<T: FromRow>(self, conn: &mut Conn<'_>) -> Result<T> {
        self.first_row(conn)
            .await?
            .ok_or_else(|| Error::Internal(format!("no row from: {}", self.sql)))
    }

    async fn first_row<T: FromRow>(&self, conn: &mut Conn<'_>) -> Result<Option<T>> {
        let row = match conn {
            Conn::Sqlite(c) => return Ok(self.sqlite_rows(c, 1)?.pop()),
            Conn::Tx(tx) => self.sqlx().fetch_optional(&mut **tx).await?,
            Conn::Sqlx(c) => self.sqlx().fetch_optional(&mut **c).await?,
            Conn::Pool(p) => self.sqlx().fetch_optional(*p).await?,
        };
        row.as_ref().map(|r| T::from_row(&Row::Sqlx(r))).transpose()
    }

    fn sqlx(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.sql);
        for p in &self.params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.as_ref()),
                Param::NullInt => q.bind(None::<i64>),
                Param::NullText => q.bind(None::<String>),
            };
        }
        q
    }

    fn sqlite_statement<'c>(&self, inner: &'c mut Inner) -> Result<rusqlite::CachedStatement<'c>> {
        let Inner { conn, placeholders } = inner;
        let mut stmt = conn.prepare_cached(&self.sql).map_err(sqlite_error)?;
        let values = placeholders.values(&self.sql, &stmt)?;
        for (i, &at) in (1..).zip(values) {
            let value = self.params.get(at).ok_or_else(|| {
                Error::Internal(format!("no value bound for ${}: {}", at + 1, self.sql))
            })?;
            let bound = match value {
                Param::Int(v) => stmt.raw_bind_parameter(i, v),
                Param::Text(v) => stmt.raw_bind_parameter(i, v.as_ref()),
                Param::NullInt | Param::NullText => {
                    stmt.raw_bind_parameter(i, rusqlite::types::Null)
                }
            };
            bound.map_err(sqlite_error)?;
        }
        Ok(stmt)
    }

    fn sqlite_execute(&self, conn: &SqliteConn) -> Result<u64> {
        let mut inner = conn.lock();
        let mut stmt = self.sqlite_statement(&mut inner)?;
        let changed = stmt.raw_execute().map_err(sqlite_error)?;
        Ok(changed as u64)
    }

    fn sqlite_rows<T: FromRow>(&self, conn: &SqliteConn, at_most: usize) -> Result<Vec<T>> {
        let mut inner = conn.lock();
        let mut stmt = self.sqlite_statement(&mut inner)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while out.len() < at_most {
            match rows.next().map_err(sqlite_error)? {
                Some(row) => out.push(T::from_row(&Row::Sqlite(row))?),
                None => break,
            }
        }
        Ok(out)
    }
}

/// An SQLite error as the server's: a constraint or busy database is a database error like
/// sqlx's, everything reported with SQLite's own message.
pub fn sqlite_error(e: rusqlite::Error) -> Error {
    Error::Sqlite(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(conn: &SqliteConn, sql: &str) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut conn = Conn::Sqlite(conn);
        let run = query(sql).bind("a").bind("b").fetch_one(&mut conn);
        let (value,): (String,) = runtime.block_on(run).unwrap();
        value
    }

    #[test]
    fn values_go_to_their_placeholders_whatever_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let conn = SqliteConn::open(&dir.path().join("p.db"), Role::Writer).unwrap();
        assert_eq!(text(&conn, "SELECT $2 || $1 || $2"), "bab");
        // The same address and length with another text: worked out again, not taken as known.
        let mut sql = String::from("SELECT $1 || $2 || $1");
        assert_eq!(text(&conn, &sql), "aba");
        sql.replace_range(7..9, "$2");
        sql.replace_range(19..21, "$2");
        assert_eq!(sql, "SELECT $2 || $2 || $2");
        assert_eq!(text(&conn, &sql), "bbb");
    }
}
