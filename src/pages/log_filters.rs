//! The filters of the logs screen: outcome, user, the time received (in the browser's time
//! zone) and text in the body. They live in the address's query string (the API's parameter
//! names) with the page shown, so a reload or a shared link shows the same rows; the API checks
//! them and its message shows next to the field it names.

use crate::api::ApiError;
use crate::api::logs::{LogFilter, OUTCOMES};
use crate::components::debounce::Debounce;
use crate::components::focus::focus_after_render;
use crate::pages::fmt;
use crate::pages::log_pages::PageAt;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use std::time::Duration;
use wasm_bindgen::JsValue;

/// How long typing in the text search must pause before the log is asked again.
const SEARCH_DELAY: Duration = Duration::from_millis(300);

/// The filters and the page shown, both in the address, and a way to change them (which
/// replaces the address, so Back leaves the screen rather than stepping through every filter
/// and page tried). Changing a filter starts again at the newest page.
#[derive(Clone, Copy)]
pub struct FilterState {
    pub current: Memo<LogFilter>,
    pub page: Memo<PageAt>,
    set: StoredValue<Box<dyn Fn(LogFilter, PageAt)>, LocalStorage>,
}

impl FilterState {
    pub fn from_address() -> Self {
        let query = use_query_map();
        let current = Memo::new(move |_| {
            query.with(|q| {
                let get = |key: &str| q.get(key).unwrap_or_default();
                LogFilter {
                    outcome: get("outcome"),
                    user_id: get("user_id"),
                    from: get("from"),
                    to: get("to"),
                    q: get("q"),
                }
            })
        });
        let page = Memo::new(move |_| query.with(PageAt::from_query));
        let navigate = use_navigate();
        let location = use_location();
        let set = move |filter: LogFilter, page: PageAt| {
            let path = location.pathname.get_untracked();
            let query = [filter.query(), page.query()]
                .into_iter()
                .filter(|q| !q.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            let address = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            navigate(
                &address,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        };
        FilterState {
            current,
            page,
            set: StoredValue::new_local(Box::new(set)),
        }
    }

    /// Changes one filter, keeping the others; back to the newest page.
    pub fn change(self, edit: impl FnOnce(&mut LogFilter)) {
        let mut filter = self.current.get_untracked();
        edit(&mut filter);
        self.set.with_value(|set| set(filter, PageAt::NEWEST));
    }

    pub fn clear(self) {
        self.set
            .with_value(|set| set(LogFilter::default(), PageAt::NEWEST));
    }

    /// Shows another page with the same filters.
    pub fn show(self, page: PageAt) {
        let filter = self.current.get_untracked();
        self.set.with_value(|set| set(filter, page));
    }
}

#[component]
pub fn LogFilters(filters: FilterState, error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let current = filters.current;
    let field_error = move |name: &'static str| {
        move || error.with(|e| e.as_ref().and_then(|e| e.field(name)).map(str::to_owned))
    };
    let invalid = move |name: &'static str| {
        move || {
            error
                .with(|e| e.as_ref().is_some_and(|e| e.field(name).is_some()))
                .to_string()
        }
    };

    // The search box shows what is typed; the address gets it when typing pauses. A change of
    // the address from elsewhere (Clear filters, a link) is copied back into the box.
    let typed = RwSignal::new(current.with_untracked(|f| f.q.clone()));
    let sent = StoredValue::new(typed.get_untracked());
    let search = Debounce::new(SEARCH_DELAY);
    Effect::new(move || {
        let q = current.with(|f| f.q.clone());
        if sent.with_value(|s| *s != q) {
            search.cancel();
            sent.set_value(q.clone());
            typed.set(q);
        }
    });
    let on_search = move |text: String| {
        typed.set(text.clone());
        search.run(move || {
            sent.set_value(text.trim().to_owned());
            filters.change(|f| f.q = text.trim().to_owned());
        });
    };

    view! {
        <form
            class="filters"
            role="search"
            aria-label="Filter the log"
            on:submit=move |e| e.prevent_default()
        >
            <div class="field">
                <label for="log-outcome">"Outcome"</label>
                <select
                    id="log-outcome"
                    aria-invalid=invalid("outcome")
                    aria-describedby="log-outcome-error"
                    on:change=move |e| {
                        let value = event_target_value(&e);
                        filters.change(|f| f.outcome = value);
                    }
                >
                    <option value="" prop:selected=move || current.with(|f| f.outcome.is_empty())>
                        "All outcomes"
                    </option>
                    {OUTCOMES
                        .map(|o| {
                            view! {
                                <option value=o prop:selected=move || current.with(|f| f.outcome == o)>
                                    {fmt::outcome(o)}
                                </option>
                            }
                        })}
                </select>
                <p id="log-outcome-error" class="field-error" role="alert">
                    {field_error("outcome")}
                </p>
            </div>
            <div class="field">
                <label for="log-user">"User id"</label>
                <input
                    id="log-user"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    size="8"
                    aria-invalid=invalid("user_id")
                    aria-describedby="log-user-error"
                    prop:value=move || current.with(|f| f.user_id.clone())
                    on:change=move |e| {
                        let value = event_target_value(&e).trim().to_owned();
                        filters.change(|f| f.user_id = value);
                    }
                />
                <p id="log-user-error" class="field-error" role="alert">
                    {field_error("user_id")}
                </p>
            </div>
            <div class="field">
                <label for="log-from">"Received from"</label>
                <input
                    id="log-from"
                    type="datetime-local"
                    step="1"
                    aria-invalid=invalid("from")
                    aria-describedby="log-from-error"
                    prop:value=move || current.with(|f| local_time(&f.from))
                    on:change=move |e| {
                        let value = unix_ms(&event_target_value(&e));
                        filters.change(|f| f.from = value);
                    }
                />
                <p id="log-from-error" class="field-error" role="alert">
                    {field_error("from")}
                </p>
            </div>
            <div class="field">
                <label for="log-to">"Received before"</label>
                <input
                    id="log-to"
                    type="datetime-local"
                    step="1"
                    aria-invalid=invalid("to")
                    aria-describedby="log-to-error"
                    prop:value=move || current.with(|f| local_time(&f.to))
                    on:change=move |e| {
                        let value = unix_ms(&event_target_value(&e));
                        filters.change(|f| f.to = value);
                    }
                />
                <p id="log-to-error" class="field-error" role="alert">
                    {field_error("to")}
                </p>
            </div>
            <div class="field">
                <label for="log-search">"Body contains"</label>
                <input
                    id="log-search"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    aria-invalid=invalid("q")
                    aria-describedby="log-search-error"
                    prop:value=move || typed.get()
                    on:input=move |e| on_search(event_target_value(&e))
                />
                <p id="log-search-error" class="field-error" role="alert">
                    {field_error("q")}
                </p>
            </div>
            <div class="field filters-clear">
                <button
                    type="button"
                    id="clear-filters"
                    disabled=move || current.with(LogFilter::is_empty) && typed.with(String::is_empty)
                    on:click=move |_| {
                        search.cancel();
                        sent.set_value(String::new());
                        typed.set(String::new());
                        filters.clear();
                        // The button is disabled now, which drops the focus: on to the first
                        // filter, to choose again.
                        focus_after_render(vec!["#log-outcome".to_owned()]);
                    }
                >
                    "Clear filters"
                </button>
            </div>
        </form>
    }
}

/// Unix milliseconds (as text) as a `datetime-local` value in the browser's time zone; empty
/// when the text is not a time (the API's message then says why).
pub fn local_time(ms: &str) -> String {
    let Ok(ms) = ms.trim().parse::<f64>() else {
        return String::new();
    };
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    if d.get_time().is_nan() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// A `datetime-local` value (`2026-11-21T09:15` or `…T09:15:30`, the browser's time zone) as
/// Unix milliseconds; empty when the field was cleared or cannot be read.
pub fn unix_ms(local: &str) -> String {
    let Some((date, time)) = local.trim().split_once('T') else {
        return String::new();
    };
    let numbers = |text: &str, sep: char| -> Vec<f64> {
        text.split(sep).filter_map(|p| p.parse().ok()).collect()
    };
    let (d, t) = (numbers(date, '-'), numbers(time, ':'));
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        return String::new();
    }
    // Local time, as the picker shows it: the browser applies its time zone and DST.
    let when = js_sys::Date::new_with_year_month_day_hr_min_sec_milli(
        d[0] as u32,
        d[1] as i32 - 1,
        d[2] as i32,
        t[0] as i32,
        t[1] as i32,
        t.get(2).map_or(0, |s| s.trunc() as i32),
        t.get(2).map_or(0, |s| (s.fract() * 1000.0).round() as i32),
    );
    let ms = when.get_time();
    if ms.is_nan() {
        String::new()
    } else {
        format!("{ms:.0}")
    }
}
