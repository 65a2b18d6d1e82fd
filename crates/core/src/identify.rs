//! Which bot user a request belongs to, in the order of the design:
//! user_ns (match or stop) → CRM contact id (match or go on) → phone (match or create)
//! → email (match or create) → reject, saying what was tried and why each failed.
//! Bots on `messenger`/`instagram` never create users.
//!
//! Decisions beyond the design:
//! - Values are trimmed; a blank value counts as [`Probe::Empty`].
//! - A user_ns path that *fails* (matches several values, or an object or array) stops too:
//!   the request carries a user_ns, only not a usable one, and going on to the phone or email
//!   could create a second user for someone the platform already knows. Only a user_ns path
//!   that finds no value (nothing, null, a blank string) lets identification go on.
//! - A valid phone that matches nobody on a channel that cannot create users is not the end:
//!   email is still tried, for a match only.
//! - A user created from a phone also gets the email, if the email is valid; a user created
//!   from an email gets no phone (had the phone been valid, it would have decided).

use crate::channel::Channel;
use crate::email::{self, Email};
use crate::mapping::{MappingError, evaluate_text};
use crate::names::quote;
use crate::phone::{self, Country, Phone};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A webhook's identity paths; any may be unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPaths {
    pub user_ns: Option<String>,
    pub crm_contact_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl IdentityPaths {
    /// True when no identity path is set (a webhook cannot be activated then).
    pub fn is_empty(&self) -> bool {
        [
            &self.user_ns,
            &self.crm_contact_id,
            &self.phone,
            &self.email,
        ]
        .into_iter()
        .all(|p| configured(p).is_none())
    }
}

/// What one identity path gave for a payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Probe {
    /// No path set for this key.
    NotConfigured,
    /// The path failed (does not parse, matched several, …): the message says why.
    Failed(String),
    /// The path matched nothing, null or a blank string.
    Empty,
    Value(String),
}

/// The four probes of one payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInputs {
    pub user_ns: Probe,
    pub crm_contact_id: Probe,
    pub phone: Probe,
    pub email: Probe,
}

/// Evaluates each identity path against `doc` (via [`crate::mapping::evaluate_text`]).
///
/// An unset or blank path gives [`Probe::NotConfigured`]; a path that matches nothing, null or
/// a blank string gives [`Probe::Empty`]; any other mapping error gives [`Probe::Failed`] with
/// its message.
pub fn inputs(doc: &Value, paths: &IdentityPaths) -> IdentityInputs {
    IdentityInputs {
        user_ns: probe(doc, &paths.user_ns),
        crm_contact_id: probe(doc, &paths.crm_contact_id),
        phone: probe(doc, &paths.phone),
        email: probe(doc, &paths.email),
    }
}

/// The path, if it is set and not blank.
fn configured(path: &Option<String>) -> Option<&str> {
    path.as_deref().map(str::trim).filter(|p| !p.is_empty())
}

fn probe(doc: &Value, path: &Option<String>) -> Probe {
    let Some(path) = configured(path) else {
        return Probe::NotConfigured;
    };
    match evaluate_text(doc, path) {
        Ok(Some(v)) if !v.trim().is_empty() => Probe::Value(v),
        Ok(_) | Err(MappingError::NoMatch) => Probe::Empty,
        Err(e) => Probe::Failed(e.to_string()),
    }
}

/// Finds existing users; the server answers from the database, tests from a table.
pub trait UserLookup {
    type User;
    fn by_user_ns(&self, user_ns: &str) -> Option<Self::User>;
    fn by_crm_contact_id(&self, id: &str) -> Option<Self::User>;
    fn by_phone(&self, phone: &Phone) -> Option<Self::User>;
    fn by_email(&self, email: &Email) -> Option<Self::User>;
}

/// Which identity key decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKey {
    UserNs,
    CrmContactId,
    Phone,
    Email,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identification<U> {
    Matched {
        user: U,
        by: IdentityKey,
    },
    /// Create a user; `by` is Phone or Email. The other valid contact detail comes along.
    Create {
        by: IdentityKey,
        phone: Option<Phone>,
        email: Option<Email>,
    },
    /// No user: `reason` says what was tried and why each failed, in one sentence per key.
    Rejected {
        reason: String,
    },
}

/// Decides in the design's order.
///
/// The reason of [`Identification::Rejected`] starts `no usable identity: ` and then gives each
/// key in order, separated by `; `, e.g.
/// `no usable identity: user_ns path not set; CRM contact id "c-9": no such user;
/// phone "12": not a valid phone number for US (too short); email: no value at the path`.
/// With no path configured at all it says `no usable identity: no identity path is set`.
/// A user_ns that names nobody stops at once:
/// `no user with user_ns "…"; users are never created from a user_ns`; so does a user_ns path
/// that fails (several values, an object): `no usable identity: user_ns: the path matched 2
/// values, expected one; a request with a user_ns is identified by it alone (…)`.
pub fn identify<L: UserLookup>(
    inputs: &IdentityInputs,
    channel: Channel,
    country: &Country,
    lookup: &L,
) -> Identification<L::User> {
    identify_contacts(inputs, &Contacts::parse(inputs, country), channel, lookup)
}

/// The phone and email of a payload's inputs, parsed (`None` where the probe has no value).
/// Parsing a phone number is identification's costliest step, so the receiver does it once,
/// before its database turn, and looks users up by the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    pub phone: Option<Result<Phone, String>>,
    pub email: Option<Result<Email, String>>,
}

impl Contacts {
    /// Parses national phone numbers for `country`.
    pub fn parse(inputs: &IdentityInputs, country: &Country) -> Contacts {
        Contacts {
            phone: probe_value(&inputs.phone).map(|raw| phone::parse_number(raw, country)),
            email: probe_value(&inputs.email).map(email::parse_address),
        }
    }

    /// The phone, when there is a valid one.
    pub fn valid_phone(&self) -> Option<&Phone> {
        self.phone.as_ref().and_then(|p| p.as_ref().ok())
    }

    /// The email, when there is a valid one.
    pub fn valid_email(&self) -> Option<&Email> {
        self.email.as_ref().and_then(|e| e.as_ref().ok())
    }
}

/// [`identify`] with the contacts already parsed (from the same inputs).
pub fn identify_contacts<L: UserLookup>(
    inputs: &IdentityInputs,
    contacts: &Contacts,
    channel: Channel,
    lookup: &L,
) -> Identification<L::User> {
    let mut tried = Tried::default();

    // 1. user_ns: match or stop.
    if let Probe::Failed(problem) = &inputs.user_ns {
        return Identification::Rejected {
            reason: format!(
                "no usable identity: user_ns: {problem}; a request with a user_ns is identified by it alone (users are never created from a user_ns)"
            ),
        };
    }
    if let Some(user_ns) = tried.value("user_ns", &inputs.user_ns) {
        return match lookup.by_user_ns(user_ns) {
            Some(user) => Identification::Matched {
                user,
                by: IdentityKey::UserNs,
            },
            None => Identification::Rejected {
                reason: format!(
                    "no user with user_ns {}; users are never created from a user_ns",
                    quote(user_ns)
                ),
            },
        };
    }

    // 2. CRM contact id: match or go on.
    if let Some(id) = tried.value("CRM contact id", &inputs.crm_contact_id) {
        if let Some(user) = lookup.by_crm_contact_id(id) {
            return Identification::Matched {
                user,
                by: IdentityKey::CrmContactId,
            };
        }
        tried.failed(format!("CRM contact id {}: no such user", quote(id)));
    }

    // 3. phone: match or create (a user created from the phone takes the email along).
    if let Some(raw) = tried.value("phone", &inputs.phone) {
        match &contacts.phone {
            Some(Ok(phone)) => {
                if let Some(user) = lookup.by_phone(phone) {
                    return Identification::Matched {
                        user,
                        by: IdentityKey::Phone,
                    };
                }
                if channel.can_create_users() {
                    return Identification::Create {
                        by: IdentityKey::Phone,
                        phone: Some(phone.clone()),
                        email: contacts.valid_email().cloned(),
                    };
                }
                tried.failed(format!(
                    "phone {phone}: no such user, and {channel} bots cannot create users"
                ));
            }
            Some(Err(problem)) => tried.failed(format!("phone {}: {problem}", quote(raw))),
            None => {}
        }
    }

    // 4. email: match or create.
    if let Some(raw) = tried.value("email", &inputs.email) {
        match &contacts.email {
            Some(Ok(email)) => {
                if let Some(user) = lookup.by_email(email) {
                    return Identification::Matched {
                        user,
                        by: IdentityKey::Email,
                    };
                }
                if channel.can_create_users() {
                    return Identification::Create {
                        by: IdentityKey::Email,
                        phone: None,
                        email: Some(email.clone()),
                    };
                }
                tried.failed(format!(
                    "email {email}: no such user, and {channel} bots cannot create users"
                ));
            }
            Some(Err(problem)) => tried.failed(format!("email {}: {problem}", quote(raw))),
            None => {}
        }
    }

    // 5. reject.
    Identification::Rejected {
        reason: tried.reason(),
    }
}

/// What identification tried, in order, for the rejection.
#[derive(Default)]
struct Tried {
    notes: Vec<String>,
    any_configured: bool,
}

/// The trimmed value of a probe, if it has one.
fn probe_value(probe: &Probe) -> Option<&str> {
    match probe {
        Probe::Value(v) => Some(v.trim()).filter(|v| !v.is_empty()),
        _ => None,
    }
}

impl Tried {
    /// The trimmed value of a probe, if it has one; otherwise notes why not.
    fn value<'a>(&mut self, key: &str, probe: &'a Probe) -> Option<&'a str> {
        match probe {
            Probe::NotConfigured => {
                self.notes.push(format!("{key} path not set"));
                None
            }
            Probe::Failed(message) => {
                self.any_configured = true;
                self.notes.push(format!("{key}: {message}"));
                None
            }
            Probe::Empty => {
                self.any_configured = true;
                self.notes.push(format!("{key}: no value at the path"));
                None
            }
            Probe::Value(v) => {
                self.any_configured = true;
                let v = v.trim();
                if v.is_empty() {
                    self.notes.push(format!("{key}: no value at the path"));
                    None
                } else {
                    Some(v)
                }
            }
        }
    }

    fn failed(&mut self, note: String) {
        self.notes.push(note);
    }

    fn reason(self) -> String {
        if self.any_configured {
            format!("no usable identity: {}", self.notes.join("; "))
        } else {
            "no usable identity: no identity path is set".to_owned()
        }
    }
}
