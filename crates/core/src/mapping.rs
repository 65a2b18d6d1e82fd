//! Evaluating JSONPath expressions (jsonpath-rust, RFC 9535) against a payload.
//!
//! Rules:
//!
//! - A path must start with `$`; `$` alone is the whole document. An empty path, one with
//!   whitespace before the `$` or one that does not parse is [`MappingError::InvalidPath`],
//!   whose message is the parser's, with its rule names put into words and the character
//!   where it failed (`expected a selector (…) at character 5, the end of the path`).
//! - A path matching nothing is [`MappingError::NoMatch`] (a member that is there with the
//!   value `null` is a match).
//! - Several matches are [`MappingError::SeveralMatches`], except for json fields: those
//!   take all the matches as one array, in document order. A single match for a json field
//!   is that value as it is, not wrapped in an array — even when the path could match several
//!   (a wildcard over a one-element array gives the element).
//! - The one value is converted with [`crate::convert::convert`]; a failure is
//!   [`MappingError::Type`].
//! - The json values a request's mappings take may together weigh at most
//!   [`MAX_COPIES_OF_DOCUMENT`] times the document ([`CopyBudget`]); a mapping that would go
//!   over is [`MappingError::TooLarge`].
//! - A path other than names and indexes is first bounded on the document ([`cost`]): one
//!   that could visit more than [`MAX_PATH_WORK`] values is [`MappingError::TooMuchWork`],
//!   and is not evaluated.
//!
//! Parsing a path costs more than evaluating it: [`CompiledPath`] parses once and evaluates
//! against any number of documents. The free functions keep the paths they parsed lately (per
//! thread), since a webhook evaluates the same few paths on every request.

use crate::convert::{ConvertError, TypedValue, convert, describe, exact_text};
use crate::field::FieldType;
use jsonpath_rust::parser::errors::JsonPathError;
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub mod cost;
use cost::DocStats;

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
    #[error("the path is {chars} characters long; the most is {MAX_PATH_CHARS}")]
    PathTooLong { chars: usize },
    #[error(
        "the matches are too large to copy: a request's mappings may copy at most {MAX_COPIES_OF_DOCUMENT} \
         times its document into json fields, and matches inside other matches (as `..` finds) \
         count again at each level"
    )]
    TooLarge,
    #[error(
        "the path could visit {} values in this document, and the most is {}: each `..` visits \
         all that is below, each `*` or filter all the members, and long names and strings \
         count as several values; use fewer `..` and `*` steps, or name the members on the way",
        about(.work),
        about(&MAX_PATH_WORK)
    )]
    TooMuchWork { work: u64 },
    #[error(
        "this path could visit {} values, more than the {} left of the {} a request's mappings \
         may visit together; name the members on the way in the mappings that use `..` and `*`",
        about(.work),
        about(.left),
        about(&MAX_REQUEST_WORK)
    )]
    RequestTooMuchWork { work: u64, left: u64 },
}

/// `n` with its thousands separated (`1,000,000`), `about` it when it is a bound, and
/// without its digits when it is beyond any real count.
fn about(n: &u64) -> String {
    const BEYOND: u64 = 1_000_000_000_000;
    let grouped = |n: u64| {
        let digits = n.to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        grouped
    };
    match *n {
        n if n > BEYOND => format!("over {}", grouped(BEYOND)),
        n if n > MAX_PATH_WORK => format!("about {}", grouped(n)),
        n => grouped(n),
    }
}

/// The longest path, in characters: longer ones are not paths anyone writes, and each costs
/// its parsing on every request.
pub const MAX_PATH_CHARS: usize = 1_000;

/// The most values a path may visit in one document, by the bound [`cost::estimate`] works
/// out before evaluating it. A value is a node a step looks at or a pointer it makes, with
/// the node's path (other work is counted in values too): 30 to 130 ns of a core, so a path
/// takes at most about a tenth of a second on any document. `$..email` over a 1 MiB document
/// counts 250,000 to 500,000, a filter over all its nodes (`$..[?@.price > 10]`) about
/// 700,000. Without a bound, repeated `..*` or unions of duplicates (`[0,0,0]`, kept by RFC
/// 9535) multiply at each step: a 34-character path over a 300-byte document took 88 s and
/// 4.5 GB.
pub const MAX_PATH_WORK: u64 = 1_000_000;

/// The most values a request's mappings may visit together, by the same bound: a webhook's
/// 100 mappings each just under [`MAX_PATH_WORK`] would otherwise take seconds of a core on
/// every request.
pub const MAX_REQUEST_WORK: u64 = 4 * MAX_PATH_WORK;

/// The most mappings a webhook may have. Each is evaluated on every request, and one path
/// with `..` walks the whole document: thousands of them made one request take seconds of a
/// core the other requests share.
pub const MAX_MAPPINGS: usize = 100;

/// How many times its document a request's mappings may copy into json fields. Matches nested
/// in each other (`$..x` over an `x` inside an `x`) copy the inner ones again at every level:
/// unbounded, a body well under the size limit could make gigabytes of values and log.
pub const MAX_COPIES_OF_DOCUMENT: usize = 4;

/// What the json mappings of one request may still copy out of its document, in [`weight`];
/// it also keeps the document's counts for bounding its paths ([`DocStats`]), taken once.
pub struct CopyBudget<'d> {
    doc: &'d Value,
    /// Worked out when a json mapping first needs it: most requests have none.
    left: Option<usize>,
    /// Taken when a path other than names and indexes first needs them.
    stats: Option<DocStats>,
    /// What the request's paths may still visit, of [`MAX_REQUEST_WORK`].
    work_left: u64,
}

impl<'d> CopyBudget<'d> {
    pub fn new(doc: &'d Value) -> Self {
        CopyBudget {
            doc,
            left: None,
            stats: None,
            work_left: MAX_REQUEST_WORK,
        }
    }

    /// The counts of `doc`: kept when it is this budget's document.
    fn stats_of<'s>(
        &'s mut self,
        doc: &Value,
        own: &'s mut Option<DocStats>,
    ) -> &'s mut Option<DocStats> {
        if std::ptr::eq(self.doc, doc) {
            &mut self.stats
        } else {
            own
        }
    }

    /// Takes the weight of `found` from the budget, or fails without taking anything.
    fn take(&mut self, found: &[&Value]) -> Result<(), MappingError> {
        let (doc, stats) = (self.doc, &self.stats);
        let left = *(self.left).get_or_insert_with(|| {
            let whole = match stats {
                Some(stats) => usize::try_from(stats.weight).ok(),
                None => weight(doc, usize::MAX),
            };
            MAX_COPIES_OF_DOCUMENT.saturating_mul(whole.unwrap_or(usize::MAX))
        });
        let mut used = 0;
        for value in found {
            used += weight(value, left - used).ok_or(MappingError::TooLarge)?;
        }
        self.left = Some(left - used);
        Ok(())
    }
}

/// About the length of `value` as JSON text: one for each value, plus the bytes of its strings
/// and member names. `None` as soon as it is over `limit`, so a huge value costs no more than
/// the limit to weigh.
fn weight(value: &Value, limit: usize) -> Option<usize> {
    let mut total = 0usize;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        total += 1;
        match value {
            Value::String(s) => total += s.len(),
            Value::Array(items) => pending.extend(items),
            Value::Object(members) => {
                for (name, member) in members {
                    total += name.len();
                    pending.push(member);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
        if total > limit {
            return None;
        }
    }
    Some(total)
}

/// The result of one mapping, as the log and the editor show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingOutcome {
    pub path: String,
    pub field: String,
    pub value: Option<TypedValue>,
    pub error: Option<String>,
}

/// A path parsed once, to evaluate against many documents. The free functions of this module
/// are shorthands that parse and evaluate in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledPath {
    source: String,
    query: JpQuery,
    /// The path's steps when it has only names and indexes, as most mappings do.
    plain: Option<Vec<Step>>,
}

/// A step of a plain path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Name(String),
    /// From the end when negative, as RFC 9535 says.
    Index(i64),
}

impl Step {
    /// The steps of `query` when each of its segments is one name or one index.
    fn plain(query: &JpQuery) -> Option<Vec<Step>> {
        (query.segments.iter())
            .map(|segment| match segment {
                Segment::Selector(Selector::Name(name)) => Some(Step::Name(name.clone())),
                Segment::Selector(Selector::Index(i)) => Some(Step::Index(*i)),
                _ => None,
            })
            .collect()
    }

    fn take<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        match self {
            Step::Name(name) => value.as_object()?.get(name),
            Step::Index(i) => {
                let array = value.as_array()?;
                let i = if *i < 0 {
                    array
                        .len()
                        .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
                } else {
                    usize::try_from(*i).ok()?
                };
                array.get(i)
            }
        }
    }
}

impl CompiledPath {
    /// Parses `path`; the error is [`MappingError::InvalidPath`] with a message that says why
    /// and where.
    pub fn parse(path: &str) -> Result<CompiledPath, MappingError> {
        let invalid = |message: String| MappingError::InvalidPath { message };
        let chars = path.chars().count();
        if chars > MAX_PATH_CHARS {
            return Err(MappingError::PathTooLong { chars });
        }
        if path.trim().is_empty() {
            return Err(invalid("the path is empty".to_owned()));
        }
        if !path.starts_with('$') {
            return Err(invalid(if path.trim_start().starts_with('$') {
                "remove the whitespace before the $ that starts the path".to_owned()
            } else {
                "a path starts with $ (the whole document), as in $.contact.email".to_owned()
            }));
        }
        let query = parse_json_path(path).map_err(|e| invalid(parser_message(path, &e)))?;
        Ok(CompiledPath {
            source: path.to_owned(),
            plain: Step::plain(&query),
            query,
        })
    }

    /// The path as it was given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every value the path matches, in document order. A plain path is walked directly: the
    /// general evaluator also writes out each match's normalized path, most of its work. Any
    /// other is first bounded on `doc`: [`MappingError::TooMuchWork`] past [`MAX_PATH_WORK`].
    pub fn select<'a>(&self, doc: &'a Value) -> Result<Vec<&'a Value>, MappingError> {
        let mut work_left = MAX_PATH_WORK;
        self.select_with(doc, &mut None, &mut work_left)
    }

    /// [`CompiledPath::select`] with the counts of `doc`, taken into `stats` if they are not
    /// there yet.
    fn select_with<'a>(
        &self,
        doc: &'a Value,
        stats: &mut Option<DocStats>,
        work_left: &mut u64,
    ) -> Result<Vec<&'a Value>, MappingError> {
        match &self.plain {
            Some(steps) => Ok(Vec::from_iter(
                steps.iter().try_fold(doc, |value, step| step.take(value)),
            )),
            None => {
                let stats = stats.get_or_insert_with(|| DocStats::of(doc));
                let work = cost::estimate(&self.query, doc, stats).work;
                if work > MAX_PATH_WORK {
                    return Err(MappingError::TooMuchWork { work });
                }
                if work > *work_left {
                    let left = *work_left;
                    return Err(MappingError::RequestTooMuchWork { work, left });
                }
                *work_left -= work;
                self.select_in_general(doc)
            }
        }
    }

    /// The bound of the work of evaluating the path in general on `doc` (see [`cost`]).
    pub fn estimate(&self, doc: &Value) -> cost::Estimate {
        cost::estimate(&self.query, doc, &DocStats::of(doc))
    }

    fn select_in_general<'a>(&self, doc: &'a Value) -> Result<Vec<&'a Value>, MappingError> {
        js_path_process(&self.query, doc)
            .map(|found| found.into_iter().map(|r| r.val).collect())
            .map_err(|e| MappingError::InvalidPath {
                message: e.to_string(),
            })
    }

    /// The one value at the path converted to `to`; a json field takes several matches as an
    /// array (and one match as it is).
    pub fn evaluate(&self, doc: &Value, to: FieldType) -> Result<TypedValue, MappingError> {
        self.evaluate_within(doc, to, &mut CopyBudget::new(doc))
    }

    /// [`CompiledPath::evaluate`] as one of a request's mappings, which share `budget`.
    pub fn evaluate_within(
        &self,
        doc: &Value,
        to: FieldType,
        budget: &mut CopyBudget<'_>,
    ) -> Result<TypedValue, MappingError> {
        let mut own = None;
        let mut work_left = budget.work_left;
        let found = self.select_with(doc, budget.stats_of(doc, &mut own), &mut work_left)?;
        budget.work_left = work_left;
        if to == FieldType::Json {
            budget.take(&found)?;
            if found.len() > 1 {
                return Ok(TypedValue::Json(Value::Array(
                    found.into_iter().cloned().collect(),
                )));
            }
        }
        Ok(convert(one(found)?, to)?)
    }

    /// The one value at the path as text, for identity paths; see [`evaluate_text`].
    pub fn evaluate_text(&self, doc: &Value) -> Result<Option<String>, MappingError> {
        match one(self.select(doc)?)? {
            Value::Null => Ok(None),
            Value::String(s) => {
                let s = s.trim();
                Ok((!s.is_empty()).then(|| s.to_owned()))
            }
            Value::Number(n) if exact_text(n).is_some() => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            other @ (Value::Number(_) | Value::Array(_) | Value::Object(_)) => Err(ConvertError {
                expected: FieldType::Text,
                found: describe(other),
            }
            .into()),
        }
    }
}

/// The only element of `found`, or NoMatch / SeveralMatches.
fn one(found: Vec<&Value>) -> Result<&Value, MappingError> {
    match found.as_slice() {
        [] => Err(MappingError::NoMatch),
        [value] => Ok(value),
        several => Err(MappingError::SeveralMatches {
            count: several.len(),
        }),
    }
}

/// Marks a rule's words in pest's message so that [`parser_message`] can find them again.
const MARK: char = '\u{1}';

/// The parser's message, with its grammar's rule names in words and the position of the
/// failure.
fn parser_message(path: &str, error: &JsonPathError) -> String {
    let JsonPathError::PestError(pest) = error else {
        return error.to_string();
    };
    let renamed = (**pest).clone().renamed_rules(|rule| {
        let words = rule_in_words(&format!("{rule:?}"));
        words
            .split('|')
            .map(|w| format!("{MARK}{w}{MARK}"))
            .collect()
    });
    let message = reword(&renamed.variant.message());
    // pest's error has the position in its display's first line, ` --> LINE:COLUMN`; its
    // types are not reachable from here (jsonpath-rust does not re-export pest).
    let position = pest
        .to_string()
        .lines()
        .next()
        .and_then(|first| first.trim().strip_prefix("--> "))
        .and_then(|pos| pos.split_once(':'))
        .and_then(|(line, col)| Some((line.parse::<usize>().ok()?, col.parse::<usize>().ok()?)));
    match position {
        Some((1, col)) if col == path.chars().count() + 1 => {
            format!("{message} at character {col}, the end of the path")
        }
        Some((1, col)) => format!("{message} at character {col}"),
        Some((line, col)) => format!("{message} at line {line}, character {col}"),
        None => message,
    }
}

/// pest's `unexpected A, B; expected C, D, or E` with the marked rule words listed once each:
/// `unexpected A or B; expected C, D or E`.
fn reword(message: &str) -> String {
    message
        .split("; ")
        .map(|section| {
            let (lead, items) = match section.split_once(' ') {
                Some((lead @ ("expected" | "unexpected"), _)) => (lead, section),
                _ => return section.replace(MARK, ""),
            };
            let mut words: Vec<&str> = Vec::new();
            for word in items.split(MARK).skip(1).step_by(2) {
                if !words.contains(&word) {
                    words.push(word);
                }
            }
            match words.split_last() {
                None => section.replace(MARK, ""),
                Some((last, [])) => format!("{lead} {last}"),
                Some((last, rest)) => format!("{lead} {} or {last}", rest.join(", ")),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A rule of jsonpath-rust's RFC 9535 grammar as an error message names it; `|` separates
/// alternatives.
fn rule_in_words(rule: &str) -> String {
    match rule {
        "jp_query" | "main" => "a path starting with $",
        "EOI" => "the end of the path",
        "segment" | "child_segment" | "name_segment" => "'.'|'['",
        "index_segment" => "'['",
        "selector" => "a selector (a quoted name, an index, *, a slice or a filter)",
        "bracketed_selection" => "'['",
        "wildcard_selector" => "'*'",
        "ALPHA" | "name_first" | "member_name_shorthand" => "a member name",
        "name_selector" | "string" => "a quoted name",
        "index_selector" | "int" => "an index",
        "slice_selector" => "a slice",
        "filter_selector" => "a filter",
        "logical_expr" | "logical_expr_and" | "atom_expr" => "a filter expression",
        "comparable" => "a value or a query",
        "comp_op" => "a comparison (==, !=, <, <=, >, >=)",
        "literal" => "a value",
        other => return other.replace('_', " "),
    }
    .to_owned()
}

/// How many parsed paths a thread keeps; all are dropped when it is full.
const KEPT_PATHS: usize = 512;

thread_local! {
    static PARSED: RefCell<HashMap<String, Rc<CompiledPath>>> = RefCell::new(HashMap::new());
}

/// `path` parsed, from the thread's recent paths when it is there.
fn parsed(path: &str) -> Result<Rc<CompiledPath>, MappingError> {
    if let Some(hit) = PARSED.with(|kept| kept.borrow().get(path).cloned()) {
        return Ok(hit);
    }
    let compiled = Rc::new(CompiledPath::parse(path)?);
    PARSED.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.len() >= KEPT_PATHS {
            kept.clear();
        }
        kept.insert(path.to_owned(), compiled.clone());
    });
    Ok(compiled)
}

/// Checks that `path` parses.
pub fn check_path(path: &str) -> Result<(), MappingError> {
    parsed(path).map(|_| ())
}

/// Every value `path` matches, in document order.
pub fn select<'a>(doc: &'a Value, path: &str) -> Result<Vec<&'a Value>, MappingError> {
    parsed(path)?.select(doc)
}

/// The one value at `path` converted to `to`; a json field takes several matches as an array.
///
/// A json field's single match is that value as it is (not wrapped in an array).
pub fn evaluate(doc: &Value, path: &str, to: FieldType) -> Result<TypedValue, MappingError> {
    parsed(path)?.evaluate(doc, to)
}

/// The one value at `path` as text, for identity paths: strings as they are, numbers and
/// booleans printed; `None` for null or an empty/blank string.
///
/// Strings are trimmed. A path matching nothing is [`MappingError::NoMatch`], several matches
/// [`MappingError::SeveralMatches`], an object or array [`MappingError::Type`].
pub fn evaluate_text(doc: &Value, path: &str) -> Result<Option<String>, MappingError> {
    parsed(path)?.evaluate_text(doc)
}

/// Every mapping evaluated; `field_type` gives the type of a custom field by name.
///
/// Each mapping stands on its own: one failing (unknown field, bad path, no match, wrong
/// type, too large) gives that outcome an `error` (the error's message) and no `value`, and the others
/// are evaluated as usual. The outcomes are in the order of `mappings`.
pub fn evaluate_all(
    doc: &Value,
    mappings: &[Mapping],
    field_type: impl Fn(&str) -> Option<FieldType>,
) -> Vec<MappingOutcome> {
    let mut budget = CopyBudget::new(doc);
    mappings
        .iter()
        .map(|mapping| {
            let result = field_type(&mapping.field)
                .ok_or_else(|| MappingError::UnknownField {
                    name: mapping.field.clone(),
                })
                .and_then(|to| parsed(&mapping.path)?.evaluate_within(doc, to, &mut budget));
            let (value, error) = match result {
                Ok(value) => (Some(value), None),
                Err(e) => (None, Some(e.to_string())),
            };
            MappingOutcome {
                path: mapping.path.clone(),
                field: mapping.field.clone(),
                value,
                error,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain paths, walked directly, find what the general evaluator finds, on documents
    /// where each step matches, misses, or meets the wrong kind of value.
    #[test]
    fn plain_paths_select_as_the_general_evaluator_does() {
        let docs = [
            serde_json::json!({"a": {"b": [10, {"c": "x"}, null]}, "sp ace": 1, "0": "zero"}),
            serde_json::json!({"a": [1, 2]}),
            serde_json::json!([{"a": 1}, {"a": 2}]),
            serde_json::json!("text"),
            serde_json::json!(null),
        ];
        let plain = [
            "$",
            "$.a",
            "$.a.b",
            "$.a.b[0]",
            "$.a.b[1].c",
            "$.a.b[-1]",
            "$.a.b[-3]",
            "$.a.b[-4]",
            "$.a.b[3]",
            "$['sp ace']",
            "$['0']",
            "$[0]",
            "$[-1].a",
            "$[0]['a']",
            "$.missing.b",
        ];
        for source in plain {
            let path = CompiledPath::parse(source).unwrap();
            assert!(path.plain.is_some(), "{source} is plain");
            for doc in &docs {
                assert_eq!(
                    path.select(doc).unwrap(),
                    path.select_in_general(doc).unwrap(),
                    "{source} in {doc}"
                );
            }
        }
        for source in ["$..a", "$.a.*", "$.a.b[0:2]", "$.a.b[0,1]", "$[?@.a == 1]"] {
            assert!(
                CompiledPath::parse(source).unwrap().plain.is_none(),
                "{source}"
            );
        }
    }

    fn message(path: &str) -> String {
        match check_path(path) {
            Err(MappingError::InvalidPath { message }) => message,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn parser_messages_name_what_and_where() {
        assert_eq!(
            message("$.a["),
            "expected a selector (a quoted name, an index, *, a slice or a filter) at character 5, the end of the path"
        );
        assert_eq!(
            message("$.a.."),
            "expected '[', '*' or a member name at character 6, the end of the path"
        );
        assert_eq!(
            message("$.1"),
            "expected '*' or a member name at character 3"
        );
        assert_eq!(
            message("$.a\n["),
            "expected a selector (a quoted name, an index, *, a slice or a filter) at line 2, character 2"
        );
    }

    #[test]
    fn positions_count_characters() {
        assert!(message("$.é🎉[").ends_with("at character 6, the end of the path"));
        assert!(message("$.é🎉[?]").ends_with("at character 7"));
    }

    #[test]
    fn compiled_path_evaluates_many_documents() {
        let path = CompiledPath::parse("$.n").unwrap();
        assert_eq!(path.source(), "$.n");
        for n in 0..3 {
            let doc = serde_json::json!({ "n": n });
            assert_eq!(
                path.evaluate(&doc, FieldType::Number).unwrap(),
                TypedValue::Number(n.into())
            );
        }
    }
}
