//! A bot's limits: daily inbound requests and number of inbound webhooks.

use serde::{Deserialize, Serialize};

/// Inbound requests a bot accepts in a rolling 24 hours: 500, or a plan of 1000–10000 in steps of 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct DailyLimit(u32);

impl DailyLimit {
    pub const DEFAULT: DailyLimit = DailyLimit(500);
    pub fn parse(n: u32) -> Result<Self, String> {
        let _ = n;
        todo!()
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
    pub fn parse(n: u32) -> Result<Self, String> {
        let _ = n;
        todo!()
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
u32_newtype_conversions!(DailyLimit);
u32_newtype_conversions!(MaxWebhooks);
