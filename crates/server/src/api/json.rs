//! Request bodies and query strings whose errors are problem+json naming the field, unlike
//! axum's own extractors, which answer in plain text. Every handler uses these.

use crate::error::{Error, Result};
use crate::http_serve::BodyTimedOut;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON request body. Unlike `axum::Json`, a body that does not fit answers with
/// problem+json: a wrong or missing member is a 422 naming it, malformed JSON a 400.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(body_error(rejection)),
        }
    }
}

fn body_error(rejection: JsonRejection) -> Error {
    if let Some(timeout) = crate::error::cause::<BodyTimedOut>(&rejection) {
        return Error::RequestTimeout(timeout.to_string());
    }
    let source = std::error::Error::source(&rejection)
        .map(ToString::to_string)
        .unwrap_or_else(|| rejection.body_text());
    // serde_json ends its messages with the position; the field name says more here.
    let message = match source.rfind(" at line ") {
        Some(at) => &source[..at],
        None => source.as_str(),
    };
    match rejection {
        JsonRejection::JsonDataError(_) => {
            // serde_path_to_error: "path: message", or the message alone at the top level.
            let (path, message) = match message.split_once(": ") {
                Some((path, rest)) if !path.is_empty() && !path.contains(' ') => (Some(path), rest),
                _ => (None, message),
            };
            if let Some(missing) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.strip_suffix('`'))
            {
                let field = match path {
                    Some(p) => format!("{p}.{missing}"),
                    None => missing.to_owned(),
                };
                return Error::field(&field, "required");
            }
            Error::field(path.unwrap_or("body"), message)
        }
        JsonRejection::JsonSyntaxError(_) => {
            Error::BadRequest(format!("the body is not valid JSON: {source}"))
        }
        JsonRejection::MissingJsonContentType(_) => Error::BadRequest(
            "send the body as JSON, with the header Content-Type: application/json".into(),
        ),
        other => Error::BadRequest(other.body_text()),
    }
}

/// A query string: a parameter that does not fit is a 422 naming it.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(QueryParams(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let message = std::error::Error::source(&e)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| e.body_text());
                Err(Error::field("query", message))
            }
            Err(other) => Err(Error::BadRequest(other.body_text())),
        }
    }
}
