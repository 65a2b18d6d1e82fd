//! Calling the REST API from tests: one request as (status, JSON), problem+json checks,
//! walking cursor pages; raw SQL for setting up data.
#![allow(dead_code)] // each test file uses a different part

use crate::support::ApiEnv;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashSet;

/// Status and JSON body (`null` when empty) of one request; problem+json answers are checked
/// to carry that content type.
pub async fn call(
    api: &ApiEnv,
    client: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, api.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path}: {status} answer is not JSON ({e}): {text}"))
    };
    if status >= 400 {
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{path}: {status} {text}"
        );
        assert_eq!(value["status"], status, "{text}");
    }
    (status, value)
}

/// The fields named in a 422 answer's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

pub fn error_for<'v>(problem: &'v Value, field: &str) -> &'v str {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no error for {field} in {problem}"))["message"]
        .as_str()
        .unwrap()
}

/// Walks every page of `path` (which has no query yet) with `limit`, checking each page's
/// size; returns the ids in order.
pub async fn walk(api: &ApiEnv, client: &reqwest::Client, path: &str, limit: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let (status, page) = call(api, client, Method::GET, &url, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "a page before the last is full");
                cursor = Some(c.to_owned());
            }
            None => return ids,
        }
    }
    panic!("more than 100 pages");
}

pub fn assert_newest_first_without_repeats(ids: &[i64]) {
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no repeats: {ids:?}");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
}

/// Raw SQL for setting up test data.
pub trait ExecuteSql {
    async fn execute_sql(&self, sql: &str);
}

impl ExecuteSql for sqlx::AnyPool {
    async fn execute_sql(&self, sql: &str) {
        sqlx::query(sql)
            .execute(self)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
