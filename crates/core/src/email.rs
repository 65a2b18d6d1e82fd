//! Email addresses (RFC 5321/5322 via `email_address`).

use serde::{Deserialize, Serialize};

/// A valid email address, lowercased so that one address is one user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let _ = raw;
        todo!()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
