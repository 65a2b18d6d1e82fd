//! Accounts, memberships, sessions, API tokens, setup links and failed logins.
//! Every credential is stored as a SHA-256 hash ([`hash`]); passwords with argon2.

use super::sql::{Conn, query};
use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use botwire_core::access::Role;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, FromRow};

pub const SESSION_DAYS: i64 = 14;
const DAY_MS: i64 = 86_400_000;
pub const SETUP_LINK_HOURS: i64 = 24;
/// Failed logins per email allowed in [`LOGIN_WINDOW_MS`] before logins are refused.
pub const LOGIN_FAILURES_ALLOWED: i64 = 5;
pub const LOGIN_WINDOW_MS: i64 = 15 * 60_000;

/// A new secret: 256 random bits, URL-safe.
pub fn secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Passwords: 10–256 characters. Long passphrases beat rules about symbols.
pub fn check_password(password: &str) -> std::result::Result<(), String> {
    let n = password.chars().count();
    if n < 10 {
        Err(format!("a password needs at least 10 characters (got {n})"))
    } else if n > 256 {
        Err(format!(
            "a password may have at most 256 characters (got {n})"
        ))
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
}

pub async fn create_account<'c>(
    db: impl Into<Conn<'c>>,
    email: &str,
    password_hash: Option<&str>,
) -> Result<i64> {
    let row: Option<(i64,)> = query(
        "INSERT INTO accounts (email, password_hash, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(super::now_ms())
    .fetch_optional(&mut db.into())
    .await?;
    row.map(|(id,)| id).ok_or_else(|| {
        Error::field(
            "email",
            format!("an account with the email {email} exists already"),
        )
    })
}

pub async fn account_count(pool: &AnyPool) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
        .fetch_one(pool)
        .await?;
    Ok(n)
}

pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<Account>> {
    Ok(
        sqlx::query_as("SELECT id, email, password_hash FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Account> {
    let row: Option<Account> =
        sqlx::query_as("SELECT id, email, password_hash FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.ok_or(Error::NotFound)
}

pub async fn add_membership<'c>(
    db: impl Into<Conn<'c>>,
    account_id: i64,
    workspace_id: i64,
    role: Role,
) -> Result<()> {
    query(
        "INSERT INTO memberships (account_id, workspace_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, workspace_id) DO UPDATE SET role = excluded.role",
    )
    .bind(account_id)
    .bind(workspace_id)
    .bind(role.as_str())
    .execute(&mut db.into())
    .await?;
    Ok(())
}

pub use botwire_core::api::auth::{ApiToken, Membership};

pub async fn memberships(pool: &AnyPool, account_id: i64) -> Result<Vec<Membership>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT m.workspace_id, w.name, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.account_id = $1 ORDER BY m.workspace_id",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(workspace_id, workspace_name, role)| {
            Ok(Membership {
                workspace_id,
                workspace_name,
                role: Role::parse(&role).map_err(Error::Internal)?,
            })
        })
        .collect()
}

/// Starts a session; returns the cookie's secret.
pub async fn create_session(pool: &AnyPool, account_id: i64) -> Result<String> {
    let token = secret("");
    let now = super::now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash(&token))
        .bind(account_id)
        .bind(now)
        .bind(now + SESSION_DAYS * DAY_MS)
        .execute(pool)
        .await?;
    Ok(token)
}

pub async fn session_account(pool: &AnyPool, token: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(hash(token))
            .bind(super::now_ms())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn end_session(pool: &AnyPool, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// API tokens start with this, so secret scanners and people recognise them.
pub const API_TOKEN_PREFIX: &str = "bwt_";

/// A row of [`api_tokens`], as read; the API's `ApiToken` is made from it.
#[derive(FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

/// Creates a token; the secret is returned once and only its hash is kept.
pub async fn create_api_token(
    pool: &AnyPool,
    account_id: i64,
    name: &str,
) -> Result<(ApiToken, String)> {
    let token = secret(API_TOKEN_PREFIX);
    let prefix: String = token.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
    let now = super::now_ms();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(account_id)
    .bind(name)
    .bind(hash(&token))
    .bind(&prefix)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok((
        ApiToken {
            id,
            name: name.to_owned(),
            prefix,
            created_at: now,
            last_used_at: None,
        },
        token,
    ))
}

pub async fn api_tokens(pool: &AnyPool, account_id: i64) -> Result<Vec<ApiToken>> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens \
         WHERE account_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

pub async fn revoke_api_token(pool: &AnyPool, account_id: i64, id: i64) -> Result<()> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL")
        .bind(super::now_ms())
        .bind(id)
        .bind(account_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The account a Bearer token belongs to, if it is valid and not revoked.
pub async fn api_token_account(pool: &AnyPool, token: &str) -> Result<Option<i64>> {
    let now = super::now_ms();
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, account_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash(token))
    .fetch_optional(pool)
    .await?;
    let Some((id, account_id, last_used)) = row else {
        return Ok(None);
    };
    // Written at most once a minute: a script's every call should not cost a write.
    if last_used.is_none_or(|t| now - t > 60_000) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
    }
    Ok(Some(account_id))
}

pub async fn create_setup_link(pool: &AnyPool, account_id: i64) -> Result<String> {
    let token = secret("");
    sqlx::query("INSERT INTO setup_links (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
        .bind(hash(&token))
        .bind(account_id)
        .bind(super::now_ms() + SETUP_LINK_HOURS * 3_600_000)
        .execute(pool)
        .await?;
    Ok(token)
}

/// Completes setup with link `token`: the pending owner gets `email` and its password, and
/// every other link printed for it stops working, all in one transaction. The account, or
/// `None` when the link is unknown, used or expired, or setup is done already: a link printed
/// by an earlier start, or used at the same time as another, must not take the owner over.
pub async fn complete_setup(
    pool: &AnyPool,
    token: &str,
    email: &str,
    password_hash: &str,
) -> Result<Option<i64>> {
    let now = super::now_ms();
    let mut tx = pool.begin().await?;
    // The account row is written first: a setup at the same moment with another link waits
    // for it holding nothing else, then finds the password set. (Marking its link used first
    // held that link's row, which this setup's marking of every link then waited for: on
    // PostgreSQL a deadlock, answered 500.)
    let set: Option<(i64,)> = sqlx::query_as(
        "UPDATE accounts SET email = $1, password_hash = $2 \
         WHERE password_hash IS NULL \
         AND id = (SELECT account_id FROM setup_links \
                   WHERE token_hash = $3 AND used_at IS NULL AND expires_at > $4) \
         AND NOT EXISTS (SELECT 1 FROM accounts other WHERE other.email = $1 AND other.id <> accounts.id) \
         RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(hash(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id,)) = set else {
        // Refused: say so about the email only to the holder of a link that still works.
        let taken: Option<(i64,)> = sqlx::query_as(
            "SELECT other.id FROM setup_links l JOIN accounts a ON a.id = l.account_id \
             JOIN accounts other ON other.email = $1 AND other.id <> a.id \
             WHERE l.token_hash = $2 AND l.used_at IS NULL AND l.expires_at > $3 \
             AND a.password_hash IS NULL",
        )
        .bind(email)
        .bind(hash(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(Error::field(
                "email",
                format!("an account with the email {email} exists already"),
            ));
        }
        return Ok(None);
    };
    sqlx::query("UPDATE setup_links SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Takes one of the email's login attempts before its password is checked, counted as a
/// failure until [`clear_login_failures`] says otherwise. Attempts at the same moment each
/// take one in turn, so at most [`LOGIN_FAILURES_ALLOWED`] passwords are checked in a window
/// however many are sent at once (counting first and recording after the check let a
/// hundred concurrent guesses all be checked). `Err(oldest)`, the time of the oldest failure
/// in the window, when none is left.
pub async fn take_login_attempt(
    pool: &AnyPool,
    email: &str,
) -> Result<std::result::Result<(), i64>> {
    let now = super::now_ms();
    let mut tx = pool.begin().await?;
    if tx.backend_name() != "SQLite" {
        // One email's attempts one at a time; SQLite's writes are already, from the DELETE on.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(email)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM login_failures WHERE at <= $1")
        .bind(now - LOGIN_WINDOW_MS)
        .execute(&mut *tx)
        .await?;
    let (n, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE email = $1")
            .bind(email)
            .fetch_one(&mut *tx)
            .await?;
    if n >= LOGIN_FAILURES_ALLOWED {
        return Ok(Err(oldest.unwrap_or(now)));
    }
    sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
        .bind(email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn clear_login_failures(pool: &AnyPool, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(())
}
