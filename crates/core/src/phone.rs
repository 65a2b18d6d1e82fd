//! Phone numbers (libphonenumber port), normalised to E.164 with the bot's default country.

use serde::{Deserialize, Serialize};

/// An ISO 3166-1 alpha-2 region code libphonenumber knows, e.g. `US`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Country(String);

impl Country {
    pub fn parse(s: &str) -> Result<Self, String> {
        let _ = s;
        todo!()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A valid phone number in E.164 form (`+14155550123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses `raw` (international, or national for `default_country`) and checks it is valid.
    pub fn parse(raw: &str, default_country: &Country) -> Result<Self, String> {
        let _ = (raw, default_country);
        todo!()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
