//! Botwire's domain, without I/O. The browser (wasm32) and the server run exactly this code,
//! so what the editor previews is what the receiver does.
//!
//! - [`path`] and [`tree`]: RFC 9535 normalized paths and the nodes of a JSON document.
//! - [`mapping`] and [`convert`]: evaluating identity paths and mappings, typed conversion.
//! - [`identify`]: which bot user a request belongs to.
//! - [`field`], [`names`], [`phone`], [`email`], [`channel`], [`limits`]: validation newtypes.
//! - [`template`]: `{{field}}` message templates.
//! - [`access`]: roles in a workspace.
//! - [`api`]: the JSON of the REST API, shared by the server and the app.

pub mod access;
pub mod api;
pub mod channel;
pub mod convert;
pub mod email;
pub mod field;
pub mod identify;
pub mod limits;
pub mod mapping;
pub mod names;
pub mod path;
pub mod phone;
pub mod template;
pub mod tree;
