//! Bots whose daily limit this process last saw used up, and until when, so that a request
//! arriving meanwhile is not parsed and mapped only to be answered 429.
//!
//! Only a guess about how much work to do before the turn, never the decision: the turn still
//! counts the request against the limit exactly, and one admitted after all (the limit was
//! raised, another process saw other figures) is worked out whole in its turn.

use std::collections::HashMap;
use std::sync::Mutex;

/// As [`super::known_hooks`]: beyond it the map starts over.
const CAPACITY: usize = 4096;

#[derive(Default)]
pub struct ExhaustedBots(Mutex<HashMap<i64, Exhausted>>);

#[derive(Clone, Copy)]
struct Exhausted {
    /// The bot's configuration version the limit was seen with (a new plan moves it).
    version: i64,
    /// Unix ms before which no room frees up.
    until: i64,
}

impl ExhaustedBots {
    /// Bot `bot_id`, at configuration `version`, refused a request at `now` with room again in
    /// `reset_secs` (rounded up, so the room is counted from a second earlier).
    pub fn refused(&self, bot_id: i64, version: i64, now: i64, reset_secs: i64) {
        let until = now + (reset_secs - 1).max(0) * 1000;
        let mut map = self.lock();
        if map.len() >= CAPACITY && !map.contains_key(&bot_id) {
            map.clear();
        }
        map.insert(bot_id, Exhausted { version, until });
    }

    /// Whether a request to bot `bot_id` at configuration `version` at `now` is expected over
    /// its limit.
    pub fn expects_refusal(&self, bot_id: i64, version: i64, now: i64) -> bool {
        let mut map = self.lock();
        match map.get(&bot_id) {
            Some(e) if e.version == version && now < e.until => true,
            Some(_) => {
                map.remove(&bot_id);
                false
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Exhausted>> {
        // Nothing is left half-done under the lock: a poisoned map is still a valid map.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_until_the_room_frees_and_while_the_plan_stays() {
        let bots = ExhaustedBots::default();
        assert!(!bots.expects_refusal(1, 7, 1_000));
        bots.refused(1, 7, 1_000, 10);
        assert!(bots.expects_refusal(1, 7, 1_000));
        assert!(bots.expects_refusal(1, 7, 9_999));
        assert!(
            !bots.expects_refusal(1, 7, 10_000),
            "room may be there in the last second"
        );
        assert!(!bots.expects_refusal(2, 7, 2_000), "another bot");
        bots.refused(1, 7, 1_000, 10);
        assert!(
            !bots.expects_refusal(1, 8, 2_000),
            "a new configuration (a higher limit)"
        );
        assert!(
            !bots.expects_refusal(1, 7, 2_000),
            "forgotten once the version moved"
        );
        bots.refused(3, 1, 5_000, 1);
        assert!(
            !bots.expects_refusal(3, 1, 5_000),
            "a reset within the second"
        );
    }
}
