//! Test support shared by the server's tests and the app's browser tests. Everything here is
//! real: the `botwire` binary as users run it, a real SQLite file or PostgreSQL database, and
//! Debian's Chromium through chromedriver.

mod api;
mod browser;
mod database;
mod page;
mod server;
mod session;

pub use api::Api;
pub use browser::Browser;
pub use database::{DbKind, TestDb};
pub use page::{WAIT, poll};
pub use server::{Server, binary, dist};
pub use session::{EMAIL, PASSWORD, Session, owner_server};

/// Example payloads (copied from the product's shared samples) for tests and demos.
pub mod samples {
    pub const BOOKING: &str = include_str!("../samples/booking.json");
    pub const CAMPAIGN_RESPONSE: &str = include_str!("../samples/campaign-response.json");
    pub const CAMPAIGN_OPTION: &str = include_str!("../samples/campaign-option.json");
}
