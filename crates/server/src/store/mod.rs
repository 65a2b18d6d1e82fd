//! Reading and writing Botwire's tables. Every function takes an executor, so a caller can
//! group several in one transaction (the receiver does: its effects and its log row commit
//! together).

pub mod accounts;
pub mod bot_admin;
pub mod bots;
pub mod logs;
pub mod outbox;
pub mod sql;
pub mod turn;
pub mod usage;
pub mod usage_report;
pub mod user_admin;
pub mod users;
pub mod webhooks;

use sqlx::Any;

/// A transaction or pooled connection.
pub type Tx<'c> = sqlx::Transaction<'c, Any>;

/// Runs `work` (a store function's `…_in` form) in a transaction of its own, committed when
/// it succeeds.
pub async fn in_transaction<T>(
    pool: &sqlx::AnyPool,
    work: impl AsyncFnOnce(&mut Tx<'_>) -> crate::error::Result<T>,
) -> crate::error::Result<T> {
    let mut tx = pool.begin().await?;
    let out = work(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The receiver's lookups go through indexes: a bot with many users, or a server with many
/// webhooks, must not make each request read a whole table.
#[cfg(test)]
mod query_plans {
    fn plan(sql: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plans.db");
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime
            .block_on(crate::db::Db::connect(&format!(
                "sqlite://{}",
                path.display()
            )))
            .unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Values left unbound are NULL, which does not change the plan.
        let mut rows = stmt.raw_query();
        let mut steps = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            steps.push(row.get::<_, String>(3).unwrap());
        }
        steps
    }

    #[test]
    fn identification_looks_each_key_up_in_an_index() {
        let plan = plan(super::users::CANDIDATES);
        let searches = plan
            .iter()
            .filter(|step| step.starts_with("SEARCH bot_users USING INDEX"))
            .count();
        assert_eq!(searches, 4, "{plan:#?}");
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN")),
            "{plan:#?}"
        );
    }

    /// Log lookups that would otherwise read every row of a bot or of the table.
    #[test]
    fn retention_and_the_bots_last_errors_walk_indexes() {
        let prune = plan(super::logs::PRUNE_OLDEST);
        assert!(
            prune.iter().any(
                |step| step.contains("USING COVERING INDEX request_logs_received")
                    || step.contains("USING INDEX request_logs_received")
            ),
            "{prune:#?}"
        );
        let errors = plan(&super::bot_admin::last_errors_sql(3));
        assert!(
            errors
                .iter()
                .any(|step| step.contains("INDEX request_logs_bot_errors")),
            "{errors:#?}"
        );
        for plan in [prune, errors] {
            assert!(
                !plan.iter().any(|step| step.starts_with("SCAN")),
                "{plan:#?}"
            );
        }
    }

    /// A time range bounds the walk of the webhook's log by ids found in the index on
    /// received_at, instead of walking back from the newest row to the range.
    #[test]
    fn a_time_range_bounds_the_log_walk_by_id() {
        let filter = super::logs::Filter {
            from: Some(1),
            to: Some(2),
            ..Default::default()
        };
        let plan = plan(&super::logs::list_sql(
            super::logs::Scope::Webhook(1),
            &filter,
        ));
        assert!(
            plan.iter().any(|step| step
                == "SEARCH request_logs USING INDEX request_logs_webhook (webhook_id=? AND id>? AND id<?)"),
            "{plan:#?}"
        );
        assert_eq!(
            plan.iter()
                .filter(|step| step.contains("INDEX request_logs_received"))
                .count(),
            2,
            "{plan:#?}"
        );
    }

    #[test]
    fn a_token_or_id_finds_its_webhook_bot_and_fields_through_indexes() {
        for query in [&*super::webhooks::BY_TOKEN, &*super::webhooks::BY_ID] {
            let plan = plan(&query.sql);
            assert!(
                !plan
                    .iter()
                    .any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE")),
                "{plan:#?}"
            );
            for table in ["w", "b", "f"] {
                assert!(
                    plan.iter()
                        .any(|step| step.starts_with(&format!("SEARCH {table} "))),
                    "{table}: {plan:#?}"
                );
            }
        }
    }
}
