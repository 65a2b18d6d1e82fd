//! Reusable pieces: JSON tree, copy button, toggle, table.
pub mod json_tree;

pub mod copy_button;
pub mod paged;
