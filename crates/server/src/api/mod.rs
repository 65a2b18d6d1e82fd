//! The REST API under `/api/v1`. Each resource has its own `router()`, merged here; the
//! OpenAPI document is generated from the same declarations, so it lists every route served.

pub mod auth;
pub mod bots;
pub mod caller;
pub mod events;
pub mod fields;
pub mod json;
pub mod logs;
pub mod page;
pub mod scope;
pub mod usage;
pub mod users;
pub mod webhooks;

use crate::AppState;
use axum::Json;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "Botwire API", description = "Inbound webhooks for chatbots: bots, custom fields, webhooks, logs, users."),
    modifiers(&Security),
    security(("session" = []), ("token" = []))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(caller::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every `/api/v1` route, and the OpenAPI document describing them.
pub fn router() -> axum::Router<AppState> {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::health::router())
        .merge(auth::router())
        .merge(bots::router())
        .merge(fields::router())
        .merge(users::router())
        .merge(usage::router())
        .merge(webhooks::router())
        .merge(events::router())
        .merge(logs::router())
        .split_for_parts();
    let mut openapi = openapi;
    document_input_errors(&mut openapi);
    openapi.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let document = std::sync::Arc::new(openapi);
    router
        .route(
            "/openapi.json",
            get(move || async move { Json(document.as_ref().clone()) }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(
            botwire_core::api::BODY_MAX_BYTES,
        ))
}

/// The answers `json`'s extractors give any route, documented once rather than at each: a
/// path id that cannot exist is a 404; a query parameter or body member that does not fit
/// (or holds NUL) a 422; a body over the limit a 413.
fn document_input_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, Response};
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let takes = |place: ParameterIn| {
                (op.parameters.iter().flatten()).any(|p| p.parameter_in == place)
            };
            let mut answers = Vec::new();
            if takes(ParameterIn::Path) {
                answers.push(("404", "not found"));
            }
            if takes(ParameterIn::Query) || op.request_body.is_some() {
                answers.push(("422", "a parameter or member is invalid, or holds NUL"));
            }
            if op.request_body.is_some() {
                answers.push(("413", "the body is larger than 2 MiB"));
            }
            for (status, description) in answers {
                (op.responses.responses)
                    .entry(status.into())
                    .or_insert_with(|| RefOr::T(Response::new(description)));
            }
        }
    }
}
