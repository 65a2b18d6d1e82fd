//! Request bodies, query strings and path parameters whose errors are problem+json naming the
//! field, unlike axum's own extractors, which answer in plain text. Every handler uses these.
//!
//! Text that the API stores or searches may not hold a NUL character: PostgreSQL's text
//! cannot, and SQLite answers the same, so both databases behave alike. The check is here,
//! once, rather than at each field.

use crate::error::{Error, Result};
use crate::http_serve::BodyTimedOut;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

const NUL: &str = "must not contain a NUL character";

/// A JSON request body. Unlike `axum::Json`, a body that does not fit answers with
/// problem+json: a wrong or missing member is a 422 naming it, malformed JSON a 400, a body
/// over the limit a 413. A string holding NUL is a 422 naming its member.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let (value, bytes) = json_body(req, state).await?;
        // JSON writes NUL only as the escape `\u0000`: without one in the text (almost every
        // body), no second parse. With one, the tree gives the member's name a client needs.
        if bytes.windows(6).any(|w| w == b"\\u0000")
            && let Ok(tree) = serde_json::from_slice::<Value>(&bytes)
            && let Some(field) = nul_at(&tree, String::new())
        {
            return Err(Error::field(
                if field.is_empty() { "body" } else { &field },
                NUL,
            ));
        }
        Ok(Body(value))
    }
}

/// A JSON body that is only looked at, never stored or searched, so its strings may hold
/// anything (the evaluator's payload is what a sender would post, and the receiver takes any).
pub struct AnyBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AnyBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        Ok(AnyBody(json_body(req, state).await?.0))
    }
}

async fn json_body<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(T, Bytes)> {
    if !json_content_type(req.headers()) {
        return Err(Error::BadRequest(
            "send the body as JSON, with the header Content-Type: application/json".into(),
        ));
    }
    let RawBody(bytes) = RawBody::from_request(req, state).await?;
    match Json::<T>::from_bytes(&bytes) {
        Ok(Json(value)) => Ok((value, bytes)),
        Err(rejection) => Err(body_error(rejection)),
    }
}

/// `application/json` or `application/…+json`, as `axum::Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence
        .strip_prefix("application/")
        .is_some_and(|subtype| subtype == "json" || subtype.ends_with("+json"))
}

/// The member path (`mappings[0].field`, as serde names it) of the first string or object
/// key holding NUL; `""` for the top level.
fn nul_at(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            if name.contains('\0') {
                return Some(path.clone());
            }
            let at = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            nul_at(member, at)
        }),
        _ => None,
    }
}

/// A request body as bytes, within the API's body limit (`BODY_MAX_BYTES`, 2 MiB): over it is
/// a 413 problem+json.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(bytes_error)
    }
}

fn bytes_error(rejection: BytesRejection) -> Error {
    if let Some(timeout) = crate::error::cause::<BodyTimedOut>(&rejection) {
        return Error::RequestTimeout(timeout.to_string());
    }
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge("the body is larger than the API accepts (2 MiB)".into());
    }
    Error::BadRequest(rejection.body_text())
}

fn body_error(rejection: JsonRejection) -> Error {
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
        other => Error::BadRequest(other.body_text()),
    }
}

/// A query string: a parameter that does not fit, or holds NUL, is a 422 naming it.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let query = parts.uri.query().unwrap_or_default().as_bytes();
        for (name, value) in form_urlencoded::parse(query) {
            if name.contains('\0') {
                return Err(Error::field("query", NUL));
            }
            if value.contains('\0') {
                return Err(Error::field(&name, NUL));
            }
        }
        // As axum's `Query`, but the error names the parameter that did not fit (`limit`), not
        // only what was wrong with it.
        let parameters = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
        match serde_path_to_error::deserialize(parameters) {
            Ok(value) => Ok(QueryParams(value)),
            Err(e) => {
                let field = e.path().to_string();
                let field = if field == "." { "query" } else { &field };
                Err(Error::field(field, e.into_inner().to_string()))
            }
        }
    }
}

/// Path parameters. Every one the API takes is a positive integer id, so one that does not
/// parse (`/bots/abc`, an id past `i64`) names nothing that exists: 404, as an unknown id.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParams(value)),
            Err(axum::extract::rejection::PathRejection::FailedToDeserializePathParams(_)) => {
                Err(Error::NotFound)
            }
            Err(other) => Err(Error::Internal(other.body_text())),
        }
    }
}
