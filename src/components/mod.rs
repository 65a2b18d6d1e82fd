//! Reusable pieces: JSON tree, copy button, toggle, table.
pub mod json_tree;

pub mod access;
pub mod copy_button;
pub mod debounce;
pub mod focus;
pub mod leave_guard;
pub mod notice;
pub mod paged;
pub mod screen_change;
pub mod session_ended;
