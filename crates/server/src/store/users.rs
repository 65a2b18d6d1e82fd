//! Bot users: finding them for identification, creating them, setting their fields.

use super::sql::{self, Conn, query};
use crate::error::{Error, Result};
use botwire_core::convert::convert;
use botwire_core::email::Email;
use botwire_core::field::FieldType;
use botwire_core::identify::UserLookup;
use botwire_core::phone::Phone;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub id: i64,
    pub user_ns: String,
}

sql::row_struct! {
    struct CandidateRow {
        id: i64,
        user_ns: String,
        crm_contact_id: Option<String>,
        phone: Option<String>,
        email: Option<String>,
    }
}

/// The users a request's identity values could name, fetched in one query, so that
/// identification itself runs as the pure function in botwire-core.
#[derive(Debug, Default)]
pub struct Candidates {
    rows: Vec<CandidateRow>,
}

impl std::fmt::Debug for CandidateRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {}", self.id)
    }
}

impl Candidates {
    fn find(&self, pick: impl Fn(&CandidateRow) -> bool) -> Option<UserRef> {
        // Lowest id first: a CRM id may be on several users, the oldest wins.
        self.rows
            .iter()
            .filter(|r| pick(r))
            .min_by_key(|r| r.id)
            .map(|r| UserRef {
                id: r.id,
                user_ns: r.user_ns.clone(),
            })
    }
}

impl UserLookup for Candidates {
    type User = UserRef;
    fn by_user_ns(&self, user_ns: &str) -> Option<UserRef> {
        self.find(|r| r.user_ns == user_ns)
    }
    fn by_crm_contact_id(&self, id: &str) -> Option<UserRef> {
        self.find(|r| r.crm_contact_id.as_deref() == Some(id))
    }
    fn by_phone(&self, phone: &Phone) -> Option<UserRef> {
        self.find(|r| r.phone.as_deref() == Some(phone.as_str()))
    }
    fn by_email(&self, email: &Email) -> Option<UserRef> {
        self.find(|r| r.email.as_deref() == Some(email.as_str()))
    }
}

/// Identity values as the database holds them (phone in E.164, email lowercased).
#[derive(Debug, Default)]
pub struct Keys<'a> {
    pub user_ns: Option<&'a str>,
    pub crm_contact_id: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// One indexed lookup per key: a single `OR` of the four made SQLite walk every user of the
/// bot. A user named by two keys comes twice, which [`Candidates`] does not mind.
pub(crate) const CANDIDATES: &str = "\
    SELECT id, user_ns, crm_contact_id, phone, email FROM bot_users WHERE bot_id = $1 AND user_ns = $2 \
    UNION ALL SELECT id, user_ns, crm_contact_id, phone, email FROM bot_users WHERE bot_id = $1 AND crm_contact_id = $3 \
    UNION ALL SELECT id, user_ns, crm_contact_id, phone, email FROM bot_users WHERE bot_id = $1 AND phone = $4 \
    UNION ALL SELECT id, user_ns, crm_contact_id, phone, email FROM bot_users WHERE bot_id = $1 AND email = $5";

pub async fn candidates(tx: &mut Conn<'_>, bot_id: i64, keys: &Keys<'_>) -> Result<Candidates> {
    let rows = query(CANDIDATES)
        .bind(bot_id)
        .bind(keys.user_ns)
        .bind(keys.crm_contact_id)
        .bind(keys.phone)
        .bind(keys.email)
        .fetch_all(tx)
        .await?;
    Ok(Candidates { rows })
}

/// A fresh platform id for a user created by a webhook.
fn new_user_ns() -> String {
    let bytes: [u8; 10] = rand::random();
    format!("bw_{}", hex::encode(bytes))
}

/// The longest CRM contact id a webhook keeps on a user, in bytes.
/// Longer ones are looked up but not kept: an index entry has a size limit (PostgreSQL's
/// B-tree: about 2.7 kB) and a payload's value has none.
pub const MAX_CRM_CONTACT_ID_BYTES: usize = 255;

/// Whether a webhook keeps `crm_contact_id` on a user: short enough to index.
pub fn keepable(crm_contact_id: &str) -> bool {
    crm_contact_id.len() <= MAX_CRM_CONTACT_ID_BYTES
}

/// A new user's identity: a phone and/or an email, and the CRM contact id the request named,
/// if any (kept when it is short enough).
#[derive(Debug, Default)]
pub struct NewUser<'a> {
    pub crm_contact_id: Option<&'a str>,
    pub phone: Option<&'a Phone>,
    pub email: Option<&'a Email>,
}

/// Creates a user with a phone and/or email. When another request created the same user
/// first, that user is returned instead (the unique keys decide).
pub async fn create(
    tx: &mut Conn<'_>,
    bot_id: i64,
    new: &NewUser<'_>,
    source: &str,
) -> Result<UserRef> {
    let NewUser {
        crm_contact_id,
        phone,
        email,
    } = *new;
    let crm_contact_id = crm_contact_id.filter(|id| keepable(id));
    let now = super::now_ms();
    let user_ns = new_user_ns();
    let created: Option<(i64,)> = query(
        "INSERT INTO bot_users (bot_id, user_ns, crm_contact_id, phone, email, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(bot_id)
    .bind(&user_ns)
    .bind(crm_contact_id)
    .bind(phone.map(Phone::as_str))
    .bind(email.map(Email::as_str))
    .bind(source)
    .bind(now)
    .fetch_optional(tx)
    .await?;
    if let Some((id,)) = created {
        return Ok(UserRef { id, user_ns });
    }
    let keys = Keys {
        phone: phone.map(Phone::as_str),
        email: email.map(Email::as_str),
        ..Keys::default()
    };
    let existing = candidates(tx, bot_id, &keys).await?;
    phone
        .and_then(|p| existing.by_phone(p))
        .or_else(|| email.and_then(|e| existing.by_email(e)))
        .ok_or_else(|| Error::Internal("user insert conflicted but no user has its keys".into()))
}

/// Gives user `user_id` the CRM contact id `id` when it has none and no other user of its bot
/// has it (and it is short enough to keep), so that the next request naming only that id finds
/// the user. Whether it did.
pub async fn link_crm_contact_id(tx: &mut Conn<'_>, user_id: i64, id: &str) -> Result<bool> {
    if !keepable(id) {
        return Ok(false);
    }
    let linked = query(
        "UPDATE bot_users SET crm_contact_id = $2, updated_at = $3 \
         WHERE id = $1 AND crm_contact_id IS NULL AND NOT EXISTS \
         (SELECT 1 FROM bot_users o WHERE o.bot_id = bot_users.bot_id AND o.crm_contact_id = $2)",
    )
    .bind(user_id)
    .bind(id)
    .bind(super::now_ms())
    .execute(tx)
    .await?;
    Ok(linked > 0)
}

/// What one request maps onto a user: built-in names (`first_name`, `last_name`) and custom
/// field values by field id. A later value for the same field replaces an earlier one, as
/// mappings apply in order.
#[derive(Debug, Default)]
pub struct Changes {
    names: Vec<(&'static str, String)>,
    fields: Vec<(i64, String)>,
}

impl Changes {
    /// Records a built-in name; `field` must be one of [`SETTABLE_NAMES`].
    pub fn set_name(&mut self, field: &str, value: String) -> Result<()> {
        let column = SETTABLE_NAMES
            .into_iter()
            .find(|c| *c == field)
            .ok_or_else(|| Error::Internal(format!("{field} is not a settable built-in field")))?;
        self.names.retain(|(c, _)| *c != column);
        self.names.push((column, value));
        Ok(())
    }

    pub fn set_field(&mut self, field_id: i64, value: &Value) {
        self.fields.retain(|(id, _)| *id != field_id);
        self.fields.push((field_id, value.to_string()));
    }

    /// The changes as at most two statements, written out before the writer's turn: the
    /// receiver's writes are serialised, so every statement saved is throughput, and so is
    /// every statement's text not written out in the turn.
    pub fn into_writes(self) -> Writes {
        let names = (!self.names.is_empty()).then(|| {
            let sets: Vec<String> = (self.names.iter().enumerate())
                .map(|(i, (column, _))| format!("{column} = ${}", i + 3))
                .collect();
            let sql = format!(
                "UPDATE bot_users SET {}, updated_at = $1 WHERE id = $2",
                sets.join(", ")
            );
            (sql, self.names.into_iter().map(|(_, v)| v).collect())
        });
        let fields = (!self.fields.is_empty()).then(|| {
            let rows: Vec<String> = (0..self.fields.len())
                .map(|i| format!("($1, ${}, ${}, $2)", 2 * i + 3, 2 * i + 4))
                .collect();
            let sql = format!(
                "INSERT INTO field_values (user_id, field_id, value, updated_at) VALUES {} \
                 ON CONFLICT (user_id, field_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                rows.join(", ")
            );
            (sql, self.fields)
        });
        Writes { names, fields }
    }
}

/// [`Changes`] as statements: each one's text with its values after the user's id and the time.
#[derive(Debug, Default)]
pub struct Writes {
    names: Option<(String, Vec<String>)>,
    fields: Option<(String, Vec<(i64, String)>)>,
}

/// Built-in user fields a mapping may set (the identity fields are set by identification).
pub const SETTABLE_NAMES: [&str; 2] = ["first_name", "last_name"];

/// Writes a user's changes.
pub async fn apply(tx: &mut Conn<'_>, user_id: i64, writes: &Writes) -> Result<()> {
    let now = super::now_ms();
    if let Some((sql, values)) = &writes.names {
        let mut statement = query(sql.as_str()).bind(now).bind(user_id);
        for value in values {
            statement = statement.bind(value);
        }
        statement.execute(tx).await?;
    }
    if let Some((sql, values)) = &writes.fields {
        let mut statement = query(sql.as_str()).bind(user_id).bind(now);
        for (field_id, value) in values {
            statement = statement.bind(*field_id).bind(value);
        }
        statement.execute(tx).await?;
    }
    Ok(())
}

sql::row_struct! {
    struct DisplayRow {
        user_ns: String,
        crm_contact_id: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        first_name: Option<String>,
        last_name: Option<String>,
        field_name: Option<String>,
        field_type: Option<String>,
        field_value: Option<String>,
    }
}

/// Every field of a user as a message shows it: built-ins, then custom fields (unset ones
/// absent). Used to render templates.
pub async fn display_values(tx: &mut Conn<'_>, user_id: i64) -> Result<BTreeMap<String, String>> {
    // One statement (the receiver runs this in its serialised turn): the user's row once per
    // custom field value, or once with no field.
    let rows: Vec<DisplayRow> = query(
        "SELECT u.user_ns, u.crm_contact_id, u.phone, u.email, u.first_name, u.last_name, \
         f.name AS field_name, f.field_type, v.value AS field_value FROM bot_users u \
         LEFT JOIN field_values v ON v.user_id = u.id LEFT JOIN custom_fields f ON f.id = v.field_id \
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_all(tx)
    .await?;
    let user = rows.first().ok_or(Error::NotFound)?;
    let mut values = BTreeMap::new();
    values.insert("user_ns".to_owned(), user.user_ns.clone());
    for (name, v) in [
        ("crm_contact_id", &user.crm_contact_id),
        ("phone", &user.phone),
        ("email", &user.email),
        ("first_name", &user.first_name),
        ("last_name", &user.last_name),
    ] {
        if let Some(v) = v {
            values.insert(name.to_owned(), v.clone());
        }
    }
    let custom =
        rows.into_iter()
            .filter_map(|r| match (r.field_name, r.field_type, r.field_value) {
                (Some(name), Some(field_type), Some(stored)) => Some((name, field_type, stored)),
                _ => None,
            });
    for (name, field_type, stored) in custom {
        let field_type = FieldType::parse(&field_type).map_err(Error::Internal)?;
        let json: Value =
            serde_json::from_str(&stored).map_err(|e| Error::Internal(e.to_string()))?;
        values.insert(name, shown(&json, field_type));
    }
    Ok(values)
}

/// A custom field's stored value as a message shows it.
pub fn shown(stored: &Value, field_type: FieldType) -> String {
    // Stored values were converted on the way in; converting again gives the typed value back.
    convert(stored, field_type)
        .map(|t| t.display())
        .unwrap_or_else(|_| match stored {
            // Without JSON quotes, as a message would show text.
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
}
