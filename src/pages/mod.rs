//! One component per screen.

use leptos::prelude::*;

pub mod bots;
pub mod delete_webhook;
pub mod editor;
pub mod fmt;
pub mod log_filters;
pub mod log_pages;
pub mod login;
pub mod logs;
pub mod setup;
pub mod user;
pub mod webhooks;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section aria-labelledby="screen-title">
            <h1 id="screen-title">"Page not found"</h1>
            <p>
                "There is no page at this address. " <a href="/">"Go to the bots list"</a> "."
            </p>
        </section>
    }
}
