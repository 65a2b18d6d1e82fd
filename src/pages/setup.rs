//! The one-time setup link (`/setup#<token>`): choose the first account's email and password.

use crate::api;
use crate::app::Session;
use crate::pages::login::CredentialsForm;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Setup() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let token = window()
        .location()
        .hash()
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_owned();
    let has_token = !token.is_empty();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let setup = Action::new_local(move |(email, password): &(String, String)| {
        let (token, email, password) = (token.clone(), email.clone(), password.clone());
        async move { api::auth::setup(&token, &email, &password).await }
    });
    Effect::new(move || {
        if let Some(Ok(me)) = setup.value().get() {
            session.me.set(Some(me));
            navigate("/", Default::default());
        }
    });
    let error = move || setup.value().get().and_then(Result::err);
    view! {
        <section class="auth-screen" aria-labelledby="screen-title">
            <h1 id="screen-title">"Set up Botwire"</h1>
            <Show
                when=move || has_token
                fallback=|| {
                    view! {
                        <p role="alert">
                            "This setup link has no token. Open the full link the server printed."
                        </p>
                    }
                }
            >
                <p>"Choose the email and password of the first account."</p>
                <CredentialsForm
                    email=email
                    password=password
                    error=Signal::derive(error)
                    pending=setup.pending()
                    submit_label="Create account"
                    pending_label="Creating the account…"
                    password_autocomplete="new-password"
                    on_submit=move || {
                        setup.dispatch((email.get_untracked(), password.get_untracked()));
                    }
                />
            </Show>
        </section>
    }
}
