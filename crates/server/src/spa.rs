//! Serving the built admin app: files from `dist/`, and `index.html` for every other path so
//! that the app's own router handles deep links.

use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(dist: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")))
}
