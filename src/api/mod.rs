#![allow(dead_code)] // the screens being built use the rest
//! The one typed client of Botwire's REST API. This module has the request plumbing and the
//! error type; one submodule per resource has the typed calls.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

pub mod auth;
pub mod bots;
pub mod logs;
pub mod users;
pub mod webhooks;

pub const BASE: &str = "/api/v1";

thread_local! {
    /// Called on any 401 except from logging in or setting up: the app sends the person to
    /// the login page (set by the app shell).
    static ON_UNAUTHORIZED: std::cell::RefCell<Option<std::rc::Rc<dyn Fn()>>> =
        const { std::cell::RefCell::new(None) };
}

/// What to do when a call answers 401 because the session has ended.
pub fn on_unauthorized(hook: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(std::rc::Rc::new(hook)));
}

pub use botwire_core::api::error::FieldError;
pub use botwire_core::api::health::Health;
pub use botwire_core::api::page::Page;

/// Why an API call failed, in words for the person using the app.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server or the answer could not be read.
    Network(String),
    /// The server answered with an error status; `fields` are shown next to their inputs.
    Status {
        status: u16,
        detail: String,
        fields: Vec<FieldError>,
    },
}

impl ApiError {
    /// The message for one field (e.g. `name`, `mappings[2].path`), if the API named it.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            ApiError::Status { fields, .. } => fields
                .iter()
                .find(|f| f.field == name)
                .map(|f| f.message.as_str()),
            ApiError::Network(_) => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Network(_) => None,
        }
    }

    /// True when the session has ended and the person must log in again.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(m) => write!(f, "{m}"),
            ApiError::Status { detail, .. } => write!(f, "{detail}"),
        }
    }
}

/// What a failed `fetch` says: the browser's own text ("TypeError: Failed to fetch", or
/// another per browser) names neither the cause nor what to do.
pub const UNREACHABLE: &str = "Could not reach the server. Check your connection and try again.";

impl From<gloo_net::Error> for ApiError {
    fn from(e: gloo_net::Error) -> Self {
        match e {
            // fetch() rejects (offline, server down, connection reset) with a JS TypeError.
            gloo_net::Error::JsError(_) => ApiError::Network(UNREACHABLE.into()),
            other => ApiError::Network(format!("The server's answer could not be read ({other}).")),
        }
    }
}

pub async fn health() -> Result<Health, ApiError> {
    get("/health").await
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    read(Request::get(&format!("{BASE}{path}")).send().await?).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    send(Request::post(&format!("{BASE}{path}")), body).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    send(Request::patch(&format!("{BASE}{path}")), body).await
}

/// DELETE (or a POST without an answer body): succeeds on any 2xx.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    check(Request::delete(&format!("{BASE}{path}")).send().await?)
        .await
        .map(|_| ())
}

pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    check(Request::post(&format!("{BASE}{path}")).send().await?)
        .await
        .map(|_| ())
}

async fn send<B: Serialize, T: DeserializeOwned>(
    request: RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    read(request.json(body)?.send().await?).await
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    Ok(check(response).await?.json().await?)
}

/// What an error answer without our problem+json means (a proxy in front of the server, or
/// the server gone while it answered), with the status for whoever is asked for help.
fn without_detail(status: u16) -> String {
    match status {
        502..=504 => {
            format!("The server is not available right now (HTTP {status}). Try again in a minute.")
        }
        500..=599 => format!(
            "The server failed to do this (HTTP {status}). Try again; if it keeps failing, \
             tell whoever runs Botwire."
        ),
        _ => format!("The server refused this (HTTP {status})."),
    }
}

/// The response when it is a success; the problem+json turned into an [`ApiError`] when not.
async fn check(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    #[derive(Deserialize)]
    struct Problem {
        detail: Option<String>,
        #[serde(default)]
        errors: Vec<FieldError>,
    }
    let status = response.status();
    let url = response.url();
    if status == 401
        && !url.ends_with("/auth/login")
        && !url.ends_with("/auth/setup")
        && let Some(hook) = ON_UNAUTHORIZED.with(|h| h.borrow().clone())
    {
        hook();
    }
    let problem = response.json::<Problem>().await.ok();
    let detail = problem
        .as_ref()
        .and_then(|p| p.detail.clone())
        .unwrap_or_else(|| without_detail(status));
    Err(ApiError::Status {
        status,
        detail,
        fields: problem.map(|p| p.errors).unwrap_or_default(),
    })
}
