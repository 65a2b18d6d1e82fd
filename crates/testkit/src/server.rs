//! The `botwire` binary, started on port 0 against a test database.

use crate::TestDb;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The one-time setup link the server printed on a first start (no account yet).
    pub setup_link: Option<String>,
    database_url: String,
}

/// The binary under test: `BOTWIRE_BIN`, else the workspace's debug build.
pub fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("BOTWIRE_BIN") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/botwire")
}

/// The built app: `BOTWIRE_DIST`, else the workspace's `dist/`.
pub fn dist() -> PathBuf {
    if let Ok(p) = std::env::var("BOTWIRE_DIST") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist")
}

impl Server {
    pub async fn start(db: &TestDb) -> Server {
        Server::start_with(db, &[]).await
    }

    /// Starts with extra command-line arguments; waits until it listens.
    pub async fn start_with(db: &TestDb, args: &[&str]) -> Server {
        let bin = binary();
        assert!(
            bin.is_file(),
            "server binary missing at {} (cargo build -p botwire-server)",
            bin.display()
        );
        let mut child = Command::new(&bin)
            .arg("serve")
            .args(["--addr", "127.0.0.1:0", "--database-url", &db.url, "--dist"])
            .arg(dist())
            .args(args)
            .env("RUST_LOG", "botwire_server=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start botwire");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut setup_link = None;
        let base = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if line.contains("/setup#") {
                    setup_link = Some(line.trim().to_owned());
                }
                if let Some(url) = line.strip_prefix("botwire listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("botwire exited before listening");
        })
        .await
        .expect("botwire did not start within 60 s");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server {
            child,
            base,
            setup_link,
            database_url: db.url.clone(),
        }
    }

    /// Creates an account as an operator would: `botwire user create` against the server's
    /// database, the password in `BOTWIRE_PASSWORD`. The workspace is created when needed.
    pub async fn create_user(&self, email: &str, password: &str, workspace: &str, role: &str) {
        let output = Command::new(binary())
            .args(["user", "create", "--email", email, "--workspace", workspace])
            .args(["--role", role, "--database-url", &self.database_url])
            .env("BOTWIRE_PASSWORD", password)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .await
            .expect("run botwire user create");
        assert!(
            output.status.success(),
            "botwire user create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `kill -9`: the process gets no chance to flush anything.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill");
    }

    /// `kill -TERM`, as a service manager stops it; waits for the exit, at most `within`.
    pub async fn terminate(mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let pid = self.child.id().expect("the server is running");
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("the server did not exit in time")
            .expect("wait for the server")
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}
