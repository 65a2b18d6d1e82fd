//! What a change of screen does besides rendering it, as a page load would have: the window's
//! title names the screen (browser tabs, history, screen readers), and the keyboard focus moves
//! to the new screen's content instead of staying on a link that is gone.

use super::focus::focus;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn ScreenChange() -> impl IntoView {
    let pathname = use_location().pathname;
    let loaded = StoredValue::new(false);
    Effect::new(move || {
        let path = pathname.get();
        document().set_title(&title_of(&path));
        // The page's first screen keeps the browser's own focus.
        if loaded.get_value() {
            focus("#main");
        }
        loaded.set_value(true);
    });
}

/// The window's title for the screen at `path`.
fn title_of(path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let screen = match segments.as_slice() {
        [""] => "Bots",
        ["login"] => "Log in",
        ["setup"] => "Set up",
        ["bots", _, "webhooks"] => "Inbound webhooks",
        ["bots", _, "webhooks", _] => "Webhook editor",
        ["bots", _, "webhooks", _, "logs"] => "Request log",
        ["bots", _, "users", _] => "Bot user",
        _ => "Page not found",
    };
    format!("{screen} – Botwire")
}
