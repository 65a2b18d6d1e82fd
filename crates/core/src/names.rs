//! Names people type: webhook names and custom field names.

use serde::{Deserialize, Serialize};

/// Longest webhook name, in characters.
const WEBHOOK_NAME_MAX: usize = 128;
/// Longest custom field name, in characters.
const FIELD_NAME_MAX: usize = 64;

// A custom field may not take a built-in user field's name (compared without regard to case,
// so `{{Phone}}` and `{{phone}}` can never mean different things).
use crate::template::USER_FIELDS as BUILT_IN_USER_FIELDS;

/// A webhook's name: 1–128 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookName(String);

impl WebhookName {
    /// Surrounding whitespace is trimmed; length counts characters, not bytes; control
    /// characters (tabs, newlines, …) are refused anywhere in the name.
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = s.trim();
        let len = name.chars().count();
        if len == 0 || len > WEBHOOK_NAME_MAX {
            return Err(format!(
                "webhook name must be 1–{WEBHOOK_NAME_MAX} characters (got {len} after trimming)"
            ));
        }
        if let Some((i, c)) = name.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(format!(
                "webhook name must not contain control characters (found U+{:04X} at character {})",
                u32::from(c),
                i + 1
            ));
        }
        Ok(Self(name.to_owned()))
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
    /// 1–64 characters after trimming: an ASCII letter or `_`, then ASCII letters, digits and
    /// `_`. Case is kept as typed. Built-in user field names ([`crate::template::USER_FIELDS`]) are
    /// refused in any case.
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = s.trim();
        let len = name.chars().count();
        if len == 0 || len > FIELD_NAME_MAX {
            return Err(format!(
                "field name must be 1–{FIELD_NAME_MAX} characters (got {len} after trimming)"
            ));
        }
        let mut chars = name.chars();
        let first = chars.next().unwrap_or_default();
        if !(first.is_ascii_alphabetic() || first == '_') {
            return Err(format!(
                "field name {} must start with a letter (a–z, A–Z) or \"_\", not {}",
                quote(name),
                quote_char(first)
            ));
        }
        if let Some((i, c)) = name
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(format!(
                "field name {} may contain only letters (a–z, A–Z), digits and \"_\" \
                 (found {} at character {})",
                quote(name),
                quote_char(c),
                i + 1
            ));
        }
        if let Some(builtin) = BUILT_IN_USER_FIELDS
            .iter()
            .find(|b| b.eq_ignore_ascii_case(name))
        {
            return Err(format!(
                "field name {} is taken by the built-in user field \"{builtin}\"; \
                 built-in fields ({}) cannot be custom fields",
                quote(name),
                BUILT_IN_USER_FIELDS.join(", ")
            ));
        }
        Ok(Self(name.to_owned()))
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

/// Longest piece of a user's value quoted in an error message, in characters.
const QUOTE_MAX: usize = 64;

/// `s` quoted for an error message: Rust string escaping (so control characters and quotes
/// show), cut to [`QUOTE_MAX`] characters with `…` so a huge payload value cannot flood a log.
pub(crate) fn quote(s: &str) -> String {
    if s.chars().count() <= QUOTE_MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(QUOTE_MAX).collect();
        format!("{:?}…", head)
    }
}

/// One character quoted for an error message; whitespace and control characters by code point.
fn quote_char(c: char) -> String {
    if c.is_whitespace() || c.is_control() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("\"{c}\"")
    }
}
