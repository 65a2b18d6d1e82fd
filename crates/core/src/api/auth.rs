//! The logged-in account, its workspaces, and API tokens.

use crate::access::Role;
use serde::{Deserialize, Serialize};

/// A workspace the account belongs to, with its role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub workspace_id: i64,
    pub workspace_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "owner"))]
    pub role: Role,
}

/// The logged-in account and its workspaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub account_id: i64,
    pub email: String,
    pub workspaces: Vec<Membership>,
}

/// The role held in `workspace_id` among `memberships`; `None` when it is not one of them.
pub fn role_in(memberships: &[Membership], workspace_id: i64) -> Option<Role> {
    memberships
        .iter()
        .find(|m| m.workspace_id == workspace_id)
        .map(|m| m.role)
}

impl Me {
    /// Whether the account may change things in `workspace_id`: the server refuses anyone
    /// else, so the app shows their controls read-only.
    pub fn can_write(&self, workspace_id: i64) -> bool {
        role_in(&self.workspaces, workspace_id).is_some_and(Role::can_write)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: ApiToken,
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// `POST /auth/login`. No `Debug`: it holds a password.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// `POST /auth/setup`. No `Debug`: it holds a password and a one-time secret.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Setup {
    /// The secret from the one-time setup link.
    pub token: String,
    pub email: String,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::{Me, Membership};
    use crate::access::Role;

    #[test]
    fn only_owners_and_editors_of_a_workspace_can_write_there() {
        let member = |workspace_id, role| Membership {
            workspace_id,
            workspace_name: format!("w{workspace_id}"),
            role,
        };
        let me = Me {
            account_id: 1,
            email: "a@example.com".into(),
            workspaces: vec![
                member(1, Role::Owner),
                member(2, Role::Editor),
                member(3, Role::Viewer),
            ],
        };
        assert!(me.can_write(1) && me.can_write(2));
        assert!(!me.can_write(3), "a viewer");
        assert!(!me.can_write(4), "not a member");
    }
}
