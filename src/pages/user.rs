//! A bot user: built-in fields, custom-field values, outbox messages and the log rows that
//! touched the user.

use crate::api;
use crate::api::users::UserDetail;
use crate::pages::fmt;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn User() -> impl IntoView {
    let params = use_params_map();
    let bot_id = Memo::new(move |_| fmt::id(params.read().get("bot_id")));
    let user_id = Memo::new(move |_| fmt::id(params.read().get("user_id")));
    let user = LocalResource::new(move || api::users::get_user(user_id.get()));
    view! {
        <section aria-labelledby="screen-title">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <A href="/">"Bots"</A>
                " › "
                <A href=move || format!("/bots/{}/webhooks", bot_id.get())>"Inbound Webhooks"</A>
            </nav>
            <h1 id="screen-title">"Bot user"</h1>
            <Suspense fallback=|| view! { <p role="status">"Loading the user…"</p> }>
                {move || {
                    user.get()
                        .map(|result| match result {
                            Ok(u) => user_view(u).into_any(),
                            Err(e) => {
                                view! {
                                    <p class="form-error" role="alert">
                                        "Could not load the user: "
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

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

fn user_view(detail: UserDetail) -> impl IntoView {
    let u = &detail.user;
    let (bot_id, user_id) = (u.bot_id, u.id);
    let fields = detail
        .fields
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <th scope="row">{f.name.clone()}</th>
                    <td>{f.field_type.clone()}</td>
                    <td>{f.display.clone()}</td>
                    <td class="field-error">{f.error.clone()}</td>
                    <td>{fmt::time(f.updated_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let outbox = detail
        .outbox
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <td>{fmt::time(m.created_at)}</td>
                    <td>{m.channel.clone()}</td>
                    <td class="message">{m.message.clone()}</td>
                    <td>{m.status.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let logs = detail
        .logs
        .iter()
        .map(|l| {
            // The log filtered to this user (`user_id`, as log_filters reads it), not all of
            // the webhook's requests.
            let href = format!(
                "/bots/{bot_id}/webhooks/{}/logs?user_id={user_id}",
                l.webhook_id
            );
            view! {
                <tr>
                    <td>{fmt::time(l.received_at)}</td>
                    <td>{format!("#{}", l.id)}</td>
                    <td>{fmt::outcome(&l.outcome)}</td>
                    <td>{l.status}</td>
                    <td>
                        <A href=href>{format!("Webhook {} logs of this user", l.webhook_id)}</A>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let name = [u.first_name.clone(), u.last_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let (no_fields, no_outbox, no_logs) = (
        detail.fields.is_empty(),
        detail.outbox.is_empty(),
        detail.logs.is_empty(),
    );
    view! {
        <h2>"Fields"</h2>
        <dl class="facts" id="user-fields">
            <dt>"user_ns"</dt>
            <dd>{u.user_ns.clone()}</dd>
            <dt>"Name"</dt>
            <dd>{if name.is_empty() { "—".to_owned() } else { name }}</dd>
            <dt>"Phone"</dt>
            <dd>{opt(&u.phone)}</dd>
            <dt>"Email"</dt>
            <dd>{opt(&u.email)}</dd>
            <dt>"CRM contact id"</dt>
            <dd>{opt(&u.crm_contact_id)}</dd>
            <dt>"Came from"</dt>
            <dd>{u.source.clone()}</dd>
            <dt>"Created"</dt>
            <dd>{fmt::time(u.created_at)}</dd>
            <dt>"Updated"</dt>
            <dd>{fmt::time(u.updated_at)}</dd>
        </dl>
        <h2>"Custom fields"</h2>
        {if no_fields { view! { <p class="muted">"No custom field values."</p> }.into_any() } else { view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="Custom fields">
                <table id="user-custom-fields">
                    <thead>
                        <tr>
                            <th scope="col">"Field"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Value"</th>
                            <th scope="col">"Problem"</th>
                            <th scope="col">"Updated"</th>
                        </tr>
                    </thead>
                    <tbody>{fields}</tbody>
                </table>
            </div>
        }.into_any() }}
        <h2>"Outbox"</h2>
        {if no_outbox { view! { <p class="muted">"No messages."</p> }.into_any() } else { view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="Outbox">
                <table id="user-outbox">
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Channel"</th>
                            <th scope="col">"Message"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>{outbox}</tbody>
                </table>
            </div>
        }.into_any() }}
        <h2>"Requests that touched this user"</h2>
        {if no_logs { view! { <p class="muted">"No requests."</p> }.into_any() } else { view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="Requests">
                <table id="user-logs">
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Request"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Log"</th>
                        </tr>
                    </thead>
                    <tbody>{logs}</tbody>
                </table>
            </div>
        }.into_any() }}
    }
}
