//! An upper bound of the work jsonpath-rust may do evaluating a path on one document, worked
//! out before evaluating it (see [`super::MAX_PATH_WORK`]).
//!
//! RFC 9535 keeps duplicates, so steps multiply: `..*` eleven times over a 300-byte document
//! made 13 million matches (88 s, 4.5 GB), and `[0,0,0,0,0,0,0,0,0,0]` ten times more at each
//! segment. The bound follows jsonpath-rust 1.0's evaluator (`query/*.rs`) step by step, on
//! a few counts of the document taken in one pass ([`DocStats`]), in time linear in the
//! path's syntax tree.
//!
//! The unit is one value visited: a node a step looks at, or a pointer it makes with the
//! node's normalized path (about 30 to 130 ns, measured in release builds). Other work is
//! converted at what it costs next to that: [`BYTES_PER_VALUE`] bytes of text (paths
//! written, strings copied or read), [`COMPARED_PER_VALUE`] values compared, a regular
//! expression compiled for each value `match()` or `search()` tests ([`RegexCost`]).
//!
//! A node list is tracked by its length (with duplicates), how many times at most one node
//! is in it (`copies`: 1 for no duplicates) and whether it is `disjoint` (no node inside
//! another). These bound the sums over the list by sums over the document: a list of `copies`
//! 1 holds at most all the nodes, disjoint subtrees too; overlapping ones hold each node once
//! for each of its ancestors ([`DocStats::subtree_nodes`]). A filter's sub-queries run once
//! for each item it tests: a relative one (`@`) for all the items together is the same
//! query over the list of items, so it is bounded from that list; an absolute one (`$`)
//! starts over from the root for each item.

use super::Step;
use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, FnArg, JpQuery, Literal, Segment, Selector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// Bytes of text that cost about as much as visiting a value (about 40 ns): writing a
/// normalized path, copying a string, counting its characters, reading it with a pattern.
/// Allocating and copying take about 20 ns for 64 bytes; the paths written at the limit
/// also hold at most 64 MiB at once.
pub const BYTES_PER_VALUE: u64 = 64;

/// Compared values that cost about as much as visiting one: `==` between two nodes walks
/// both, about 1.6 ns for each value or byte of the smaller ([`DocStats::weight`]).
pub const COMPARED_PER_VALUE: u64 = 16;

/// `..` moves each array's and object's pointer into its parent's list twice at every level
/// up to where it started (`process_descendant` collects the pointers below each child, then
/// puts the node before them), 1 to 2 ns each: this many cost about one visit.
const MOVES_PER_VALUE: u64 = 16;

/// The counts of a document the bound needs, taken in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocStats {
    /// Values in the document, itself included.
    pub nodes: u64,
    /// Arrays and objects.
    pub containers: u64,
    /// The most elements or members of one array or object.
    pub widest: u64,
    /// The deepest value's depth (the document's own is 0).
    pub deepest: u64,
    /// Σ (depth + 1) over the values: the sizes of all subtrees added up.
    pub subtree_nodes: u64,
    /// Σ (depth + 1) over the arrays and objects.
    pub subtree_containers: u64,
    /// Σ of the lengths of the values' normalized paths (`$['a'][0]`), as jsonpath-rust
    /// writes them.
    pub path_bytes: u64,
    pub longest_path: u64,
    /// The longest `['name']` or `[index]` of a path.
    pub longest_step: u64,
    /// Σ path length × (depth + 1): the path text of all subtrees added up.
    pub subtree_path_bytes: u64,
    /// One for each value plus the bytes of strings and member names (as
    /// the copy budget weighs a document).
    pub weight: u64,
    /// Σ own weight × (depth + 1): the weights of all subtrees added up.
    pub subtree_weight: u64,
    /// String values, and their bytes.
    pub strings: u64,
    pub string_bytes: u64,
    pub longest_string: u64,
    /// Arrays, for what an index can find.
    pub arrays: u64,
    /// Members by name, hashed into [`NAME_BUCKETS`] counts: a name's count is at least how
    /// many members have it (names sharing a bucket add up), and bounds what `.name` finds.
    names: Vec<u64>,
}

/// How many counts [`DocStats`] keeps of member names.
const NAME_BUCKETS: usize = 1024;

/// The bucket of a member name (FNV-1a).
fn name_bucket(name: &str) -> usize {
    let hash = (name.bytes()).fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    });
    (hash % NAME_BUCKETS as u64) as usize
}

impl DocStats {
    pub fn of(doc: &Value) -> DocStats {
        let mut s = DocStats {
            names: vec![0; NAME_BUCKETS],
            ..DocStats::default()
        };
        // (value, depth, length of its normalized path)
        let mut pending: Vec<(&Value, u64, u64)> = vec![(doc, 0, 1)];
        while let Some((value, depth, path)) = pending.pop() {
            let levels = depth + 1;
            let mut own = 1u64;
            let mut longest_step = s.longest_step;
            let mut step = |member, text: u64| {
                longest_step = longest_step.max(text);
                pending.push((member, levels, path.saturating_add(text)));
            };
            match value {
                Value::String(text) => {
                    let bytes = text.len() as u64;
                    own = own.saturating_add(bytes);
                    s.strings += 1;
                    s.string_bytes = s.string_bytes.saturating_add(bytes);
                    s.longest_string = s.longest_string.max(bytes);
                }
                Value::Array(items) => {
                    s.arrays += 1;
                    for (i, item) in items.iter().enumerate() {
                        step(item, index_text(i as u64));
                    }
                }
                Value::Object(members) => {
                    for (name, member) in members {
                        own = own.saturating_add(name.len() as u64);
                        s.names[name_bucket(name)] += 1;
                        step(member, name_text(name));
                    }
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
            s.longest_step = longest_step;
            if let Some(children) = (value.as_array().map(Vec::len))
                .or_else(|| value.as_object().map(serde_json::Map::len))
            {
                s.containers += 1;
                s.subtree_containers = s.subtree_containers.saturating_add(levels);
                s.widest = s.widest.max(children as u64);
            }
            s.nodes += 1;
            s.deepest = s.deepest.max(depth);
            s.subtree_nodes = s.subtree_nodes.saturating_add(levels);
            s.path_bytes = s.path_bytes.saturating_add(path);
            s.longest_path = s.longest_path.max(path);
            s.subtree_path_bytes =
                (s.subtree_path_bytes).saturating_add(path.saturating_mul(levels));
            s.weight = s.weight.saturating_add(own);
            s.subtree_weight = s.subtree_weight.saturating_add(own.saturating_mul(levels));
        }
        s
    }
}

/// The bytes `[i]` adds to a normalized path.
fn index_text(i: u64) -> u64 {
    2 + u64::from(i.checked_ilog10().unwrap_or(0) + 1)
}

/// The bytes `['name']` adds to a normalized path, escapes included (jsonpath-rust's
/// `normal_name_selector`).
fn name_text(name: &str) -> u64 {
    let escaped: usize = (name.chars())
        .map(|c| match c {
            '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' | '\'' | '\\' => 2,
            c if c < ' ' => 6,
            c => c.len_utf8(),
        })
        .sum();
    4 + escaped as u64
}

/// The bound of a path on a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Values visited, and the other work in values (see the module's documentation).
    pub work: u64,
    /// The most matches the path can have.
    pub matches: u64,
}

/// The bound of `query` on `doc`, whose counts are `stats`.
pub fn estimate(query: &JpQuery, doc: &Value, stats: &DocStats) -> Estimate {
    let mut bound = Bound {
        doc,
        stats,
        work: 1,
    };
    let found = bound.segments(&query.segments, Nodes::ROOT);
    Estimate {
        work: bound.work,
        matches: found.count,
    }
}

/// A list of nodes an evaluation step goes through, with duplicates.
#[derive(Debug, Clone, Copy)]
struct Nodes {
    count: u64,
    /// No node is there more times than this (1: no duplicates).
    copies: u64,
    /// No node is inside another (children of such nodes are such nodes too).
    disjoint: bool,
    /// No node's path is longer: inside a filter, paths start at the item tested.
    path_each: u64,
}

impl Nodes {
    const ROOT: Nodes = Nodes {
        count: 1,
        copies: 1,
        disjoint: true,
        path_each: 1,
    };
}

/// Upper bounds of sums over a node list, from the document's counts: `count` times the
/// most one node can give, or `copies` times the sum over the whole document.
impl DocStats {
    /// Nodes in the subtrees of `list` (theirs included), with duplicates: disjoint
    /// subtrees hold each node once, others once for each of its ancestors.
    fn below(&self, list: Nodes) -> u64 {
        let once = if list.disjoint {
            self.nodes
        } else {
            self.subtree_nodes
        };
        (list.count.saturating_mul(self.nodes)).min(list.copies.saturating_mul(once))
    }

    /// The longest path a node below `list` can have.
    fn path_below(&self, list: Nodes) -> u64 {
        (list.path_each)
            .saturating_add(self.deepest.saturating_mul(self.longest_step))
            .min(self.longest_path)
    }

    /// Σ of the path lengths of the nodes of `list`.
    fn path_text(&self, list: Nodes) -> u64 {
        let each = list.path_each.min(self.longest_path);
        (list.count.saturating_mul(each)).min(list.copies.saturating_mul(self.path_bytes))
    }

    /// Σ of the path lengths in the subtrees of `list`.
    fn path_text_below(&self, list: Nodes) -> u64 {
        let once = if list.disjoint {
            self.path_bytes
        } else {
            self.subtree_path_bytes
        };
        (self.below(list).saturating_mul(self.path_below(list)))
            .min(list.copies.saturating_mul(once))
    }

    /// Σ of the weights of the nodes of `list`, subtrees included.
    fn weight_of(&self, list: Nodes) -> u64 {
        let once = if list.disjoint {
            self.weight
        } else {
            self.subtree_weight
        };
        (list.count.saturating_mul(self.weight)).min(list.copies.saturating_mul(once))
    }

    /// Σ of the bytes of the strings in `list`.
    fn string_bytes_of(&self, list: Nodes) -> u64 {
        (list.count.saturating_mul(self.longest_string))
            .min(list.copies.saturating_mul(self.string_bytes))
    }

    /// How many of `list` may be strings.
    fn strings_of(&self, list: Nodes) -> u64 {
        list.count.min(list.copies.saturating_mul(self.strings))
    }

    /// Members named `name` of `list`'s nodes.
    fn named(&self, list: Nodes, name: &str) -> Nodes {
        let members = self
            .names
            .get(name_bucket(name))
            .copied()
            .unwrap_or(self.nodes);
        Nodes {
            count: list.count.min(list.copies.saturating_mul(members)),
            path_each: list.path_each.saturating_add(name_text(name)),
            ..list
        }
    }

    /// Elements at one index of `list`'s nodes.
    fn indexed(&self, list: Nodes) -> Nodes {
        Nodes {
            count: list.count.min(list.copies.saturating_mul(self.arrays)),
            path_each: list.path_each.saturating_add(index_text(self.widest)),
            ..list
        }
    }

    /// The children of `list`'s nodes (or up to `per_node` of each): each child has one
    /// parent, so it is there as many times as its parent, and children of disjoint nodes
    /// are disjoint.
    fn children(&self, list: Nodes, per_node: Option<u64>) -> Nodes {
        let each = per_node.map_or(self.widest, |n| n.min(self.widest));
        Nodes {
            count: (list.count.saturating_mul(each)).min(list.copies.saturating_mul(self.nodes)),
            path_each: list.path_each.saturating_add(self.longest_step),
            ..list
        }
    }
}

/// What a filter compares or passes to a function, over all the items it tests.
#[derive(Debug, Clone, Copy)]
enum Operand<'a> {
    /// Nodes of the document: `list`, `times` over (an absolute query runs once per item).
    Nodes { list: Nodes, times: u64 },
    /// The node an absolute singular query (`$.a[0]`) names, if it is there, `times` over.
    Exact {
        node: Option<&'a Value>,
        path: u64,
        times: u64,
    },
    /// A literal, made again for each of `times` items.
    Literal { literal: &'a Literal, times: u64 },
    /// A number or a boolean made for each of `times` items.
    Scalar { times: u64 },
}

impl Operand<'_> {
    /// Σ of the weights of the values, subtrees included.
    fn weight(&self, stats: &DocStats) -> u64 {
        match *self {
            Operand::Nodes { list, times } => times.saturating_mul(stats.weight_of(list)),
            Operand::Exact { node, times, .. } => times.saturating_mul(match node {
                None => 0,
                Some(Value::String(s)) => 1 + s.len() as u64,
                Some(Value::Array(_) | Value::Object(_)) => stats.weight,
                Some(_) => 1,
            }),
            Operand::Literal { literal, times } => times.saturating_mul(1 + literal_bytes(literal)),
            Operand::Scalar { times } => times,
        }
    }

    /// Σ of the bytes of the strings among the values.
    fn string_bytes(&self, stats: &DocStats) -> u64 {
        match *self {
            Operand::Nodes { list, times } => times.saturating_mul(stats.string_bytes_of(list)),
            Operand::Exact { node, times, .. } => {
                times.saturating_mul(node.and_then(Value::as_str).map_or(0, |s| s.len() as u64))
            }
            Operand::Literal { literal, times } => times.saturating_mul(literal_bytes(literal)),
            Operand::Scalar { .. } => 0,
        }
    }

    /// How many of the values may be strings.
    fn strings(&self, stats: &DocStats) -> u64 {
        match *self {
            Operand::Nodes { list, times } => times.saturating_mul(stats.strings_of(list)),
            Operand::Exact { node, times, .. } => match node {
                Some(Value::String(_)) => times,
                _ => 0,
            },
            Operand::Literal { literal, times } => match literal {
                Literal::String(_) => times,
                _ => 0,
            },
            Operand::Scalar { .. } => 0,
        }
    }

    /// How many values, with duplicates.
    fn count(&self) -> u64 {
        match *self {
            Operand::Nodes { list, times } => times.saturating_mul(list.count),
            Operand::Exact { node, times, .. } => {
                if node.is_some() {
                    times
                } else {
                    0
                }
            }
            Operand::Literal { times, .. } | Operand::Scalar { times } => times,
        }
    }

    /// The most elements one of the values may have as an array.
    fn most_elements(&self, stats: &DocStats) -> u64 {
        match *self {
            Operand::Nodes { .. } => stats.widest,
            Operand::Exact { node, .. } => {
                node.and_then(Value::as_array).map_or(0, |a| a.len() as u64)
            }
            Operand::Literal { .. } | Operand::Scalar { .. } => 0,
        }
    }

    /// The bytes a copy of the values takes: the pointers' paths, the literals' strings.
    fn copy_bytes(&self, stats: &DocStats) -> u64 {
        match *self {
            Operand::Nodes { list, times } => times.saturating_mul(stats.path_text(list)),
            Operand::Exact { node, path, times } => {
                if node.is_some() {
                    times.saturating_mul(path)
                } else {
                    0
                }
            }
            Operand::Literal { literal, times } => times.saturating_mul(literal_bytes(literal)),
            Operand::Scalar { .. } => 0,
        }
    }
}

fn literal_bytes(literal: &Literal) -> u64 {
    match literal {
        Literal::String(s) => s.len() as u64,
        _ => 0,
    }
}

/// The work of one evaluation, added up as the path's tree is walked.
struct Bound<'a> {
    doc: &'a Value,
    stats: &'a DocStats,
    work: u64,
}

impl<'a> Bound<'a> {
    fn add(&mut self, values: u64) {
        self.work = self.work.saturating_add(values);
    }

    fn add_text(&mut self, bytes: u64) {
        self.add(bytes.div_ceil(BYTES_PER_VALUE));
    }

    /// Runs `f`, counting its work `times` over: an absolute query inside a filter starts
    /// over from the root for each item.
    fn repeated<T>(&mut self, times: u64, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = std::mem::replace(&mut self.work, 0);
        let result = f(self);
        self.work = before.saturating_add(self.work.saturating_mul(times));
        result
    }

    fn segments(&mut self, segments: &'a [Segment], mut list: Nodes) -> Nodes {
        for segment in segments {
            list = self.segment(segment, list);
        }
        list
    }

    fn segment(&mut self, segment: &'a Segment, list: Nodes) -> Nodes {
        match segment {
            Segment::Selector(selector) => self.selector(selector, list),
            Segment::Selectors(selectors) => {
                // A union keeps the duplicates: `[0,0]` gives each node twice (different
                // names never do), and each selector starts from its own copy of the list,
                // paths and all.
                let names: Vec<&String> = (selectors.iter())
                    .filter_map(|selector| match selector {
                        Selector::Name(name) => Some(name),
                        _ => None,
                    })
                    .collect();
                let different_names = names.len() == selectors.len()
                    && (names.iter().enumerate()).all(|(i, name)| !names[..i].contains(name));
                let mut found = Nodes {
                    count: 0,
                    copies: if different_names { list.copies } else { 0 },
                    path_each: 0,
                    ..list
                };
                for selector in selectors {
                    self.add(list.count);
                    self.add_text(self.stats.path_text(list));
                    let one = self.selector(selector, list);
                    found.count = found.count.saturating_add(one.count);
                    found.path_each = found.path_each.max(one.path_each);
                    if !different_names {
                        found.copies = found.copies.saturating_add(one.copies);
                    }
                }
                found
            }
            Segment::Descendant(inner) => {
                // `..` makes a pointer to every node below each of the list's (leaves too),
                // with its path, and keeps the arrays and objects, the list's own included:
                // each is there once for each of its ancestors in the list.
                let stats = self.stats;
                let visits = stats.below(list);
                self.add(visits);
                self.add_text(stats.path_text_below(list));
                let (containers, copies) = if list.disjoint {
                    (stats.containers, list.copies)
                } else {
                    let levels = stats.deepest.saturating_add(1);
                    (stats.subtree_containers, list.copies.saturating_mul(levels))
                };
                let found = Nodes {
                    count: (visits)
                        .min(list.count.saturating_mul(stats.containers))
                        .min(list.copies.saturating_mul(containers)),
                    copies,
                    disjoint: false,
                    path_each: stats.path_below(list),
                };
                // Each array and object is copied once (its pointer, with its path), and moved
                // twice at each level up to where `..` started (`process_descendant` collects
                // the pointers below each child, then puts the node before them).
                self.add_text(stats.path_text(found));
                let levels = if list.disjoint {
                    list.copies.saturating_mul(stats.subtree_containers)
                } else {
                    u64::MAX
                };
                let moves = levels.min(found.count.saturating_mul(stats.deepest + 1));
                self.add(moves.saturating_mul(2).div_ceil(MOVES_PER_VALUE));
                self.segment(inner, found)
            }
        }
    }

    fn selector(&mut self, selector: &'a Selector, list: Nodes) -> Nodes {
        // Each step looks at each node of the list, and makes a pointer for each it finds.
        self.add(list.count);
        let found = match selector {
            Selector::Name(name) => self.stats.named(list, name),
            Selector::Index(_) => self.stats.indexed(list),
            Selector::Wildcard => self.stats.children(list, None),
            Selector::Slice(start, end, step) => {
                self.stats.children(list, slice_length(*start, *end, *step))
            }
            Selector::Filter(filter) => {
                // The filter is evaluated for each child (or, for a list inside a filter, the
                // item itself: one, no more than its children), from a path of its own.
                let items = self.stats.children(list, None);
                self.add(items.count);
                self.filter(
                    filter,
                    Nodes {
                        path_each: 0,
                        ..items
                    },
                );
                items
            }
        };
        self.found(found)
    }

    /// Counts making the pointers of `found`, each with its path.
    fn found(&mut self, found: Nodes) -> Nodes {
        self.add(found.count);
        self.add_text(self.stats.path_text(found));
        found
    }

    /// The work of evaluating `filter` once for each of `items`.
    fn filter(&mut self, filter: &'a Filter, items: Nodes) {
        match filter {
            // `||` and `&&` may stop early; the bound does not count on it.
            Filter::Or(filters) | Filter::And(filters) => {
                for filter in filters {
                    self.filter(filter, items);
                }
            }
            Filter::Atom(FilterAtom::Filter { expr, .. }) => self.filter(expr, items),
            Filter::Atom(FilterAtom::Test { expr, .. }) => {
                self.test(expr, items);
            }
            Filter::Atom(FilterAtom::Comparison(comparison)) => self.comparison(comparison, items),
        }
    }

    fn test(&mut self, test: &'a Test, items: Nodes) -> Operand<'a> {
        match test {
            Test::RelQuery(segments) => Operand::Nodes {
                list: self.segments(segments, items),
                times: 1,
            },
            Test::AbsQuery(query) => {
                let list = self.repeated(items.count, |b| b.segments(&query.segments, Nodes::ROOT));
                match Step::plain(query) {
                    Some(steps) => self.exact(&steps, items.count),
                    None => Operand::Nodes {
                        list,
                        times: items.count,
                    },
                }
            }
            Test::Function(function) => self.function(function, items),
        }
    }

    /// The node `steps` name from the root, each of `times`.
    fn exact(&self, steps: &[Step], times: u64) -> Operand<'a> {
        let mut node = Some(self.doc);
        let mut path = 1u64;
        for step in steps {
            let Some(at) = node else { break };
            node = step.take(at);
            path = path.saturating_add(match step {
                Step::Name(name) => name_text(name),
                Step::Index(_) => 2 + 20,
            });
        }
        Operand::Exact { node, path, times }
    }

    fn comparison(&mut self, comparison: &'a Comparison, items: Nodes) {
        let (lhs, rhs) = comparison.vals();
        let lhs = self.comparable(lhs, items);
        let rhs = self.comparable(rhs, items);
        // Comparing walks the two values as far as the smaller one.
        let compare =
            (lhs.weight(self.stats).min(rhs.weight(self.stats))).div_ceil(COMPARED_PER_VALUE);
        match comparison {
            // `<=` and `>=` copy both sides, then compare them twice (`<`, then `==`).
            Comparison::Gte(..) | Comparison::Lte(..) => {
                self.add(compare.saturating_mul(2));
                self.add(lhs.count().saturating_add(rhs.count()));
                let copies = lhs
                    .copy_bytes(self.stats)
                    .saturating_add(rhs.copy_bytes(self.stats));
                self.add_text(copies);
            }
            _ => self.add(compare),
        }
    }

    fn comparable(&mut self, comparable: &'a Comparable, items: Nodes) -> Operand<'a> {
        match comparable {
            Comparable::Literal(literal) => self.literal(literal, items),
            Comparable::SingularQuery(SingularQuery::Current(segments)) => Operand::Nodes {
                list: self.singular(segments, items),
                times: 1,
            },
            Comparable::SingularQuery(SingularQuery::Root(segments)) => {
                self.repeated(items.count, |b| b.singular(segments, Nodes::ROOT));
                let steps: Vec<Step> = (segments.iter())
                    .map(|segment| match segment {
                        SingularQuerySegment::Name(name) => Step::Name(name.clone()),
                        SingularQuerySegment::Index(i) => Step::Index(*i),
                    })
                    .collect();
                self.exact(&steps, items.count)
            }
            Comparable::Function(function) => self.function(function, items),
        }
    }

    /// `@.a[0]` and `$.a[0]`: names and indexes, as in a path.
    fn singular(&mut self, segments: &[SingularQuerySegment], mut list: Nodes) -> Nodes {
        for segment in segments {
            self.add(list.count);
            list = self.found(match segment {
                SingularQuerySegment::Name(name) => self.stats.named(list, name),
                SingularQuerySegment::Index(_) => self.stats.indexed(list),
            });
        }
        list
    }

    /// A literal is made anew for each item; only a string takes an allocation.
    fn literal(&mut self, literal: &'a Literal, items: Nodes) -> Operand<'a> {
        if let Literal::String(text) = literal {
            self.add(items.count);
            self.add_text(items.count.saturating_mul(text.len() as u64));
        }
        Operand::Literal {
            literal,
            times: items.count,
        }
    }

    fn fn_arg(&mut self, arg: &'a FnArg, items: Nodes) -> Operand<'a> {
        match arg {
            FnArg::Literal(literal) => self.literal(literal, items),
            FnArg::Test(test) => self.test(test, items),
            FnArg::Filter(filter) => {
                self.add(items.count);
                self.filter(filter, items);
                Operand::Scalar { times: items.count }
            }
        }
    }

    fn function(&mut self, function: &'a TestFunction, items: Nodes) -> Operand<'a> {
        let times = items.count;
        self.add(times);
        match function {
            TestFunction::Length(arg) => {
                // Counts the characters of a string.
                let arg = self.fn_arg(arg, items);
                self.add_text(arg.string_bytes(self.stats));
                Operand::Scalar { times }
            }
            TestFunction::Count(arg) => {
                self.fn_arg(arg, items);
                Operand::Scalar { times }
            }
            TestFunction::Value(arg) => {
                let arg = self.fn_arg(arg, items);
                self.add_text(arg.copy_bytes(self.stats));
                arg
            }
            TestFunction::Match(text, pattern) => self.regex(text, pattern, false, items),
            TestFunction::Search(text, pattern) => self.regex(text, pattern, true, items),
            TestFunction::Custom(name, args) => {
                let args: Vec<Operand> = args.iter().map(|arg| self.fn_arg(arg, items)).collect();
                let values = args.iter().map(Operand::count);
                self.add(values.fold(0, u64::saturating_add));
                if let [lhs, rhs] = args.as_slice() {
                    self.custom(name, lhs, rhs, times);
                }
                Operand::Scalar { times }
            }
        }
    }

    /// `match()` and `search()` compile their pattern anew for each item whose two
    /// arguments are strings, copy both, and read the text.
    fn regex(
        &mut self,
        text: &'a FnArg,
        pattern: &'a FnArg,
        substring: bool,
        items: Nodes,
    ) -> Operand<'a> {
        let text = self.fn_arg(text, items);
        let pattern = self.fn_arg(pattern, items);
        let calls = (items.count)
            .min(text.strings(self.stats))
            .min(pattern.strings(self.stats));
        if calls > 0 {
            // A pattern from the document may be any, and another on each request.
            let regex = match pattern {
                Operand::Literal {
                    literal: Literal::String(p),
                    ..
                } => RegexCost::of(p, substring),
                _ => RegexCost::WORST,
            };
            self.add(calls.saturating_mul(regex.compile));
            let text_bytes = text.string_bytes(self.stats);
            self.add_text(text_bytes.saturating_add(pattern.string_bytes(self.stats)));
            self.add_text(text_bytes.saturating_mul(regex.states));
        }
        Operand::Scalar { times: items.count }
    }

    /// jsonpath-rust's own functions `in`, `nin` (one value among an array's elements) and
    /// `none_of`, `any_of`, `subset_of` (each element of an array among another's).
    fn custom(&mut self, name: &str, lhs: &Operand, rhs: &Operand, times: u64) {
        let stats = self.stats;
        let (lhs_weight, rhs_weight) = (lhs.weight(stats), rhs.weight(stats));
        let rhs_elements = rhs.most_elements(stats);
        let (pairs, compared) = match name {
            "in" | "nin" => (
                rhs_elements,
                (rhs_elements.saturating_mul(lhs_weight)).min(rhs_weight),
            ),
            "none_of" | "any_of" | "subset_of" => {
                let lhs_elements = lhs.most_elements(stats);
                (
                    lhs_elements.saturating_mul(rhs_elements),
                    (lhs_elements.saturating_mul(rhs_weight))
                        .min(rhs_elements.saturating_mul(lhs_weight)),
                )
            }
            _ => return,
        };
        self.add(times.saturating_mul(pairs));
        self.add(compared.div_ceil(COMPARED_PER_VALUE));
    }
}

/// How many elements of an array a slice can take, when its bounds say so whatever the
/// array's length (both from the start, or both from the end): jsonpath-rust clamps them to
/// the array, which only brings them closer.
fn slice_length(start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Option<u64> {
    let step = i128::from(step.unwrap_or(1));
    let (from, to) = match step {
        0 => return Some(0),
        1.. => (start.unwrap_or(0), end?),
        _ => (start?, end?),
    };
    if (from < 0) != (to < 0) {
        return None;
    }
    let span = (i128::from(to) - i128::from(from)) * step.signum();
    let taken = if span <= 0 {
        0
    } else {
        (span - 1) / step.abs() + 1
    };
    Some(u64::try_from(taken).unwrap_or(u64::MAX))
}

/// The cost of one call of `match()` or `search()`: jsonpath-rust compiles the pattern with
/// the `regex` crate each time, from a few µs to the crate's size limit (about 60 ms:
/// `\w{100}` is 7 characters and takes 30 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegexCost {
    /// Compiling, in values.
    pub compile: u64,
    /// States of the automaton, about: matching reads the text once per state at worst
    /// (the crate's guarantee is O(states × text)).
    pub states: u64,
}

impl RegexCost {
    /// Compiling a pattern that is not known before (one taken from the document) may reach
    /// the size limit: about 60 ms.
    pub const WORST: RegexCost = RegexCost {
        compile: 1_500_000,
        states: Self::MOST_STATES,
    };
    /// The crate's default size limit (10 MiB of automaton) holds fewer states than this.
    const MOST_STATES: u64 = 1 << 20;
    /// A compilation's fixed cost, in values: about 25 µs.
    const BASE: u64 = 500;
    /// Values for each state: compiling takes up to about 120 ns a state.
    const PER_STATE: u64 = 3;

    /// The cost of `pattern` as jsonpath-rust compiles it. Counts the states of its
    /// automaton from the `regex` crate's own parse of it: a class costs the byte ranges
    /// of its UTF-8 sequences (Unicode `\w` has thousands), a counted repetition its body
    /// as many times. Parsing takes up to about 10 ms for 1,000 characters of big classes,
    /// so each thread keeps the costs it worked out lately: a path's patterns are the same
    /// on every request.
    pub fn of(pattern: &str, substring: bool) -> RegexCost {
        /// How many costs a thread keeps; all are dropped when it is full.
        const KEPT: usize = 512;
        thread_local! {
            static KNOWN: RefCell<HashMap<(String, bool), RegexCost>> =
                RefCell::new(HashMap::new());
        }
        // Longer than a path: not one of its patterns.
        if pattern.chars().count() > super::MAX_PATH_CHARS {
            return RegexCost::WORST;
        }
        let key = (pattern.to_owned(), substring);
        if let Some(known) = KNOWN.with(|known| known.borrow().get(&key).copied()) {
            return known;
        }
        let cost = RegexCost::worked_out(pattern, substring);
        KNOWN.with(|known| {
            let mut known = known.borrow_mut();
            if known.len() >= KEPT {
                known.clear();
            }
            known.insert(key, cost);
        });
        cost
    }

    fn worked_out(pattern: &str, substring: bool) -> RegexCost {
        match regex_syntax::Parser::new().parse(&prepare_regex(pattern, substring)) {
            Ok(hir) => {
                let states = hir_states(&hir).min(Self::MOST_STATES);
                RegexCost {
                    compile: (Self::BASE + Self::PER_STATE * states).min(Self::WORST.compile),
                    states,
                }
            }
            // The crate fails at the same point, having read the pattern.
            Err(_) => RegexCost {
                compile: Self::BASE + (pattern.len() as u64).div_ceil(BYTES_PER_VALUE),
                states: 0,
            },
        }
    }
}

/// A copy of jsonpath-rust's `prepare_regex` (1.0.12, `query/test_function.rs`): `.` outside a
/// class becomes `[^\n\r]`, and a match() pattern is anchored.
fn prepare_regex(pattern: &str, substring: bool) -> String {
    let mut translated = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                translated.push(c);
                if let Some(escaped) = chars.next() {
                    translated.push(escaped);
                }
            }
            '[' if !in_class => {
                in_class = true;
                translated.push(c);
            }
            ']' if in_class => {
                in_class = false;
                translated.push(c);
            }
            '.' if !in_class => translated.push_str(r"[^\n\r]"),
            _ => translated.push(c),
        }
    }
    if substring {
        translated
    } else {
        format!("^(?:{translated})$")
    }
}

/// About the states of the automaton the `regex` crate compiles `hir` into. The parser's
/// nesting limit (250) bounds the recursion.
fn hir_states(hir: &Hir) -> u64 {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(literal) => literal.0.len() as u64,
        HirKind::Class(Class::Unicode(class)) => (class.ranges().iter())
            .map(|range| {
                regex_syntax::utf8::Utf8Sequences::new(range.start(), range.end())
                    .map(|sequence| sequence.len() as u64)
                    .sum::<u64>()
            })
            .fold(1, u64::saturating_add),
        HirKind::Class(Class::Bytes(class)) => 1 + class.ranges().len() as u64,
        HirKind::Repetition(repetition) => {
            let copies = repetition.max.unwrap_or(repetition.min).max(repetition.min);
            hir_states(&repetition.sub).saturating_mul(u64::from(copies) + 1)
        }
        HirKind::Capture(capture) => hir_states(&capture.sub).saturating_add(2),
        HirKind::Concat(hirs) | HirKind::Alternation(hirs) => {
            (hirs.iter().map(hir_states)).fold(hirs.len() as u64, u64::saturating_add)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonpath_rust::parser::parse_json_path;
    use jsonpath_rust::query::js_path;
    use serde_json::json;

    /// The counts are what jsonpath-rust makes: each value's path as it writes it.
    #[test]
    fn stats_count_the_paths_jsonpath_rust_writes() {
        let doc = json!({"a": [1, "xyz"], "it's": {"\n": null}});
        let stats = DocStats::of(&doc);
        let paths: Vec<String> = (js_path("$..*", &doc).unwrap().into_iter())
            .map(|found| found.path)
            .collect();
        let written: u64 = paths.iter().map(|p| p.len() as u64).sum::<u64>() + 1;
        assert_eq!(stats.path_bytes, written, "{paths:?}");
        let longest = paths.iter().map(String::len).max().unwrap() as u64;
        assert_eq!(stats.longest_path, longest);
        assert_eq!(
            (stats.nodes, stats.containers, stats.arrays, stats.widest),
            (6, 3, 1, 2)
        );
        assert_eq!((stats.deepest, stats.subtree_nodes), (2, 1 + 2 * 2 + 3 * 3));
        assert_eq!(
            (stats.strings, stats.string_bytes, stats.longest_string),
            (1, 3, 3)
        );
        assert_eq!(
            stats.weight as usize,
            super::super::weight(&doc, usize::MAX).unwrap()
        );
        assert!(stats.names[name_bucket("a")] >= 1);
    }

    #[test]
    fn a_slice_takes_what_its_bounds_say_whatever_the_length() {
        assert_eq!(slice_length(Some(0), Some(100), None), Some(100));
        assert_eq!(slice_length(None, Some(5), Some(2)), Some(3));
        assert_eq!(slice_length(Some(-3), Some(-1), None), Some(2));
        assert_eq!(slice_length(Some(5), Some(0), Some(-2)), Some(3));
        assert_eq!(slice_length(Some(3), Some(1), None), Some(0));
        assert_eq!(slice_length(Some(0), Some(1), Some(-1)), Some(0));
        assert_eq!(slice_length(Some(1), Some(2), Some(0)), Some(0));
        assert_eq!(slice_length(Some(-2), Some(3), None), None);
        assert_eq!(slice_length(Some(1), None, None), None);
        assert_eq!(slice_length(None, None, Some(-1)), None);
        assert_eq!(
            slice_length(Some(i64::MIN), Some(i64::MAX), Some(1)),
            None,
            "different signs"
        );
        assert_eq!(
            slice_length(Some(0), Some(i64::MAX), Some(1)),
            Some(i64::MAX as u64)
        );
        // Checked against jsonpath-rust on arrays of every length up to 8.
        for (start, end, step) in [
            (Some(0), Some(3), None),
            (Some(-3), Some(-1), Some(1)),
            (Some(6), Some(1), Some(-2)),
            (Some(-1), Some(-6), Some(-1)),
            (None, Some(7), Some(3)),
        ] {
            let most = slice_length(start, end, step).unwrap();
            for len in 0..=8 {
                let array = Value::Array(vec![json!(0); len]);
                let query =
                    JpQuery::new(vec![Segment::Selector(Selector::Slice(start, end, step))]);
                let found = jsonpath_rust::query::js_path_process(&query, &array).unwrap();
                assert!(
                    found.len() as u64 <= most,
                    "{start:?}:{end:?}:{step:?} on {len}"
                );
            }
        }
    }

    #[test]
    fn name_text_escapes_as_normalized_paths_do() {
        assert_eq!(name_text("a"), "['a']".len() as u64);
        assert_eq!(name_text("it's"), r"['it\'s']".len() as u64);
        assert_eq!(name_text("\n\u{1}é"), r"['\n\u0001é']".len() as u64);
        assert_eq!(index_text(0), 3);
        assert_eq!(index_text(10), 4);
    }

    /// Counted repetitions of big classes compile slowly: `\w{100}` (7 characters) takes
    /// 30 ms, as much as thousands of simple patterns.
    #[test]
    fn regex_costs_follow_the_automaton() {
        let simple = RegexCost::of("user1.*", false);
        assert!(simple.compile < 1_000, "{simple:?}");
        let slow = RegexCost::of(r"\w{100}", false);
        assert!(slow.compile > 500 * simple.compile, "{slow:?}");
        assert_eq!(RegexCost::of(r"\w{1000}{1000}", true), RegexCost::WORST);
        // A pattern the crate refuses costs its reading only.
        assert!(RegexCost::of("(", false).compile < 1_000);
        assert_eq!(prepare_regex("a.[.]", false), r"^(?:a[^\n\r][.])$");
    }

    /// The bound of each step: the reviewer's paths grow as they really do, by the widest
    /// object or array and the number of duplicates.
    #[test]
    fn duplicates_multiply_and_distinct_lists_do_not() {
        let doc = json!({"a": [1, 2, 3], "b": {"c": [4, 5]}});
        let stats = DocStats::of(&doc);
        let bound = |path: &str| estimate(&parse_json_path(path).unwrap(), &doc, &stats);
        assert_eq!(bound("$.a[*]").matches, 3);
        assert_eq!(bound("$..*").matches, stats.nodes);
        assert_eq!(bound("$.a[0,0,0]").matches, 3);
        let nested = json!([[[1]]]);
        let nested_stats = DocStats::of(&nested);
        let union = parse_json_path("$[0,0,0][0,0,0]").unwrap();
        assert_eq!(js_path("$[0,0,0][0,0,0]", &nested).unwrap().len(), 9);
        assert_eq!(estimate(&union, &nested, &nested_stats).matches, 9);
        assert_eq!(bound("$['a','b','a']").matches, 3);
        assert!(bound("$..*..*").matches >= 9);
        assert!(bound("$..*..*..*").work > bound("$..*..*").work);
    }
}
