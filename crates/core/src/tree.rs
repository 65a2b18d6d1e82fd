//! The nodes of a JSON document with their paths, for the Preview Payload tree.
//!
//! Every node carries its segments and both path forms, so the editor can save whichever the
//! user picks; [`children`] serves one level at a time for lazy rendering, [`walk`] the whole
//! document. Webhook payloads come from strangers, so nothing here recurses on the document.

use crate::path::{self, Segment};
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
    let Some(value) = get(doc, parent) else {
        return Vec::new();
    };
    let parent_path = path::normalized(parent);
    let parent_short = path::short(parent);
    child_entries(value)
        .map(|(segment, child)| {
            child_node(
                parent,
                &parent_path,
                parent_short.as_deref(),
                segment,
                child,
            )
        })
        .collect()
}

/// Every node of the document in document order, the root first. Iterative: deep documents
/// do not overflow the stack.
pub fn walk(doc: &Value) -> Vec<Node> {
    let mut nodes = vec![node(Vec::new(), "$".to_owned(), Some("$".to_owned()), doc)];
    // Pending children, as (index of the parent in `nodes`, segment, value); pushed in
    // reverse so that popping yields document order (pre-order).
    let mut stack: Vec<(usize, Segment, &Value)> = Vec::new();
    push_children(&mut stack, 0, doc);
    while let Some((parent, segment, value)) = stack.pop() {
        let p = &nodes[parent];
        let child = child_node(&p.segments, &p.path, p.short.as_deref(), segment, value);
        nodes.push(child);
        push_children(&mut stack, nodes.len() - 1, value);
    }
    nodes
}

/// The value at `segments`, if any.
pub fn get<'a>(doc: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(doc, |value, segment| match segment {
            Segment::Name(name) => value.as_object()?.get(name),
            Segment::Index(i) => value.as_array()?.get(*i),
        })
}

fn push_children<'a>(
    stack: &mut Vec<(usize, Segment, &'a Value)>,
    parent: usize,
    value: &'a Value,
) {
    match value {
        Value::Object(map) => stack.extend(
            map.iter()
                .rev()
                .map(|(k, v)| (parent, Segment::Name(k.clone()), v)),
        ),
        Value::Array(items) => stack.extend(
            items
                .iter()
                .enumerate()
                .rev()
                .map(|(i, v)| (parent, Segment::Index(i), v)),
        ),
        _ => {}
    }
}

/// The direct children of a value with the segment leading to each, in document order.
fn child_entries(value: &Value) -> Box<dyn Iterator<Item = (Segment, &Value)> + '_> {
    match value {
        Value::Object(map) => Box::new(map.iter().map(|(k, v)| (Segment::Name(k.clone()), v))),
        Value::Array(items) => Box::new(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Segment::Index(i), v)),
        ),
        _ => Box::new(std::iter::empty()),
    }
}

/// The node one `segment` below a parent, extending the parent's paths rather than
/// re-rendering them.
fn child_node(
    parent_segments: &[Segment],
    parent_path: &str,
    parent_short: Option<&str>,
    segment: Segment,
    value: &Value,
) -> Node {
    let mut path = parent_path.to_owned();
    path::push_normalized(&mut path, &segment);
    let short = parent_short.and_then(|s| {
        let mut s = s.to_owned();
        path::push_short(&mut s, &segment).then_some(s)
    });
    let mut segments = Vec::with_capacity(parent_segments.len() + 1);
    segments.extend_from_slice(parent_segments);
    segments.push(segment);
    node(segments, path, short, value)
}

fn node(segments: Vec<Segment>, path: String, short: Option<String>, value: &Value) -> Node {
    Node {
        segments,
        path,
        short,
        kind: kind(value),
        len: match value {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        },
        preview: preview(value),
    }
}

fn kind(value: &Value) -> NodeKind {
    match value {
        Value::Object(_) => NodeKind::Object,
        Value::Array(_) => NodeKind::Array,
        Value::String(_) => NodeKind::String,
        Value::Number(_) => NodeKind::Number,
        Value::Bool(_) => NodeKind::Boolean,
        Value::Null => NodeKind::Null,
    }
}

/// The most characters a preview has.
const PREVIEW_CHARS: usize = 80;

/// Scalars as JSON (strings quoted and escaped), containers as `{…} 3 keys` / `[…] 1 item`
/// (`{} 0 keys` / `[] 0 items` when empty). Over-long text is cut to 79 characters plus `…`.
fn preview(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let n = map.len();
            let open = if n == 0 { "{}" } else { "{…}" };
            format!("{open} {n} {}", if n == 1 { "key" } else { "keys" })
        }
        Value::Array(items) => {
            let n = items.len();
            let open = if n == 0 { "[]" } else { "[…]" };
            format!("{open} {n} {}", if n == 1 { "item" } else { "items" })
        }
        Value::String(s) => {
            // Each character becomes at least one character of JSON, so a prefix of
            // PREVIEW_CHARS + 1 decides whether to cut without escaping a huge string.
            let head: String = s.chars().take(PREVIEW_CHARS + 1).collect();
            truncate_json(&Value::String(head).to_string())
        }
        // Numbers are short unless serde_json's arbitrary_precision is on; cut them anyway.
        Value::Number(n) => truncate_json(&n.to_string()),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
    }
}

/// `json` itself when it fits, else the longest prefix of whole characters and whole escape
/// sequences (`\n`, `\u0000`) that leaves room for `…`.
fn truncate_json(json: &str) -> String {
    if json.chars().count() <= PREVIEW_CHARS {
        return json.to_owned();
    }
    let mut out = String::new();
    let mut count = 0;
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        let unit_len = match (c, chars.peek()) {
            ('\\', Some('u')) => 6,
            ('\\', Some(_)) => 2,
            _ => 1,
        };
        if count + unit_len > PREVIEW_CHARS - 1 {
            break;
        }
        out.push(c);
        for _ in 1..unit_len {
            out.extend(chars.next());
        }
        count += unit_len;
    }
    out.push('…');
    out
}
