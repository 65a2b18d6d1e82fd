//! Logging in and out, the current account, and the one-time setup link.

use super::{ApiError, get, post, post_empty};
use botwire_core::api::auth::{Credentials, Setup};

pub use botwire_core::api::auth::Me;

pub async fn login(email: &str, password: &str) -> Result<Me, ApiError> {
    let credentials = Credentials {
        email: email.to_owned(),
        password: password.to_owned(),
    };
    post("/auth/login", &credentials).await
}

pub async fn logout() -> Result<(), ApiError> {
    post_empty("/auth/logout").await
}

pub async fn me() -> Result<Me, ApiError> {
    get("/auth/me").await
}

pub async fn setup(token: &str, email: &str, password: &str) -> Result<Me, ApiError> {
    let setup = Setup {
        token: token.to_owned(),
        email: email.to_owned(),
        password: password.to_owned(),
    };
    post("/auth/setup", &setup).await
}
