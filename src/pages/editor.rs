//! The inbound-webhook editor: address, sample (typed, pasted or captured live), the payload
//! tree, identity paths, mappings, the message template, save and the active switch.
//! Everything shown about the sample is evaluated in the browser by botwire-core, the same
//! code the receiver runs.

use crate::api::ApiError;
use crate::api::webhooks::{
    self as api, BotView, FieldView, Identity, MappingRule, WebhookDetail, WebhookDraft,
};
use crate::components::access::{ReadOnlyNote, read_only as read_only_in};
use crate::components::debounce::Debounce;
use crate::components::focus::{self, focus_after_render};
use crate::components::json_tree::{Doc, JsonTree, Toggled, display_path, node_at};
use crate::components::leave_guard::guard_unsaved_changes;
use crate::pages::delete_webhook::DeletePart;
use crate::pages::fmt;
use botwire_core::api::BODY_MAX_BYTES;
use botwire_core::convert::convert;
use botwire_core::email::Email;
use botwire_core::field::FieldType;
use botwire_core::identify::{self, IdentityPaths, Probe};
use botwire_core::mapping::{self, Mapping, MappingOutcome};
use botwire_core::phone::{Country, Phone};
use botwire_core::template::{Template, USER_FIELDS};
use botwire_core::tree::{self, Node, NodeKind};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

/// How long the sample must stay unchanged before the shown tree follows it.
const TREE_FOLLOW_DELAY: Duration = Duration::from_millis(300);

/// Fields a mapping may set besides the bot's custom fields (always text).
const NAME_FIELDS: [&str; 2] = ["first_name", "last_name"];

/// The identity keys: API name, label, and an example path marked as one (a bare path in the
/// box would read as a value already set).
const IDENTITY_KEYS: [(&str, &str, &str); 4] = [
    ("user_ns", "user_ns", "e.g. $.user.id"),
    ("crm_contact_id", "CRM contact id", "e.g. $.crm.contact_id"),
    ("phone", "Phone", "e.g. $.contact.phone"),
    ("email", "Email", "e.g. $.contact.email"),
];

#[derive(Debug, Clone)]
struct Loaded {
    hook: WebhookDetail,
    bot: BotView,
    fields: Vec<FieldView>,
}

async fn load(bot_id: Option<i64>, webhook_id: Option<i64>) -> Result<Loaded, ApiError> {
    let (Some(bot_id), Some(webhook_id)) = (bot_id, webhook_id) else {
        return Err(ApiError::Network("this address names no webhook".into()));
    };
    let hook = api::webhook(webhook_id).await?;
    // Another bot's address would show the webhook with that bot's fields and country.
    if hook.bot_id != bot_id {
        return Err(ApiError::Status {
            status: 404,
            detail: format!("bot {bot_id} has no webhook {webhook_id}"),
            fields: Vec::new(),
        });
    }
    let bot = api::bot(bot_id).await?;
    let fields = api::fields(bot_id).await?;
    Ok(Loaded { hook, bot, fields })
}

#[component]
pub fn WebhookEditor() -> impl IntoView {
    let params = use_params_map();
    let id = move |name: &str| params.read().get(name).and_then(|s| s.parse::<i64>().ok());
    let data = LocalResource::new(move || {
        let (bot, hook) = (id("bot_id"), id("webhook_id"));
        async move { load(bot, hook).await }
    });
    view! {
        <Suspense fallback=|| {
            view! {
                <p role="status" class="editor-loading">
                    "Loading the webhook…"
                </p>
            }
        }>
            {move || {
                data.get()
                    .map(|result| match result {
                        Ok(loaded) => view! { <Editor loaded /> }.into_any(),
                        Err(e) => {
                            view! {
                                <section aria-labelledby="screen-title">
                                    <h1 id="screen-title">"Inbound webhook"</h1>
                                    <p role="alert">"Cannot open this webhook: " {e.to_string()}</p>
                                    {e
                                        .is_unauthorized()
                                        .then(|| view! { <p><a href="/login">"Log in"</a></p> })}
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

/// One mapping row; its signals live as long as the editor.
#[derive(Debug, Clone, Copy)]
struct Row {
    id: u32,
    path: RwSignal<String>,
    field: RwSignal<String>,
}

fn blank_to_none(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// What the editor would save for a webhook as the API returned it.
fn draft_of(hook: &WebhookDetail) -> WebhookDraft {
    let clean = |p: &Option<String>| p.as_deref().and_then(blank_to_none);
    WebhookDraft {
        sample: hook.sample.as_deref().and_then(blank_to_none),
        identity: Identity {
            user_ns: clean(&hook.identity.user_ns),
            crm_contact_id: clean(&hook.identity.crm_contact_id),
            phone: clean(&hook.identity.phone),
            email: clean(&hook.identity.email),
        },
        mappings: hook.mappings.clone(),
        action_template: hook.action_template.as_deref().and_then(blank_to_none),
    }
}

fn field_type(fields: &[FieldView], name: &str) -> Option<FieldType> {
    if NAME_FIELDS.contains(&name) {
        return Some(FieldType::Text);
    }
    fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| FieldType::parse(&f.field_type).ok())
}

/// A serde_json syntax error as "line L, column C: what".
fn syntax_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    format!("Line {}, column {}: {what}", e.line(), e.column())
}

/// The messages of an API error for one field, joined.
/// Why a sample over the API's limit is neither shown nor checked.
fn too_large(bytes: usize) -> String {
    let mib = |n: usize| n as f64 / (1024.0 * 1024.0);
    format!(
        "The sample is {:.1} MiB, more than the {:.0} MiB the server accepts, so it is not \
         checked or shown. Paste the body of one request.",
        mib(bytes),
        mib(BODY_MAX_BYTES),
    )
}

fn field_message(error: RwSignal<Option<ApiError>>, name: &'static str) -> Option<String> {
    error.with(|e| e.as_ref().and_then(|e| e.field(name)).map(str::to_owned))
}

fn field_message_owned(error: RwSignal<Option<ApiError>>, name: &str) -> Option<String> {
    error.with(|e| e.as_ref().and_then(|e| e.field(name)).map(str::to_owned))
}

/// Whether the part of the draft an API error names (`identity.phone`, `mappings[2].path`,
/// `action_template`, …) is still as the refused save sent it.
fn as_sent(field: &str, sent: &WebhookDraft, now: &WebhookDraft) -> bool {
    let mapping = |i: &str| {
        let i: Option<usize> = i.parse().ok();
        i.is_some_and(|i| sent.mappings.get(i) == now.mappings.get(i))
    };
    match field {
        "sample" => sent.sample == now.sample,
        "action_template" => sent.action_template == now.action_template,
        "identity" => sent.identity == now.identity,
        "identity.user_ns" => sent.identity.user_ns == now.identity.user_ns,
        "identity.crm_contact_id" => sent.identity.crm_contact_id == now.identity.crm_contact_id,
        "identity.phone" => sent.identity.phone == now.identity.phone,
        "identity.email" => sent.identity.email == now.identity.email,
        "mappings" => sent.mappings == now.mappings,
        other => match other
            .strip_prefix("mappings[")
            .and_then(|r| r.split_once(']'))
        {
            Some((i, _)) => mapping(i),
            None => true,
        },
    }
}

/// The reason an API error gives, with every field message.
fn full_reason(e: &ApiError) -> String {
    match e {
        ApiError::Status { detail, fields, .. } if !fields.is_empty() => {
            let messages: Vec<&str> = fields.iter().map(|f| f.message.as_str()).collect();
            format!("{detail}: {}", messages.join("; "))
        }
        other => other.to_string(),
    }
}

/// Converts a UTF-16 offset (as the DOM counts) to a byte offset in `s`.
fn byte_index(s: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    s.len()
}

fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// The placeholder being typed before the cursor: the byte offset of its `{{` and the name
/// typed so far.
fn open_placeholder(text: &str, cursor: usize) -> Option<(usize, String)> {
    let before = &text[..cursor];
    let open = before.rfind("{{")?;
    let typed = &before[open + 2..];
    let name = typed.trim_start();
    (!typed.contains("}}") && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| (open, name.to_owned()))
}

/// Unix milliseconds in the browser's time zone, naming the zone (`22/11/2026, 15:04:05
/// GMT+9`): a time for moving senders over is read by people in other zones too.
fn local_time_with_zone(ms: i64) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeZoneName".into(), &"short".into());
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
        .to_locale_string("en-GB", &options)
        .as_string()
        .unwrap_or_default()
}

struct Listener {
    source: EventSource,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_sample: Closure<dyn FnMut(MessageEvent)>,
}

#[component]
fn Editor(loaded: Loaded) -> impl IntoView {
    let Loaded { hook, bot, fields } = loaded;
    let hook_id = hook.id;
    let bot_id = bot.id;
    let workspace = bot.workspace_id;
    let read_only = read_only_in(move || Some(workspace));
    let owner = Owner::current().expect("an owner");
    let country = Country::parse(&bot.default_country).ok();
    let origin = window().location().origin().unwrap_or_default();

    let saved = RwSignal::new(draft_of(&hook));
    let hook = RwSignal::new(hook);
    let fields = RwSignal::new(fields);
    let sample = RwSignal::new(saved.with_untracked(|s| s.sample.clone().unwrap_or_default()));
    let identity = saved.with_untracked(|s| {
        [
            s.identity.user_ns.clone(),
            s.identity.crm_contact_id.clone(),
            s.identity.phone.clone(),
            s.identity.email.clone(),
        ]
        .map(|p| RwSignal::new(p.unwrap_or_default()))
    });
    let next_row = StoredValue::new(0u32);
    let new_row = move |path: String, field: String| {
        let id = next_row.get_value();
        next_row.set_value(id + 1);
        owner.with(|| Row {
            id,
            path: RwSignal::new(path),
            field: RwSignal::new(field),
        })
    };
    let rows = RwSignal::new(saved.with_untracked(|s| {
        s.mappings
            .iter()
            .map(|m| new_row(m.path.clone(), m.field.clone()))
            .collect::<Vec<_>>()
    }));
    let template =
        RwSignal::new(saved.with_untracked(|s| s.action_template.clone().unwrap_or_default()));

    let current = Memo::new(move |_| WebhookDraft {
        sample: sample.with(|s| blank_to_none(s)),
        identity: {
            let [user_ns, crm, phone, email] =
                identity.map(|s| s.with(|p| blank_to_none(p.trim()).map(|p| p.trim().to_owned())));
            Identity {
                user_ns,
                crm_contact_id: crm,
                phone,
                email,
            }
        },
        mappings: rows.with(|rows| {
            rows.iter()
                .map(|r| MappingRule {
                    path: r.path.get(),
                    field: r.field.get(),
                })
                .collect()
        }),
        action_template: template.with(|t| blank_to_none(t)),
    });
    let dirty = Memo::new(move |_| saved.with(|s| current.with(|c| s != c)));

    // The sample, parsed on every change.
    let parsed: Memo<Option<Result<Doc, String>>> = Memo::new(move |_| {
        sample.with(|s| {
            // Not parsed nor drawn: it could not be saved anyway, and working out megabytes
            // at every key would make typing wait.
            if s.len() > BODY_MAX_BYTES {
                return Some(Err(too_large(s.len())));
            }
            (!s.trim().is_empty()).then(|| {
                serde_json::from_str::<Value>(s)
                    .map(|v| Doc(Arc::new(v)))
                    .map_err(|e| syntax_error(&e))
            })
        })
    });
    let doc = move || parsed.get().and_then(Result::ok);

    let probes = Memo::new(move |_| {
        let paths = current.with(|c| IdentityPaths {
            user_ns: c.identity.user_ns.clone(),
            crm_contact_id: c.identity.crm_contact_id.clone(),
            phone: c.identity.phone.clone(),
            email: c.identity.email.clone(),
        });
        doc().map(|d| identify::inputs(&d.0, &paths))
    });
    let outcomes: Memo<Vec<MappingOutcome>> = Memo::new(move |_| {
        let Some(d) = doc() else {
            return Vec::new();
        };
        let mappings: Vec<Mapping> = current.with(|c| {
            c.mappings
                .iter()
                .map(|m| Mapping {
                    path: m.path.clone(),
                    field: m.field.clone(),
                })
                .collect()
        });
        fields.with(|fs| mapping::evaluate_all(&d.0, &mappings, |name| field_type(fs, name)))
    });

    // ---- errors from the API -----------------------------------------------------------
    let save_error = RwSignal::new(None::<ApiError>);
    let active_error = RwSignal::new(None::<ApiError>);
    let saved_note = RwSignal::new(false);

    guard_unsaved_changes(dirty);

    // Puts the webhook as saved elsewhere on screen, in place of this editor's changes.
    let take_saved = {
        let new_row = new_row.clone();
        Callback::new(move |h: WebhookDetail| {
            let draft = draft_of(&h);
            sample.set(draft.sample.clone().unwrap_or_default());
            let paths = [
                &draft.identity.user_ns,
                &draft.identity.crm_contact_id,
                &draft.identity.phone,
                &draft.identity.email,
            ];
            for (signal, path) in identity.iter().zip(paths) {
                signal.set(path.clone().unwrap_or_default());
            }
            rows.set(
                draft
                    .mappings
                    .iter()
                    .map(|m| new_row(m.path.clone(), m.field.clone()))
                    .collect(),
            );
            template.set(draft.action_template.clone().unwrap_or_default());
            saved.set(draft);
            hook.set(h);
        })
    };

    view! {
        <section class="editor" class:read-only=move || read_only.get() aria-labelledby="screen-title">
            <p class="editor-back">
                <a href=format!("/bots/{bot_id}/webhooks")>"← Inbound webhooks of " {bot.name.clone()}</a>
                " · "
                <a id="editor-logs" href=format!("/bots/{bot_id}/webhooks/{hook_id}/logs")>
                    "Request log"
                </a>
            </p>
            <h1 id="screen-title" tabindex="-1">{move || hook.with(|h| h.name.clone())}</h1>
            <ReadOnlyNote read_only />
            <AddressPart hook origin=origin.clone() read_only />
            <SamplePart hook hook_id sample saved parsed origin read_only />
            <TreePart
                read_only
                parsed
                identity
                rows
                fields
                bot_id
                new_row=Callback::new(move |(p, f): (String, String)| {
                    let row = new_row(p, f);
                    rows.update(|r| r.push(row));
                })
            />
            <IdentityPart identity probes country=country.clone() save_error read_only />
            <MappingsPart rows fields outcomes save_error read_only />
            <ActionPart template fields probes outcomes country parsed save_error read_only />
            <SavePart
                read_only
                hook_id
                hook
                current
                saved
                dirty
                save_error
                saved_note
                active_error
                take_saved
            />
            <DeletePart read_only bot_id hook dirty />
        </section>
    }
}

// ---- 1. Address and method ----------------------------------------------------------------

#[component]
fn AddressPart(
    hook: RwSignal<WebhookDetail>,
    origin: String,
    read_only: Signal<bool>,
) -> impl IntoView {
    let url = Memo::new(move |_| hook.with(|h| fmt::address(&origin, h.url.as_deref())));
    // Some(true): copied; Some(false): the browser refused.
    let copied = RwSignal::new(None::<bool>);
    let rotated = RwSignal::new(None::<String>);
    let rotate_error = RwSignal::new(None::<String>);
    let copy = move |_| {
        let promise = window()
            .navigator()
            .clipboard()
            .write_text(&url.get_untracked().unwrap_or_default());
        let done = wasm_bindgen_futures::JsFuture::from(promise);
        spawn_local(async move {
            copied.set(Some(done.await.is_ok()));
        });
    };
    let rotate = Action::new_local(move |_: &()| {
        let id = hook.with_untracked(|h| h.id);
        async move {
            match api::rotate(id).await {
                Ok(h) => {
                    let until = h.previous_token_expires_at.map(local_time_with_zone);
                    rotated.set(Some(match until {
                        Some(t) => {
                            format!("New address made. The old one keeps working until {t}.")
                        }
                        None => "New address made. The old one no longer works.".to_owned(),
                    }));
                    rotate_error.set(None);
                    copied.set(None);
                    hook.set(h);
                }
                Err(e) => rotate_error.set(Some(e.to_string())),
            }
        }
    });
    view! {
        <section class="editor-part" aria-labelledby="address-title">
            <h2 id="address-title">"1. Address and method"</h2>
            <div class="address-row">
                <span class="method">"POST"</span>
                <code id="webhook-url" class="webhook-url">
                    {move || url.get().unwrap_or_else(|| fmt::HIDDEN_ADDRESS.to_owned())}
                </code>
            </div>
            <div class="button-row">
                <button
                    type="button"
                    id="copy-url"
                    disabled=move || url.with(Option::is_none)
                    on:click=copy
                >
                    "Copy address"
                </button>
                <span id="copy-status" class="note" aria-live="polite">
                    {move || match copied.get() {
                        Some(true) => "Copied",
                        Some(false) => "The browser did not allow copying: select the address and copy it.",
                        None => "",
                    }}
                </span>
                <button
                    type="button"
                    id="rotate-token"
                    disabled=move || rotate.pending().get() || read_only.get()
                    on:click=move |_| {
                        let ok = window()
                            .confirm_with_message(
                                "Make a new secret address? Senders must be moved to it; the old one keeps working for 24 hours.",
                            )
                            .unwrap_or(false);
                        if ok {
                            rotate.dispatch(());
                        }
                    }
                >
                    {move || if rotate.pending().get() { "Rotating…" } else { "Rotate token" }}
                </button>
            </div>
            <p id="rotate-status" class="note" aria-live="polite">{move || rotated.get()}</p>
            {move || rotate_error.get().map(|e| view! { <p role="alert">{e}</p> })}
        </section>
    }
}

// ---- 2. Example of received JSON ----------------------------------------------------------

#[component]
fn SamplePart(
    hook: RwSignal<WebhookDetail>,
    hook_id: i64,
    sample: RwSignal<String>,
    saved: RwSignal<WebhookDraft>,
    parsed: Memo<Option<Result<Doc, String>>>,
    origin: String,
    read_only: Signal<bool>,
) -> impl IntoView {
    // `connecting`: the event stream is opening; `armed`: the server waits for a request.
    let listening = RwSignal::new(false);
    let armed = RwSignal::new(false);
    let listen_note = RwSignal::new(None::<String>);
    let listen_error = RwSignal::new(None::<String>);
    let listener: StoredValue<Option<Listener>, LocalStorage> = StoredValue::new_local(None);

    let stop_stream = move || {
        listener.update_value(|l| {
            if let Some(l) = l.take() {
                l.source.close();
            }
        });
    };
    on_cleanup(move || {
        listener.update_value(|l| {
            if let Some(l) = l.as_ref() {
                l.source.close();
            }
        });
        // Leaving the editor ends listening: a request arriving later must not become the
        // sample of an editor nobody is looking at.
        if listening.try_get_untracked().unwrap_or(false) {
            spawn_local(async move {
                let _ = api::stop_listening(hook_id).await;
            });
        }
    });

    let start = move |_| {
        stop_stream();
        listen_error.set(None);
        listen_note.set(None);
        let source = match EventSource::new(&api::events_url(hook_id)) {
            Ok(s) => s,
            Err(_) => {
                listen_error.set(Some("The browser cannot open the event stream.".into()));
                return;
            }
        };
        listening.set(true);
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if armed.get_untracked() || !listening.get_untracked() {
                return;
            }
            spawn_local(async move {
                match api::listen(hook_id).await {
                    Ok(h) => {
                        hook.update(|old| old.listening = h.listening);
                        if listening.get_untracked() {
                            armed.set(true);
                        }
                    }
                    Err(e) => {
                        listen_error.set(Some(format!("Cannot listen: {e}")));
                        listening.set(false);
                    }
                }
            });
        });
        let closer = source.clone();
        let on_sample = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data().as_string().unwrap_or_default();
            closer.close();
            saved.update(|s| s.sample = blank_to_none(&data));
            sample.set(data);
            listening.set(false);
            armed.set(false);
            hook.update(|h| h.listening = false);
            listen_note.set(Some("Payload received.".into()));
        });
        let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback(
            "sample_captured",
            on_sample.as_ref().unchecked_ref(),
        );
        listener.set_value(Some(Listener {
            source,
            _on_open: on_open,
            _on_sample: on_sample,
        }));
    };
    let cancel = move |_| {
        stop_stream();
        listening.set(false);
        armed.set(false);
        spawn_local(async move {
            if let Err(e) = api::stop_listening(hook_id).await {
                listen_error.set(Some(format!("Could not stop listening: {e}")));
            }
        });
    };
    let url = move || {
        hook.with(|h| fmt::address(&origin, h.url.as_deref()))
            .unwrap_or_else(|| "this webhook's address".to_owned())
    };

    view! {
        <section class="editor-part" aria-labelledby="sample-title">
            <h2 id="sample-title">"2. Example of received JSON"</h2>
            <label for="sample">"Sample payload (paste, type, or listen for a request)"</label>
            <textarea
                id="sample"
                class="sample"
                rows="12"
                spellcheck="false"
                aria-describedby="sample-error"
                readonly=move || read_only.get()
                prop:value=move || sample.get()
                on:input=move |e| sample.set(event_target_value(&e))
            ></textarea>
            // Polite: the text changes as the sample is typed, which an alert would announce
            // at every key.
            <p id="sample-error" class="field-error" aria-live="polite">
                {move || match parsed.get() {
                    Some(Err(e)) => Some(e),
                    _ => None,
                }}
            </p>
            <div class="button-row">
                {move || {
                    if listening.get() {
                        view! {
                            <button type="button" id="listen-cancel" on:click=cancel>
                                "Cancel"
                            </button>
                        }
                            .into_any()
                    } else {
                        view! {
                            <button
                                type="button"
                                id="listen"
                                disabled=move || read_only.get()
                                on:click=start
                            >
                                "Listen for payload"
                            </button>
                        }
                            .into_any()
                    }
                }}
            </div>
            <p id="listen-status" class="listen-status" role="status">
                {move || {
                    if armed.get() {
                        Some(
                            view! {
                                <span class="spinner" aria-hidden="true"></span>
                                {format!("Waiting for a request to POST {} …", url())}
                            }
                                .into_any(),
                        )
                    } else if listening.get() {
                        Some(view! { "Connecting…" }.into_any())
                    } else {
                        listen_note.get().map(|n| view! { {n} }.into_any())
                    }
                }}
            </p>
            {move || listen_error.get().map(|e| view! { <p role="alert">{e}</p> })}
        </section>
    }
}

// ---- 3. Preview Payload ---------------------------------------------------------------------

#[component]
fn TreePart(
    read_only: Signal<bool>,
    parsed: Memo<Option<Result<Doc, String>>>,
    identity: [RwSignal<String>; 4],
    rows: RwSignal<Vec<Row>>,
    fields: RwSignal<Vec<FieldView>>,
    bot_id: i64,
    new_row: Callback<(String, String)>,
) -> impl IntoView {
    // The document the tree shows: none until Preview Payload, then the sample as it changes.
    let shown = RwSignal::new(None::<Doc>);
    let selected = RwSignal::new(None::<Node>);
    let note = RwSignal::new(None::<String>);
    // Nodes opened or closed by hand stay so while the tree follows the sample.
    let toggled = Toggled::new();
    let preview = move |_| {
        selected.set(None);
        note.set(None);
        shown.set(parsed.get_untracked().and_then(Result::ok));
    };
    let on_select = Callback::new(move |node: Node| {
        note.set(None);
        selected.set(Some(node));
    });
    let _ = rows;

    // Once a preview is shown, each sample that parses is drawn, when typing pauses (a 1 MiB
    // sample is not redrawn per keystroke). The selection stays if its path is still there.
    let redraw = Debounce::new(TREE_FOLLOW_DELAY);
    Effect::new(move || {
        let Some(Ok(doc)) = parsed.get() else {
            redraw.cancel();
            return;
        };
        if shown.with_untracked(|s| s.is_none() || s.as_ref() == Some(&doc)) {
            return;
        }
        redraw.run(move || {
            let still = selected
                .get_untracked()
                .and_then(|n| node_at(&doc.0, &n.segments));
            shown.set(Some(doc));
            if still != selected.get_untracked() {
                selected.set(still);
            }
        });
    });
    let why_last = move || {
        if shown.with(Option::is_none) {
            return None;
        }
        match parsed.get() {
            Some(Ok(_)) => None,
            Some(Err(_)) => Some(
                "The sample has a syntax error (see above): the tree shows the last valid JSON.",
            ),
            None => Some("The sample is empty: the tree shows the last valid JSON."),
        }
    };

    view! {
        <section class="editor-part" aria-labelledby="tree-title">
            <h2 id="tree-title">"3. Preview Payload"</h2>
            <button
                type="button"
                id="preview-payload"
                disabled=move || !matches!(parsed.get(), Some(Ok(_)))
                on:click=preview
            >
                "Preview Payload"
            </button>
            <p class="note" id="tree-note" role="status">
                {why_last}
            </p>
            <div class="tree-layout">
                <div class="tree-box">
                    {move || {
                        shown
                            .get()
                            .map(|doc| {
                            view! {
                                <JsonTree
                                    doc
                                    toggled
                                    on_select
                                    selected=Signal::derive(move || {
                                        selected.with(|n| n.as_ref().map(|n| n.path.clone()))
                                    })
                                />
                            }
                        })
                    }}
                </div>
                {move || {
                    selected
                        .get()
                        .map(|node| {
                            view! {
                                <SelectedValue
                                    read_only
                                    node
                                    doc=shown.get_untracked()
                                    identity
                                    fields
                                    bot_id
                                    new_row
                                    note
                                />
                            }
                        })
                }}
            </div>
        </section>
    }
}

/// A guess at the type of a new field for a value.
fn guess_type(value: Option<&Value>) -> &'static str {
    match value {
        Some(Value::Number(_)) => "number",
        Some(Value::Bool(_)) => "boolean",
        Some(v @ Value::String(_)) => {
            if convert(v, FieldType::Datetime).is_ok() {
                "datetime"
            } else if convert(v, FieldType::Date).is_ok() {
                "date"
            } else {
                "text"
            }
        }
        Some(Value::Object(_) | Value::Array(_)) => "json",
        _ => "text",
    }
}

#[component]
fn SelectedValue(
    read_only: Signal<bool>,
    node: Node,
    doc: Option<Doc>,
    identity: [RwSignal<String>; 4],
    fields: RwSignal<Vec<FieldView>>,
    bot_id: i64,
    new_row: Callback<(String, String)>,
    note: RwSignal<Option<String>>,
) -> impl IntoView {
    let path = display_path(&node);
    let value = doc
        .as_ref()
        .and_then(|d| tree::get(&d.0, &node.segments).cloned());
    let container = matches!(node.kind, NodeKind::Object | NodeKind::Array);
    let pick_field = RwSignal::new(
        if container {
            fields.with_untracked(|fs| {
                fs.iter()
                    .find(|f| f.field_type == "json")
                    .map(|f| f.name.clone())
            })
        } else {
            None
        }
        .unwrap_or_else(|| "first_name".to_owned()),
    );
    let new_name = RwSignal::new(String::new());
    let new_type = RwSignal::new(guess_type(value.as_ref()).to_owned());
    let create_error = RwSignal::new(None::<ApiError>);
    let path_for_create = path.clone();
    let create = Action::new_local(move |_: &()| {
        let name = new_name.get_untracked().trim().to_owned();
        let ty = new_type.get_untracked();
        let path = path_for_create.clone();
        async move {
            match api::create_field(bot_id, &name, &ty).await {
                Ok(field) => {
                    fields.update(|fs| fs.push(field.clone()));
                    new_row.run((path.clone(), field.name.clone()));
                    create_error.set(None);
                    new_name.set(String::new());
                    note.set(Some(format!(
                        "Created the field {} and mapped {path} to it.",
                        field.name
                    )));
                }
                Err(e) => create_error.set(Some(e)),
            }
        }
    });

    let identity_buttons = IDENTITY_KEYS
        .iter()
        .zip(identity)
        .map(|((key, label, _), signal)| {
            let path = path.clone();
            let label = *label;
            view! {
                <button
                    type="button"
                    class="use-as"
                    id=format!("use-as-{key}")
                    disabled=move || read_only.get()
                    on:click=move |_| {
                        signal.set(path.clone());
                        note.set(Some(format!("{label} now comes from {path}.")));
                    }
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    let path_for_map = path.clone();
    let normalized = node.path.clone();
    let show_normalized = node.short.as_deref() != Some(node.path.as_str()) && node.short.is_some();

    view! {
        <aside class="selected-value" aria-labelledby="selected-title">
            <h3 id="selected-title">"Selected value"</h3>
            <p>
                "Path: " <code id="selected-path">{path.clone()}</code>
            </p>
            {show_normalized
                .then(|| {
                    view! {
                        <p class="note">
                            "Normalized: " <code id="selected-normalized">{normalized}</code>
                        </p>
                    }
                })}
            <p class="note selected-preview">{node.preview.clone()}</p>
            <fieldset>
                <legend>"Use it to identify the user, as"</legend>
                <div class="button-row">{identity_buttons}</div>
            </fieldset>
            <fieldset>
                <legend>"Or put it into a field"</legend>
                <div class="pick-form">
                    <label for="map-field">"Field"</label>
                    <select
                        id="map-field"
                        disabled=move || read_only.get()
                        on:change=move |e| pick_field.set(event_target_value(&e))
                    >
                        {move || {
                            let names: Vec<String> = NAME_FIELDS
                                .iter()
                                .map(|s| s.to_string())
                                .chain(fields.with(|fs| fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>()))
                                .collect();
                            names
                                .into_iter()
                                .map(|n| {
                                    let selected = pick_field.get_untracked() == n;
                                    view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                    <button
                        type="button"
                        id="add-mapping"
                        disabled=move || read_only.get()
                        on:click=move |_| {
                            let field = pick_field.get_untracked();
                            new_row.run((path_for_map.clone(), field.clone()));
                            note.set(Some(format!("Mapped {path_for_map} to {field}.")));
                        }
                    >
                        "Add mapping"
                    </button>
                </div>
                <div class="pick-form">
                    <label for="new-field-name">"New field name"</label>
                    <input
                        id="new-field-name"
                        type="text"
                        readonly=move || read_only.get()
                        autocomplete="off"
                        prop:value=move || new_name.get()
                        on:input=move |e| new_name.set(event_target_value(&e))
                    />
                    <label for="new-field-type">"Type"</label>
                    <select
                        id="new-field-type"
                        disabled=move || read_only.get()
                        on:change=move |e| new_type.set(event_target_value(&e))
                    >
                        {FieldType::ALL
                            .iter()
                            .map(|t| {
                                let t = t.as_str();
                                view! {
                                    <option value=t selected=new_type.get_untracked() == t>
                                        {t}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <button
                        type="button"
                        id="create-field"
                        disabled=move || create.pending().get() || read_only.get()
                        on:click=move |_| {
                            create.dispatch(());
                        }
                    >
                        {move || {
                            if create.pending().get() { "Creating…" } else { "Create field and map" }
                        }}
                    </button>
                </div>
                {move || {
                    create_error
                        .get()
                        .map(|e| {
                            let text = match (e.field("name"), e.field("type")) {
                                (Some(n), _) => format!("Name: {n}"),
                                (None, Some(t)) => format!("Type: {t}"),
                                _ => e.to_string(),
                            };
                            view! { <p class="field-error" role="alert" id="create-field-error">{text}</p> }
                        })
                }}
            </fieldset>
            <p id="selected-note" class="note" aria-live="polite">{move || note.get()}</p>
        </aside>
    }
}

// ---- 4. Values to identify a user --------------------------------------------------------

#[component]
fn IdentityPart(
    identity: [RwSignal<String>; 4],
    probes: Memo<Option<identify::IdentityInputs>>,
    country: Option<Country>,
    save_error: RwSignal<Option<ApiError>>,
    read_only: Signal<bool>,
) -> impl IntoView {
    let rows = IDENTITY_KEYS
        .iter()
        .zip(identity)
        .map(|((key, label, example), signal)| {
            let key = *key;
            let input_id = format!("identity-{key}");
            let status_id = format!("identity-{key}-status");
            let country = country.clone();
            let status = Memo::new(move |_| -> (String, &'static str) {
                let Some(inputs) = probes.get() else {
                    return ("No sample to try it on".into(), "status-none");
                };
                let probe = match key {
                    "user_ns" => inputs.user_ns,
                    "crm_contact_id" => inputs.crm_contact_id,
                    "phone" => inputs.phone,
                    _ => inputs.email,
                };
                match probe {
                    Probe::NotConfigured => ("Not set".into(), "status-none"),
                    Probe::Empty => ("No value in the sample".into(), "status-bad"),
                    Probe::Failed(e) => (e, "status-bad"),
                    Probe::Value(v) => match key {
                        "phone" => match &country {
                            Some(c) => match Phone::parse(&v, c) {
                                Ok(p) => (format!("{v} → {} (valid)", p.as_str()), "status-ok"),
                                Err(e) => (e, "status-bad"),
                            },
                            None => (
                                format!("{v} (the bot has no valid default country)"),
                                "status-bad",
                            ),
                        },
                        "email" => match Email::parse(&v) {
                            Ok(e) => (format!("{} (valid)", e.as_str()), "status-ok"),
                            Err(e) => (e, "status-bad"),
                        },
                        _ => (v, "status-ok"),
                    },
                }
            });
            let error_key = format!("identity.{key}");
            view! {
                <div class="identity-row">
                    <label for=input_id.clone()>{*label}</label>
                    <input
                        id=input_id
                        type="text"
                        class="path-input"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder=*example
                        aria-describedby=status_id.clone()
                        readonly=move || read_only.get()
                        prop:value=move || signal.get()
                        on:input=move |e| signal.set(event_target_value(&e))
                    />
                    <p id=status_id class=move || format!("live-value {}", status.with(|s| s.1))>
                        {move || status.with(|s| s.0.clone())}
                    </p>
                    {move || {
                        field_message_owned(save_error, &error_key)
                            .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
                    }}
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="editor-part" aria-labelledby="identity-title">
            <h2 id="identity-title">"4. Values to identify a user"</h2>
            <p class="note">
                "Tried in this order: user_ns, CRM contact id, phone, email. Phone numbers are read with the bot's default country "
                {country.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default()} "."
            </p>
            {rows}
            {move || {
                field_message(save_error, "identity")
                    .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
            }}
        </section>
    }
}

// ---- 5. Mapping list ----------------------------------------------------------------------

#[component]
fn MappingsPart(
    rows: RwSignal<Vec<Row>>,
    fields: RwSignal<Vec<FieldView>>,
    outcomes: Memo<Vec<MappingOutcome>>,
    save_error: RwSignal<Option<ApiError>>,
    read_only: Signal<bool>,
) -> impl IntoView {
    let index_of = move |id: u32| rows.with(|r| r.iter().position(|row| row.id == id));
    // Moving a row moves its element, which drops the focus: it goes back to the button
    // pressed, or to the other arrow once the row reaches the end of the list.
    let swap = move |id: u32, up: bool| {
        rows.update(|r| {
            if let Some(i) = r.iter().position(|row| row.id == id) {
                let j = if up { i.checked_sub(1) } else { Some(i + 1) };
                if let Some(j) = j.filter(|j| *j < r.len()) {
                    r.swap(i, j);
                }
            }
        });
        let (pressed, other) = if up { ("up", "down") } else { ("down", "up") };
        focus_after_render(vec![
            format!("#move-{pressed}-{id}"),
            format!("#move-{other}-{id}"),
        ]);
    };
    // After a removal the focus goes to the row that took its place, else the one before, else
    // the list's heading.
    let remove = move |id: u32| {
        let mut next = Vec::new();
        rows.update(|r| {
            if let Some(i) = r.iter().position(|row| row.id == id) {
                r.remove(i);
                next.extend(
                    r.get(i)
                        .or(i.checked_sub(1).and_then(|p| r.get(p)))
                        .map(|row| format!("#remove-mapping-{}", row.id)),
                );
            }
        });
        next.push("#mappings-title".to_owned());
        focus_after_render(next);
    };
    view! {
        <section class="editor-part" aria-labelledby="mappings-title">
            <h2 id="mappings-title" tabindex="-1">"5. Mapping list"</h2>
            {move || {
                rows.with(Vec::is_empty)
                    .then(|| {
                        view! {
                            <p class="note" id="no-mappings">
                                "No mappings yet: select a value in the payload tree and put it into a field."
                            </p>
                        }
                    })
            }}
            <ol class="mapping-list" id="mapping-list">
                <For
                    each=move || rows.get()
                    key=|row| row.id
                    children=move |row: Row| {
                        let id = row.id;
                        let number = move || index_of(id).map(|i| i + 1).unwrap_or(0);
                        let outcome = move || {
                            index_of(id).and_then(|i| outcomes.with(|o| o.get(i).cloned()))
                        };
                        view! {
                            <li class="mapping-row">
                                <div class="mapping-edit">
                                    <label for=format!("mapping-path-{id}")>
                                        {move || format!("Path {}", number())}
                                    </label>
                                    <input
                                        id=format!("mapping-path-{id}")
                                        class="path-input mapping-path"
                                        type="text"
                                        spellcheck="false"
                                        autocomplete="off"
                                        readonly=move || read_only.get()
                                        prop:value=move || row.path.get()
                                        on:input=move |e| row.path.set(event_target_value(&e))
                                    />
                                    <span class="arrow" aria-hidden="true">"→"</span>
                                    <label for=format!("mapping-field-{id}")>
                                        {move || format!("Field {}", number())}
                                    </label>
                                    <select
                                        id=format!("mapping-field-{id}")
                                        class="mapping-field"
                                        disabled=move || read_only.get()
                                        on:change=move |e| row.field.set(event_target_value(&e))
                                    >
                                        {move || {
                                            let current = row.field.get();
                                            let mut names: Vec<String> = NAME_FIELDS
                                                .iter()
                                                .map(|s| s.to_string())
                                                .chain(
                                                    fields
                                                        .with(|fs| {
                                                            fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
                                                        }),
                                                )
                                                .collect();
                                            if !names.contains(&current) {
                                                names.push(current.clone());
                                            }
                                            names
                                                .into_iter()
                                                .map(|n| {
                                                    let selected = n == current;
                                                    view! {
                                                        <option value=n.clone() selected=selected>
                                                            {n.clone()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()
                                        }}
                                    </select>
                                </div>
                                <p class="mapping-result" aria-live="polite">
                                    {move || match outcome() {
                                        Some(MappingOutcome { value: Some(v), .. }) => {
                                            view! {
                                                <span class="status-ok">
                                                    <span class="value-type">{v.field_type().as_str()}</span>
                                                    " "
                                                    <span class="mapping-value">{v.display()}</span>
                                                </span>
                                            }
                                                .into_any()
                                        }
                                        Some(MappingOutcome { error: Some(e), .. }) => {
                                            view! { <span class="status-bad mapping-error">{e}</span> }
                                                .into_any()
                                        }
                                        _ => view! { <span class="status-none">"No sample to try it on"</span> }.into_any(),
                                    }}
                                </p>
                                {move || {
                                    let i = index_of(id)?;
                                    let messages: Vec<String> = [
                                        format!("mappings[{i}].path"),
                                        format!("mappings[{i}].field"),
                                        format!("mappings[{i}]"),
                                    ]
                                        .iter()
                                        .filter_map(|k| field_message_owned(save_error, k))
                                        .collect();
                                    (!messages.is_empty())
                                        .then(|| {
                                            view! { <p class="field-error" role="alert">{messages.join(" ")}</p> }
                                        })
                                }}
                                <div class="button-row">
                                    <button
                                        type="button"
                                        id=format!("move-up-{id}")
                                        class="move-up"
                                        aria-label=move || format!("Move mapping {} up", number())
                                        disabled=move || number() <= 1 || read_only.get()
                                        on:click=move |_| swap(id, true)
                                    >
                                        "↑"
                                    </button>
                                    <button
                                        type="button"
                                        id=format!("move-down-{id}")
                                        class="move-down"
                                        aria-label=move || format!("Move mapping {} down", number())
                                        disabled=move || {
                                            number() >= rows.with(Vec::len) || read_only.get()
                                        }
                                        on:click=move |_| swap(id, false)
                                    >
                                        "↓"
                                    </button>
                                    <button
                                        type="button"
                                        id=format!("remove-mapping-{id}")
                                        class="remove-mapping"
                                        aria-label=move || format!("Remove mapping {}", number())
                                        disabled=move || read_only.get()
                                        on:click=move |_| remove(id)
                                    >
                                        "Remove"
                                    </button>
                                </div>
                            </li>
                        }
                    }
                />
            </ol>
        </section>
    }
}

// ---- 6. Action ----------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
#[component]
fn ActionPart(
    template: RwSignal<String>,
    fields: RwSignal<Vec<FieldView>>,
    probes: Memo<Option<identify::IdentityInputs>>,
    outcomes: Memo<Vec<MappingOutcome>>,
    country: Option<Country>,
    parsed: Memo<Option<Result<Doc, String>>>,
    save_error: RwSignal<Option<ApiError>>,
    read_only: Signal<bool>,
) -> impl IntoView {
    let area: NodeRef<leptos::html::Textarea> = NodeRef::new();
    // The placeholder being typed: where its `{{` is (bytes) and the name so far.
    let typing = RwSignal::new(None::<(usize, String)>);
    let active = RwSignal::new(0usize);
    let names = Memo::new(move |_| {
        USER_FIELDS
            .iter()
            .map(|s| s.to_string())
            .chain(fields.with(|fs| fs.iter().map(|f| f.name.clone()).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    });
    let suggestions = Memo::new(move |_| {
        typing.with(|t| match t {
            Some((_, typed)) => names.with(|n| {
                n.iter()
                    .filter(|name| name.starts_with(typed.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
            }),
            None => Vec::new(),
        })
    });
    let cursor = move || -> usize {
        let Some(el) = area.get_untracked() else {
            return 0;
        };
        let text = el.value();
        let at = el.selection_start().ok().flatten().unwrap_or(0) as usize;
        byte_index(&text, at)
    };
    let refresh = move || {
        // Nothing to suggest where nothing can be typed.
        if read_only.get_untracked() {
            typing.set(None);
            return;
        }
        let text = template.get_untracked();
        let at = cursor().min(text.len());
        let open = open_placeholder(&text, at);
        if open != typing.get_untracked() {
            active.set(0);
        }
        typing.set(open);
    };
    // Puts `{{name}}` in: over the placeholder being typed, or at the cursor.
    let insert = move |name: String| {
        if read_only.get_untracked() {
            return;
        }
        let text = template.get_untracked();
        let at = cursor().min(text.len());
        let (from, to) = match open_placeholder(&text, at) {
            Some((open, _)) => (open, at),
            None => (at, at),
        };
        // A `}}` already right after the cursor (typed by hand) is reused.
        let rest = &text[to..];
        let rest = rest.strip_prefix("}}").unwrap_or(rest);
        let inserted = format!("{{{{{name}}}}}");
        let new_text = format!("{}{inserted}{rest}", &text[..from]);
        let caret = utf16_len(&text[..from]) + utf16_len(&inserted);
        template.set(new_text.clone());
        typing.set(None);
        if let Some(el) = area.get_untracked() {
            el.set_value(&new_text);
            let _ = el.focus();
            let _ = el.set_selection_range(caret, caret);
        }
    };
    let keydown = move |e: ev::KeyboardEvent| {
        let list = suggestions.get_untracked();
        if list.is_empty() {
            return;
        }
        match e.key().as_str() {
            "ArrowDown" => {
                e.prevent_default();
                active.update(|a| *a = (*a + 1) % list.len());
            }
            "ArrowUp" => {
                e.prevent_default();
                active.update(|a| *a = (*a + list.len() - 1) % list.len());
            }
            "Enter" | "Tab" => {
                e.prevent_default();
                let i = active.get_untracked().min(list.len() - 1);
                insert(list[i].clone());
            }
            "Escape" => {
                e.prevent_default();
                typing.set(None);
            }
            _ => {}
        }
    };

    let preview = move || -> Result<String, String> {
        let source = template.get();
        if source.trim().is_empty() {
            return Err("No message: the webhook only updates the user.".into());
        }
        let t = Template::parse(&source).map_err(|e| e.to_string())?;
        if !matches!(parsed.get(), Some(Ok(_))) {
            return Err("Add a valid sample to preview the message.".into());
        }
        let mut values: HashMap<String, Option<String>> =
            names.get().into_iter().map(|n| (n, None)).collect();
        if let Some(inputs) = probes.get() {
            let value = |p: &Probe| match p {
                Probe::Value(v) => Some(v.clone()),
                _ => None,
            };
            values.insert("user_ns".into(), value(&inputs.user_ns));
            values.insert("crm_contact_id".into(), value(&inputs.crm_contact_id));
            let phone = value(&inputs.phone).and_then(|v| {
                country
                    .as_ref()
                    .and_then(|c| Phone::parse(&v, c).ok())
                    .map(|p| p.as_str().to_owned())
            });
            values.insert("phone".into(), phone);
            let email = value(&inputs.email)
                .and_then(|v| Email::parse(&v).ok())
                .map(|e| e.as_str().to_owned());
            values.insert("email".into(), email);
        }
        for outcome in outcomes.get() {
            if let Some(v) = outcome.value {
                values.insert(outcome.field.clone(), Some(v.display()));
            }
        }
        t.render(|name| values.get(name).cloned())
            .map_err(|e| e.to_string())
    };

    view! {
        <section class="editor-part" aria-labelledby="action-title">
            <h2 id="action-title">"6. Action"</h2>
            <label for="action-template">"Message sent to the user"</label>
            <p class="note" id="template-help">
                "Type {{ to insert a field; ↑ ↓ choose, Enter inserts."
            </p>
            <div class="template-box">
                <textarea
                    id="action-template"
                    rows="4"
                    node_ref=area
                    aria-describedby="template-help"
                    aria-controls="template-suggestions"
                    aria-autocomplete="list"
                    // The suggestion ↑ ↓ point at, read out while the focus stays in the text.
                    aria-activedescendant=move || {
                        (!suggestions.with(Vec::is_empty))
                            .then(|| format!("suggestion-{}", active.get()))
                    }
                    readonly=move || read_only.get()
                    prop:value=move || template.get()
                    on:input=move |e| {
                        template.set(event_target_value(&e));
                        refresh();
                    }
                    on:click=move |_| refresh()
                    on:keyup=move |e: ev::KeyboardEvent| {
                        if matches!(e.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                            refresh();
                        }
                    }
                    on:keydown=keydown
                ></textarea>
                <ul
                    id="template-suggestions"
                    class="suggestions"
                    role="listbox"
                    aria-label="Fields"
                    hidden=move || suggestions.with(Vec::is_empty)
                >
                    {move || {
                        suggestions
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, name)| {
                                let label = name.clone();
                                view! {
                                    <li
                                        role="option"
                                        id=format!("suggestion-{i}")
                                        class="suggestion"
                                        class:active=move || active.get() == i
                                        aria-selected=move || (active.get() == i).to_string()
                                        on:mousedown=move |e| {
                                            e.prevent_default();
                                            insert(name.clone());
                                        }
                                    >
                                        {label}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
            // A textarea cannot be a combobox, so the list's opening is said in words.
            <p id="template-suggestions-status" class="visually-hidden" aria-live="polite">
                {move || {
                    match suggestions.with(Vec::len) {
                        0 => String::new(),
                        1 => "1 field matches: Enter inserts it.".to_owned(),
                        n => format!("{n} fields match: ↑ ↓ choose, Enter inserts."),
                    }
                }}
            </p>
            <div class="insert-fields" role="group" aria-label="Insert a field">
                {move || {
                    names
                        .get()
                        .into_iter()
                        .map(|name| {
                            let label = format!("{{{{{name}}}}}");
                            view! {
                                <button
                                    type="button"
                                    class="insert-field"
                                    disabled=move || read_only.get()
                                    on:click=move |_| insert(name.clone())
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {move || {
                field_message(save_error, "action_template")
                    .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
            }}
            <h3>"Preview for the sample"</h3>
            <p id="action-preview" class="message-preview" aria-live="polite">
                {move || match preview() {
                    Ok(m) => view! { <span class="preview-ok">{m}</span> }.into_any(),
                    Err(e) => view! { <span class="status-bad">{e}</span> }.into_any(),
                }}
            </p>
        </section>
    }
}

// ---- 7. Save and the active switch --------------------------------------------------------

/// A save refused because the webhook was saved elsewhere (another tab, another person) since
/// this editor loaded it: nothing is overwritten, and the user chooses to load that version.
#[component]
fn SavedElsewhere(
    hook_id: i64,
    save_error: RwSignal<Option<ApiError>>,
    take_saved: Callback<WebhookDetail>,
) -> impl IntoView {
    let reload = Action::new_local(move |_: &()| async move {
        match api::webhook(hook_id).await {
            Ok(h) => {
                save_error.set(None);
                take_saved.run(h);
                focus::focus("#screen-title");
            }
            Err(e) => save_error.set(Some(e)),
        }
    });
    view! {
        <div id="save-error" class="conflict" role="alert">
            <p>
                "Not saved: this webhook was saved elsewhere (in another tab or by someone else) since you opened it. "
                "Nothing was overwritten. Load the saved version to see it; your changes on this screen are then discarded, so copy anything you want to keep first."
            </p>
            <button
                type="button"
                id="load-saved"
                disabled=move || reload.pending().get()
                on:click=move |_| {
                    reload.dispatch(());
                }
            >
                "Load the saved version"
            </button>
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn SavePart(
    read_only: Signal<bool>,
    hook_id: i64,
    hook: RwSignal<WebhookDetail>,
    current: Memo<WebhookDraft>,
    saved: RwSignal<WebhookDraft>,
    dirty: Memo<bool>,
    save_error: RwSignal<Option<ApiError>>,
    saved_note: RwSignal<bool>,
    active_error: RwSignal<Option<ApiError>>,
    take_saved: Callback<WebhookDetail>,
) -> impl IntoView {
    // Logged in again over this screen (the session had ended): "log in" is no longer news.
    let session = expect_context::<crate::app::Session>();
    Effect::new(move || {
        if session.me.with(Option::is_some) {
            for error in [save_error, active_error] {
                if error.with_untracked(|e| e.as_ref().is_some_and(ApiError::is_unauthorized)) {
                    error.set(None);
                }
            }
        }
    });
    // What a refused save sent: the server's message on a value stays only while that value is
    // as sent, so a value fixed since no longer shows the old complaint.
    let refused = StoredValue::new(None::<WebhookDraft>);
    Effect::new(move || {
        let now = current.get();
        let Some(sent) = refused.get_value() else {
            return;
        };
        let stale = save_error.with_untracked(|e| match e {
            Some(ApiError::Status { fields, .. }) => {
                fields.iter().any(|f| !as_sent(&f.field, &sent, &now))
            }
            _ => false,
        });
        if stale {
            save_error.update(|e| {
                if let Some(ApiError::Status { fields, .. }) = e {
                    fields.retain(|f| as_sent(&f.field, &sent, &now));
                    if fields.is_empty() {
                        *e = None;
                    }
                }
            });
        }
    });
    let save = Action::new_local(move |_: &()| {
        let update = current.get_untracked();
        let before = saved.get_untracked();
        let base_revision = hook.with_untracked(|h| h.revision);
        async move {
            match api::save(hook_id, &before, &update, base_revision).await {
                Ok(h) => {
                    refused.set_value(None);
                    saved.set(update);
                    hook.update(|old| {
                        old.name = h.name;
                        old.active = h.active;
                        old.revision = h.revision;
                    });
                    save_error.set(None);
                    saved_note.set(true);
                }
                Err(e) => {
                    refused.set_value(Some(update));
                    saved_note.set(false);
                    save_error.set(Some(e));
                }
            }
        }
    });
    let toggle = Action::new_local(move |want: &bool| {
        let want = *want;
        async move {
            match api::set_active(hook_id, want).await {
                Ok(h) => {
                    hook.update(|old| old.active = h.active);
                    active_error.set(None);
                }
                Err(e) => active_error.set(Some(e)),
            }
        }
    });
    Effect::new(move |_| {
        if dirty.get() {
            saved_note.set(false);
        }
    });
    let active = move || hook.with(|h| h.active);
    view! {
        <section class="editor-part save-part" aria-labelledby="save-title">
            <h2 id="save-title">"7. Save and switch on"</h2>
            <div class="button-row">
                <button
                    type="button"
                    id="save"
                    class="primary"
                    disabled=move || !dirty.get() || save.pending().get() || read_only.get()
                    on:click=move |_| {
                        save.dispatch(());
                    }
                >
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <span id="save-status" class="note" aria-live="polite">
                    {move || {
                        if dirty.get() {
                            "Unsaved changes"
                        } else if saved_note.get() {
                            "Saved"
                        } else {
                            ""
                        }
                    }}
                </span>
            </div>
            {move || {
                save_error
                    .get()
                    .map(|e| {
                        let text = match &e {
                            ApiError::Status { fields, .. } if !fields.is_empty() => {
                                let sample = e.field("sample").map(|s| format!(" Sample: {s}"));
                                format!(
                                    "Not saved: some values need fixing (see the messages next to them).{}",
                                    sample.unwrap_or_default(),
                                )
                            }
                            ApiError::Status { status: 409, .. } => {
                                return view! { <SavedElsewhere hook_id save_error take_saved /> }
                                    .into_any();
                            }
                            other => format!("Not saved: {other}"),
                        };
                        view! { <p id="save-error" role="alert">{text}</p> }.into_any()
                    })
            }}
            <div class="switch-row">
                <button
                    type="button"
                    role="switch"
                    id="active-switch"
                    class="switch"
                    aria-checked=move || active().to_string()
                    aria-describedby="active-error"
                    disabled=move || toggle.pending().get() || read_only.get()
                    on:click=move |_| {
                        toggle.dispatch(!active());
                    }
                >
                    <span class="switch-track" aria-hidden="true"></span>
                    "Active"
                </button>
                <span class="note">
                    {move || {
                        if active() {
                            "Requests are processed."
                        } else {
                            "Requests are refused until it is switched on."
                        }
                    }}
                </span>
            </div>
            {move || {
                (dirty.get() && !active())
                    .then(|| {
                        view! {
                            <p class="note">"Switching on uses the saved settings: save first."</p>
                        }
                    })
            }}
            <p id="active-error" class="field-error" role="alert">
                {move || active_error.get().map(|e| format!("Cannot switch on: {}", full_reason(&e)))}
            </p>
        </section>
    }
}
