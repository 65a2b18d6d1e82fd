//! The request log of a webhook: a table filtered by outcome, user, time and body text (the
//! filters in the address; see `log_filters`), one page at a time with new rows live on the
//! newest (see `log_pages`), and the detail of a row with *Replay*.

use crate::api;
use crate::api::logs::{LogDetail, LogFilter, LogSummary};
use crate::components::access::{ReadOnlyNote, read_only as read_only_in};
use crate::components::focus::{focus, focus_after_render};
use crate::pages::fmt;
use crate::pages::log_filters::{FilterState, LogFilters};
use crate::pages::log_pages::{LogPages, Pager};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::Value;

#[component]
pub fn Logs() -> impl IntoView {
    let params = use_params_map();
    let bot_id = Memo::new(move |_| fmt::id(params.read().get("bot_id")));
    let webhook_id = Memo::new(move |_| fmt::id(params.read().get("webhook_id")));
    // Only for its workspace: a viewer cannot replay.
    let bot = LocalResource::new(move || api::bots::get_bot(bot_id.get()));
    let read_only = read_only_in(move || bot.get().and_then(Result::ok).map(|b| b.workspace_id));
    let filters = FilterState::from_address();
    let filter = filters.current;
    let table = NodeRef::new();
    let pages = LogPages::new(filters, webhook_id, table);
    let (rows, error) = (pages.rows, pages.error);
    let selected: RwSignal<Option<i64>> = RwSignal::new(None);
    let only_user = Callback::new(move |user: i64| {
        filters.change(|f| f.user_id = user.to_string());
    });

    view! {
        <section class:read-only=move || read_only.get() aria-labelledby="screen-title">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <A href="/">"Bots"</A>
                " › "
                <A href=move || format!("/bots/{}/webhooks", bot_id.get())>"Inbound Webhooks"</A>
                " › "
                <A href=move || {
                    format!("/bots/{}/webhooks/{}", bot_id.get(), webhook_id.get())
                }>"Editor"</A>
            </nav>
            <h1 id="screen-title">"Webhook logs"</h1>
            <ReadOnlyNote read_only />
            <LogFilters filters error />
            {move || {
                error
                    .get()
                    .map(|e| {
                        let text = if e.field("cursor").is_some() {
                            "This page of the log does not exist: show the newest rows.".to_owned()
                        } else if e.status() == Some(422) {
                            "Some filters are not valid: see the messages next to them.".to_owned()
                        } else {
                            format!("Could not load the log: {e}")
                        };
                        view! {
                            <p class="form-error" id="logs-error" role="alert">
                                {text}
                            </p>
                        }
                    })
            }}
            {move || selected.get().map(|id| view! { <LogDetailView log_id=id bot_id=bot_id.get_untracked() pages selected filter read_only /> })}
            <Pager pages />
            <div
                class="table-scroll"
                tabindex="0"
                role="region"
                aria-label=move || pages.table_label()
                node_ref=table
            >
                <table id="logs">
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"User"</th>
                            <th scope="col">"Duration"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|r| r.id
                            children=move |row| {
                                log_row(row, bot_id.get_untracked(), selected, filter, only_user)
                            }
                        />
                    </tbody>
                </table>
            </div>
        </section>
    }
}

fn log_row(
    row: LogSummary,
    bot_id: i64,
    selected: RwSignal<Option<i64>>,
    filter: Memo<LogFilter>,
    only_user: Callback<i64>,
) -> impl IntoView {
    let id = row.id;
    let user = match row.user_id {
        Some(u) => {
            let this_user_only = move || filter.with(|f| f.user_id == u.to_string());
            view! {
                <A href=format!("/bots/{bot_id}/users/{u}")>{format!("User {u}")}</A>
                <Show when=move || !this_user_only()>
                    " "
                    <button
                        type="button"
                        class="link-button only-user"
                        aria-label=format!("Show only the requests of user {u}")
                        on:click=move |_| only_user.run(u)
                    >
                        "only this user"
                    </button>
                </Show>
            }
            .into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    view! {
        <tr
            data-log-id=id
            class:selected=move || selected.get() == Some(id)
        >
            <td>
                <button
                    type="button"
                    class="link-button"
                    aria-label=format!("Details of the request at {}", fmt::time(row.received_at))
                    aria-expanded=move || (selected.get() == Some(id)).to_string()
                    on:click=move |_| selected.set(Some(id))
                >
                    {fmt::time(row.received_at)}
                </button>
            </td>
            <td>
                <span class=format!("outcome outcome-{}", row.outcome)>{fmt::outcome(&row.outcome)}</span>
            </td>
            <td>{user}</td>
            <td>{fmt::duration(row.duration_us)}</td>
            <td>{row.status}</td>
        </tr>
    }
}

/// Whether `row` passes `filter`, when the browser can tell: `None` with a body-text filter
/// (the list rows carry no body; the server decides those).
fn passes(filter: &LogFilter, row: &LogSummary) -> Option<bool> {
    if !filter.q.trim().is_empty() {
        return None;
    }
    let bound = |text: &str| text.trim().parse::<i64>().ok();
    let outcome = filter.outcome.is_empty() || filter.outcome == row.outcome;
    let user = filter.user_id.trim().is_empty()
        || matches!(bound(&filter.user_id), Some(u) if row.user_id == Some(u));
    let from = bound(&filter.from).is_none_or(|from| row.received_at >= from);
    let to = bound(&filter.to).is_none_or(|to| row.received_at < to);
    Some(outcome && user && from && to)
}

/// One row in full: headers, body, mapping results, identity decision, action and the answer.
#[component]
fn LogDetailView(
    log_id: i64,
    bot_id: i64,
    pages: LogPages,
    selected: RwSignal<Option<i64>>,
    filter: Memo<LogFilter>,
    read_only: Signal<bool>,
) -> impl IntoView {
    let detail = LocalResource::new(move || api::logs::detail(log_id));
    let replay = Action::new_local(move |_: &()| api::logs::replay(log_id));
    // The replayed row at once when it passes the filters; when the browser cannot tell, the
    // live stream brings it if the server finds it matches. *Replay* is disabled while it runs,
    // which drops the focus: back to it once it is done (the status beside it reads the result).
    Effect::new(move || {
        let Some(result) = replay.value().get() else {
            return;
        };
        if let Ok(replayed) = result {
            let row = summary(&replayed.log);
            if filter.with_untracked(|f| passes(f, &row)) == Some(true) {
                pages.add_replayed(row);
            }
        }
        focus_after_render(vec!["#replay".to_owned()]);
    });
    // The detail opens above the table, often out of view: focus (and so the view) moves to
    // its heading, and back to the row's button when it closes.
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move || {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let close = move |_| {
        selected.set(None);
        focus(&format!("tr[data-log-id='{log_id}'] .link-button"));
    };
    view! {
        <section class="log-detail" id="log-detail" aria-labelledby="log-detail-title">
            <div class="detail-head">
                <h2 id="log-detail-title" tabindex="-1" node_ref=heading>
                    {format!("Request #{log_id}")}
                </h2>
                <button type="button" on:click=close>
                    "Close"
                </button>
            </div>
            <Suspense fallback=|| view! { <p role="status">"Loading the request…"</p> }>
                {move || {
                    detail
                        .get()
                        .map(|result| match result {
                            Ok(d) => detail_body(d, bot_id).into_any(),
                            Err(e) => {
                                view! {
                                    <p class="form-error" role="alert">
                                        {e.to_string()}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
            <div class="actions">
                <button
                    type="button"
                    id="replay"
                    on:click=move |_| {
                        replay.dispatch(());
                    }
                    disabled=move || replay.pending().get() || read_only.get()
                    aria-describedby=move || read_only.get().then_some("read-only-note")
                >
                    {move || if replay.pending().get() { "Replaying…" } else { "Replay" }}
                </button>
                <p id="replay-result" role="status" aria-live="polite">
                    {move || match replay.value().get() {
                        Some(Ok(r)) => {
                            format!(
                                "Replayed: answered {}, logged as request #{} ({})",
                                r.answer.status,
                                r.log.id,
                                fmt::outcome(&r.log.outcome),
                            )
                        }
                        Some(Err(e)) => format!("Replay refused: {e}"),
                        None => String::new(),
                    }}
                </p>
            </div>
        </section>
    }
}

fn detail_body(d: LogDetail, bot_id: i64) -> impl IntoView {
    let body = match (&d.parsed, &d.body) {
        (Some(v), _) => pretty(v),
        (None, Some(raw)) => raw.clone(),
        (None, None) => "(not kept)".into(),
    };
    let headers: Vec<(String, String)> = match &d.headers {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let user = d.user_id.map(|u| {
        view! { <A href=format!("/bots/{bot_id}/users/{u}") attr:id="log-user-link">{format!("User {u}")}</A> }
    });
    view! {
        <dl class="facts">
            <dt>"Received"</dt>
            <dd>{fmt::time(d.received_at)}</dd>
            <dt>"Request"</dt>
            <dd>{format!("{} {}", d.method, d.content_type.clone().unwrap_or_default())}</dd>
            <dt>"Answer"</dt>
            <dd>{format!("{} — {}", d.status, fmt::outcome(&d.outcome))}</dd>
            <dt>"Identity decision"</dt>
            <dd id="identity-decision">{d.detail.clone()}</dd>
            <dt>"User"</dt>
            <dd>{user.map(IntoAny::into_any).unwrap_or_else(|| "—".into_any())}</dd>
            <dt>"Duration"</dt>
            <dd>{fmt::duration(d.duration_us)}</dd>
            {d.replay_of.map(|r| view! { <dt>"Replay of"</dt><dd>{format!("request #{r}")}</dd> })}
            {d.duplicate_of.map(|r| view! { <dt>"Duplicate of"</dt><dd>{format!("request #{r}")}</dd> })}
        </dl>
        <h3>"Headers"</h3>
        <div class="table-scroll">
            <table class="headers">
                <thead>
                    <tr>
                        <th scope="col">"Header"</th>
                        <th scope="col">"Value"</th>
                    </tr>
                </thead>
                <tbody>
                    {headers
                        .into_iter()
                        .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <h3>"Body"</h3>
        <pre id="log-body" class="code" tabindex="0">{body}</pre>
        <h3>"Mapping results"</h3>
        {mapping_results(d.mappings.as_ref())}
        <h3>"Action result"</h3>
        <pre class="code" tabindex="0">{d.action.as_ref().map_or_else(|| "No action ran".into(), pretty)}</pre>
        <h3>"Answer sent"</h3>
        <pre class="code" tabindex="0">{pretty(&d.response)}</pre>
    }
}

/// Each mapping's path, field and value or error, when the log has them as a list.
fn mapping_results(mappings: Option<&Value>) -> AnyView {
    let Some(Value::Array(items)) = mappings else {
        return view! { <p class="muted">"No mappings ran"</p> }.into_any();
    };
    if items.is_empty() {
        return view! { <p class="muted">"No mappings ran"</p> }.into_any();
    }
    let text = |v: &Value, key: &str| match v.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let rows = items
        .iter()
        .map(|m| {
            let value = match m.get("display").or_else(|| m.get("value")) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            };
            let error = text(m, "error");
            view! {
                <tr>
                    <td><code>{text(m, "path")}</code></td>
                    <td>{text(m, "field")}</td>
                    <td>{value}</td>
                    <td class="field-error">{error}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="mappings">
                <thead>
                    <tr>
                        <th scope="col">"Path"</th>
                        <th scope="col">"Field"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col">"Error"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn summary(d: &LogDetail) -> LogSummary {
    LogSummary {
        id: d.id,
        webhook_id: d.webhook_id,
        received_at: d.received_at,
        method: d.method.clone(),
        status: d.status,
        outcome: d.outcome.clone(),
        detail: d.detail.clone(),
        user_id: d.user_id,
        duration_us: d.duration_us,
        replay_of: d.replay_of,
        duplicate_of: d.duplicate_of,
    }
}
