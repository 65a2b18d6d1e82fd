//! A message that outlives the screen that wrote it: "Deleted …", shown on the list the editor
//! went to after deleting. The shell keeps one live region for it, so a screen reader reads it
//! out though everything around it is new.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The message and the screen (path) it is for.
#[derive(Clone, Copy)]
pub struct Notice(RwSignal<Option<(String, String)>>);

impl Notice {
    pub fn provide() {
        provide_context(Notice(RwSignal::new(None)));
    }

    /// Shows `text` on the screen at `path` (the one about to be navigated to).
    pub fn show_on(self, path: &str, text: String) {
        self.0.set(Some((path.to_owned(), text)));
    }
}

/// The live region, in the shell above every screen. A message shows on its own screen only:
/// the next change of screen drops it.
#[component]
pub fn NoticeRegion() -> impl IntoView {
    let notice = expect_context::<Notice>();
    let pathname = use_location().pathname;
    Effect::new(move || {
        let path = pathname.get();
        if notice
            .0
            .with_untracked(|n| n.as_ref().is_some_and(|(p, _)| *p != path))
        {
            notice.0.set(None);
        }
    });
    view! {
        <p id="notice" class="notice" role="status">
            {move || {
                notice
                    .0
                    .with(|n| {
                        n.as_ref()
                            .filter(|(p, _)| pathname.with(|now| p == now))
                            .map(|(_, text)| text.clone())
                    })
            }}
        </p>
    }
}
