//! The shell: header with the server's version, and the routes of every screen.

use crate::api;
use crate::pages::{NotFound, Placeholder};
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand">"Botwire"</A>
                <nav aria-label="Main">
                    <A href="/">"Bots"</A>
                </nav>
                <ServerVersion />
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=|| view! { <Placeholder screen="Bots" /> } />
                    <Route path=path!("/login") view=|| view! { <Placeholder screen="Log in" /> } />
                    <Route
                        path=path!("/bots/:bot_id/webhooks")
                        view=|| view! { <Placeholder screen="Tools → Inbound Webhooks" /> }
                    />
                    <Route
                        path=path!("/bots/:bot_id/webhooks/:webhook_id")
                        view=|| view! { <Placeholder screen="Inbound webhook editor" /> }
                    />
                    <Route
                        path=path!("/bots/:bot_id/webhooks/:webhook_id/logs")
                        view=|| view! { <Placeholder screen="Webhook logs" /> }
                    />
                    <Route
                        path=path!("/bots/:bot_id/users/:user_id")
                        view=|| view! { <Placeholder screen="Bot user" /> }
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The server's version from `GET /api/v1/health`, or why it could not be read.
#[component]
fn ServerVersion() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <p class="server-version" aria-live="polite">
            <Suspense fallback=|| view! { <span>"Connecting to the server…"</span> }>
                {move || {
                    health
                        .get()
                        .map(|result| match result {
                            Ok(h) => {
                                view! {
                                    <span id="server-version">"Server " {h.version}</span>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! {
                                    <span id="server-error" role="alert">
                                        "Server unreachable: " {e.to_string()}
                                    </span>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </p>
    }
}
