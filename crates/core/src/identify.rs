//! Which bot user a request belongs to, in the order of the design:
//! user_ns (match or stop) → CRM contact id (match or go on) → phone (match or create)
//! → email (match or create) → reject, saying what was tried and why each failed.
//! Bots on `messenger`/`instagram` never create users.

use crate::channel::Channel;
use crate::email::Email;
use crate::phone::{Country, Phone};
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
        todo!()
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
pub fn inputs(doc: &Value, paths: &IdentityPaths) -> IdentityInputs {
    let _ = (doc, paths);
    todo!()
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
    Matched { user: U, by: IdentityKey },
    /// Create a user; `by` is Phone or Email. The other valid contact detail comes along.
    Create { by: IdentityKey, phone: Option<Phone>, email: Option<Email> },
    /// No user: `reason` says what was tried and why each failed, in one sentence per key.
    Rejected { reason: String },
}

/// Decides in the design's order.
pub fn identify<L: UserLookup>(
    inputs: &IdentityInputs,
    channel: Channel,
    country: &Country,
    lookup: &L,
) -> Identification<L::User> {
    let _ = (inputs, channel, country, lookup);
    todo!()
}
