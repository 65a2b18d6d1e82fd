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
    openapi.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let document = std::sync::Arc::new(openapi);
    router.route(
        "/openapi.json",
        get(move || async move { Json(document.as_ref().clone()) }),
    )
}
