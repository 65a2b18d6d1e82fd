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
    pub fn parse(s: &str) -> Result<Self, String> {
        let _ = s;
        todo!()
    }
    pub fn as_str(self) -> &'static str {
        todo!()
    }
    /// Whether the bot may message a stranger first, and so create users from a phone or email.
    pub fn can_create_users(self) -> bool {
        todo!()
    }
}
