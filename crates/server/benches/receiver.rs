//! Receiver throughput: the release `botwire` binary driven by `wrk` on loopback.
//!
//!     cargo bench -p botwire-server --bench receiver
//!
//! For each database (SQLite in a fresh temporary file; PostgreSQL in a fresh database on
//! `BOTWIRE_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`, dropped
//! afterwards) it starts the server, seeds bots through `botwire_server::store` (the same
//! database the binary uses), and measures, in the same run against the same server:
//!
//! - `GET /api/v1/health`, the cheapest route: the server's and wrk's own ceiling;
//! - `POST /hooks/{token}` with the booking sample (crates/testkit/samples/booking.json): the
//!   user already exists and is MATCHED by phone, 5 mappings are applied (two built-in names,
//!   a datetime, a json and a text field), the greeting is rendered into the outbox, and the
//!   log row is written, all committed before the 200;
//! - the same hooks at one connection, to see how much concurrency adds (none, when requests
//!   are in fact processed one at a time).
//!
//! A bot admits at most 10,000 requests in 24 hours (its largest plan; the server refuses a
//! stored limit above that), so one bot cannot absorb a 10-second run. The bench creates
//! `BOTWIRE_BENCH_BOTS` bots, each with its own booking webhook and matched user, and wrk's
//! Lua script rotates over their tokens. Every answer is checked: any non-200 (or socket
//! error) fails the bench, and afterwards the request log must hold one `matched` row per
//! 200 that wrk counted (plus at most the requests still in flight when wrk stopped).
//!
//! `cargo bench` builds the `botwire` binary of this package with the bench profile, which
//! inherits `release` (target/release/botwire); its path comes from `CARGO_BIN_EXE_botwire`.
//!
//! Settings (environment):
//! - `BOTWIRE_BENCH_SECS` (10), `BOTWIRE_BENCH_WARMUP_SECS` (2): measured and warm-up time per route;
//! - `BOTWIRE_BENCH_THREADS` (2), `BOTWIRE_BENCH_CONNECTIONS` (32): wrk's threads and connections;
//! - `BOTWIRE_BENCH_BOTS` (24): bots to spread the hooks over (10,000 requests each);
//! - `BOTWIRE_BENCH_DBS` (`sqlite,postgres`): which databases;
//! - `BOTWIRE_BENCH_BIN`: another server binary (experiments, e.g. a build with other pragmas);
//! - `BOTWIRE_BENCH_PG_SYNCHRONOUS_COMMIT`: set on the bench database (experiment only, e.g.
//!   `off`, which is NOT durable: the figures are then labelled so).

use botwire_core::channel::Channel;
use botwire_core::field::FieldType;
use botwire_core::identify::IdentityPaths;
use botwire_core::limits::{DailyLimit, MaxWebhooks};
use botwire_core::mapping::Mapping;
use botwire_core::names::{FieldName, WebhookName};
use botwire_core::phone::Country;
use botwire_server::db::Db;
use botwire_server::store::{bots, webhooks};
use botwire_testkit::{DbKind, TestDb, samples};
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BOT_DAILY_LIMIT: u32 = 10_000;

struct Config {
    secs: u64,
    warmup_secs: u64,
    threads: u32,
    connections: u32,
    bots: usize,
    dbs: Vec<DbKind>,
    bin: PathBuf,
    pg_synchronous_commit: Option<String>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a valid value")),
        Err(_) => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let dbs = std::env::var("BOTWIRE_BENCH_DBS").unwrap_or_else(|_| "sqlite,postgres".into());
        let dbs = dbs
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "sqlite" => DbKind::Sqlite,
                "postgres" | "pg" => DbKind::Postgres,
                other => panic!("BOTWIRE_BENCH_DBS: unknown database {other:?}"),
            })
            .collect();
        Config {
            secs: env_or("BOTWIRE_BENCH_SECS", 10),
            warmup_secs: env_or("BOTWIRE_BENCH_WARMUP_SECS", 2),
            threads: env_or("BOTWIRE_BENCH_THREADS", 2),
            connections: env_or("BOTWIRE_BENCH_CONNECTIONS", 32),
            bots: env_or("BOTWIRE_BENCH_BOTS", 24),
            dbs,
            bin: std::env::var("BOTWIRE_BENCH_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_botwire"))),
            pg_synchronous_commit: std::env::var("BOTWIRE_BENCH_PG_SYNCHRONOUS_COMMIT").ok(),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and any filter); nothing here takes arguments.
    let config = Config::from_env();
    if !config.bin.is_file() {
        eprintln!(
            "receiver bench: server binary missing at {} — run `cargo build --release -p botwire-server`",
            config.bin.display()
        );
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::process::Command::new("wrk").arg("-v").output() {
        eprintln!("receiver bench: wrk is needed on PATH (apt-get install wrk): {e}");
        return ExitCode::FAILURE;
    }
    print_header(&config);

    let mut failures = Vec::new();
    let mut results = Vec::new();
    for &kind in &config.dbs {
        match bench_database(&config, kind).await {
            Ok(r) => {
                failures.extend(r.failures.iter().cloned());
                results.push(r);
            }
            Err(e) => failures.push(format!("{}: {e}", db_name(kind))),
        }
    }

    print_table(&config, &results);
    println!(
        "\nLoad average at the end: {} (other work on the machine makes figures noisy).",
        load_average()
    );
    if failures.is_empty() {
        println!("\nAll measured answers were 200 and every one is in the request log.");
        ExitCode::SUCCESS
    } else {
        println!("\nFAILED:");
        for f in &failures {
            println!("  - {f}");
        }
        ExitCode::FAILURE
    }
}

fn print_header(config: &Config) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Botwire receiver benchmark");
    println!("  machine : {cores} cores, {cpu}");
    println!("  server  : {}", config.bin.display());
    println!(
        "  wrk     : -t{} -c{} --latency --timeout 10s, {} s warm-up + {} s measured per route, loopback",
        config.threads, config.connections, config.warmup_secs, config.secs
    );
    println!(
        "  hooks   : {} bots × 1 booking webhook (limit {BOT_DAILY_LIMIT}/24 h each), tokens rotated per request",
        config.bots
    );
    println!("  loadavg : {} (1, 5, 15 min) at start", load_average());
    if let Some(s) = &config.pg_synchronous_commit {
        println!("  EXPERIMENT: PostgreSQL synchronous_commit = {s} on the bench database");
    }
    println!();
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn db_name(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgres",
    }
}

/// One route's figures.
#[derive(Debug, Default, Clone)]
struct Run {
    requests: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    socket_errors: String,
    socket_error_count: u64,
    ok: u64,
    non200: u64,
    statuses: String,
    first_bad: String,
    server_cpu: f64,
    db_cpu: Option<f64>,
    machine_busy: f64,
    machine_iowait: f64,
}

struct DbResult {
    kind: DbKind,
    health: Run,
    hooks: Run,
    /// Hooks at one connection.
    serial: Run,
    failures: Vec<String>,
    notes: Vec<String>,
}

/// A started server; killed when dropped.
struct Server {
    child: Child,
    base: String,
    stderr_path: PathBuf,
}

impl Server {
    async fn start(bin: &Path, url: &str, dir: &Path) -> Result<Server, String> {
        let stderr_path = dir.join("server-stderr.log");
        let stderr = File::create(&stderr_path).map_err(|e| e.to_string())?;
        let mut child = Command::new(bin)
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--database-url", url, "--dist"])
            .arg(botwire_testkit::dist())
            // The binary's own default log filter, as users run it.
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("botwire listening on ") {
                    return Ok(url.trim().to_owned());
                }
            }
            Err(format!(
                "the server exited before listening; its stderr: {}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            ))
        })
        .await
        .map_err(|_| "the server did not start within 60 s".to_owned())??;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            child,
            base,
            stderr_path,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }
}

async fn bench_database(config: &Config, kind: DbKind) -> Result<DbResult, String> {
    let name = db_name(kind);
    println!("== {name}: creating a fresh database");
    let test_db = TestDb::new(kind).await;
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut notes = Vec::new();

    if kind == DbKind::Postgres
        && let Some(setting) = &config.pg_synchronous_commit
    {
        let admin = Db::connect(&test_db.url).await?;
        let db_name = test_db.url.rsplit('/').next().unwrap_or_default();
        sqlx::query(&format!(
            "ALTER DATABASE {db_name} SET synchronous_commit = '{setting}'"
        ))
        .execute(admin.pool())
        .await
        .map_err(|e| e.to_string())?;
        admin.pool().close().await;
        notes.push(format!(
            "EXPERIMENT: synchronous_commit = {setting} (not the durable default)"
        ));
    }

    let server = Server::start(&config.bin, &test_db.url, work.path()).await?;
    println!("   server pid {} at {}", server.pid(), server.base);
    let db = Db::connect(&test_db.url).await?;

    println!(
        "   seeding {} bots with a booking webhook each",
        config.bots
    );
    let tokens = seed(&db, config.bots).await?;

    // One POST per bot creates its user; every measured request then matches it by phone.
    let http = reqwest::Client::new();
    for token in &tokens {
        let r = http
            .post(format!("{}/hooks/{token}", server.base))
            .header("content-type", "application/json")
            .body(samples::BOOKING)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        if status != 200 || !body.contains("\"processed\"") {
            return Err(format!("priming POST answered {status}: {body}"));
        }
    }
    let users = count(&db, "SELECT COUNT(*) FROM bot_users").await?;
    if users != tokens.len() as i64 {
        return Err(format!(
            "expected {} users after priming, found {users}",
            tokens.len()
        ));
    }

    let health_script = lua_script(
        work.path(),
        "health",
        "GET",
        &["/api/v1/health".into()],
        None,
    )?;
    let hook_paths: Vec<String> = tokens.iter().map(|t| format!("/hooks/{t}")).collect();
    let hooks_script = lua_script(
        work.path(),
        "hooks",
        "POST",
        &hook_paths,
        Some(samples::BOOKING),
    )?;

    let mut failures = Vec::new();
    let mut ok_hooks = 0;
    println!("   warm-up: health, hooks ({} s each)", config.warmup_secs);
    for (label, script) in [("health", &health_script), ("hooks", &hooks_script)] {
        let warm = wrk(config, &server, script, config.warmup_secs, kind).await?;
        check(&mut failures, name, &format!("{label} warm-up"), &warm);
        if label == "hooks" {
            ok_hooks += warm.ok;
        }
    }
    println!("   measuring GET /api/v1/health ({} s)", config.secs);
    let health = wrk(config, &server, &health_script, config.secs, kind).await?;
    check(&mut failures, name, "GET /api/v1/health", &health);
    println!("   measuring POST /hooks/{{token}} ({} s)", config.secs);
    let hooks = wrk(config, &server, &hooks_script, config.secs, kind).await?;
    check(&mut failures, name, "POST /hooks/{token}", &hooks);
    ok_hooks += hooks.ok;
    // The same at one connection: no concurrency at all. If the concurrent run is not much
    // faster, requests are being processed one at a time.
    let serial_config = Config {
        threads: 1,
        connections: 1,
        dbs: Vec::new(),
        bin: config.bin.clone(),
        pg_synchronous_commit: None,
        ..*config
    };
    let serial_secs = (config.secs / 2).max(3);
    println!("   measuring POST /hooks/{{token}} at 1 connection ({serial_secs} s)");
    let serial = wrk(&serial_config, &server, &hooks_script, serial_secs, kind).await?;
    check(
        &mut failures,
        name,
        "POST /hooks/{token} (1 connection)",
        &serial,
    );
    ok_hooks += serial.ok;

    // Every 200 wrk saw must be a committed, matched log row. A few more may exist: requests
    // in flight when wrk stopped were still processed.
    let matched = count(
        &db,
        "SELECT COUNT(*) FROM request_logs WHERE outcome = 'matched' AND status = 200",
    )
    .await?;
    let outbox = count(&db, "SELECT COUNT(*) FROM outbox").await?;
    let other = count(
        &db,
        "SELECT COUNT(*) FROM request_logs WHERE outcome <> 'matched'",
    )
    .await?;
    let users_after = count(&db, "SELECT COUNT(*) FROM bot_users").await?;
    let busiest = count(
        &db,
        "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM request_logs GROUP BY bot_id) AS per_bot",
    )
    .await?;
    let slack = 2 * i64::from(config.connections);
    let ok_hooks = ok_hooks as i64;
    if matched < ok_hooks || matched > ok_hooks + slack {
        failures.push(format!(
            "{name}: wrk counted {ok_hooks} hook answers 200 but the log holds {matched} matched rows"
        ));
    }
    if other != tokens.len() as i64 {
        failures.push(format!(
            "{name}: {other} log rows are not 'matched' (expected only the {} priming 'created')",
            tokens.len()
        ));
    }
    if users_after != users {
        failures.push(format!(
            "{name}: users went from {users} to {users_after}: requests created users instead of matching"
        ));
    }
    notes.push(format!(
        "log: {matched} matched rows for {ok_hooks} counted 200s; outbox {outbox} messages; \
         busiest bot used {busiest} of its {BOT_DAILY_LIMIT}"
    ));

    let stderr_path = server.stderr_path.clone();
    drop(server);
    db.pool().close().await;
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("no built app"))
        .collect();
    if !lines.is_empty() {
        notes.push(format!(
            "server stderr had {} line(s); first: {}",
            lines.len(),
            lines[0]
        ));
    }
    Ok(DbResult {
        kind,
        health,
        hooks,
        serial,
        failures,
        notes,
    })
}

fn check(failures: &mut Vec<String>, db: &str, label: &str, run: &Run) {
    if run.non200 > 0 {
        failures.push(format!(
            "{db} {label}: {} non-200 answers ({}); first: {}",
            run.non200, run.statuses, run.first_bad
        ));
    }
    if run.socket_error_count > 0 {
        failures.push(format!(
            "{db} {label}: socket errors: {}",
            run.socket_errors
        ));
    }
    if run.requests == 0 || run.ok == 0 {
        failures.push(format!("{db} {label}: no successful requests"));
    }
}

async fn count(db: &Db, sql: &str) -> Result<i64, String> {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(db.pool())
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(n)
}

/// `bots` bots, each with the walk-through's booking webhook; returns their tokens.
async fn seed(db: &Db, bots: usize) -> Result<Vec<String>, String> {
    let e = |e: botwire_server::error::Error| e.to_string();
    let pool = db.pool();
    let workspace = bots::create_workspace(pool, "Bench agency")
        .await
        .map_err(e)?;
    let mut tokens = Vec::with_capacity(bots);
    for i in 0..bots {
        let bot_id = bots::create_bot(
            pool,
            &bots::NewBot {
                workspace_id: workspace,
                name: format!("Front desk {i}"),
                channel: Channel::Sms,
                default_country: Country::parse("US")?,
                daily_limit: DailyLimit::parse(BOT_DAILY_LIMIT)?,
                max_webhooks: MaxWebhooks::DEFAULT,
            },
        )
        .await
        .map_err(e)?;
        for (field, t) in [
            ("booking_start", FieldType::Datetime),
            ("answers", FieldType::Json),
            ("service", FieldType::Text),
        ] {
            bots::create_field(pool, bot_id, &FieldName::parse(field)?, t)
                .await
                .map_err(e)?;
        }
        let hook = webhooks::create(pool, bot_id, &WebhookName::parse("Bookings")?)
            .await
            .map_err(e)?;
        let mapping = |path: &str, field: &str| Mapping {
            path: path.into(),
            field: field.into(),
        };
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
        webhooks::configure(pool, hook.id, &config)
            .await
            .map_err(e)?;
        webhooks::set_active(pool, hook.id, true).await.map_err(e)?;
        tokens.push(hook.token);
    }
    Ok(tokens)
}

/// A Lua string literal.
fn lua_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for b in s.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// A wrk script that rotates over `paths` (each thread starting at its own offset) and counts
/// every answer by status; `done` prints the counts as `BENCH` lines.
fn lua_script(
    dir: &Path,
    name: &str,
    method: &str,
    paths: &[String],
    body: Option<&str>,
) -> Result<PathBuf, String> {
    let paths: Vec<String> = paths.iter().map(|p| lua_str(p)).collect();
    let (headers, body) = match body {
        Some(b) => (
            r#"{ ["Content-Type"] = "application/json" }"#.to_owned(),
            lua_str(b),
        ),
        None => ("{}".to_owned(), "nil".to_owned()),
    };
    let script = format!(
        r#"-- generated by crates/server/benches/receiver.rs
local paths = {{ {paths} }}
local threads = {{}}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

ok, c429, c4xx, c5xx, cother, first_bad = 0, 0, 0, 0, 0, ""
local reqs = {{}}
local idx = 0

function init(args)
  for i, p in ipairs(paths) do
    reqs[i] = wrk.format("{method}", p, {headers}, {body})
  end
  idx = ((id or 1) - 1) % #reqs
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    return
  end
  if status == 429 then c429 = c429 + 1
  elseif status >= 500 then c5xx = c5xx + 1
  elseif status >= 400 then c4xx = c4xx + 1
  else cother = cother + 1 end
  if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
end

function done(summary, latency, requests)
  local t = {{ ok = 0, c429 = 0, c4xx = 0, c5xx = 0, cother = 0 }}
  local bad = ""
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
    if bad == "" then bad = thread:get("first_bad") end
  end
  io.write(string.format("BENCH ok=%d c429=%d c4xx=%d c5xx=%d cother=%d\n",
    t.ok, t.c429, t.c4xx, t.c5xx, t.cother))
  io.write("BENCH first_bad=" .. string.gsub(bad, "\n", " ") .. "\n")
end
"#,
        paths = paths.join(", "),
    );
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, script).map_err(|e| e.to_string())?;
    Ok(path)
}

async fn wrk(
    config: &Config,
    server: &Server,
    script: &Path,
    secs: u64,
    kind: DbKind,
) -> Result<Run, String> {
    let clk_tck = clock_ticks();
    let server_before = proc_cpu_ticks(server.pid());
    let db_before = (kind == DbKind::Postgres).then(|| comm_cpu_ticks("postgres"));
    let machine_before = machine_ticks();
    let started = Instant::now();
    let out = Command::new("wrk")
        .arg(format!("-t{}", config.threads))
        .arg(format!("-c{}", config.connections))
        .arg(format!("-d{secs}s"))
        .args(["--latency", "--timeout", "10s", "-s"])
        .arg(script)
        .arg(format!("{}/", server.base))
        .output()
        .await
        .map_err(|e| format!("wrk: {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "wrk failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut run = parse_wrk(&stdout)?;
    let ticks = |before: u64, after: u64| (after.saturating_sub(before)) as f64 / clk_tck;
    run.server_cpu = ticks(server_before, proc_cpu_ticks(server.pid())) / elapsed;
    run.db_cpu = db_before.map(|b| ticks(b, comm_cpu_ticks("postgres")) / elapsed);
    let machine_after = machine_ticks();
    let total = (machine_after.0 - machine_before.0).max(1) as f64;
    run.machine_busy = (machine_after.1 - machine_before.1) as f64 / total;
    run.machine_iowait = (machine_after.2 - machine_before.2) as f64 / total;
    Ok(run)
}

fn parse_duration_us(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n,
        "ms" => n * 1e3,
        "s" => n * 1e6,
        "m" => n * 60e6,
        "h" => n * 3600e6,
        _ => return None,
    })
}

fn parse_wrk(out: &str) -> Result<Run, String> {
    let mut run = Run::default();
    let bad = |what: &str| format!("cannot read {what} in wrk's output:\n{out}");
    let mut in_distribution = false;
    for line in out.lines() {
        let t = line.trim();
        if t.starts_with("Latency Distribution") {
            in_distribution = true;
            continue;
        }
        if in_distribution {
            if let Some((pct, value)) = t.split_once('%') {
                match pct.trim() {
                    "50" => run.p50_us = parse_duration_us(value).ok_or_else(|| bad("p50"))?,
                    "99" => run.p99_us = parse_duration_us(value).ok_or_else(|| bad("p99"))?,
                    _ => {}
                }
                continue;
            }
            in_distribution = false;
        }
        if let Some(rest) = t.strip_prefix("Latency") {
            // Latency  avg  stdev  max  +/-stdev
            let cols: Vec<&str> = rest.split_whitespace().collect();
            if cols.len() >= 3 {
                run.max_us = parse_duration_us(cols[2]).unwrap_or(0.0);
            }
        } else if let Some(v) = t.strip_prefix("Requests/sec:") {
            run.rps = v.trim().parse().map_err(|_| bad("Requests/sec"))?;
        } else if t.contains(" requests in ") {
            run.requests = t
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| bad("the request count"))?;
        } else if let Some(v) = t.strip_prefix("Socket errors:") {
            run.socket_errors = v.trim().to_owned();
            run.socket_error_count = v
                .split(',')
                .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        } else if let Some(v) = t.strip_prefix("BENCH first_bad=") {
            run.first_bad = v.trim().to_owned();
        } else if let Some(v) = t.strip_prefix("BENCH ") {
            let mut parts = Vec::new();
            for kv in v.split_whitespace() {
                let Some((k, n)) = kv.split_once('=') else {
                    continue;
                };
                let n: u64 = n.parse().map_err(|_| bad("the status counts"))?;
                if k == "ok" {
                    run.ok = n;
                } else {
                    run.non200 += n;
                    if n > 0 {
                        parts.push(format!("{k}={n}"));
                    }
                }
            }
            run.statuses = parts.join(" ");
        }
    }
    if run.rps == 0.0 || run.p50_us == 0.0 || run.p99_us == 0.0 {
        return Err(bad("Requests/sec and the latency distribution"));
    }
    if !out.contains("BENCH ok=") {
        return Err(bad("the script's status counts"));
    }
    // wrk counts a request that completed; the script counts answers by status. Requests
    // wrk cut off at the end are neither.
    Ok(run)
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, in clock ticks.
fn proc_cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime 15.
    let get = |i: usize| {
        f.get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(14) + get(15)
}

/// CPU ticks of every process named `comm` (the PostgreSQL server and its backends).
fn comm_cpu_ticks(comm: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .map(proc_cpu_ticks)
        .sum()
}

/// Whole machine (total, busy, iowait) ticks from /proc/stat.
fn machine_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().next() else {
        return (0, 0, 0);
    };
    let v: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    if v.len() < 5 {
        return (0, 0, 0);
    }
    // user nice system idle iowait irq softirq steal ...
    let total: u64 = v.iter().take(8).sum();
    let idle = v[3];
    let iowait = v[4];
    (total, total - idle - iowait, iowait)
}

fn fmt_us(us: f64) -> String {
    if us >= 1e6 {
        format!("{:.2} s", us / 1e6)
    } else if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.0} µs")
    }
}

fn print_table(config: &Config, results: &[DbResult]) {
    println!();
    println!(
        "Receiver throughput ({} s per route, wrk -t{} -c{}, loopback)",
        config.secs, config.threads, config.connections
    );
    println!(
        "{:<9} {:<26} {:>9} {:>10} {:>10} {:>10} {:>9} {:>8} {:>10} {:>7}",
        "database",
        "route",
        "req/s",
        "p50",
        "p99",
        "max",
        "answers",
        "non-200",
        "server CPU",
        "db CPU"
    );
    for r in results {
        for (route, run) in [
            ("GET /api/v1/health", &r.health),
            ("POST /hooks/{token}", &r.hooks),
            ("POST /hooks/{token} (c=1)", &r.serial),
        ] {
            println!(
                "{:<9} {:<26} {:>9.0} {:>10} {:>10} {:>10} {:>9} {:>8} {:>9.0}% {:>7}",
                db_name(r.kind),
                route,
                run.rps,
                fmt_us(run.p50_us),
                fmt_us(run.p99_us),
                fmt_us(run.max_us),
                run.ok + run.non200,
                run.non200,
                run.server_cpu * 100.0,
                run.db_cpu
                    .map_or("-".to_owned(), |c| format!("{:.0}%", c * 100.0)),
            );
        }
    }
    println!(
        "(CPU: 100% = one core; the machine has {}. 'c=1': one connection, no concurrency.)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    for r in results {
        let ratio = r.hooks.rps / r.health.rps;
        let verdict = if r.kind == DbKind::Sqlite {
            format!(
                " — target on SQLite ≥ 0.333: {}",
                if ratio >= 1.0 / 3.0 { "MET" } else { "NOT MET" }
            )
        } else {
            String::new()
        };
        println!(
            "{}: hooks/health = {:.0}/{:.0} = {:.3}{verdict}",
            db_name(r.kind),
            r.hooks.rps,
            r.health.rps,
            ratio
        );
        for n in &r.notes {
            println!("  {n}");
        }
    }
    println!();
    println!("What limits ingest (from this run's measurements):");
    for r in results {
        let name = db_name(r.kind);
        let (h, s) = (&r.hooks, &r.serial);
        let gain = h.rps / s.rps;
        println!(
            "  {name}: {:.0} req/s at {} connections vs {:.0} req/s at 1 connection (×{gain:.2}); \
             at 1 connection a request takes {} (p50).",
            h.rps,
            config.connections,
            s.rps,
            fmt_us(s.p50_us)
        );
        if gain < 1.5 {
            println!(
                "    Concurrency adds (almost) nothing: requests are processed one at a time, so ingest \
                 is bounded by one transaction's duration, and the extra connections only queue (p99 {}).",
                fmt_us(h.p99_us)
            );
        }
        let cpu = h.server_cpu + h.db_cpu.unwrap_or(0.0);
        println!(
            "    CPU during hooks: server {:.0}%{}, whole machine {:.0}% busy and {:.0}% iowait \
             (busy includes wrk and anything else running).",
            h.server_cpu * 100.0,
            h.db_cpu.map_or(String::new(), |d| format!(
                " + PostgreSQL {:.0}%",
                d * 100.0
            )),
            h.machine_busy * 100.0,
            h.machine_iowait * 100.0
        );
        if h.machine_busy > 0.9 {
            println!(
                "    The machine was saturated: server + database used {:.0}% of {} cores; the rest went \
                 to wrk and other processes.",
                cpu * 100.0,
                std::thread::available_parallelism().map_or(0, |n| n.get())
            );
        }
    }
}
