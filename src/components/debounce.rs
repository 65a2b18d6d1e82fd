//! Runs the last of a burst of calls once the burst has been quiet for a while: a search typed
//! key by key asks the server once, a 1 MiB sample edited key by key redraws its tree once.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Copy)]
pub struct Debounce {
    delay: Duration,
    pending: StoredValue<Option<TimeoutHandle>>,
}

impl Debounce {
    /// A debouncer owned by the current component: what is pending is dropped with it.
    pub fn new(delay: Duration) -> Self {
        let this = Debounce {
            delay,
            pending: StoredValue::new(None),
        };
        on_cleanup(move || this.cancel());
        this
    }

    /// Runs `f` after the delay, unless `run` or `cancel` is called again before then.
    pub fn run(self, f: impl FnOnce() + 'static) {
        self.cancel();
        let pending = self.pending;
        let handle = set_timeout_with_handle(
            move || {
                pending.try_set_value(None);
                f();
            },
            self.delay,
        );
        if let Ok(handle) = handle {
            self.pending.try_set_value(Some(handle));
        }
    }

    /// Drops what is pending, if anything.
    pub fn cancel(self) {
        if let Some(Some(handle)) = self.pending.try_update_value(Option::take) {
            handle.clear();
        }
    }
}
