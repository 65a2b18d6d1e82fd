//! `GET /api/v1/health`: liveness and the server's version. Public, so the app can show the
//! version before anyone logs in; it reveals nothing else.

use crate::AppState;
use axum::{Json, extract::State};
use botwire_core::api::health::Health;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// The server is up; its version and database kind. Needs no credentials.
#[utoipa::path(get, path = "/health", tag = "meta", security(()), responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.db.kind().as_str().into(),
    })
}
