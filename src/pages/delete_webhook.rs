//! The editor's last part: deleting the webhook, after a modal dialog has said what goes with
//! it. Afterwards the bot's webhook list shows, saying what was deleted.

use crate::api::ApiError;
use crate::api::webhooks::{self as api, WebhookDetail};
use crate::components::notice::Notice;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn DeletePart(
    read_only: Signal<bool>,
    bot_id: i64,
    hook: RwSignal<WebhookDetail>,
    dirty: Memo<bool>,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let notice = expect_context::<Notice>();
    let navigate = use_navigate();
    let list = format!("/bots/{bot_id}/webhooks");
    let name = move || hook.with(|h| h.name.clone());
    let error = RwSignal::new(None::<ApiError>);
    let delete = Action::new_local(move |_: &()| {
        let id = hook.with_untracked(|h| h.id);
        async move { api::delete_webhook(id).await }
    });
    Effect::new(move || {
        let Some(result) = delete.value().get() else {
            return;
        };
        let text = match result {
            Ok(()) => format!(
                "Deleted the webhook \u{201c}{}\u{201d} and its request log.",
                name()
            ),
            // Deleted meanwhile, in another tab or by someone else: the outcome asked for.
            Err(e) if e.status() == Some(404) => {
                format!(
                    "The webhook \u{201c}{}\u{201d} was already deleted.",
                    name()
                )
            }
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
        notice.show_on(&list, text);
        navigate(&list, Default::default());
    });
    let open = move |_| {
        error.set(None);
        if let Some(dialog) = dialog.get_untracked() {
            let _ = dialog.show_modal();
        }
    };
    let close = move |_| {
        if let Some(dialog) = dialog.get_untracked() {
            dialog.close();
        }
    };
    view! {
        <section class="editor-part delete-part" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete this webhook"</h2>
            <p class="note" id="delete-note">
                "Its address stops working at once and its request log is deleted with it."
            </p>
            <button
                type="button"
                id="delete-webhook"
                class="danger"
                aria-describedby=move || {
                    if read_only.get() { "read-only-note" } else { "delete-note" }
                }
                disabled=move || read_only.get()
                on:click=open
            >
                "Delete webhook…"
            </button>
            <dialog
                node_ref=dialog
                id="delete-dialog"
                class="modal"
                aria-labelledby="delete-dialog-title"
                aria-describedby="delete-dialog-why"
            >
                <h2 id="delete-dialog-title">{move || format!("Delete \u{201c}{}\u{201d}?", name())}</h2>
                <p id="delete-dialog-why">
                    "Senders to its address get 404 from now on, and its request log is deleted. "
                    {move || dirty.get().then_some("Your unsaved changes are lost too. ")}
                    "This cannot be undone."
                </p>
                <p id="delete-error" class="form-error" role="alert">
                    {move || error.get().map(|e| format!("Not deleted: {e}"))}
                </p>
                <div class="button-row">
                    <button
                        type="button"
                        id="confirm-delete"
                        class="danger"
                        disabled=move || delete.pending().get()
                        on:click=move |_| {
                            delete.dispatch(());
                        }
                    >
                        {move || if delete.pending().get() { "Deleting…" } else { "Delete webhook" }}
                    </button>
                    // Focus starts on the safe choice: Enter on the dialog just opened keeps the
                    // webhook.
                    <button type="button" id="cancel-delete" autofocus on:click=close>
                        "Keep it"
                    </button>
                </div>
            </dialog>
        </section>
    }
}
