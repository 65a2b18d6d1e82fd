//! The nodes of a JSON document with their paths, for the Preview Payload tree.

use crate::path::Segment;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

/// One node of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub segments: Vec<Segment>,
    /// RFC 9535 normalized path.
    pub path: String,
    /// Short form, when every name is a plain identifier.
    pub short: Option<String>,
    pub kind: NodeKind,
    /// Number of children (objects and arrays), else 0.
    pub len: usize,
    /// A one-line preview of scalars, at most 80 characters.
    pub preview: String,
}

/// The children of the node at `parent` (one level, for lazy rendering); empty when there is none.
pub fn children(doc: &Value, parent: &[Segment]) -> Vec<Node> {
    let _ = (doc, parent);
    todo!()
}

/// Every node of the document in document order, the root first. Iterative: deep documents
/// do not overflow the stack.
pub fn walk(doc: &Value) -> Vec<Node> {
    let _ = doc;
    todo!()
}

/// The value at `segments`, if any.
pub fn get<'a>(doc: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    let _ = (doc, segments);
    todo!()
}
