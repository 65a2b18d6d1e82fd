//! Who may do what in a workspace.

use serde::{Deserialize, Serialize};

/// An account's role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Editor,
    Viewer,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!(
                "unknown role \"{other}\": expected owner, editor or viewer"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Viewers read; owners and editors also change things.
    pub fn can_write(self) -> bool {
        self != Role::Viewer
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn viewers_cannot_write_and_roles_round_trip() {
        assert!(Role::Owner.can_write() && Role::Editor.can_write() && !Role::Viewer.can_write());
        for role in [Role::Owner, Role::Editor, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(
            Role::parse("admin"),
            Err("unknown role \"admin\": expected owner, editor or viewer".into())
        );
    }
}
