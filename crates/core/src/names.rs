//! Names people type: webhook names and custom field names.

use serde::{Deserialize, Serialize};

/// A webhook's name: 1–128 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookName(String);

impl WebhookName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let _ = s;
        todo!()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A custom field's name: usable as a `{{placeholder}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldName(String);

impl FieldName {
    pub fn parse(s: &str) -> Result<Self, String> {
        let _ = s;
        todo!()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_conversions {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                <$t>::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype_conversions!(WebhookName);
string_newtype_conversions!(FieldName);
