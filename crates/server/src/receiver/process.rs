//! What happens to a request admitted under the limit: inactive and signature checks,
//! duplicates, parsing, listen capture, identification, mappings, the action, and the log row.
//! Everything runs in the caller's transaction.

use super::{body, redact};
use crate::error::{Error, Result, problem};
use crate::events::Event;
use crate::store::bots::{Bot, CustomField};
use crate::store::logs::{NewLog, Outcome};
use crate::store::sql::Conn;
use crate::store::users::SETTABLE_NAMES;
use crate::store::webhooks::{Receiving, Webhook};
use crate::store::{logs, outbox, users, webhooks};
use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use botwire_core::email::Email;
use botwire_core::field::FieldType;
use botwire_core::identify::{
    self, Contacts, Identification, IdentityInputs, IdentityKey, IdentityPaths, Probe,
};
use botwire_core::mapping;
use botwire_core::phone::Phone;
use botwire_core::template::{Template, USER_FIELDS};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

/// Keys a sender may use to make retries safe; the first one present counts.
const IDEMPOTENCY_HEADERS: [&str; 2] = ["webhook-id", "idempotency-key"];
/// Keys longer than this (in bytes) are remembered by their SHA-256: an index entry has a size
/// limit (PostgreSQL's B-tree: about 2.7 kB) and a sender's key has none.
const MAX_PLAIN_KEY_BYTES: usize = 200;
const HASHED_KEY_PREFIX: &str = "sha256:";

pub struct Request<'a> {
    pub method: &'a str,
    pub headers: &'a HeaderMap,
    pub bytes: &'a [u8],
    pub received_at: i64,
}

/// Whether a request came in to `/hooks/{token}` or is a logged one replayed from the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Called with the token whose hash is `token_hash`.
    Live { token_hash: String },
    /// The builder's own re-run of log row `of`: no signature check, and the idempotency key
    /// is neither honoured nor remembered.
    Replay { of: i64 },
}

/// How the request is answered; the log row records it.
enum Answer {
    Processed {
        user_ns: String,
    },
    Problem {
        status: StatusCode,
        detail: String,
    },
    Inactive,
    /// A duplicate gets the first answer again, byte for byte.
    Again {
        status: u16,
        body: String,
    },
}

/// What a request over the daily limit needs: whether its signature holds, and its
/// idempotency key (a retry of a request already processed gets its first answer, not a 429).
pub struct Head {
    /// The signature check (live requests only).
    signature: std::result::Result<(), String>,
    /// Only for live requests: a replay neither honours nor remembers it.
    idempotency_key: Option<String>,
    received_at: i64,
}

/// Works out the [`Head`] of a request, which is all a request over the limit needs.
pub fn head(receiving: &Receiving, request: &Request<'_>, mode: &Mode) -> Head {
    let (signature, idempotency_key) = match mode {
        Mode::Live { .. } => (
            receiving
                .hook
                .signature
                .verify(request.headers, request.bytes, request.received_at / 1000)
                .map_err(|e| e.to_string()),
            idempotency_key(request.headers),
        ),
        Mode::Replay { .. } => (Ok(()), None),
    };
    Head {
        signature,
        idempotency_key,
        received_at: request.received_at,
    }
}

/// Everything about a request that needs no database, worked out before it queues for the
/// writer: SQLite's writer runs one request at a time, so its turn should only run statements.
pub struct Prepared {
    head: Head,
    log: NewLog,
    parsed: std::result::Result<Value, body::BodyError>,
    /// The parsed document as the log keeps it.
    parsed_text: Option<String>,
    /// The document as a sample, when the webhook would capture it.
    sample: Option<String>,
    /// Identity values and the keys to look users up by.
    identity: Option<(IdentityInputs, LookupKeys)>,
    mapped: Option<Mapped>,
    template: ActionTemplate,
}

/// The webhook's message template, parsed; `None` when it has none.
type ActionTemplate = Option<std::result::Result<Template, String>>;

fn action_template(hook: &Webhook) -> ActionTemplate {
    (hook.action_template.as_deref())
        .filter(|s| !s.trim().is_empty())
        .map(|source| Template::parse(source).map_err(|e| e.to_string()))
}

/// The mappings' outcomes as the log keeps them, and the user's values they set, worked out
/// before the turn, which only writes them.
struct Mapped {
    text: String,
    writes: users::Writes,
    /// The values set that the message template names, as a message shows them (as
    /// [`users::display_values`] would read them back).
    shown: BTreeMap<String, String>,
}

impl Mapped {
    fn evaluate(
        mappings: &[mapping::Mapping],
        fields: &[CustomField],
        template: &ActionTemplate,
        doc: &Value,
    ) -> Result<Mapped> {
        // A failing mapping is recorded and does not stop the others.
        let outcomes =
            mapping::evaluate_all(doc, mappings, |name| mapping_field_type(fields, name));
        let placeholders = match template {
            Some(Ok(template)) => template.placeholders(),
            _ => Vec::new(),
        };
        let mut changes = users::Changes::default();
        let mut shown = BTreeMap::new();
        for outcome in &outcomes {
            let (Some(value), name) = (&outcome.value, outcome.field.as_str()) else {
                continue;
            };
            let named = placeholders.contains(&name);
            if SETTABLE_NAMES.contains(&name) {
                let text = without_nul(&value.display()).into_owned();
                changes.set_name(name, text.clone())?;
                if named {
                    shown.insert(name.to_owned(), text);
                }
            } else if let Some(field) = fields.iter().find(|f| f.name == name) {
                let stored = value.to_json();
                changes.set_field(field.id, &stored);
                if named {
                    shown.insert(name.to_owned(), users::shown(&stored, field.field_type));
                }
            }
        }
        Ok(Mapped {
            text: json_text(&outcomes)?,
            writes: changes.into_writes(),
            shown,
        })
    }
}

impl Prepared {
    pub fn received_at(&self) -> i64 {
        self.log.received_at
    }

    pub fn head(&self) -> &Head {
        &self.head
    }
}

/// Works out what a request needs besides the database, from the webhook's configuration as
/// read (the turn works it out anew if that moved meanwhile).
pub fn prepare(receiving: &Receiving, request: &Request<'_>, mode: &Mode) -> Result<Prepared> {
    let head = head(receiving, request, mode);
    let Receiving {
        bot, hook, fields, ..
    } = receiving;
    let content_type = header_text(request.headers, header::CONTENT_TYPE.as_str());
    let content_type = content_type.as_deref();
    let log = NewLog {
        bot_id: bot.id,
        webhook_id: hook.id,
        received_at: request.received_at,
        method: request.method.to_owned(),
        content_type: content_type.map(str::to_owned),
        headers: redacted_headers(request.headers, hook).to_string(),
        body: Some(without_nul(&String::from_utf8_lossy(request.bytes)).into_owned()),
        parsed: None,
        status: 0,
        outcome: Outcome::Rejected,
        detail: String::new(),
        user_id: None,
        mappings: None,
        action: None,
        response: String::new(),
        idempotency_key: head.idempotency_key.clone(),
        duplicate_of: None,
        replay_of: match mode {
            Mode::Live { .. } => None,
            Mode::Replay { of } => Some(*of),
        },
        duration_us: 0,
    };
    let encoding = header_text(request.headers, header::CONTENT_ENCODING.as_str());
    let parsed = body::parse(content_type, encoding.as_deref(), request.bytes);
    // A body that fails its signature is answered 401 and neither captured nor processed
    // (`decide`): none of the work below is done for it.
    let doc = parsed.as_ref().ok().filter(|_| head.signature.is_ok());
    let sample = match doc {
        Some(doc) if hook.listening || !hook.active => {
            Some(serde_json::to_string_pretty(doc).map_err(|e| Error::Internal(e.to_string()))?)
        }
        _ => None,
    };
    let active = doc.filter(|_| hook.active);
    let template = action_template(hook);
    Ok(Prepared {
        parsed_text: active.map(|doc| {
            body::json_text(content_type, request.bytes)
                .map_or_else(|| doc.to_string(), str::to_owned)
        }),
        identity: active.map(|doc| lookup_keys(bot, &hook.identity, doc)),
        mapped: active
            .map(|doc| Mapped::evaluate(&hook.mappings, fields, &template, doc))
            .transpose()?,
        template,
        log,
        head,
        parsed,
        sample,
    })
}

/// Processes a prepared request in the writer's transaction and writes its log row as
/// `log_id` (taken at the start of the turn). It may run again after a rollback, so it takes
/// nothing from `prepared`.
pub async fn run(
    tx: &mut Conn<'_>,
    receiving: &Receiving,
    prepared: &Prepared,
    log_id: i64,
    started: Instant,
) -> Result<(Response, Vec<Event>)> {
    let hook = &receiving.hook;
    let mut events = Vec::new();
    let received_at = prepared.received_at();
    let (answer, mut log) = decide(tx, receiving, prepared, log_id, &mut events).await?;

    // Only requests that were processed are remembered under their key: a 200, or a 422 from
    // identification. A 400/415 body or a 401 signature was never processed, so the sender's
    // corrected retry with the same key is taken afresh.
    let (status, remember) = match &answer {
        Answer::Processed { .. } => (StatusCode::OK, true),
        Answer::Problem { status, .. } => (*status, *status == StatusCode::UNPROCESSABLE_ENTITY),
        Answer::Inactive => (StatusCode::FORBIDDEN, false),
        Answer::Again { status, .. } => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            false,
        ),
    };
    log.status = status.as_u16();
    log.detail = without_nul(&log.detail).into_owned();
    log.duration_us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
    let (response, body) = answer_response(answer, log_id);
    log.response = body;
    logs::insert(tx, log_id, &log).await?;
    if let (true, Some(key)) = (remember, &log.idempotency_key) {
        logs::remember_key(tx, hook.id, &stored_key(key), log_id, received_at).await?;
    }
    events.push(Event::LogWritten {
        webhook_id: hook.id,
        log_id,
    });
    Ok((response, events))
}

/// The first answer to a request over the daily limit that repeats one already processed: a
/// sender retrying an answer it lost gets that answer, not a 429 for the next 24 hours. Only
/// when the request would have been answered as a duplicate under the limit (its signature
/// holds and the webhook is active); like every request over the limit, it is not logged.
pub async fn repeated_answer(
    tx: &mut Conn<'_>,
    receiving: &Receiving,
    head: &Head,
) -> Result<Option<Response>> {
    let hook = &receiving.hook;
    if head.signature.is_err() || !hook.active {
        return Ok(None);
    }
    let first = first_answer(tx, hook, head).await?;
    Ok(first.map(|(first_id, status, body)| {
        answer_response(Answer::Again { status, body }, first_id).0
    }))
}

/// The first answer (log id, status, body) given to the request's idempotency key on `hook`
/// within the key's 24 hours, if the request carries a key and it was answered.
async fn first_answer(
    tx: &mut Conn<'_>,
    hook: &Webhook,
    head: &Head,
) -> Result<Option<(i64, u16, String)>> {
    let Some(key) = &head.idempotency_key else {
        return Ok(None);
    };
    let since = head.received_at - logs::IDEMPOTENCY_WINDOW_MS;
    logs::first_answer(tx, hook.id, &stored_key(key), since).await
}

/// Runs the steps in the contract's order and fills in the log row as it goes.
async fn decide(
    tx: &mut Conn<'_>,
    Receiving {
        bot, hook, fields, ..
    }: &Receiving,
    prepared: &Prepared,
    log_id: i64,
    events: &mut Vec<Event>,
) -> Result<(Answer, NewLog)> {
    let Prepared {
        head,
        log,
        parsed,
        parsed_text,
        sample,
        identity,
        mapped,
        template,
    } = prepared;
    let mut log = log.clone();
    // The signature comes first, inactive webhook or not: an unauthenticated body is neither
    // kept in the log nor captured as the sample, since it could be anything from anyone.
    if let Err(e) = &head.signature {
        log.body = None;
        log.outcome = Outcome::Unauthorized;
        log.detail = e.clone();
        let answer = Answer::Problem {
            status: StatusCode::UNAUTHORIZED,
            detail: e.clone(),
        };
        return Ok((answer, log));
    }

    if !hook.active {
        if let Some(sample) = &sample {
            capture(tx, hook, sample, events).await?;
        }
        log.outcome = Outcome::Inactive;
        log.detail = "the webhook is inactive".into();
        return Ok((Answer::Inactive, log));
    }

    if let Some((first_id, status, body)) = first_answer(tx, hook, head).await? {
        log.outcome = Outcome::Duplicate;
        log.detail =
            format!("duplicate of log {first_id}: answered as the first time, not processed");
        log.duplicate_of = Some(first_id);
        return Ok((Answer::Again { status, body }, log));
    }

    if let Err(e) = parsed {
        let (outcome, status) = match *e {
            body::BodyError::UnsupportedType { .. }
            | body::BodyError::UnsupportedEncoding { .. } => {
                (Outcome::UnsupportedType, StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            _ => (Outcome::InvalidBody, StatusCode::BAD_REQUEST),
        };
        log.outcome = outcome;
        log.detail = e.to_string();
        let answer = Answer::Problem {
            status,
            detail: e.to_string(),
        };
        return Ok((answer, log));
    }
    log.parsed = parsed_text.clone();
    if hook.listening
        && let Some(sample) = &sample
    {
        capture(tx, hook, sample, events).await?;
    }

    let (inputs, keys) = identity.as_ref().ok_or_else(|| missing("identity"))?;
    let (user, outcome, detail) = identify_user(tx, bot, hook, inputs, keys).await?;
    let user = match user {
        Ok(user) => user,
        Err(reason) => {
            log.outcome = Outcome::Rejected;
            log.detail = reason.clone();
            let answer = Answer::Problem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: reason,
            };
            return Ok((answer, log));
        }
    };
    log.outcome = outcome;
    log.detail = detail;
    log.user_id = Some(user.id);

    let mapped = mapped.as_ref().ok_or_else(|| missing("mappings"))?;
    users::apply(tx, user.id, &mapped.writes).await?;
    log.mappings = Some(mapped.text.clone());
    let action = Action {
        bot,
        hook,
        user_id: user.id,
        log_id,
        fields,
    };
    let action = action
        .run(tx, template.as_ref(), &mapped.shown, &user.user_ns)
        .await?;
    log.action = Some(action.to_string());
    Ok((
        Answer::Processed {
            user_ns: user.user_ns,
        },
        log,
    ))
}

fn missing(what: &str) -> Error {
    Error::Internal(format!("a parsed request was prepared without its {what}"))
}

async fn capture(
    tx: &mut Conn<'_>,
    hook: &Webhook,
    sample: &str,
    events: &mut Vec<Event>,
) -> Result<()> {
    if webhooks::capture_sample(tx, hook, sample).await? {
        events.push(Event::SampleCaptured {
            webhook_id: hook.id,
        });
    }
    Ok(())
}

type Identified = (std::result::Result<users::UserRef, String>, Outcome, String);

/// Identification in the design's order (botwire-core decides; this fetches and creates).
async fn identify_user(
    tx: &mut Conn<'_>,
    bot: &Bot,
    hook: &Webhook,
    inputs: &IdentityInputs,
    keys: &LookupKeys,
) -> Result<Identified> {
    let decision = identify_by(tx, bot, inputs, keys).await?;
    let crm_contact_id = keys.crm_contact_id.as_deref();
    // Said in the log, since the README's limit is all that explains a CRM id gone missing.
    let not_kept = match crm_contact_id {
        Some(id) if !users::keepable(id) => format!(
            "; CRM contact id not kept: longer than {} bytes",
            users::MAX_CRM_CONTACT_ID_BYTES
        ),
        _ => String::new(),
    };
    let found = match decision {
        Identification::Matched { user, by } => {
            let mut detail = format!("matched by {}{not_kept}", key_name(by));
            // A CRM contact id that named nobody is kept on the user the request named, so
            // the CRM's next request finds it by that id alone.
            if by != IdentityKey::CrmContactId
                && let Some(id) = crm_contact_id
                && users::link_crm_contact_id(tx, user.id, id).await?
            {
                detail.push_str("; CRM contact id saved");
            }
            (Ok(user), Outcome::Matched, detail)
        }
        Identification::Create { by, phone, email } => {
            let new = users::NewUser {
                crm_contact_id,
                phone: phone.as_ref(),
                email: email.as_ref(),
            };
            let user = users::create(tx, bot.id, &new, &format!("webhook:{}", hook.id)).await?;
            (
                Ok(user),
                Outcome::Created,
                format!("created by {}{not_kept}", key_name(by)),
            )
        }
        Identification::Rejected { reason } => (Err(reason), Outcome::Rejected, String::new()),
    };
    Ok(found)
}

/// A payload's identity values as the database holds them (phone in E.164, email lowercased).
pub(crate) struct LookupKeys {
    user_ns: Option<String>,
    crm_contact_id: Option<String>,
    contacts: Contacts,
}

/// The identity values of `doc`, and the keys to look users up by; no database needed.
pub(crate) fn lookup_keys(
    bot: &Bot,
    identity: &IdentityPaths,
    doc: &Value,
) -> (IdentityInputs, LookupKeys) {
    let inputs = identify::inputs(doc, identity);
    let value = |p: &Probe| match p {
        Probe::Value(v) => Some(v.clone()),
        _ => None,
    };
    // Looked up only, never stored: without a NUL (PostgreSQL text cannot hold one) they match
    // nobody all the same.
    let keys = LookupKeys {
        user_ns: value(&inputs.user_ns).map(|v| without_nul(&v).into_owned()),
        crm_contact_id: value(&inputs.crm_contact_id).map(|v| without_nul(&v).into_owned()),
        contacts: Contacts::parse(&inputs, &bot.default_country),
    };
    (inputs, keys)
}

/// Whom the identity values name, reading only: botwire-core's decision against the users
/// the keys could name. A user to create is not created here; its email is already left out
/// when it names another user (that email stays with that user). The API's evaluate shows
/// this decision without acting on it.
pub(crate) async fn identify_by(
    tx: &mut Conn<'_>,
    bot: &Bot,
    inputs: &IdentityInputs,
    keys: &LookupKeys,
) -> Result<Identification<users::UserRef>> {
    let contacts = &keys.contacts;
    let keys = users::Keys {
        user_ns: keys.user_ns.as_deref(),
        crm_contact_id: keys.crm_contact_id.as_deref(),
        phone: contacts.valid_phone().map(Phone::as_str),
        email: contacts.valid_email().map(Email::as_str),
    };
    let candidates = users::candidates(tx, bot.id, &keys).await?;
    Ok(
        match identify::identify_contacts(inputs, contacts, bot.channel, &candidates) {
            Identification::Create { by, phone, email } => Identification::Create {
                by,
                phone,
                // An email that already names another user stays with that user.
                email: email.filter(|e| identify::UserLookup::by_email(&candidates, e).is_none()),
            },
            other => other,
        },
    )
}

pub(crate) fn key_name(key: IdentityKey) -> &'static str {
    match key {
        IdentityKey::UserNs => "user_ns",
        IdentityKey::CrmContactId => "CRM contact id",
        IdentityKey::Phone => "phone",
        IdentityKey::Email => "email",
    }
}

/// The type a mapping converts to for `name`: text for the settable built-in fields, the
/// custom field's type otherwise; `None` when the bot has no such field.
pub(crate) fn mapping_field_type(fields: &[CustomField], name: &str) -> Option<FieldType> {
    if SETTABLE_NAMES.contains(&name) {
        Some(FieldType::Text)
    } else {
        fields.iter().find(|f| f.name == name).map(|f| f.field_type)
    }
}

/// The webhook's action for a user a request named.
struct Action<'a> {
    bot: &'a Bot,
    hook: &'a Webhook,
    user_id: i64,
    log_id: i64,
    fields: &'a [CustomField],
}

impl Action<'_> {
    /// Renders the webhook's message for the user and queues it; the result goes in the log.
    /// `shown` holds the values this request set that the template names: a template that
    /// names only those (and the user's `user_ns`) is rendered without reading the user again,
    /// a read saved in the writer's turn.
    async fn run(
        &self,
        tx: &mut Conn<'_>,
        template: Option<&std::result::Result<Template, String>>,
        shown: &BTreeMap<String, String>,
        user_ns: &str,
    ) -> Result<Value> {
        let template = match template {
            None => return Ok(json!({ "status": "none" })),
            Some(Err(e)) => return Ok(json!({ "status": "failed", "error": e })),
            Some(Ok(t)) => t,
        };
        let from_set: Option<BTreeMap<String, String>> = (template.placeholders().into_iter())
            .map(|name| {
                let value = match shown.get(name) {
                    Some(value) => value.clone(),
                    None if name == "user_ns" => user_ns.to_owned(),
                    None => return None,
                };
                Some((name.to_owned(), value))
            })
            .collect();
        let values = match from_set {
            Some(values) => values,
            None => users::display_values(tx, self.user_id).await?,
        };
        let fields = self.fields;
        let known =
            |name: &str| USER_FIELDS.contains(&name) || fields.iter().any(|f| f.name == name);
        let rendered = template.render(|name| known(name).then(|| values.get(name).cloned()));
        let message = match rendered {
            Ok(message) => without_nul(&message).into_owned(),
            Err(e) => return Ok(json!({ "status": "failed", "error": e.to_string() })),
        };
        let queued = outbox::NewMessage {
            bot_id: self.bot.id,
            user_id: self.user_id,
            webhook_id: self.hook.id,
            log_id: self.log_id,
            channel: self.bot.channel.as_str(),
            message: &message,
        };
        let id = outbox::enqueue(tx, &queued).await?;
        Ok(
            json!({ "status": "queued", "outbox_id": id, "channel": self.bot.channel.as_str(), "message": message }),
        )
    }
}

fn answer_response(answer: Answer, log_id: i64) -> (Response, String) {
    match answer {
        Answer::Processed { user_ns } => {
            // Serialised once, for the answer and its copy in the log.
            let body = json!({ "status": "processed", "user_ns": user_ns, "log_id": log_id });
            let body = body.to_string();
            let json = [(header::CONTENT_TYPE, "application/json")];
            ((json, body.clone()).into_response(), body)
        }
        Answer::Inactive => {
            let body = json!({ "error": "webhook inactive" });
            (
                (StatusCode::FORBIDDEN, Json(&body)).into_response(),
                body.to_string(),
            )
        }
        Answer::Problem { status, detail } => {
            let mut response = problem(status, &detail, Some(json!({ "log_id": log_id })));
            if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                // What would be taken, for senders that read headers (RFC 9110 15.5.16).
                let headers = response.headers_mut();
                let accept_post = HeaderValue::from_static(body::ACCEPT_POST);
                headers.insert(HeaderName::from_static("accept-post"), accept_post);
                headers.insert(
                    header::ACCEPT_ENCODING,
                    HeaderValue::from_static("identity"),
                );
            }
            let body = json!({
                "type": "about:blank",
                "title": status.canonical_reason().unwrap_or("Error"),
                "status": status.as_u16(),
                "detail": detail,
                "log_id": log_id,
            });
            (response, body.to_string())
        }
        Answer::Again { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            let mut response = (status, body.clone()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(content_type),
            );
            (response, body)
        }
    }
}

/// Text for a text column: NUL characters become U+FFFD. PostgreSQL text cannot hold NUL, and
/// both databases keep the same text.
fn without_nul(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The idempotency key as the key table holds it: itself, or its SHA-256 when it is long (or
/// could be mistaken for a hashed one).
fn stored_key(key: &str) -> Cow<'_, str> {
    if key.len() <= MAX_PLAIN_KEY_BYTES && !key.starts_with(HASHED_KEY_PREFIX) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(hashed_key(key.as_bytes()))
    }
}

/// A key as the key table holds a long one: its SHA-256, marked as such.
fn hashed_key(key: &[u8]) -> String {
    format!("{HASHED_KEY_PREFIX}{}", hex::encode(Sha256::digest(key)))
}

/// The request's idempotency key, as the log shows it: the first of [`IDEMPOTENCY_HEADERS`]
/// that is there and not blank. A key that is not UTF-8 is shown as the SHA-256 of its bytes:
/// read as text, `a\xFF` and `a\xFE` would both be `a` and U+FFFD, and the second request
/// would be answered as a duplicate of the first.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    IDEMPOTENCY_HEADERS.iter().find_map(|name| {
        let bytes = headers.get(*name)?.as_bytes().trim_ascii();
        if bytes.is_empty() {
            return None;
        }
        Some(match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => hashed_key(bytes),
        })
    })
}

/// A header's value as text, trimmed; `None` when it is absent or blank. Read as UTF-8 (bad
/// bytes become U+FFFD), not only as visible ASCII: a header that is there must count, such as
/// a content type with a non-ASCII parameter.
fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cow<'h, str>> {
    let text = match String::from_utf8_lossy(headers.get(name)?.as_bytes()) {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    };
    Some(text).filter(|v| !v.is_empty())
}

/// Headers for the log: secrets redacted, and the webhook's own HMAC header too, whatever it
/// is called.
fn redacted_headers(headers: &HeaderMap, hook: &Webhook) -> Value {
    let mut value = redact::redacted_headers(headers);
    if let (crate::receiver::signature::SignatureScheme::Hmac { header, .. }, Value::Object(map)) =
        (&hook.signature, &mut value)
        && let Some(v) = map.get_mut(&header.trim().to_ascii_lowercase())
    {
        *v = Value::String(redact::REDACTED.into());
    }
    value
}

fn json_text<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}
