//! The bots of every workspace the account can see: search, channel, today's requests against
//! the limit, webhooks active/total and the last error. A bot's name opens its inbound webhooks.

use crate::api;
use crate::api::bots::BotView;
use crate::components::focus::focus_after_render;
use crate::components::paged::Paged;
use crate::pages::fmt;
use botwire_core::channel::Channel;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Bots() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let channel = RwSignal::new(None::<Channel>);
    let list: Paged<BotView> = Paged::new();
    let (bots, cursor, loading, error) = (list.items, list.cursor, list.loading, list.error);

    let fetch = move |after: Option<String>| {
        let q = query.get_untracked();
        let channel = channel.get_untracked();
        async move { api::bots::list(&q, channel, after.as_deref()).await }
    };
    Effect::new(move || {
        query.track();
        channel.track();
        list.load(false, fetch, || ());
    });
    // *Load more* is disabled while it loads, and gone after the last page: focus moves on to
    // the first bot it added, where reading goes on.
    let load_more = move |_| {
        let first_new = bots.with_untracked(Vec::len) + 1;
        list.load(true, fetch, move || {
            focus_after_render(vec![format!(
                "#bots tbody tr:nth-child({first_new}) a.bot-webhooks"
            )]);
        });
    };

    view! {
        <section aria-labelledby="screen-title">
            <h1 id="screen-title">"Bots"</h1>
            <div class="filters">
                <div class="field">
                    <label for="bot-search">"Search bots"</label>
                    <input
                        id="bot-search"
                        type="search"
                        placeholder="Name"
                        bind:value=query
                    />
                </div>
                <div class="field">
                    <label for="bot-channel">"Channel"</label>
                    <select
                        id="bot-channel"
                        on:change=move |ev| channel.set(Channel::parse(&event_target_value(&ev)).ok())
                    >
                        <option value="">"All channels"</option>
                        {Channel::ALL.map(|c| view! { <option value=c.as_str()>{c.as_str()}</option> })}
                    </select>
                </div>
            </div>
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="form-error" role="alert">
                                "Could not load the bots: "
                                {e.to_string()}
                            </p>
                        }
                    })
            }}
            <p class="progress" role="status" aria-live="polite">
                {move || if loading.get() { "Loading bots…" } else { "" }}
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Bots">
                <table id="bots">
                    <thead>
                        <tr>
                            <th scope="col">"Bot"</th>
                            <th scope="col">"Channel"</th>
                            <th scope="col">"Requests today"</th>
                            <th scope="col">"Webhooks active"</th>
                            <th scope="col">"Last error"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || bots.get() key=|b| (b.id, b.accepted_24h) children=bot_row />
                    </tbody>
                </table>
            </div>
            <Show when=move || !loading.get() && error.get().is_none() && bots.with(Vec::is_empty)>
                <p class="empty">"No bots match."</p>
            </Show>
            <Show when=move || cursor.get().is_some()>
                <button type="button" id="load-more-bots" on:click=load_more disabled=move || loading.get()>
                    "Load more bots"
                </button>
            </Show>
        </section>
    }
}

fn bot_row(bot: BotView) -> impl IntoView {
    let webhooks = format!("/bots/{}/webhooks", bot.id);
    let last_error = match &bot.last_error {
        Some(e) => {
            let logs = format!("/bots/{}/webhooks/{}/logs", bot.id, e.webhook_id);
            view! {
                <A href=logs>
                    {format!("{} ({}) at {}", fmt::outcome(&e.outcome), e.status, fmt::time(e.at))}
                </A>
            }
            .into_any()
        }
        None => view! { <span class="muted">"None"</span> }.into_any(),
    };
    // The name is the way to the bot's webhooks: the first cell, on screen at 360 px too.
    view! {
        <tr>
            <th scope="row">
                <A href=webhooks attr:class="bot-webhooks">
                    {bot.name.clone()}
                    <span class="visually-hidden">": Tools → Inbound Webhooks"</span>
                </A>
            </th>
            <td>{bot.channel.clone()}</td>
            <td>{format!("{} / {}", bot.accepted_24h, bot.daily_limit)}</td>
            <td>{format!("{} / {}", bot.webhooks.active, bot.webhooks.total)}</td>
            <td>{last_error}</td>
        </tr>
    }
}
