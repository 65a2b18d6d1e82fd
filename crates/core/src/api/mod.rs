//! The JSON of the REST API (`/api/v1`), declared once: the server serialises these and the
//! app deserialises them, so the two cannot drift apart. With the `openapi` feature (the
//! server's) they also describe themselves to the OpenAPI document; their doc comments are
//! the descriptions there.
//!
//! One module per resource; [`page`] and [`error`] are shared by all of them.

pub mod auth;
pub mod bots;
pub mod error;
pub mod health;
pub mod logs;
pub mod page;
pub mod users;
pub mod webhooks;

/// The largest request body the API takes, in bytes (2 MiB): a larger one is a 413. The app
/// says so before sending, e.g. of a sample pasted into the editor.
pub const BODY_MAX_BYTES: usize = 2 * 1024 * 1024;
