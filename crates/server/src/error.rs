//! The one error type of the server. Clients get `application/problem+json` (RFC 9457) with
//! what helps them; internals are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub use botwire_core::api::error::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// No valid credentials: the message says what to do.
    #[error("{0}")]
    Unauthorized(String),
    /// Credentials fine, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: i64,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request's body did not arrive within the read timeout.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// From the receiver's own SQLite connections (`store::sql`).
    #[error("database: {0}")]
    Sqlite(String),
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The first error of type `E` in `error` or the errors it wraps.
pub fn cause<'e, E: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e E> {
    let mut source = Some(error);
    while let Some(e) = source {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        source = e.source();
    }
    None
}

/// Field errors in one line: `name: too long; channel: unknown`.
fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Error::Database(_) | Error::Sqlite(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// A problem+json response.
pub fn problem(status: StatusCode, detail: &str, extra: Option<serde_json::Value>) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let (Some(serde_json::Value::Object(extra)), serde_json::Value::Object(b)) =
        (extra, &mut body)
    {
        b.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            // Every pooled connection busy for the whole acquire timeout: overloaded, not broken.
            Error::Database(sqlx::Error::PoolTimedOut) => {
                tracing::warn!("database pool exhausted");
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the server is overloaded; try again shortly",
                    None,
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(5));
                response
            }
            ref e @ (Error::Database(_) | Error::Sqlite(_)) => {
                tracing::error!(error = %e, "database error");
                problem(status, "the server could not complete the request", None)
            }
            Error::Internal(ref e) => {
                tracing::error!(error = %e, "internal error");
                problem(status, "the server could not complete the request", None)
            }
            Error::Invalid(errors) => problem(
                status,
                &describe(&errors),
                Some(json!({ "errors": errors })),
            ),
            Error::NotFound => problem(status, "not found", None),
            Error::BadRequest(m)
            | Error::Conflict(m)
            | Error::PayloadTooLarge(m)
            | Error::RequestTimeout(m)
            | Error::Unauthorized(m)
            | Error::Forbidden(m) => problem(status, &m, None),
            Error::TooManyRequests {
                detail,
                retry_after_secs,
            } => {
                let mut response = problem(status, &detail, None);
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
                response
            }
        }
    }
}
