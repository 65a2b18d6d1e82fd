//! The webhooks the receiver read lately, by token hash, so that most requests need no read
//! before their turn to write.
//!
//! An entry may be stale, and that is safe: a request's turn compares the entry's configuration
//! version with its bot's and, when it moved, reads the webhook again and works the request out
//! anew (`Ingest::run`); the entry is then replaced with what the turn read. Entries are also
//! read afresh after [`MAX_AGE`], so the few answers given before a turn (a body too large,
//! say) do not show a daily limit changed long ago, and a rotated token's grace period is
//! checked on every use. The API forgets a bot's entries when it deletes or rotates there.

use crate::store::webhooks::Receiving;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// More webhooks than an agency's busiest server sees; beyond it the map starts over, so
/// tokens that stopped calling cannot grow it without bound. Unknown tokens are never kept.
const CAPACITY: usize = 4096;
const MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct KnownHooks(Mutex<HashMap<String, Entry>>);

struct Entry {
    receiving: Arc<Receiving>,
    read_at: Instant,
}

impl KnownHooks {
    /// What token hash `hash` named when last read, if that was recently and the token still
    /// opens the webhook at `now` (Unix ms).
    pub fn get(&self, hash: &str, now: i64) -> Option<Arc<Receiving>> {
        let map = self.lock();
        let entry = map.get(hash)?;
        let fresh = entry.read_at.elapsed() < MAX_AGE && entry.receiving.admits(hash, now);
        fresh.then(|| entry.receiving.clone())
    }

    /// Keeps what `hash` names as just read.
    pub fn put(&self, hash: &str, receiving: Arc<Receiving>) {
        let mut map = self.lock();
        if map.len() >= CAPACITY && !map.contains_key(hash) {
            map.clear();
        }
        let entry = Entry {
            receiving,
            read_at: Instant::now(),
        };
        map.insert(hash.to_owned(), entry);
    }

    /// Forgets `hash`: it names no webhook any more.
    pub fn forget(&self, hash: &str) {
        self.lock().remove(hash);
    }

    /// Forgets every webhook of bot `bot_id`, after this process deleted one of them, rotated
    /// a token or deleted the bot: an old token is not known here from that moment on (other
    /// processes notice within [`MAX_AGE`]).
    pub fn forget_bot(&self, bot_id: i64) {
        self.lock()
            .retain(|_, entry| entry.receiving.bot.id != bot_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // Nothing is left half-done under the lock: a poisoned map is still a valid map.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
