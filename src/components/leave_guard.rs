//! Asks before a screen with unsaved changes is left: by closing or reloading the tab
//! (`beforeunload`, the browser's own prompt), by following a link inside the app, and by the
//! browser's Back and Forward buttons.
//!
//! leptos_router 0.8 has no hook to hold a navigation. It follows in-app links from a `click`
//! listener on `window` that leaves alone any click whose default was prevented, and Back and
//! Forward from a `popstate` listener on `window`, which swaps the screen at once. So the app
//! shell installs its own two listeners on `window` before the router exists (listeners on the
//! same target run in the order they were added): a declined link click is `preventDefault`ed;
//! a declined Back/Forward is kept from the router (`stopImmediatePropagation`) and the
//! screen's address is put back into the address bar.

use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::location::Location;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlAnchorElement, MouseEvent, PopStateEvent};

pub const QUESTION: &str = "You have unsaved changes. Leave without saving?";

/// The screen that has unsaved changes, if any: set by [`guard_unsaved_changes`], read by the
/// listeners that [`LeaveGuard::install`] adds.
#[derive(Clone, Copy)]
pub struct LeaveGuard {
    held: StoredValue<Option<Held>, LocalStorage>,
    next_id: StoredValue<u64>,
}

struct Held {
    id: u64,
    dirty: Memo<bool>,
    location: Location,
}

impl LeaveGuard {
    /// Adds the listeners and provides the guard to the app. Call it before `<Router>`.
    pub fn install() {
        let guard = LeaveGuard {
            held: StoredValue::new_local(None),
            next_id: StoredValue::new(0),
        };
        provide_context(guard);
        let click = Closure::<dyn Fn(MouseEvent)>::new(move |e: MouseEvent| {
            if let Some(here) = guard.holding()
                && leaves(&e, &here)
                && !confirmed()
            {
                e.prevent_default();
            }
        });
        let popstate = Closure::<dyn Fn(PopStateEvent)>::new(move |e: PopStateEvent| {
            // A step within the screen (its `#fragment`) leaves nothing behind.
            let Some(here) = guard.holding().filter(|here| *here != address()) else {
                return;
            };
            if confirmed() {
                return;
            }
            e.stop_immediate_propagation();
            // The address bar already shows the other page: show this one's again. A new
            // entry, so the next Back asks again.
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&here));
            }
        });
        let w = window();
        for (name, listener) in [("click", click.as_ref()), ("popstate", popstate.as_ref())] {
            let _ =
                w.add_event_listener_with_callback_and_bool(name, listener.unchecked_ref(), true);
        }
        // As long as the app.
        click.forget();
        popstate.forget();
    }

    /// For leaving by code rather than a link (*Log out*): true when nothing unsaved is held, or
    /// the person confirmed leaving it.
    pub fn may_leave(self) -> bool {
        !self.holds_changes() || confirmed()
    }

    /// Whether the current screen has unsaved changes.
    pub fn holds_changes(self) -> bool {
        self.holding().is_some()
    }

    /// The address (path and query) of the screen with unsaved changes, when there is one.
    /// The router's idea of it, not the address bar's: the router puts a new screen's address
    /// there only once the screen is ready, and it has not yet seen a Back when this is asked.
    fn holding(self) -> Option<String> {
        self.held.try_with_value(|held| {
            let held = held.as_ref()?;
            if !held.dirty.try_get_untracked()? {
                return None;
            }
            let path = held.location.pathname.try_get_untracked()?;
            let search = held.location.search.try_get_untracked()?;
            Some(if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            })
        })?
    }
}

/// Guards the current screen while `dirty` is true, until the calling component is dropped.
pub fn guard_unsaved_changes(dirty: Memo<bool>) {
    let unload = window_event_listener(ev::beforeunload, move |e| {
        if dirty.get_untracked() {
            e.prevent_default();
            e.set_return_value(QUESTION);
        }
    });
    let guard = use_context::<LeaveGuard>();
    let id = guard.map(|guard| {
        let id = guard.next_id.get_value();
        guard.next_id.set_value(id + 1);
        guard.held.set_value(Some(Held {
            id,
            dirty,
            location: use_location(),
        }));
        id
    });
    on_cleanup(move || {
        unload.remove();
        // The next screen may have registered already.
        if let (Some(guard), Some(id)) = (guard, id) {
            guard.held.try_update_value(|held| {
                if held.as_ref().is_some_and(|h| h.id == id) {
                    *held = None;
                }
            });
        }
    });
}

fn confirmed() -> bool {
    window().confirm_with_message(QUESTION).unwrap_or(true)
}

/// The address bar's path and query: `/bots/1/webhooks/2?x=1`.
fn address() -> String {
    let l = window().location();
    format!(
        "{}{}",
        l.pathname().unwrap_or_default(),
        l.search().unwrap_or_default()
    )
}

/// Whether the click follows a link the router would take away from `here` (path and query).
/// Links the browser follows itself (new tab, download, another site) are left to
/// `beforeunload`.
fn leaves(e: &MouseEvent, here: &str) -> bool {
    if e.default_prevented()
        || e.button() != 0
        || e.meta_key()
        || e.alt_key()
        || e.ctrl_key()
        || e.shift_key()
    {
        return false;
    }
    let path = e.composed_path();
    let Some(a) = (0..path.length()).find_map(|i| path.get(i).dyn_into::<HtmlAnchorElement>().ok())
    else {
        return false;
    };
    if !a.target().is_empty() || a.has_attribute("download") || a.rel().contains("external") {
        return false;
    }
    let Ok(to) = web_sys::Url::new(&a.href()) else {
        return false;
    };
    to.origin() == window().location().origin().unwrap_or_default()
        && format!("{}{}", to.pathname(), to.search()) != here
}
