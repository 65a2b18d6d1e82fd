//! The one typed client of Botwire's REST API.

use gloo_net::http::Request;
use serde::Deserialize;
use std::fmt;

/// Why an API call failed, in words for the person using the app.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server or the answer could not be read.
    Network(String),
    /// The server answered with an error status.
    Status { status: u16, detail: String },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(m) => write!(f, "{m}"),
            ApiError::Status { status, detail } => write!(f, "{detail} (HTTP {status})"),
        }
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(e: gloo_net::Error) -> Self {
        ApiError::Network(e.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

pub async fn health() -> Result<Health, ApiError> {
    get_json("/api/v1/health").await
}

async fn get_json<T: for<'de> Deserialize<'de>>(url: &str) -> Result<T, ApiError> {
    let response = Request::get(url).send().await?;
    if !response.ok() {
        let status = response.status();
        let detail = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
            .unwrap_or_else(|| response.status_text());
        return Err(ApiError::Status { status, detail });
    }
    Ok(response.json().await?)
}
