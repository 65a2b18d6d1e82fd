//! Setting up bots and webhooks for receiver tests, through the server's own store (the same
//! database the running binary uses), and running a test on both databases.
#![allow(dead_code, unused_imports)] // each test file uses a different part

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

impl Env {
    /// Creates a bot user directly through the store, as an earlier request would have.
    pub async fn create_user(
        &self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> botwire_server::store::users::UserRef {
        use botwire_core::email::Email;
        use botwire_core::phone::Phone;
        let country = Country::parse("US").unwrap();
        let phone = phone.map(|p| Phone::parse(p, &country).unwrap());
        let email = email.map(|e| Email::parse(e).unwrap());
        let mut tx = self.db.pool().begin().await.unwrap();
        let user = botwire_server::store::users::create(
            &mut botwire_server::store::sql::Conn::Sqlx(&mut tx),
            self.bot_id,
            &botwire_server::store::users::NewUser {
                phone: phone.as_ref(),
                email: email.as_ref(),
                ..Default::default()
            },
            "test",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        user
    }
}

/// An HTTP client for load: no idle-connection cap, generous timeouts, so that failures are
/// the server's and not the client's.
pub fn load_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .connect_timeout(std::time::Duration::from_secs(30))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap()
}

// ---- Receiver contract helpers (contract.rs, signatures.rs, listen.rs) -------------------------

/// The six rate-limit headers every answer from a known token carries.
pub const RATE_LIMIT_HEADERS: [&str; 6] = [
    "rate-limit-remaining",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
    "ratelimit",
];

/// Creates a workspace and an SMS bot (US numbers, default limits) in `db`.
pub async fn create_bot(db: &Db, channel: Channel) -> i64 {
    let workspace = bots::create_workspace(db.pool(), "Agency").await.unwrap();
    bots::create_bot(
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
    .unwrap()
}

/// A webhook identifying users by the phone at `$.phone` (and email at `$.email`).
pub fn phone_config() -> webhooks::Config {
    webhooks::Config {
        identity: IdentityPaths {
            phone: Some("$.phone".into()),
            email: Some("$.email".into()),
            ..IdentityPaths::default()
        },
        ..webhooks::Config::default()
    }
}

/// One request log row as the server wrote it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub webhook_id: i64,
    pub method: String,
    pub content_type: Option<String>,
    pub headers: String,
    pub body: Option<String>,
    pub parsed: Option<String>,
    pub status: i64,
    pub outcome: String,
    pub detail: String,
    pub user_id: Option<i64>,
    pub mappings: Option<String>,
    pub action: Option<String>,
    pub response: String,
    pub idempotency_key: Option<String>,
    pub duplicate_of: Option<i64>,
}

impl LogRow {
    /// Every text the row holds, to search for leaked secrets.
    pub fn all_text(&self) -> String {
        [
            Some(&self.method),
            self.content_type.as_ref(),
            Some(&self.headers),
            self.body.as_ref(),
            self.parsed.as_ref(),
            Some(&self.detail),
            self.mappings.as_ref(),
            self.action.as_ref(),
            Some(&self.response),
            self.idempotency_key.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
    }

    pub fn headers_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.headers).expect("logged headers are JSON")
    }
}

const LOG_COLUMNS: &str = "id, webhook_id, method, content_type, headers, body, parsed, status, outcome, \
                           detail, user_id, mappings, action, response, idempotency_key, duplicate_of";

impl Env {
    /// Like [`Env::new`], with extra server flags (e.g. `--max-body-bytes`).
    pub async fn with_server_args(kind: DbKind, args: &[&str]) -> Env {
        let test_db = TestDb::new(kind).await;
        let server = Server::start_with(&test_db, args).await;
        let db = Db::connect(&test_db.url)
            .await
            .expect("connect to the test database");
        let bot_id = create_bot(&db, Channel::Sms).await;
        Env {
            db,
            server,
            bot_id,
            http: reqwest::Client::new(),
            test_db,
        }
    }

    /// POSTs `body` with an optional content type and extra headers.
    pub async fn post_with(
        &self,
        hook: &webhooks::Webhook,
        content_type: Option<&str>,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.hook_url(hook)).body(body.into());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    pub async fn log(&self, id: i64) -> LogRow {
        sqlx::query_as(&format!(
            "SELECT {LOG_COLUMNS} FROM request_logs WHERE id = {id}"
        ))
        .fetch_one(self.db.pool())
        .await
        .unwrap_or_else(|e| panic!("log row {id}: {e}"))
    }

    /// The newest log row, if any.
    pub async fn last_log(&self) -> Option<LogRow> {
        sqlx::query_as(&format!(
            "SELECT {LOG_COLUMNS} FROM request_logs ORDER BY id DESC LIMIT 1"
        ))
        .fetch_optional(self.db.pool())
        .await
        .unwrap()
    }
}

/// Checks the six rate-limit headers for consistency and returns `rate-limit-remaining`.
pub fn assert_rate_limit_headers(headers: &reqwest::header::HeaderMap, limit: u32) -> u32 {
    let get = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("missing {name} in {headers:?}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let remaining: u32 = get("rate-limit-remaining").parse().unwrap();
    assert_eq!(get("ratelimit-remaining"), remaining.to_string());
    assert_eq!(get("ratelimit-limit"), limit.to_string());
    let reset: i64 = get("ratelimit-reset").parse().unwrap();
    // Counted in whole hours, a request counts for 24 to 25 hours.
    assert!((0..=90_000).contains(&reset), "ratelimit-reset {reset}");
    assert_eq!(
        get("ratelimit-policy"),
        format!("\"daily\";q={limit};w=86400")
    );
    assert_eq!(
        get("ratelimit"),
        format!("\"daily\";r={remaining};t={reset}")
    );
    assert!(remaining <= limit);
    remaining
}

/// Asserts that none of the rate-limit headers is present.
pub fn assert_no_rate_limit_headers(headers: &reqwest::header::HeaderMap) {
    for name in RATE_LIMIT_HEADERS {
        assert!(headers.get(name).is_none(), "{name} must not be sent");
    }
}

/// Waits while the current hour is about to end, so that a test reasoning about
/// `now / 3600000` sees the same hour as the server.
pub async fn clear_of_hour_boundary() -> i64 {
    loop {
        let now = botwire_server::store::now_ms();
        let left = 3_600_000 - now % 3_600_000;
        if left > 10_000 {
            return now / 3_600_000;
        }
        tokio::time::sleep(std::time::Duration::from_millis(left as u64 + 50)).await;
    }
}

/// An HTTP/1.1 response read off a raw socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header_map(&self) -> reqwest::header::HeaderMap {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                reqwest::header::HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Reads one response (headers, then a `Content-Length` body or up to EOF) from `reader`.
pub async fn read_raw_response<R: tokio::io::AsyncRead + Unpin>(reader: &mut R) -> RawResponse {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = reader.read(&mut chunk).await.expect("read the response");
        assert!(
            n > 0,
            "connection closed before the response headers: {buf:?}"
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    loop {
        if length.is_some_and(|len| body.len() >= len) {
            break;
        }
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    if let Some(len) = length {
        assert!(body.len() >= len, "short body: {} of {len}", body.len());
        body.truncate(len);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

/// `host:port` of a server's base URL.
pub fn socket_addr(server: &Server) -> String {
    server
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// A server with accounts for API tests: an owner and a viewer of workspace "Agency", and
/// an owner of another workspace, each with an API token; plus a bot in "Agency".
pub struct ApiEnv {
    pub env: Env,
    pub workspace_id: i64,
    pub owner: reqwest::Client,
    pub viewer: reqwest::Client,
    pub stranger: reqwest::Client,
    pub anonymous: reqwest::Client,
}

impl ApiEnv {
    pub async fn new(kind: DbKind) -> ApiEnv {
        ApiEnv::on(Env::new(kind).await).await
    }

    /// The accounts on a server already started, for a server with settings of its own.
    pub async fn on(env: Env) -> ApiEnv {
        use botwire_core::access::Role;
        use botwire_server::store::accounts;
        let pool = env.db.pool();
        let (workspace_id,): (i64,) = sqlx::query_as("SELECT workspace_id FROM bots WHERE id = $1")
            .bind(env.bot_id)
            .fetch_one(pool)
            .await
            .unwrap();
        let other_workspace = bots::create_workspace(pool, "Other agency").await.unwrap();
        let client = |token: String| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::AUTHORIZATION,
                reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
            reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap()
        };
        let mut tokens = Vec::new();
        for (email, ws, role) in [
            ("owner@agency.example", workspace_id, Role::Owner),
            ("viewer@agency.example", workspace_id, Role::Viewer),
            ("owner@other.example", other_workspace, Role::Owner),
        ] {
            let account = accounts::create_account(pool, email, None).await.unwrap();
            accounts::add_membership(pool, account, ws, role)
                .await
                .unwrap();
            tokens.push(
                accounts::create_api_token(pool, account, "tests")
                    .await
                    .unwrap()
                    .1,
            );
        }
        let mut tokens = tokens.into_iter();
        ApiEnv {
            owner: client(tokens.next().unwrap()),
            viewer: client(tokens.next().unwrap()),
            stranger: client(tokens.next().unwrap()),
            anonymous: reqwest::Client::new(),
            env,
            workspace_id,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.env.server.url(&format!("/api/v1{path}"))
    }
}
