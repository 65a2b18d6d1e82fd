//! Evaluating JSONPath expressions (jsonpath-rust, RFC 9535) against a payload.

use crate::convert::{ConvertError, TypedValue};
use crate::field::FieldType;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A webhook mapping: the value at `path` goes into the custom field `field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub path: String,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("the path does not parse: {message}")]
    InvalidPath { message: String },
    #[error("the path matched nothing")]
    NoMatch,
    #[error("the path matched {count} values, expected one")]
    SeveralMatches { count: usize },
    #[error("{0}")]
    Type(#[from] ConvertError),
    #[error("no custom field named \"{name}\"")]
    UnknownField { name: String },
}

/// The result of one mapping, as the log and the editor show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingOutcome {
    pub path: String,
    pub field: String,
    pub value: Option<TypedValue>,
    pub error: Option<String>,
}

/// Checks that `path` parses.
pub fn check_path(path: &str) -> Result<(), MappingError> {
    let _ = path;
    todo!()
}

/// Every value `path` matches, in document order.
pub fn select<'a>(doc: &'a Value, path: &str) -> Result<Vec<&'a Value>, MappingError> {
    let _ = (doc, path);
    todo!()
}

/// The one value at `path` converted to `to`; a json field takes several matches as an array.
pub fn evaluate(doc: &Value, path: &str, to: FieldType) -> Result<TypedValue, MappingError> {
    let _ = (doc, path, to);
    todo!()
}

/// The one value at `path` as text, for identity paths: strings as they are, numbers and
/// booleans printed; `None` for null or an empty/blank string.
pub fn evaluate_text(doc: &Value, path: &str) -> Result<Option<String>, MappingError> {
    let _ = (doc, path);
    todo!()
}

/// Every mapping evaluated; `field_type` gives the type of a custom field by name.
pub fn evaluate_all(
    doc: &Value,
    mappings: &[Mapping],
    field_type: impl Fn(&str) -> Option<FieldType>,
) -> Vec<MappingOutcome> {
    let _ = (doc, mappings, field_type);
    todo!()
}
