//! A bot user in full: built-in fields, custom-field values, outbox and log rows.

use super::{ApiError, get};

pub use botwire_core::api::users::UserDetail;

pub async fn get_user(id: i64) -> Result<UserDetail, ApiError> {
    get(&format!("/users/{id}")).await
}
