//! Logging in again over a screen with unsaved changes when the session ends under it (it
//! expired, or the account logged out in another tab). Going to the login page would throw the
//! changes away; this modal dialog keeps the screen, and its changes, behind it.

use crate::app::Session;
use crate::pages::login::LoginForm;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// The dialog, while [`Session::ended_over_changes`] says the session ended.
#[component]
pub fn SessionEnded() -> impl IntoView {
    let session = expect_context::<Session>();
    // The last element focused outside the dialog (the Save button, usually), to put focus
    // back on afterwards. Read when the dialog closes: a button that was clicked may have been
    // disabled while its request ran, which took the focus away from it at that time.
    let last_focus = StoredValue::new_local(None::<HtmlElement>);
    let _ = window_event_listener(leptos::ev::focusin, move |e| {
        if let Some(el) = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok())
            && el.closest("#session-ended").ok().flatten().is_none()
        {
            last_focus.set_value(Some(el));
        }
    });
    move || {
        session
            .ended_over_changes
            .get()
            .map(|email| view! { <LogInAgain email last_focus /> })
    }
}

#[component]
fn LogInAgain(
    email: String,
    last_focus: StoredValue<Option<HtmlElement>, LocalStorage>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let dialog = NodeRef::<Dialog>::new();
    // Back to the screen: the modal dialog closed first, or the screen is still inert.
    let back_to_screen = move || {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
        session.ended_over_changes.set(None);
        last_focus.with_value(|el| {
            if let Some(el) = el {
                let _ = el.focus();
            }
        });
    };
    let email_known = !email.is_empty();
    Effect::new(move || {
        let Some(dialog) = dialog.get() else { return };
        if !dialog.open() {
            let _ = dialog.show_modal();
            // The email is known: the password is what is left to type.
            let first = if email_known { "#password" } else { "#email" };
            if let Ok(Some(input)) = dialog.query_selector(first)
                && let Ok(input) = input.dyn_into::<HtmlElement>()
            {
                let _ = input.focus();
            }
        }
    });
    view! {
        <dialog
            node_ref=dialog
            id="session-ended"
            class="modal"
            aria-labelledby="session-ended-title"
            aria-describedby="session-ended-why"
            on:cancel=move |_: web_sys::Event| back_to_screen()
        >
            <h2 id="session-ended-title">"Your session has ended"</h2>
            <p id="session-ended-why">
                "Log in again to save your changes. They are still on this page."
            </p>
            <LoginForm
                email
                on_logged_in=move |me| {
                    session.me.set(Some(me));
                    back_to_screen();
                }
            />
            <button
                type="button"
                id="session-ended-leave"
                on:click=move |_| {
                    session.ended_over_changes.set(None);
                    navigate("/login", Default::default());
                }
            >
                "Leave without saving"
            </button>
        </dialog>
    }
}
