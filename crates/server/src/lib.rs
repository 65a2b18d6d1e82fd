//! Botwire's server: the REST API, the webhook receiver, storage and the admin app's files.

pub mod api;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod group_commit;
mod health;
mod http_serve;
pub mod receiver;
pub mod retention;
pub mod setup;
pub mod spa;
pub mod store;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use config::Settings;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub hub: events::Hub,
    pub settings: Arc<Settings>,
    /// The webhooks the receiver read lately.
    pub known_hooks: Arc<receiver::known_hooks::KnownHooks>,
    /// The bots whose daily limit the receiver last saw used up.
    pub exhausted_bots: Arc<receiver::exhausted::ExhaustedBots>,
}

/// The whole HTTP application; `main` and the tests both build it here.
pub fn app(state: AppState) -> Router {
    let not_found = || async { error::Error::NotFound };
    // A known path with another method: 405 problem+json; axum adds the `Allow` header.
    let not_allowed = || async {
        error::problem(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "this method is not allowed here",
            None,
        )
    };
    let api = api::router()
        .method_not_allowed_fallback(not_allowed)
        .fallback(not_found);
    let under_api = Router::new()
        .nest("/api/v1", api)
        // Anything else under /api is an API 404 too, never the app's page.
        .route("/api", axum::routing::any(not_found))
        .route("/api/", axum::routing::any(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        // API answers hold builders' data and, once, new secrets: no cache keeps them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .merge(under_api)
        .merge(receiver::router())
        .fallback_service(spa::service(&state.settings.dist))
        .with_state(state)
        // A bug that panics in a handler answers 500 problem+json, instead of a dropped
        // connection that a sender would only retry. The panic hook has printed it already.
        .layer(CatchPanicLayer::custom(|_| {
            error::Error::Internal("a request handler panicked".into()).into_response()
        }))
        // Every answer is read as the type it declares, never sniffed into a page.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Connects the database (running migrations) and starts the event hub.
pub async fn state(settings: Settings) -> Result<AppState, String> {
    let db = db::Db::connect(&settings.database_url).await.map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            db::redact_url(&settings.database_url)
        )
    })?;
    let hub = events::Hub::start(&db).await?;
    Ok(AppState {
        db,
        hub,
        settings: Arc::new(settings),
        known_hooks: Arc::default(),
        exhausted_bots: Arc::default(),
    })
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(settings: Settings) -> Result<(), String> {
    let state = state(settings).await?;
    let settings = &state.settings;
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if !settings.dist.join("index.html").is_file() {
        tracing::warn!(dist = %settings.dist.display(), "no built app here: only the API and receiver are served");
    }
    if let Some(link) = setup::first_start(&state.db).await? {
        println!(
            "No account has a password yet. Set the owner's email and password within 24 hours at\n  \
             http://{addr}/setup#{link}\nor: curl -X POST http://{addr}/api/v1/auth/setup -H 'content-type: application/json' \
             -d '{{\"token\":\"{link}\",\"email\":\"you@example.com\",\"password\":\"…\"}}'"
        );
    }
    retention::start(state.db.clone(), settings.log_retention_days);
    // Tests and scripts read this line to learn the port.
    println!("botwire listening on http://{addr}");
    let read_timeout = std::time::Duration::from_secs(settings.read_timeout_secs);
    http_serve::serve(listener, app(state), read_timeout, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
