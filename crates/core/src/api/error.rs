//! The parts of the API's `application/problem+json` (RFC 9457) errors that clients read.

use serde::{Deserialize, Serialize};

/// A message about one input field, shown next to that field (the problem's `errors` list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The input, e.g. `name` or `mappings[2].path`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
