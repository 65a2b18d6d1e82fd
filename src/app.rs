//! The shell: header with the server's version, and the routes of every screen.

use crate::api;
use crate::api::auth::Me;
use crate::components::leave_guard::LeaveGuard;
use crate::components::notice::{Notice, NoticeRegion};
use crate::components::screen_change::ScreenChange;
use crate::components::session_ended::SessionEnded;
use crate::pages::NotFound;
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

/// App state: the account that is logged in (from `GET /auth/me`), `None` before that is
/// known or after logging out.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Me>>,
    /// The session ended while a screen held unsaved changes: the email it was for, to log in
    /// again over that screen (see [`SessionEnded`]).
    pub ended_over_changes: RwSignal<Option<String>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(Session {
        me: RwSignal::new(None),
        ended_over_changes: RwSignal::new(None),
    });
    Notice::provide();
    // Before the router: its listeners must come after the guard's.
    LeaveGuard::install();
    view! {
        <Router>
            <SessionWatch />
            <SessionEnded />
            <ScreenChange />
            // The router takes over link clicks, so the browser's own move of focus to the
            // fragment's target never happens: the link moves it itself.
            <a
                class="skip-link"
                href="#main"
                on:click=|e| {
                    e.prevent_default();
                    crate::components::focus::focus("#main");
                }
            >
                "Skip to content"
            </a>
            <header class="app-header">
                <A href="/" attr:class="brand">"Botwire"</A>
                <nav aria-label="Main">
                    <A href="/">"Bots"</A>
                </nav>
                <ServerVersion />
                <AccountMenu />
            </header>
            <main id="main" tabindex="-1">
                <NoticeRegion />
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=crate::pages::bots::Bots />
                    <Route path=path!("/login") view=crate::pages::login::Login />
                    <Route path=path!("/setup") view=crate::pages::setup::Setup />
                    <Route
                        path=path!("/bots/:bot_id/webhooks")
                        view=crate::pages::webhooks::Webhooks
                    />
                    <Route
                        path=path!("/bots/:bot_id/webhooks/:webhook_id")
                        view=crate::pages::editor::WebhookEditor
                    />
                    <Route
                        path=path!("/bots/:bot_id/webhooks/:webhook_id/logs")
                        view=crate::pages::logs::Logs
                    />
                    <Route
                        path=path!("/bots/:bot_id/users/:user_id")
                        view=crate::pages::user::User
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// Loads the account, and whenever the API answers 401 sends the person to the login page,
/// or, when the screen holds unsaved changes, asks them to log in again over it.
#[component]
fn SessionWatch() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let guard = use_context::<LeaveGuard>();
    api::on_unauthorized(move || {
        let email = session.me.get_untracked().map(|me| me.email);
        session.me.set(None);
        if guard.is_some_and(LeaveGuard::holds_changes) {
            // Asked once: another 401 meanwhile must not reset what is being typed.
            if session.ended_over_changes.with_untracked(Option::is_none) {
                session
                    .ended_over_changes
                    .set(Some(email.unwrap_or_default()));
            }
            return;
        }
        let path = window().location().pathname().unwrap_or_default();
        if path != "/login" && path != "/setup" {
            navigate("/login", Default::default());
        }
    });
    leptos::task::spawn_local(async move {
        if let Ok(me) = api::auth::me().await {
            session.me.set(Some(me));
        }
    });
}

/// The account's email and a Log out button, once logged in.
#[component]
fn AccountMenu() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let logout = Action::new_local(|_: &()| api::auth::logout());
    let guard = use_context::<LeaveGuard>();
    Effect::new(move || {
        if logout.value().get().is_some() {
            session.me.set(None);
            navigate("/login", Default::default());
        }
    });
    move || {
        session.me.get().map(|me| {
            view! {
                <div class="account">
                    <span id="account-email">{me.email}</span>
                    <button
                        type="button"
                        id="logout"
                        on:click=move |_| {
                            if guard.is_none_or(|g| g.may_leave()) {
                                logout.dispatch(());
                            }
                        }
                        disabled=move || logout.pending().get()
                    >
                        {move || if logout.pending().get() { "Logging out…" } else { "Log out" }}
                    </button>
                </div>
            }
        })
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
                                        {match e {
                                            api::ApiError::Network(m) => m,
                                            other => format!("Server unreachable: {other}"),
                                        }}
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
