//! `GET /api/v1/health`: liveness and the server's version. Public, so the app can show the
//! version before anyone logs in; it reveals nothing else.

use crate::AppState;
use axum::{Json, Router, extract::State, routing::get};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": state.db.kind().as_str(),
    }))
}
