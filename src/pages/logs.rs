//! The request log of a webhook: a table filtered by outcome, paged with the API's cursor (only
//! pages are fetched, so 100,000 rows page as fast as 100), new rows live over SSE, and the
//! detail of a row with *Replay*.

use crate::api;
use crate::api::logs::{LogDetail, LogRow, OUTCOMES};
use crate::components::paged::Paged;
use crate::pages::fmt;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

#[component]
pub fn Logs() -> impl IntoView {
    let params = use_params_map();
    let bot_id = Memo::new(move |_| fmt::id(params.read().get("bot_id")));
    let webhook_id = Memo::new(move |_| fmt::id(params.read().get("webhook_id")));
    let outcome = RwSignal::new(String::new());
    let list: Paged<LogRow> = Paged::new();
    let (rows, cursor, loading, error) = (list.items, list.cursor, list.loading, list.error);
    let selected: RwSignal<Option<i64>> = RwSignal::new(None);

    let load = move |more: bool| {
        let hook = webhook_id.get_untracked();
        let filter = outcome.get_untracked();
        list.load(more, move |after| async move {
            api::logs::list(hook, &filter, after.as_deref()).await
        });
    };
    Effect::new(move || {
        outcome.track();
        webhook_id.track();
        load(false);
    });
    live_rows(webhook_id, outcome, rows);

    view! {
        <section aria-labelledby="screen-title">
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
            <div class="filters">
                <div class="field">
                    <label for="log-outcome">"Outcome"</label>
                    <select
                        id="log-outcome"
                        on:change=move |ev| outcome.set(event_target_value(&ev))
                    >
                        <option value="">"All outcomes"</option>
                        {OUTCOMES.map(|o| view! { <option value=o>{fmt::outcome(o)}</option> })}
                    </select>
                </div>
            </div>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="form-error" role="alert">
                                "Could not load the log: "
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
            {move || selected.get().map(|id| view! { <LogDetailView log_id=id bot_id=bot_id.get_untracked() rows=rows selected=selected /> })}
            <div class="table-scroll" tabindex="0" role="region" aria-label="Log rows">
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
                            children=move |row| log_row(row, bot_id.get_untracked(), selected)
                        />
                    </tbody>
                </table>
            </div>
            <p class="progress" role="status" aria-live="polite">
                {move || {
                    if loading.get() {
                        "Loading…".to_owned()
                    } else {
                        format!("{} rows shown", rows.with(Vec::len))
                    }
                }}
            </p>
            <Show when=move || cursor.get().is_some()>
                <button
                    type="button"
                    id="load-more"
                    on:click=move |_| load(true)
                    disabled=move || loading.get()
                >
                    "Load more"
                </button>
            </Show>
        </section>
    }
}

fn log_row(row: LogRow, bot_id: i64, selected: RwSignal<Option<i64>>) -> impl IntoView {
    let id = row.id;
    let user = match row.user_id {
        Some(u) => view! { <A href=format!("/bots/{bot_id}/users/{u}")>{format!("User {u}")}</A> }
            .into_any(),
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

/// New rows as the server writes them: the webhook's SSE stream, event `log_written`. Rows
/// are read back through the API so the table shows exactly what a page would.
fn live_rows(webhook_id: Memo<i64>, outcome: RwSignal<String>, rows: RwSignal<Vec<LogRow>>) {
    Effect::new(move || {
        let hook = webhook_id.get();
        let Ok(source) =
            web_sys::EventSource::new(&format!("{}/webhooks/{hook}/events", api::BASE))
        else {
            return;
        };
        let on_log =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                let filter = outcome.get_untracked();
                leptos::task::spawn_local(async move {
                    let Ok(page) = api::logs::list(hook, &filter, None).await else {
                        return;
                    };
                    rows.update(|r| {
                        let newest = r.first().map_or(0, |x| x.id);
                        let fresh: Vec<LogRow> =
                            page.items.into_iter().filter(|x| x.id > newest).collect();
                        if !fresh.is_empty() {
                            r.splice(0..0, fresh);
                        }
                    });
                });
            });
        let _ =
            source.add_event_listener_with_callback("log_written", on_log.as_ref().unchecked_ref());
        let source = StoredValue::new_local((source, on_log));
        on_cleanup(move || {
            source.try_with_value(|(s, _)| s.close());
        });
    });
}

/// One row in full: headers, body, mapping results, identity decision, action and the answer.
#[component]
fn LogDetailView(
    log_id: i64,
    bot_id: i64,
    rows: RwSignal<Vec<LogRow>>,
    selected: RwSignal<Option<i64>>,
) -> impl IntoView {
    let detail = LocalResource::new(move || api::logs::detail(log_id));
    let replay = Action::new_local(move |_: &()| api::logs::replay(log_id));
    Effect::new(move || {
        if let Some(Ok(replayed)) = replay.value().get() {
            let log = replayed.log;
            rows.update(|r| {
                if !r.iter().any(|x| x.id == log.id) {
                    r.insert(0, summary(&log));
                }
            });
        }
    });
    view! {
        <section class="log-detail" id="log-detail" aria-labelledby="log-detail-title">
            <div class="detail-head">
                <h2 id="log-detail-title">{format!("Request #{log_id}")}</h2>
                <button type="button" on:click=move |_| selected.set(None)>
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
                    disabled=move || replay.pending().get()
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

fn summary(d: &LogDetail) -> LogRow {
    LogRow {
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
