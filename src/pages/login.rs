//! Log in with email and password.

use crate::api::auth::Me;
use crate::api::{self, ApiError};
use crate::app::Session;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Login() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    view! {
        <section class="auth-screen" aria-labelledby="screen-title">
            <h1 id="screen-title">"Log in"</h1>
            <LoginForm
                email=String::new()
                on_logged_in=move |me| {
                    session.me.set(Some(me));
                    navigate("/", Default::default());
                }
            />
        </section>
    }
}

/// The credentials form that logs in on submit, starting from `email`; `on_logged_in` gets
/// the account once the server accepted them.
#[component]
pub fn LoginForm(email: String, on_logged_in: impl Fn(Me) + 'static) -> impl IntoView {
    let email = RwSignal::new(email);
    let password = RwSignal::new(String::new());
    let login = Action::new_local(|(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move { api::auth::login(&email, &password).await }
    });
    Effect::new(move || {
        if let Some(Ok(me)) = login.value().get() {
            on_logged_in(me);
        }
    });
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <CredentialsForm
            email=email
            password=password
            error=Signal::derive(error)
            pending=login.pending()
            submit_label="Log in"
            pending_label="Logging in…"
            password_autocomplete="current-password"
            on_submit=move || {
                login.dispatch((email.get_untracked(), password.get_untracked()));
            }
        />
    }
}

/// Email and password with their errors next to them, an alert for the rest, and progress.
#[component]
pub fn CredentialsForm(
    email: RwSignal<String>,
    password: RwSignal<String>,
    #[prop(into)] error: Signal<Option<ApiError>>,
    #[prop(into)] pending: Signal<bool>,
    submit_label: &'static str,
    pending_label: &'static str,
    password_autocomplete: &'static str,
    on_submit: impl Fn() + 'static,
) -> impl IntoView {
    let field_error = move |name: &'static str| {
        move || error.get().and_then(|e| e.field(name).map(str::to_owned))
    };
    let email_error = field_error("email");
    let password_error = field_error("password");
    let general = move || {
        error.get().and_then(|e| match &e {
            ApiError::Status { fields, .. } if !fields.is_empty() => None,
            _ => Some(e.to_string()),
        })
    };
    view! {
        <form
            class="stack-form"
            novalidate
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                on_submit();
            }
        >
            {move || {
                general()
                    .map(|m| {
                        view! {
                            <p id="form-error" class="form-error" role="alert">
                                {m}
                            </p>
                        }
                    })
            }}
            <div class="field">
                <label for="email">"Email"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required
                    bind:value=email
                    aria-invalid=move || email_error().is_some().to_string()
                    aria-describedby="email-error"
                />
                <p id="email-error" class="field-error" aria-live="polite">
                    {email_error}
                </p>
            </div>
            <div class="field">
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete=password_autocomplete
                    required
                    bind:value=password
                    aria-invalid=move || password_error().is_some().to_string()
                    aria-describedby="password-error"
                />
                <p id="password-error" class="field-error" aria-live="polite">
                    {password_error}
                </p>
            </div>
            <button type="submit" class="primary" disabled=move || pending.get()>
                {move || if pending.get() { pending_label } else { submit_label }}
            </button>
            <p class="progress" role="status" aria-live="polite">
                {move || if pending.get() { pending_label } else { "" }}
            </p>
        </form>
    }
}
