//! A bot's limits: daily inbound requests, number of inbound webhooks and of custom fields.

use serde::{Deserialize, Serialize};

/// Custom fields a bot may have: every request reads them all, and an unknown field's error
/// lists them.
pub const MAX_CUSTOM_FIELDS: i64 = 200;

/// Inbound requests a bot accepts in a rolling 24 hours: 500, or a plan of 1000–10000 in steps of 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct DailyLimit(u32);

impl DailyLimit {
    pub const DEFAULT: DailyLimit = DailyLimit(500);
    /// Every value `parse` accepts, smallest first.
    pub const ALLOWED: [u32; 11] = [
        500, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000,
    ];
    pub fn parse(n: u32) -> Result<Self, String> {
        if Self::ALLOWED.contains(&n) {
            return Ok(Self(n));
        }
        let (last, rest) = Self::ALLOWED.split_last().unwrap_or((&0, &[]));
        let rest: Vec<String> = rest.iter().map(u32::to_string).collect();
        Err(format!(
            "daily request limit must be 500, or a plan of 1000–10000 in steps of 1000 \
             ({} or {last}); got {n}",
            rest.join(", ")
        ))
    }
    pub fn get(self) -> u32 {
        self.0
    }
}

/// How many inbound webhooks a bot may have: 5 by default, 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MaxWebhooks(u32);

impl MaxWebhooks {
    pub const DEFAULT: MaxWebhooks = MaxWebhooks(5);
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 100;
    pub fn parse(n: u32) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(format!(
                "max inbound webhooks must be {}–{} (got {n})",
                Self::MIN,
                Self::MAX
            ))
        }
    }
    pub fn get(self) -> u32 {
        self.0
    }
}

macro_rules! u32_newtype_conversions {
    ($t:ty) => {
        impl TryFrom<u32> for $t {
            type Error = String;
            fn try_from(n: u32) -> Result<Self, String> {
                <$t>::parse(n)
            }
        }
        impl From<$t> for u32 {
            fn from(v: $t) -> u32 {
                v.0
            }
        }
    };
}
impl Default for DailyLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Default for MaxWebhooks {
    fn default() -> Self {
        Self::DEFAULT
    }
}

u32_newtype_conversions!(DailyLimit);
u32_newtype_conversions!(MaxWebhooks);

/// A wait of `secs` seconds as a person reads it after "try again in": `40 seconds`,
/// `15 minutes`, `2 hours`. Rounded up, so trying again then is never too early.
pub fn wait(secs: i64) -> String {
    let secs = secs.max(1);
    let minutes = (secs + 59) / 60;
    let (n, unit) = if secs < 60 {
        (secs, "second")
    } else if minutes < 60 {
        (minutes, "minute")
    } else {
        ((secs + 3599) / 3600, "hour")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
