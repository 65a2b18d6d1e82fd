//! Tools → Inbound Webhooks of a bot: each webhook with its active switch, URL, today's count
//! against the limit and last request; *New Inbound Webhook* creates one and opens the editor.

use crate::api::bots::WebhookSummary;
use crate::api::{self, ApiError};
use crate::components::access::{ReadOnlyNote, read_only as read_only_in};
use crate::components::copy_button::CopyButton;
use crate::pages::fmt;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn Webhooks() -> impl IntoView {
    let params = use_params_map();
    let bot_id = Memo::new(move |_| fmt::id(params.read().get("bot_id")));
    let reload = RwSignal::new(0u32);
    // Loaded again with the list: its webhook count decides whether another may be made.
    let bot = LocalResource::new(move || {
        reload.track();
        api::bots::get_bot(bot_id.get())
    });
    let hooks = LocalResource::new(move || {
        reload.track();
        api::bots::webhooks(bot_id.get(), None)
    });
    let bot_name = move || {
        bot.get()
            .and_then(Result::ok)
            .map(|b| format!("Bot: {} ({})", b.name, b.channel))
            .unwrap_or_default()
    };
    let loaded_bot = move || bot.get().and_then(Result::ok);
    let read_only = read_only_in(move || loaded_bot().map(|b| b.workspace_id));
    // "5 of 5": no room for another webhook.
    let full = Signal::derive(move || {
        loaded_bot()
            .filter(|b| b.webhooks.total >= i64::from(b.max_webhooks))
            .map(|b| (b.webhooks.total, b.max_webhooks))
    });

    view! {
        <section class:read-only=move || read_only.get() aria-labelledby="screen-title">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <A href="/">"Bots"</A>
            </nav>
            <h1 id="screen-title">"Tools → Inbound Webhooks"</h1>
            <p id="bot-name" class="muted">{bot_name}</p>
            <ReadOnlyNote read_only />
            <NewWebhook bot_id=bot_id reload=reload read_only full />
            <Suspense fallback=|| {
                view! { <p role="status">"Loading webhooks…"</p> }
            }>
                {move || {
                    hooks
                        .get()
                        .map(|result| match result {
                            Ok(page) if page.items.is_empty() => {
                                view! {
                                    <p class="empty">
                                        "No inbound webhooks yet. Create one to get a URL."
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(page) => {
                                let bot = bot_id.get_untracked();
                                view! {
                                    <div
                                        class="table-scroll"
                                        tabindex="0"
                                        role="region"
                                        aria-label="Inbound webhooks"
                                    >
                                        <table id="webhooks">
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Name"</th>
                                                    <th scope="col">"Active"</th>
                                                    <th scope="col">"URL"</th>
                                                    <th scope="col">"Requests today"</th>
                                                    <th scope="col">"Last request"</th>
                                                    <th scope="col">"Logs"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {page
                                                    .items
                                                    .into_iter()
                                                    .map(|row| {
                                                        view! { <HookRow bot_id=bot row=row read_only /> }
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! {
                                    <p class="form-error" role="alert">
                                        "Could not load the webhooks: "
                                        {e.to_string()}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

/// The *New Inbound Webhook* button, and the inline form asking for its name. The button is
/// disabled, saying why, for a viewer and when the bot has all the webhooks it may have
/// (`full`: how many it has, of how many).
#[component]
fn NewWebhook(
    bot_id: Memo<i64>,
    reload: RwSignal<u32>,
    read_only: Signal<bool>,
    full: Signal<Option<(i64, u32)>>,
) -> impl IntoView {
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let create = Action::new_local(move |name: &String| {
        let name = name.clone();
        let bot = bot_id.get_untracked();
        async move { api::bots::create_webhook(bot, &name).await }
    });
    Effect::new(move || {
        if let Some(Ok(hook)) = create.value().get() {
            reload.update(|n| *n += 1);
            navigate(
                &format!("/bots/{}/webhooks/{}", hook.bot_id, hook.id),
                Default::default(),
            );
        }
    });
    let error = move || create.value().get().and_then(Result::err);
    let name_error = move || error().and_then(|e| e.field("name").map(str::to_owned));
    let general = move || {
        error().and_then(|e| match &e {
            ApiError::Status { fields, .. } if !fields.is_empty() => None,
            _ => Some(e.to_string()),
        })
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || {
                view! {
                    <div class="new-webhook">
                        <button
                            type="button"
                            class="primary"
                            id="new-webhook"
                            disabled=move || read_only.get() || full.get().is_some()
                            aria-describedby=move || {
                                if read_only.get() {
                                    Some("read-only-note")
                                } else if full.get().is_some() {
                                    Some("new-webhook-reason")
                                } else {
                                    None
                                }
                            }
                            on:click=move |_| open.set(true)
                        >
                            "New Inbound Webhook"
                        </button>
                        {move || {
                            full.get()
                                .filter(|_| !read_only.get())
                                .map(|(has, max)| {
                                    view! {
                                        <p id="new-webhook-reason" class="muted new-webhook-reason">
                                            {format!(
                                                "This bot has {has} of {max} webhooks: delete one in its editor to add another.",
                                            )}
                                        </p>
                                    }
                                })
                        }}
                    </div>
                }
            }
        >
            <form
                class="inline-form"
                id="new-webhook-form"
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    create.dispatch(name.get_untracked());
                }
            >
                <h2>"New Inbound Webhook"</h2>
                <div class="field">
                    <label for="webhook-name">"Name"</label>
                    <input
                        id="webhook-name"
                        type="text"
                        required
                        autofocus
                        bind:value=name
                        aria-invalid=move || name_error().is_some().to_string()
                        aria-describedby="webhook-name-error"
                    />
                    <p id="webhook-name-error" class="field-error" aria-live="polite">
                        {name_error}
                    </p>
                </div>
                {move || {
                    general()
                        .map(|m| {
                            view! {
                                <p id="new-webhook-error" class="form-error" role="alert">
                                    {m}
                                </p>
                            }
                        })
                }}
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        {move || {
                            if create.pending().get() { "Creating…" } else { "Create and open" }
                        }}
                    </button>
                    <button type="button" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                </div>
            </form>
        </Show>
    }
}

/// One webhook: its switch keeps its own state and the API's reason when it was refused.
#[component]
fn HookRow(bot_id: i64, row: WebhookSummary, read_only: Signal<bool>) -> impl IntoView {
    let active = RwSignal::new(row.active);
    let busy = RwSignal::new(false);
    let reason: RwSignal<Option<String>> = RwSignal::new(None);
    let id = row.id;
    let toggle = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let on = !active.get_untracked();
        leptos::task::spawn_local(async move {
            let result = if on {
                api::bots::activate(id).await
            } else {
                api::bots::deactivate(id).await
            };
            busy.set(false);
            match result {
                Ok(state) => {
                    active.set(state.active);
                    reason.set(None);
                }
                Err(e) => reason.set(Some(fmt::reasons(&e))),
            }
        });
    };
    let origin = window().location().origin().unwrap_or_default();
    let url = fmt::address(&origin, row.url.as_deref());
    let url_id = format!("webhook-url-{id}");
    let reason_id = format!("webhook-reason-{id}");
    let editor = format!("/bots/{bot_id}/webhooks/{id}");
    let logs = format!("/bots/{bot_id}/webhooks/{id}/logs");
    let last = match &row.last_request {
        Some(r) => format!(
            "{} — {} ({})",
            fmt::time(r.received_at),
            fmt::outcome(&r.outcome),
            r.status
        ),
        None => "None yet".into(),
    };
    let name = row.name;
    let switch_label = format!("Active: {name}");
    let url_label = format!("URL of {name}");
    let copy_label = format!("Copy the URL of {name}");
    let logs_label = format!("Logs of {name}");
    view! {
        <tr data-webhook-id=id>
            <th scope="row">
                <A href=editor>{name}</A>
            </th>
            <td class="switch-cell">
                <button
                    type="button"
                    role="switch"
                    class="switch"
                    aria-checked=move || active.get().to_string()
                    aria-label=switch_label
                    aria-describedby=reason_id.clone()
                    aria-busy=move || busy.get().to_string()
                    disabled=move || read_only.get()
                    on:click=toggle
                >
                    <span class="switch-track" aria-hidden="true"></span>
                    <span class="switch-text">{move || if active.get() { "On" } else { "Off" }}</span>
                </button>
                <p id=reason_id class="field-error switch-reason" role="alert">
                    {move || reason.get()}
                </p>
            </td>
            <td class="url-cell">
                {match url {
                    Some(url) => {
                        view! {
                            <label class="visually-hidden" for=url_id.clone()>
                                {url_label}
                            </label>
                            <input id=url_id.clone() class="url" type="text" readonly value=url.clone() />
                            <CopyButton text=url label=copy_label fallback_input=url_id />
                        }
                            .into_any()
                    }
                    None => view! { <span class="note">{fmt::HIDDEN_ADDRESS}</span> }.into_any(),
                }}
            </td>
            <td>{format!("{} / {}", row.requests_today, row.daily_limit)}</td>
            <td>{last}</td>
            <td>
                <A href=logs attr:aria-label=logs_label>
                    "Logs"
                </A>
            </td>
        </tr>
    }
}
