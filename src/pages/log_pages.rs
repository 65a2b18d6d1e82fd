//! The page of the log on screen: one page of rows at a time, so the hundredth page down costs
//! what the first does (the table never grows). *Older* follows the API's cursor; the cursors
//! of the pages passed on the way down are kept to go back up with *Newer* (after a reload,
//! when they are gone, *Newer* asks the API for the rows above the page). The page's cursor
//! and number live in the address next to the filters (see `log_filters`), so a reload shows
//! the same rows. New rows arrive live on the newest page only; on an older one a notice counts
//! them, so the rows being read do not move.

use crate::api;
use crate::api::ApiError;
use crate::api::logs::{LogFilter, LogSummary, PAGE};
use crate::pages::log_filters::FilterState;
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::params::ParamsMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Which page is shown, as the address says: `cursor=…&page=…`, both absent on the newest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAt {
    /// The API's cursor for this page; `None` for the newest.
    pub cursor: Option<String>,
    /// 1 for the newest page.
    pub number: usize,
}

impl PageAt {
    pub const NEWEST: PageAt = PageAt {
        cursor: None,
        number: 1,
    };

    pub fn from_query(query: &ParamsMap) -> PageAt {
        let Some(cursor) = query.get("cursor").filter(|c| !c.trim().is_empty()) else {
            return PageAt::NEWEST;
        };
        // A cursor means an older page, whatever number a hand-edited address gives.
        let number = query
            .get("page")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .map_or(2, |n| n.max(2));
        PageAt {
            cursor: Some(cursor),
            number,
        }
    }

    pub fn query(&self) -> String {
        match &self.cursor {
            None => String::new(),
            Some(c) => format!("cursor={}&page={}", api::bots::encode(c), self.number),
        }
    }
}

/// The rows of the page shown, how to reach the others, and the live count of newer rows.
#[derive(Clone, Copy)]
pub struct LogPages {
    pub rows: RwSignal<Vec<LogSummary>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    /// The next older page's cursor; `None` on the oldest page.
    older: RwSignal<Option<String>>,
    /// The cursors of the pages above the one shown, newest first (the newest page's is
    /// `None`); shorter than the page number after a reload, when they are not known.
    trail: RwSignal<Vec<Option<String>>>,
    /// Rows that match the filters and are newer than the newest page last seen.
    newer_rows: RwSignal<usize>,
    /// The newest row's id when the newest page was last fetched (0 for an empty log).
    newest_id: StoredValue<Option<i64>>,
    /// Drops the answer for a page no longer asked for.
    generation: StoredValue<u32>,
    /// The webhook and filters the trail and `newest_id` belong to.
    scope: StoredValue<Option<(i64, LogFilter)>>,
    /// Set by the paging buttons: focus the table once the page is in.
    focus_table: StoredValue<bool>,
    table: NodeRef<Div>,
    address: FilterState,
    webhook_id: Memo<i64>,
}

impl LogPages {
    /// Fetches the page the address names whenever it, the filters or the webhook change, and
    /// listens for new rows.
    pub fn new(address: FilterState, webhook_id: Memo<i64>, table: NodeRef<Div>) -> LogPages {
        let pages = LogPages {
            rows: RwSignal::new(Vec::new()),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            older: RwSignal::new(None),
            trail: RwSignal::new(Vec::new()),
            newer_rows: RwSignal::new(0),
            newest_id: StoredValue::new(None),
            generation: StoredValue::new(0),
            scope: StoredValue::new(None),
            focus_table: StoredValue::new(false),
            table,
            address,
            webhook_id,
        };
        Effect::new(move || {
            address.current.track();
            address.page.track();
            webhook_id.track();
            pages.load();
        });
        pages.listen();
        pages
    }

    pub fn on_newest(self) -> bool {
        self.address.page.with(|p| p.number == 1)
    }

    fn load(self) {
        let hook = self.webhook_id.get_untracked();
        let filter = self.address.current.get_untracked();
        let at = self.address.page.get_untracked();
        let scope = Some((hook, filter.clone()));
        if self.scope.with_value(|s| *s != scope) {
            self.scope.set_value(scope);
            self.newest_id.set_value(None);
            self.newer_rows.set(0);
            self.trail.set(Vec::new());
        }
        if at.number == 1 {
            self.trail.set(Vec::new());
            self.newer_rows.set(0);
        }
        let this = self.generation.get_value() + 1;
        self.generation.set_value(this);
        self.loading.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::logs::list(hook, &filter, at.cursor.as_deref()).await;
            if self.generation.try_get_value() != Some(this) {
                return;
            }
            self.loading.set(false);
            match answer {
                Ok(page) => {
                    self.error.set(None);
                    if at.number == 1 {
                        self.newest_id
                            .set_value(Some(page.items.first().map_or(0, |r| r.id)));
                    }
                    self.older.set(page.next_cursor);
                    self.rows.set(page.items);
                }
                Err(e) => {
                    self.rows.set(Vec::new());
                    self.older.set(None);
                    self.error.set(Some(e));
                }
            }
            if self.focus_table.get_value() {
                self.focus_table.set_value(false);
                if let Some(table) = self.table.get_untracked() {
                    let _ = table.focus();
                }
            }
            // Reached by a link or a reload: the newest row, to count newer ones against.
            if at.number > 1 && self.newest_id.get_value().is_none() {
                self.count_newer();
            }
        });
    }

    pub fn can_go_older(self) -> bool {
        self.older.with(Option::is_some)
    }

    pub fn can_go_newer(self) -> bool {
        self.address.page.with(|p| p.number > 1)
    }

    pub fn older(self) {
        let Some(cursor) = self.older.get_untracked() else {
            return;
        };
        let at = self.address.page.get_untracked();
        self.trail.update(|t| t.push(at.cursor));
        self.go(PageAt {
            cursor: Some(cursor),
            number: at.number + 1,
        });
    }

    pub fn newer(self) {
        let at = self.address.page.get_untracked();
        if at.number <= 1 {
            return;
        }
        if self.trail.with_untracked(Vec::len) != at.number - 1 {
            return self.newer_by_id(at);
        }
        let mut cursor = None;
        self.trail.update(|t| cursor = t.pop().flatten());
        self.go(match cursor {
            None => PageAt::NEWEST,
            Some(c) => PageAt {
                cursor: Some(c),
                number: at.number - 1,
            },
        });
    }

    /// *Newer* without the trail: the API's page of rows just above this one (this page holds
    /// the rows below its cursor), addressed by a cursor just above its newest row; the newest
    /// page when it reaches the top.
    fn newer_by_id(self, at: PageAt) {
        let Some(below) = at.cursor.as_deref().and_then(|c| c.parse::<i64>().ok()) else {
            return self.newest();
        };
        let hook = self.webhook_id.get_untracked();
        let filter = self.address.current.get_untracked();
        self.loading.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::logs::list_newer(hook, &filter, below - 1).await;
            self.loading.set(false);
            match answer {
                Ok(page) if page.items.len() < PAGE || at.number <= 2 => self.newest(),
                Ok(page) => self.go(PageAt {
                    cursor: page.items.first().map(|r| (r.id + 1).to_string()),
                    number: at.number - 1,
                }),
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    pub fn newest(self) {
        self.trail.set(Vec::new());
        self.go(PageAt::NEWEST);
    }

    fn go(self, at: PageAt) {
        self.focus_table.set_value(true);
        self.address.show(at);
    }

    /// The first and last row shown, counted from the newest; `None` when the page is empty.
    fn span(self) -> Option<(usize, usize)> {
        let shown = self.rows.with(Vec::len);
        let first = (self.address.page.with(|p| p.number) - 1) * PAGE + 1;
        (shown > 0).then_some((first, first + shown - 1))
    }

    /// The table's name for screen readers, which they read when paging moves focus there.
    pub fn table_label(self) -> String {
        match self.span() {
            Some((first, last)) => format!("Log rows {first}–{last}"),
            None => "Log rows".into(),
        }
    }

    /// Where the page is, next to the paging buttons.
    pub fn position(self) -> String {
        if self.loading.get() {
            return "Loading…".into();
        }
        if self.error.with(Option::is_some) {
            return String::new();
        }
        let filtered = !self.address.current.with(LogFilter::is_empty);
        match self.span() {
            Some((first, last)) if filtered => format!("Rows {first}–{last} (filtered)"),
            Some((first, last)) => format!("Rows {first}–{last}"),
            None if !self.on_newest() => "No older rows".into(),
            None if filtered => "No rows match the filters".into(),
            None => "No requests logged yet".into(),
        }
    }

    /// A replayed row at once on the newest page (the live stream confirms it).
    pub fn add_replayed(self, row: LogSummary) {
        if !self.on_newest_untracked() {
            return;
        }
        self.rows.update(|r| {
            if !r.iter().any(|x| x.id == row.id) {
                r.insert(0, row);
            }
        });
    }

    /// New rows as the server writes them: the webhook's SSE stream, event `log_written`.
    /// Rows are read back through the API with the filters in force, so a live row is one the
    /// server found to match them all (the body text too, which the browser cannot check).
    fn listen(self) {
        let webhook_id = self.webhook_id;
        Effect::new(move || {
            let hook = webhook_id.get();
            let Ok(source) =
                web_sys::EventSource::new(&format!("{}/webhooks/{hook}/events", api::BASE))
            else {
                return;
            };
            let on_log =
                Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                    self.count_newer();
                });
            let _ = source
                .add_event_listener_with_callback("log_written", on_log.as_ref().unchecked_ref());
            let source = StoredValue::new_local((source, on_log));
            on_cleanup(move || {
                source.try_with_value(|(s, _)| s.close());
            });
        });
    }

    /// Asks for the newest page: shown when it is the page on screen (unless a page is on its
    /// way, which brings the rows too), counted against the newest row seen otherwise. An answer for other
    /// filters or another webhook is dropped.
    fn count_newer(self) {
        let hook = self.webhook_id.get_untracked();
        let asked = self.address.current.get_untracked();
        leptos::task::spawn_local(async move {
            let Ok(page) = api::logs::list(hook, &asked, None).await else {
                return;
            };
            let scope = Some((hook, asked));
            if self.scope.try_with_value(|s| *s == scope) != Some(true) {
                return;
            }
            let newest = page.items.first().map_or(0, |r| r.id);
            if self.on_newest_untracked() {
                if !self.loading.get_untracked() {
                    self.newest_id.set_value(Some(newest));
                    self.older.set(page.next_cursor);
                    self.rows.set(page.items);
                }
                return;
            }
            match self.newest_id.get_value() {
                None => self.newest_id.set_value(Some(newest)),
                Some(seen) => {
                    let newer = page.items.iter().filter(|r| r.id > seen).count();
                    self.newer_rows.set(newer);
                }
            }
        });
    }

    fn on_newest_untracked(self) -> bool {
        self.address.page.with_untracked(|p| p.number == 1)
    }
}

/// *Newest*, *Newer*, where the page is, *Older*; and the count of newer rows that arrived
/// while an older page is shown.
#[component]
pub fn Pager(pages: LogPages) -> impl IntoView {
    let loading = pages.loading;
    let newer_rows = pages.newer_rows;
    let notice = move || {
        let n = newer_rows.get();
        if n == 0 || pages.on_newest() {
            return None;
        }
        let count = if n >= PAGE {
            format!("{PAGE} or more newer rows")
        } else if n == 1 {
            "1 newer row".to_owned()
        } else {
            format!("{n} newer rows")
        };
        Some(view! {
            {count}
            " — "
            <button type="button" class="link-button" id="show-newest" on:click=move |_| pages.newest()>
                "show newest"
            </button>
        })
    };
    view! {
        <nav class="pager" aria-label="Log pages">
            <button
                type="button"
                id="log-newest"
                disabled=move || pages.on_newest() || loading.get()
                on:click=move |_| pages.newest()
            >
                "Newest"
            </button>
            <button
                type="button"
                id="log-newer"
                disabled=move || !pages.can_go_newer() || loading.get()
                on:click=move |_| pages.newer()
            >
                "Newer"
            </button>
            <p id="log-position" class="progress" role="status" aria-live="polite">
                {move || pages.position()}
            </p>
            <button
                type="button"
                id="log-older"
                disabled=move || !pages.can_go_older() || loading.get()
                on:click=move |_| pages.older()
            >
                "Older"
            </button>
        </nav>
        <p id="newer-rows" class="newer-rows" role="status" aria-live="polite">
            {notice}
        </p>
    }
}
