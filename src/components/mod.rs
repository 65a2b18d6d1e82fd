//! Reusable pieces: JSON tree, copy button, toggle, table.
