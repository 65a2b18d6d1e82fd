//! Setting up bots and webhooks for receiver tests, through the server's own store (the same
//! database the running binary uses), and running a test on both databases.
#![allow(dead_code)]

use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::identify::IdentityPaths;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::mapping::Mapping;
use botwire_core::names::{FieldName, WebhookName};
use botwire_core::phone::Country;
use botwire_server::db::Db;
use botwire_server::store::{bots, webhooks};
pub use botwire_testkit::{DbKind, Server, TestDb, samples};

/// Runs `$test(DbKind)` as one test per database: `$name::sqlite` and `$name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::DbKind::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::DbKind::Postgres).await;
            }
        }
    )*};
}

/// A database, a running server, and a bot on it.
pub struct Env {
    pub db: Db,
    pub server: Server,
    pub bot_id: i64,
    pub http: reqwest::Client,
    // Last: the database outlives the server using it.
    pub test_db: TestDb,
}

impl Env {
    pub async fn new(kind: DbKind) -> Env {
        Env::with_channel(kind, Channel::Sms).await
    }

    pub async fn with_channel(kind: DbKind, channel: Channel) -> Env {
        let test_db = TestDb::new(kind).await;
        let server = Server::start(&test_db).await;
        let db = Db::connect(&test_db.url)
            .await
            .expect("connect to the test database");
        let workspace = bots::create_workspace(db.pool(), "Agency").await.unwrap();
        let bot_id = bots::create_bot(
            db.pool(),
            &bots::NewBot {
                workspace_id: workspace,
                name: "Front desk".into(),
                channel,
                default_country: Country::parse("US").unwrap(),
                daily_limit: DailyLimit::DEFAULT,
                max_webhooks: MaxWebhooks::DEFAULT,
            },
        )
        .await
        .unwrap();
        Env {
            db,
            server,
            bot_id,
            http: reqwest::Client::new(),
            test_db,
        }
    }

    pub async fn field(&self, name: &str, field_type: FieldType) -> i64 {
        bots::create_field(
            self.db.pool(),
            self.bot_id,
            &FieldName::parse(name).unwrap(),
            field_type,
        )
        .await
        .unwrap()
    }

    /// A webhook configured with `config`, active when `active`.
    pub async fn webhook(
        &self,
        name: &str,
        config: webhooks::Config,
        active: bool,
    ) -> webhooks::Webhook {
        let hook = webhooks::create(
            self.db.pool(),
            self.bot_id,
            &WebhookName::parse(name).unwrap(),
        )
        .await
        .unwrap();
        webhooks::configure(self.db.pool(), hook.id, &config)
            .await
            .unwrap();
        if active {
            webhooks::set_active(self.db.pool(), hook.id, true)
                .await
                .unwrap();
        }
        webhooks::get(self.db.pool(), hook.id).await.unwrap()
    }

    /// The booking webhook of the seed walk-through: phone and email identify, five mappings,
    /// a greeting.
    pub async fn booking_webhook(&self) -> webhooks::Webhook {
        self.field("booking_start", FieldType::Datetime).await;
        self.field("answers", FieldType::Json).await;
        self.field("service", FieldType::Text).await;
        let config = webhooks::Config {
            identity: IdentityPaths {
                phone: Some("$.contact.phone".into()),
                email: Some("$.contact.email".into()),
                ..IdentityPaths::default()
            },
            mappings: vec![
                mapping("$.contact.first_name", "first_name"),
                mapping("$.contact.last_name", "last_name"),
                mapping("$.booking.start", "booking_start"),
                mapping("$['answers']", "answers"),
                mapping("$.booking.service", "service"),
            ],
            action_template: Some("Hi {{first_name}}, see you on {{booking_start}}".into()),
            ..webhooks::Config::default()
        };
        self.webhook("Bookings", config, true).await
    }

    pub fn hook_url(&self, hook: &webhooks::Webhook) -> String {
        self.server.url(&format!("/hooks/{}", hook.token))
    }

    pub async fn post_json(&self, hook: &webhooks::Webhook, body: &str) -> reqwest::Response {
        self.http
            .post(self.hook_url(hook))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// One value from the database, as text (tests read what the server wrote).
    pub async fn scalar(&self, sql: &str) -> Option<String> {
        let row: Option<(Option<String>,)> = sqlx::query_as(sql)
            .fetch_optional(self.db.pool())
            .await
            .unwrap();
        row.and_then(|(v,)| v)
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(self.db.pool()).await.unwrap();
        n
    }
}

pub fn mapping(path: &str, field: &str) -> Mapping {
    Mapping {
        path: path.into(),
        field: field.into(),
    }
}
