//! RFC 9535 normalized paths (`$['contact']['phones'][0]`) and their short form (`$.contact.phones[0]`).

use serde::{Deserialize, Serialize};

/// One step from a node to its child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Segment {
    Name(String),
    Index(usize),
}

/// The RFC 9535 normalized path of the node reached by `segments` from the root.
pub fn normalized(segments: &[Segment]) -> String {
    let _ = segments;
    todo!()
}

/// The short form (`$.a.b[0]`), only when every name is a plain identifier.
pub fn short(segments: &[Segment]) -> Option<String> {
    let _ = segments;
    todo!()
}

/// Parses a normalized path or its short form back into segments.
pub fn parse(path: &str) -> Result<Vec<Segment>, String> {
    let _ = path;
    todo!()
}
