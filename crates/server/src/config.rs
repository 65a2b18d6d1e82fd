//! Server settings, from flags or `BOTWIRE_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "BOTWIRE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// `sqlite://FILE` (created on first start) or `postgres://…`.
    #[arg(
        long,
        env = "BOTWIRE_DATABASE_URL",
        default_value = "sqlite://botwire.db"
    )]
    pub database_url: String,
    /// The built admin app (Trunk's output).
    #[arg(long, env = "BOTWIRE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Largest webhook body accepted, in bytes; larger ones are answered 413 unread.
    #[arg(long, env = "BOTWIRE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Days a request log row is kept (its raw body included); older rows are deleted in the
    /// background. 0 keeps every row.
    #[arg(
        long,
        env = "BOTWIRE_LOG_RETENTION_DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(0..=36_500)
    )]
    pub log_retention_days: u32,
    /// Seconds a request's head may take to arrive, from the connection's opening or its last
    /// answer, and its body after the head: a slower or idle connection is closed, a slower
    /// body answered 408.
    #[arg(
        long,
        env = "BOTWIRE_READ_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub read_timeout_secs: u64,
}
