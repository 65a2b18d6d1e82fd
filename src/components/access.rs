//! Screens a viewer can only look at: the server refuses a viewer's changes, so the controls
//! are shown read-only up front instead of failing after the click.

use crate::app::Session;
use leptos::prelude::*;

/// Said once near the top of a screen shown read-only.
pub const READ_ONLY_NOTE: &str =
    "You can view this bot; only its workspace's owners and editors can change it.";

/// True once the account is known and may not change things in the workspace `workspace`
/// gives (its role there is viewer). Until both are known the controls stay as they are: the
/// server still refuses a viewer, and an editor is not shown disabled controls while loading.
pub fn read_only(workspace: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Signal<bool> {
    let session = expect_context::<Session>();
    Signal::derive(move || {
        let Some(workspace) = workspace() else {
            return false;
        };
        session
            .me
            .with(|me| me.as_ref().is_some_and(|me| !me.can_write(workspace)))
    })
}

/// The note a viewer sees near the top of a screen they cannot change.
#[component]
pub fn ReadOnlyNote(read_only: Signal<bool>) -> impl IntoView {
    view! {
        <Show when=move || read_only.get()>
            <p id="read-only-note" class="read-only-note">
                {READ_ONLY_NOTE}
            </p>
        </Show>
    }
}
