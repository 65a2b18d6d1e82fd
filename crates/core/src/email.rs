//! Email addresses (RFC 5321/5322 via `email_address`).
//!
//! Decisions:
//! - The whole address is lowercased, local part included. RFC 5321 lets a server treat the
//!   local part case-sensitively, but no real mailbox provider does, and people type
//!   `Ana@Example.com` and `ana@example.com` for the same inbox: one address is one user.
//! - Only a bare address is accepted: display-name forms (`Ana <ana@example.com>`) and
//!   `<ana@example.com>` are refused, so a payload never smuggles a name into the key.
//! - The address must be deliverable on the internet: the domain needs at least one dot
//!   (`user@localhost` is refused), must not be a bracketed IP literal (`user@[10.0.0.1]`) and
//!   must not end in a number (`user@10.0.0.1`).
//! - At most 254 bytes in all (the limit of an SMTP forward path).

use crate::names::quote;
use email_address::{EmailAddress, Error, Options};
use serde::{Deserialize, Serialize};

/// Longest address SMTP carries (RFC 5321 path of 256 octets, less the angle brackets).
pub const EMAIL_MAX: usize = 254;

/// A valid email address, lowercased so that one address is one user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("email address is empty".to_owned());
        }
        parse_address(raw).map_err(|problem| format!("{} is {problem}", quote(raw)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a non-blank, trimmed `raw`; the error is a predicate ("not a valid email address
/// (it has no \"@\")") that [`Email::parse`] and identification each put after the value.
pub(crate) fn parse_address(raw: &str) -> Result<Email, String> {
    const BARE: &str = "expected a bare address such as ana@example.com";
    if raw.ends_with('>') && raw.contains('<') {
        return Err(format!(
            "not a bare email address (a display-name form such as Ana <ana@example.com>); {BARE}"
        ));
    }
    let options = Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    if raw.len() > EMAIL_MAX {
        return Err(format!(
            "not a valid email address (longer than {EMAIL_MAX} bytes, the SMTP limit)"
        ));
    }
    let address = EmailAddress::parse_with_options(raw, options)
        .map_err(|e| format!("not a valid email address ({})", error_reason(&e)))?;
    let domain = address.domain();
    let last_label = domain.rsplit('.').next().unwrap_or_default();
    if last_label.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "not a deliverable email address (the domain {domain} is an IP address, not a name)"
        ));
    }
    Ok(Email(address.as_str().to_lowercase()))
}

fn error_reason(e: &Error) -> &'static str {
    match e {
        Error::InvalidCharacter => "it contains a character not allowed there",
        Error::MissingSeparator => "it has no \"@\"",
        Error::LocalPartEmpty => "nothing before the \"@\"",
        Error::LocalPartTooLong => "more than 64 characters before the \"@\"",
        Error::DomainEmpty => "nothing after the \"@\"",
        Error::DomainTooLong => "the domain is longer than 254 characters",
        Error::SubDomainEmpty => {
            "the domain has an empty part (two dots in a row, or a dot at its start or end)"
        }
        Error::SubDomainTooLong => "a part of the domain is longer than 63 characters",
        Error::DomainTooFew => {
            "the domain has no dot, as in user@localhost; a deliverable address needs a domain \
             such as example.com"
        }
        Error::DomainInvalidSeparator => "the domain has an invalid separator",
        Error::UnbalancedQuotes => "the quotes before the \"@\" are unbalanced",
        Error::InvalidComment => "it has a badly formed comment",
        Error::InvalidIPAddress | Error::UnsupportedDomainLiteral => {
            "the domain is a bracketed IP address; expected a domain name"
        }
        Error::UnsupportedDisplayName | Error::MissingDisplayName | Error::MissingEndBracket => {
            "expected a bare address such as ana@example.com, without a display name or <>"
        }
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
