//! Logging in and out, the first owner's setup link, and API tokens.

use super::bots::Check;
use super::caller::{Caller, SESSION_COOKIE, Via, cookie};
use super::json::{Body, PathParams};
use crate::AppState;
use crate::error::{Error, Result};
use crate::store::accounts::{self, ApiToken};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use botwire_core::api::auth::{CreatedToken, Credentials, Me, Setup};
use botwire_core::email::{EMAIL_MAX, Email};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(setup))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

async fn me_of(state: &AppState, account_id: i64) -> Result<Me> {
    let account = accounts::by_id(state.db.pool(), account_id).await?;
    let workspaces = accounts::memberships(state.db.pool(), account_id).await?;
    Ok(Me {
        account_id,
        email: account.email,
        workspaces,
    })
}

/// Log in with email and password: sets the session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Credentials,
    responses((status = 200, body = Me), (status = 401, description = "wrong email or password"),
              (status = 429, description = "too many failed attempts for this email")))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<Credentials>,
) -> Result<Response> {
    let pool = state.db.pool();
    let email = body.email.trim().to_lowercase();
    // An email longer than any address names no account, and would not fit the failures'
    // index: a wrong login, as an unknown email's.
    let account = if email.len() > EMAIL_MAX {
        None
    } else {
        if let Err(oldest) = accounts::take_login_attempt(pool, &email).await? {
            let retry = (oldest + accounts::LOGIN_WINDOW_MS - crate::store::now_ms()) / 1000 + 1;
            return Err(Error::TooManyRequests {
                detail: format!(
                    "too many failed logins for this email; try again in {}",
                    botwire_core::limits::wait(retry)
                ),
                retry_after_secs: retry,
            });
        }
        accounts::by_email(pool, &email).await?
    };
    let ok = match &account {
        Some(a) => a
            .password_hash
            .as_deref()
            .is_some_and(|h| accounts::verify_password(&body.password, h)),
        // Hash anyway, so an unknown email takes as long as a wrong password.
        None => {
            let _ = accounts::hash_password(&body.password);
            false
        }
    };
    // A wrong login stays counted: its attempt was taken before the check.
    let Some(account) = account.filter(|_| ok) else {
        return Err(wrong_login());
    };
    accounts::clear_login_failures(pool, &email).await?;
    let session = accounts::create_session(pool, account.id).await?;
    let me = me_of(&state, account.id).await?;
    Ok(with_session_cookie(
        Json(me).into_response(),
        &session,
        &headers,
    ))
}

fn wrong_login() -> Error {
    Error::Unauthorized("the email or the password is wrong".into())
}

/// Log out: ends the session on the server and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response> {
    if caller.via == Via::Session
        && let Some(session) = cookie(&headers, SESSION_COOKIE)
    {
        accounts::end_session(state.db.pool(), session).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("botwire_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// The caller's account and workspaces.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(me_of(&state, caller.account_id).await?))
}

/// Set the first owner's email and password with the one-time link printed on first start.
#[utoipa::path(post, path = "/auth/setup", tag = "auth", request_body = Setup,
    responses((status = 200, body = Me), (status = 401, description = "the link is unknown, used or expired"),
              (status = 422, description = "invalid email or password")))]
async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<Setup>,
) -> Result<Response> {
    // Both fields are checked, so a form can show every problem at once.
    let mut check = Check::default();
    let email = check.take("email", Email::parse(&body.email));
    check.take("password", accounts::check_password(&body.password));
    check.done()?;
    let email = email.ok_or_else(|| Error::Internal("an email checked but not kept".into()))?;
    let pool = state.db.pool();
    let hash = accounts::hash_password(&body.password)?;
    let account_id = accounts::complete_setup(pool, body.token.trim(), email.as_str(), &hash)
        .await?
        .ok_or_else(|| {
            Error::Unauthorized("this setup link is unknown, already used or expired".into())
        })?;
    let session = accounts::create_session(pool, account_id).await?;
    let me = me_of(&state, account_id).await?;
    Ok(with_session_cookie(
        Json(me).into_response(),
        &session,
        &headers,
    ))
}

/// The caller's API tokens (never the secrets).
#[utoipa::path(get, path = "/tokens", tag = "auth", responses((status = 200, body = Vec<ApiToken>)))]
async fn list_tokens(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ApiToken>>> {
    Ok(Json(
        accounts::api_tokens(state.db.pool(), caller.account_id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
}

/// Create an API token for scripts; the secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422)))]
async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<NewToken>,
) -> Result<Response> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field(
            "name",
            "a token name must be 1–100 characters",
        ));
    }
    // Shown in lists and terminals, where an escape sequence would act.
    if name.chars().any(char::is_control) {
        return Err(Error::field(
            "name",
            "a token name must not contain control characters",
        ));
    }
    let (info, token) =
        accounts::create_api_token(state.db.pool(), caller.account_id, name).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { info, token })).into_response())
}

/// Revoke one of the caller's API tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode> {
    accounts::revoke_api_token(state.db.pool(), caller.account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// HttpOnly, SameSite=Strict, and Secure when the request came over HTTPS (directly or
/// through a proxy that says so).
fn with_session_cookie(mut response: Response, session: &str, headers: &HeaderMap) -> Response {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        accounts::SESSION_DAYS * 86_400,
        if https { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
