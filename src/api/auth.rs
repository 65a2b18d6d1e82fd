//! Logging in and out, the current account, and the one-time setup link.

use super::{ApiError, get, post, post_empty};
use serde::Serialize;

pub use botwire_core::api::auth::Me;

#[derive(Serialize)]
struct Credentials<'a> {
    email: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct Setup<'a> {
    token: &'a str,
    email: &'a str,
    password: &'a str,
}

pub async fn login(email: &str, password: &str) -> Result<Me, ApiError> {
    post("/auth/login", &Credentials { email, password }).await
}

pub async fn logout() -> Result<(), ApiError> {
    post_empty("/auth/logout").await
}

pub async fn me() -> Result<Me, ApiError> {
    get("/auth/me").await
}

pub async fn setup(token: &str, email: &str, password: &str) -> Result<Me, ApiError> {
    post(
        "/auth/setup",
        &Setup {
            token,
            email,
            password,
        },
    )
    .await
}
