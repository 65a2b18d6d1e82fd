//! A button that copies a text to the clipboard and says so to screen readers.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Copies `text`; "Copied" (or why not) is announced through an `aria-live` region.
/// `fallback_input` is the id of a read-only input holding the same text, selected and copied
/// with `execCommand` when the Clipboard API is refused (e.g. the page is not focused).
#[component]
pub fn CopyButton(
    #[prop(into)] text: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] fallback_input: Option<String>,
) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let copy = move |_| {
        let text = text.clone();
        let fallback = fallback_input.clone();
        leptos::task::spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok()
                || fallback.as_deref().is_some_and(exec_copy);
            status.set(if ok {
                "Copied".into()
            } else {
                "Could not copy: select the address and copy it by hand".into()
            });
        });
    };
    view! {
        <button type="button" class="copy-button" on:click=copy aria-label=label>
            "Copy"
        </button>
        <span class="copy-status" role="status" aria-live="polite">
            {move || status.get()}
        </span>
    }
}

fn exec_copy(input_id: &str) -> bool {
    let document = document();
    let Some(input) = document
        .get_element_by_id(input_id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    input.select();
    document
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}
