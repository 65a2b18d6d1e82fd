//! Who is calling the API: a session cookie or a Bearer API token, and the workspaces the
//! account belongs to. Every `/api` handler but health, login and setup takes a [`Caller`];
//! that is what makes a route need credentials.

use crate::AppState;
use crate::error::{Error, Result};
use crate::store::accounts::{self, Membership};
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, Method, header, request::Parts};
use botwire_core::access::Role;

pub const SESSION_COOKIE: &str = "botwire_session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub memberships: Vec<Membership>,
    pub via: Via,
}

impl Caller {
    /// The caller's role in `workspace_id`; someone else's workspace is "not found", never
    /// "forbidden", so its existence is not revealed.
    pub fn role_in(&self, workspace_id: i64) -> Result<Role> {
        botwire_core::api::auth::role_in(&self.memberships, workspace_id).ok_or(Error::NotFound)
    }

    pub fn can_read(&self, workspace_id: i64) -> Result<()> {
        self.role_in(workspace_id).map(|_| ())
    }

    pub fn can_write(&self, workspace_id: i64) -> Result<()> {
        if self.role_in(workspace_id)?.can_write() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "viewers cannot change anything in this workspace".into(),
            ))
        }
    }

    pub fn workspace_ids(&self) -> Vec<i64> {
        self.memberships.iter().map(|m| m.workspace_id).collect()
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller> {
        Caller::authenticate(state, &parts.method, &parts.headers).await
    }
}

impl Caller {
    /// The caller that `headers` (an API token, or a session cookie) stand for, now: a revoked
    /// token or an ended session is refused. The event stream asks again while it runs.
    pub async fn authenticate(
        state: &AppState,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Caller> {
        let pool = state.db.pool();
        let (account_id, via) = if let Some(token) = bearer(headers)? {
            let id = accounts::api_token_account(pool, token)
                .await?
                .ok_or_else(|| {
                    Error::Unauthorized("the API token is not valid or was revoked".into())
                })?;
            (id, Via::Token)
        } else if let Some(session) = cookie(headers, SESSION_COOKIE) {
            let id = accounts::session_account(pool, session)
                .await?
                .ok_or_else(|| Error::Unauthorized("the session has ended: log in again".into()))?;
            check_same_origin(method, headers)?;
            (id, Via::Session)
        } else {
            return Err(Error::Unauthorized(
                "log in, or send an API token as Authorization: Bearer <token>".into(),
            ));
        };
        let memberships = accounts::memberships(pool, account_id).await?;
        Ok(Caller {
            account_id,
            memberships,
            via,
        })
    }
}

fn bearer(headers: &HeaderMap) -> Result<Option<&str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Error::Unauthorized("the Authorization header is not readable text".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(Error::Unauthorized(
            "the Authorization header must be: Bearer <token>".into(),
        )),
    }
}

/// A cookie's value from the request's Cookie headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// CSRF defence for cookie-authenticated changes: the browser must say the request comes
/// from our own origin (`Origin`, or `Sec-Fetch-Site` where Origin is absent). SameSite=Strict
/// cookies already stop most cross-site requests; this stops the rest.
fn check_same_origin(method: &Method, headers: &HeaderMap) -> Result<()> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        if origin_host.is_some() && origin_host == host {
            return Ok(());
        }
        return Err(Error::Forbidden(format!(
            "cross-site request refused (Origin {origin})"
        )));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin") | Some("none") => Ok(()),
        _ => Err(Error::Forbidden(
            "cross-site request refused: a change made with a session cookie must carry an Origin header".into(),
        )),
    }
}
