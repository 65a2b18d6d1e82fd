//! A list fetched page by page with the API's cursor, newest first, each page added below the
//! last (*Load more*): for short lists like the bots. The log, which can be long, shows one page
//! at a time instead (`pages::log_pages`).

use crate::api::{ApiError, Page};
use leptos::prelude::*;
use std::future::Future;

/// The state of a paged list. `load(false, …)` starts over and drops the answers of any
/// earlier start (a search typed faster than the server answers); `load(true, …)` appends the
/// page after the cursor.
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    /// The next page's cursor; `None` on the last page.
    pub cursor: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    generation: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Send + Sync + 'static> Paged<T> {
    pub fn new() -> Self {
        Paged {
            items: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    /// Fetches a page with `fetch(cursor)`: the first page when `more` is false. `then` runs
    /// once the page is in `items`.
    pub fn load<Fut>(
        self,
        more: bool,
        fetch: impl FnOnce(Option<String>) -> Fut,
        then: impl FnOnce() + 'static,
    ) where
        Fut: Future<Output = Result<Page<T>, ApiError>> + 'static,
    {
        let after = if more {
            self.cursor.get_untracked()
        } else {
            None
        };
        let this = self.generation.get_value() + u32::from(!more);
        self.generation.set_value(this);
        self.loading.set(true);
        let answer = fetch(after);
        leptos::task::spawn_local(async move {
            let result = answer.await;
            if self.generation.get_value() != this {
                return;
            }
            self.loading.set(false);
            match result {
                Ok(page) => {
                    self.error.set(None);
                    self.cursor.set(page.next_cursor);
                    if more {
                        self.items.update(|items| items.extend(page.items));
                    } else {
                        self.items.set(page.items);
                    }
                    then();
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }
}
