//! A bot's messaging channel.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Voice,
    Whatsapp,
    Messenger,
    Instagram,
    Email,
    Webchat,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Sms,
        Channel::Voice,
        Channel::Whatsapp,
        Channel::Messenger,
        Channel::Instagram,
        Channel::Email,
        Channel::Webchat,
    ];
    /// Accepts a channel name in any case, surrounding whitespace ignored (`" WhatsApp "`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                let got = if name.is_empty() {
                    "channel is empty".to_owned()
                } else {
                    format!("unknown channel {}", crate::names::quote(name))
                };
                format!("{got}; expected one of {}", all.join(", "))
            })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
            Channel::Whatsapp => "whatsapp",
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
            Channel::Email => "email",
            Channel::Webchat => "webchat",
        }
    }
    /// Whether the bot may message a stranger first, and so create users from a phone or email.
    pub fn can_create_users(self) -> bool {
        !matches!(self, Channel::Messenger | Channel::Instagram)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Channel::parse(s)
    }
}
