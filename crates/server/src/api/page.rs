//! Cursor pagination, newest first: `?limit=50&cursor=…` in, `{items, next_cursor}` out.
//! The cursor is the last row's id, opaque to clients.

use crate::error::{Error, Result};
use serde::Deserialize;
use utoipa::IntoParams;

pub use botwire_core::api::page::Page;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(Error::field(
                "limit",
                format!("must be 1–{MAX_LIMIT} (got {n})"),
            )),
        }
    }

    /// Rows strictly older than this id (`i64::MAX` on the first page).
    pub fn before_id(&self) -> Result<i64> {
        match self.cursor.as_deref() {
            None | Some("") => Ok(i64::MAX),
            Some(c) => c
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| Error::field("cursor", "not a cursor this API gave out")),
        }
    }
}
