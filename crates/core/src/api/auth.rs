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
