//! The first owner: created on the first start, with a one-time link to set email and
//! password; and `botwire user create` for scripted set-ups.

use crate::db::Db;
use crate::store::{accounts, bots};
use botwire_core::access::Role;
use botwire_core::email::Email;

/// The placeholder email of the owner created on first start, until setup replaces it.
const PENDING_OWNER: &str = "owner@setup.pending";

/// On an empty database, creates the owner and a workspace. While no account has a password,
/// returns a fresh setup link secret to print.
pub async fn first_start(db: &Db) -> Result<Option<String>, String> {
    let pool = db.pool();
    let err = |e: crate::error::Error| e.to_string();
    if accounts::account_count(pool).await.map_err(err)? == 0 {
        create_pending_owner(db).await.map_err(err)?;
    }
    let pending: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE password_hash IS NULL AND email = $1")
            .bind(PENDING_OWNER)
            .fetch_optional(pool)
            .await
            .map_err(|e| e.to_string())?;
    let (with_password,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM accounts WHERE password_hash IS NOT NULL")
            .fetch_one(pool)
            .await
            .map_err(|e| e.to_string())?;
    match pending {
        Some((owner,)) if with_password == 0 => Ok(Some(
            accounts::create_setup_link(pool, owner)
                .await
                .map_err(err)?,
        )),
        _ => Ok(None),
    }
}

/// The owner to be set up, with its workspace, in one transaction. Processes started together
/// on an empty database all get here: the account's unique email lets one create it, and the
/// others find it created.
async fn create_pending_owner(db: &Db) -> crate::error::Result<()> {
    let mut tx = db.pool().begin().await?;
    let owner = match accounts::create_account(&mut *tx, PENDING_OWNER, None).await {
        Ok(owner) => owner,
        // Another process created it (its transaction committed first).
        Err(crate::error::Error::Invalid(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let workspace = bots::create_workspace(&mut *tx, "My workspace").await?;
    accounts::add_membership(&mut *tx, owner, workspace, Role::Owner).await?;
    tx.commit().await?;
    Ok(())
}

/// `botwire user create`: an account with a password, member of the named workspace (created
/// if there is none of that name) with `role`.
pub async fn create_user(
    db: &Db,
    email: &str,
    password: &str,
    workspace: &str,
    role: Role,
) -> Result<String, String> {
    let email = Email::parse(email)?;
    accounts::check_password(password)?;
    let pool = db.pool();
    let err = |e: crate::error::Error| e.to_string();
    let hash = accounts::hash_password(password).map_err(err)?;
    let account = accounts::create_account(pool, email.as_str(), Some(&hash))
        .await
        .map_err(err)?;
    let existing: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM workspaces WHERE name = $1 ORDER BY id LIMIT 1")
            .bind(workspace)
            .fetch_optional(pool)
            .await
            .map_err(|e| e.to_string())?;
    let workspace_id = match existing {
        Some((id,)) => id,
        None => bots::create_workspace(pool, workspace).await.map_err(err)?,
    };
    accounts::add_membership(pool, account, workspace_id, role)
        .await
        .map_err(err)?;
    Ok(format!(
        "created {email}, {} of workspace \"{workspace}\" (id {workspace_id})",
        role.as_str()
    ))
}
