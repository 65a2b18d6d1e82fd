//! Cursor pagination, newest first: `{items, next_cursor}` out. The cursor is the last row's
//! id, opaque to clients.

use serde::{Deserialize, Serialize};

// A page of a list, newest first. (No doc comment: it would become the OpenAPI description.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// From up to `limit + 1` rows (newest first) fetched to learn whether more follow.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, id: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_has_a_cursor_and_a_short_one_has_none() {
        let page = Page::from_rows(vec![9, 8, 7], 2, |r| *r);
        assert_eq!(page.items, vec![9, 8]);
        assert_eq!(page.next_cursor.as_deref(), Some("8"));
        let page = Page::from_rows(vec![9, 8], 2, |r| *r);
        assert_eq!(page.next_cursor, None);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"items":[9,8],"next_cursor":null}"#
        );
    }
}
