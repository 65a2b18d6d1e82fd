//! Moving the keyboard focus to an element found by a CSS selector, where a screen change
//! leaves it nowhere useful.

use leptos::prelude::document;
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
