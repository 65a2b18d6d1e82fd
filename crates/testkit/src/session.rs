//! A server with one account and a browser logged in to it, as most app tests begin.

use crate::{Browser, DbKind, Server, TestDb};

/// The owner account that [`owner_server`] creates.
pub const EMAIL: &str = "agency@example.com";
/// The password of every test account (long enough for the server's rules).
pub const PASSWORD: &str = "correct horse battery staple";

/// A fresh SQLite database and the server on it, with one owner account ([`EMAIL`],
/// [`PASSWORD`]) in the workspace "Agency". Keep the database alive as long as the server.
pub async fn owner_server() -> (TestDb, Server) {
    let db = TestDb::new(DbKind::Sqlite).await;
    let server = Server::start(&db).await;
    server.create_user(EMAIL, PASSWORD, "Agency", "owner").await;
    (db, server)
}

/// [`owner_server`] and a browser logged in to it through the login page.
pub struct Session {
    pub browser: Browser,
    pub server: Server,
    _db: TestDb,
}

impl Session {
    /// Starts both, the browser's viewport `width`×`height` CSS pixels (see [`Browser::start`]).
    pub async fn logged_in(width: u32, height: u32) -> Session {
        let (db, server) = owner_server().await;
        let browser = Browser::start(width, height).await;
        browser.log_in(&server).await;
        Session {
            browser,
            server,
            _db: db,
        }
    }
}

impl Browser {
    /// Logs in as [`EMAIL`] on the login page; waits until the app shows the bots list's
    /// address (`/`).
    pub async fn log_in(&self, server: &Server) {
        self.log_in_as(server, EMAIL).await;
    }

    /// [`Browser::log_in`] as another account with [`PASSWORD`] (see [`Server::create_user`]).
    pub async fn log_in_as(&self, server: &Server, email: &str) {
        self.client
            .goto(&server.url("/login"))
            .await
            .expect("open the login page");
        self.type_into("#email", email).await;
        self.type_into("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_path(|p| p == "/").await;
    }
}
