//! Moving the keyboard focus to an element found by a CSS selector, where a screen change
//! leaves it nowhere useful.

use leptos::prelude::{document, request_animation_frame};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// Focuses the first element matching `css`; nothing when there is none.
pub fn focus(css: &str) {
    if let Ok(Some(el)) = document().query_selector(css)
        && let Ok(el) = el.dyn_into::<HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// Focuses the first of `candidates` (CSS selectors) that can take the focus, once the screen
/// has been drawn again: for actions that remove, move or disable the focused control, which
/// leaves the focus on the page itself. Nothing when the focus is somewhere else by then (the
/// person moved on while the action ran).
pub fn focus_after_render(candidates: Vec<String>) {
    request_animation_frame(move || {
        let document = document();
        let lost = match document.active_element() {
            None => true,
            Some(el) => {
                document.body().is_some_and(|body| *body == el)
                    || !el.is_connected()
                    || el.has_attribute("disabled")
            }
        };
        if !lost {
            return;
        }
        for css in &candidates {
            if let Ok(Some(el)) = document.query_selector(css)
                && let Ok(el) = el.dyn_into::<HtmlElement>()
            {
                let _ = el.focus();
                if document.active_element().is_some_and(|now| now == *el) {
                    return;
                }
            }
        }
    });
}
