//! One component per screen. Screens not built yet say so plainly.

use leptos::prelude::*;

/// A screen that is planned but not built yet.
#[component]
pub fn Placeholder(screen: &'static str) -> impl IntoView {
    view! {
        <section class="placeholder" aria-labelledby="screen-title">
            <h1 id="screen-title">{screen}</h1>
            <p class="placeholder-note">"This screen is not built yet."</p>
        </section>
    }
}

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
