//! Paths and the JSON tree: exact escaping, parsing, and the property the editor relies on:
//! every path the tree shows, evaluated by jsonpath-rust (what the receiver runs), selects
//! exactly that node.

use botwire_core::path::{self, Segment};
use botwire_core::tree::{self, NodeKind};
use jsonpath_rust::JsonPath;
use proptest::prelude::*;
use serde_json::{Value, json};

fn name(s: &str) -> Segment {
    Segment::Name(s.to_owned())
}

fn norm1(s: &str) -> String {
    path::normalized(&[name(s)])
}

// ---------------------------------------------------------------------------------------------
// normalized: RFC 9535 §2.7 escaping, exact strings

#[test]
fn normalized_root_and_indices() {
    assert_eq!(path::normalized(&[]), "$");
    assert_eq!(
        path::normalized(&[name("contact"), name("phones"), Segment::Index(0)]),
        "$['contact']['phones'][0]"
    );
    assert_eq!(
        path::normalized(&[Segment::Index(12), Segment::Index(3)]),
        "$[12][3]"
    );
}

#[test]
fn normalized_escapes_quote_and_backslash() {
    assert_eq!(norm1("it's"), r"$['it\'s']");
    assert_eq!(norm1("a\\b"), r"$['a\\b']");
    assert_eq!(norm1("\\'"), r"$['\\\'']");
    assert_eq!(norm1("'"), r"$['\'']");
    assert_eq!(norm1("\\"), r"$['\\']");
}

#[test]
fn normalized_escapes_named_control_characters() {
    assert_eq!(norm1("\u{08}"), r"$['\b']");
    assert_eq!(norm1("\u{0C}"), r"$['\f']");
    assert_eq!(norm1("\n"), r"$['\n']");
    assert_eq!(norm1("\r"), r"$['\r']");
    assert_eq!(norm1("\t"), r"$['\t']");
    assert_eq!(norm1("a\r\nb"), r"$['a\r\nb']");
}

#[test]
fn normalized_escapes_other_control_characters_as_lowercase_hex() {
    assert_eq!(norm1("\u{00}"), r"$['\u0000']");
    assert_eq!(norm1("\u{01}"), r"$['\u0001']");
    assert_eq!(norm1("\u{07}"), r"$['\u0007']");
    assert_eq!(norm1("\u{0B}"), r"$['\u000b']");
    assert_eq!(norm1("\u{0E}"), r"$['\u000e']");
    assert_eq!(norm1("\u{1B}"), r"$['\u001b']");
    assert_eq!(norm1("\u{1F}"), r"$['\u001f']");
    // Every C0 control is escaped one way or the other; none appears raw.
    for c in '\u{00}'..='\u{1F}' {
        let p = norm1(&c.to_string());
        assert!(p.starts_with(r"$['\") && !p.contains(c), "{c:?} -> {p:?}");
    }
}

#[test]
fn normalized_keeps_everything_else_literal() {
    assert_eq!(norm1("say \"hi\""), "$['say \"hi\"']");
    assert_eq!(norm1("a.b"), "$['a.b']");
    assert_eq!(norm1("first name"), "$['first name']");
    assert_eq!(norm1("[0]"), "$['[0]']");
    assert_eq!(norm1("]"), "$[']']");
    assert_eq!(norm1("$"), "$['$']");
    assert_eq!(norm1("*"), "$['*']");
    assert_eq!(norm1("😀"), "$['😀']");
    assert_eq!(norm1("\u{7F}"), "$['\u{7F}']");
    assert_eq!(norm1("/"), "$['/']");
    assert_eq!(norm1("\u{2028}"), "$['\u{2028}']");
    assert_eq!(norm1(""), "$['']");
}

// ---------------------------------------------------------------------------------------------
// short

#[test]
fn short_form_for_plain_identifiers_only() {
    assert_eq!(path::short(&[]).as_deref(), Some("$"));
    assert_eq!(
        path::short(&[name("contact"), name("phones"), Segment::Index(0)]).as_deref(),
        Some("$.contact.phones[0]")
    );
    assert_eq!(
        path::short(&[Segment::Index(2), name("_x1"), name("A_b9")]).as_deref(),
        Some("$[2]._x1.A_b9")
    );
    for not_plain in [
        "", "1a", "a-b", "a.b", "a b", "café", "ﬁ", "a'", "$", "*", "😀", "a\n",
    ] {
        assert_eq!(
            path::short(&[name("ok"), name(not_plain)]),
            None,
            "{not_plain:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// parse

#[test]
fn parse_reads_both_forms_and_mixtures() {
    let want = vec![name("contact"), name("phones"), Segment::Index(0)];
    for p in [
        "$['contact']['phones'][0]",
        "$.contact.phones[0]",
        r#"$["contact"].phones[0]"#,
        r#"$.contact["phones"][0]"#,
        "$[ 'contact' ] ['phones']\t[ 0 ]",
        "$ .contact\n.phones [0]",
    ] {
        assert_eq!(path::parse(p), Ok(want.clone()), "{p}");
    }
    assert_eq!(path::parse("$"), Ok(vec![]));
    assert_eq!(
        path::parse("$[10][0]"),
        Ok(vec![Segment::Index(10), Segment::Index(0)])
    );
    // RFC 9535 shorthand allows non-ASCII names; `short` never emits them, `parse` accepts them.
    assert_eq!(path::parse("$.café.x1"), Ok(vec![name("café"), name("x1")]));
}

#[test]
fn parse_reads_every_escape() {
    let cases: &[(&str, &str)] = &[
        (r"$['it\'s']", "it's"),
        (r#"$["it's"]"#, "it's"),
        (r#"$["say \"hi\""]"#, "say \"hi\""),
        (r#"$['say "hi"']"#, "say \"hi\""),
        (r"$['a\\b']", "a\\b"),
        (r"$['a\/b']", "a/b"),
        (r"$['\b\f\n\r\t']", "\u{08}\u{0C}\n\r\t"),
        (r"$['\u0000\u001f\u001F']", "\u{00}\u{1F}\u{1F}"),
        (r"$['\u0041\u00e9']", "Aé"),
        (r"$['\uD83D\uDE00']", "😀"),
        (r"$['\ud83d\ude00']", "😀"),
        ("$['😀 \u{7F}']", "😀 \u{7F}"),
        ("$['']", ""),
        (r#"$[""]"#, ""),
        ("$['.[]$*']", ".[]$*"),
    ];
    for (p, want) in cases {
        assert_eq!(path::parse(p), Ok(vec![name(want)]), "{p}");
    }
}

fn parse_err(p: &str) -> String {
    path::parse(p).expect_err(p)
}

#[test]
fn parse_rejects_anything_but_plain_names_and_indices() {
    for (p, at) in [
        ("$.*", "the wildcard `*` at character 3"),
        ("$[*]", "the wildcard `*` at character 3"),
        ("$..a", "the descendant segment `..` at character 2"),
        ("$.a[?@.b]", "a filter `?` at character 5"),
        ("$[1:2]", "a slice `:` at character 4"),
        ("$[:2]", "a slice `:` at character 3"),
        ("$[-1]", "a negative index at character 3"),
        ("$['a','b']", "a list of selectors `,` at character 6"),
        ("$[0, 1]", "a list of selectors `,` at character 4"),
    ] {
        let e = parse_err(p);
        assert!(e.starts_with(at), "{p}: {e}");
        assert!(
            e.contains("only plain name/index paths can be parsed"),
            "{p}: {e}"
        );
    }
}

#[test]
fn parse_errors_name_the_position() {
    for (p, want) in [
        (
            "",
            "expected `$` (a path starts at the root) at character 1, found the end of the path",
        ),
        (
            "a.b",
            "expected `$` (a path starts at the root) at character 1, found `a`",
        ),
        ("$a", "expected `.` or `[` at character 2, found `a`"),
        (
            "$.",
            "expected a member name after `.` at character 3, found the end of the path",
        ),
        (
            "$.1a",
            "expected a member name after `.` at character 3, found `1`",
        ),
        ("$.a-b", "expected `.` or `[` at character 4, found `-`"),
        (
            "$[a]",
            "expected a quoted name or an index after `[` at character 3, found `a`",
        ),
        (
            "$['a'",
            "expected `]` at character 6, found the end of the path",
        ),
        ("$['a'x]", "expected `]` at character 6, found `x`"),
        ("$['a]", "the name opened at character 3 has no closing '"),
        ("$[01]", "an index has no leading zeros (character 3)"),
        (
            "$[99999999999999999999999]",
            "the index at character 3 is too large",
        ),
        (
            "$['a\nb']",
            "control character U+000A at character 5 must be escaped",
        ),
        (
            "$['a'] ",
            "unexpected blank space at the end of the path (character 7)",
        ),
        (r"$['\x']", "invalid escape at character 4"),
        (r#"$['\"']"#, "invalid escape at character 4"),
        (r#"$["\'"]"#, "invalid escape at character 4"),
        (
            r"$['\u12']",
            "the \\u escape at character 4 needs four hex digits",
        ),
        (
            r"$['\uD83D']",
            "the escape at character 4 is a high surrogate",
        ),
        (
            r"$['\uD83Dx']",
            "the escape at character 4 is a high surrogate",
        ),
        (
            r"$['\uD83D\u0041']",
            "the escape at character 10 is not a low surrogate",
        ),
        (
            r"$['\uDE00']",
            "the escape at character 4 is a low surrogate without a high one",
        ),
    ] {
        let e = parse_err(p);
        assert!(e.starts_with(want), "{p:?}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The property: what the tree shows is what jsonpath-rust selects.

/// `p` evaluated by jsonpath-rust selects exactly the node at `segments`, the very same
/// value in memory, and jsonpath-rust reports that node's normalized path as `normalized`.
fn assert_selects(doc: &Value, p: &str, segments: &[Segment], normalized: &str) {
    let want = tree::get(doc, segments).unwrap_or_else(|| panic!("no node at {segments:?}"));
    let found = doc
        .query_with_path(p)
        .unwrap_or_else(|e| panic!("jsonpath-rust rejects {p:?}: {e}"));
    assert_eq!(found.len(), 1, "{p:?} selects {} values", found.len());
    assert!(
        std::ptr::eq(found[0].val, want),
        "{p:?} selects another node: {:?} instead of {want:?}",
        found[0].val
    );
    assert_eq!(found[0].path, normalized, "jsonpath-rust's path for {p:?}");
}

/// The whole property for one document; also the parse round trip and `children`.
fn check_document(doc: &Value) {
    let nodes = tree::walk(doc);
    assert_eq!(nodes[0].path, "$");
    for node in &nodes {
        assert_eq!(node.path, path::normalized(&node.segments));
        assert_eq!(node.short, path::short(&node.segments));
        assert_selects(doc, &node.path, &node.segments, &node.path);
        assert_eq!(
            path::parse(&node.path).as_ref(),
            Ok(&node.segments),
            "{:?}",
            node.path
        );
        if let Some(short) = &node.short {
            assert_selects(doc, short, &node.segments, &node.path);
            assert_eq!(path::parse(short).as_ref(), Ok(&node.segments), "{short:?}");
        }
        // `children` is one level of `walk`.
        let kids = tree::children(doc, &node.segments);
        let from_walk: Vec<_> = nodes
            .iter()
            .filter(|n| {
                n.segments.len() == node.segments.len() + 1
                    && n.segments.starts_with(&node.segments)
            })
            .cloned()
            .collect();
        assert_eq!(kids, from_walk, "children of {}", node.path);
        assert_eq!(kids.len(), node.len);
    }
    // Pre-order: a node's descendants follow it directly.
    for pair in nodes.windows(2) {
        let (a, b) = (&pair[0].segments, &pair[1].segments);
        assert!(b.len() <= a.len() + 1 && b[..b.len() - 1] == a[..b.len() - 1]);
    }
}

/// Every awkward character in one member name each, next to ordinary ones.
fn awkward_document() -> Value {
    let mut names: Vec<String> = ('\u{00}'..='\u{1F}').map(String::from).collect();
    names.extend(
        [
            "",
            "'",
            "\"",
            "\\",
            "\\'",
            "'\\",
            "\\\\'",
            ".",
            "..",
            " ",
            " a ",
            "[",
            "]",
            "['x']",
            "[0]",
            "$",
            "$.a",
            "*",
            "@",
            "?",
            ",",
            ":",
            "😀",
            "👩‍👩‍👧",
            "\u{7F}",
            "\u{2028}",
            "\u{FEFF}",
            "\u{10FFFF}",
            "/",
            "é",
            "a\u{0}b",
            "\\u0041",
            "\\n",
            "plain",
            "_x",
        ]
        .map(String::from),
    );
    let inner: serde_json::Map<String, Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), json!([i, {"k": n}])))
        .collect();
    json!({ "contact": { "phones": ["+44 20 7946 0000", null] }, "odd": inner, "list": [[], {}, true, 1.5] })
}

#[test]
fn every_path_of_an_awkward_document_selects_its_node() {
    check_document(&awkward_document());
}

#[test]
fn hand_written_paths_agree_with_jsonpath_rust() {
    // Forms `normalized` never emits, but users may type: `parse` and jsonpath-rust agree.
    let doc = awkward_document();
    for p in [
        r#"$["odd"]["'"]"#,
        r#"$.odd["\""][1].k"#,
        r"$.odd['\u0000']",
        r"$.odd['\u001F']",
        r"$.odd['\/']",
        r"$.odd['\uD83D\uDE00']",
        "$ .odd [ '$' ] [0]",
        "$.contact.phones[1]",
    ] {
        let segments = path::parse(p).unwrap();
        assert_selects(&doc, p, &segments, &path::normalized(&segments));
    }
}

// ---------------------------------------------------------------------------------------------
// Random documents with awkward member names

fn awkward_char() -> impl Strategy<Value = char> {
    let mut special: Vec<char> = ('\u{00}'..='\u{1F}').collect();
    special.extend([
        '\'',
        '"',
        '\\',
        '.',
        ' ',
        '[',
        ']',
        '$',
        '*',
        '@',
        '?',
        ',',
        ':',
        '/',
        '\u{7F}',
        '😀',
        'é',
        '\u{2028}',
        '\u{FEFF}',
        '\u{10FFFF}',
    ]);
    prop_oneof![
        3 => proptest::sample::select(special),
        1 => proptest::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec(awkward_char(), 0..5)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        2 => "[a-zA-Z_][a-zA-Z0-9_]{0,5}",
        1 => Just(String::new()),
    ]
}

fn document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    // Depth ≤ 5 below the root.
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((member_name(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn segments() -> impl Strategy<Value = Vec<Segment>> {
    proptest::collection::vec(
        prop_oneof![
            3 => member_name().prop_map(Segment::Name),
            1 => any::<usize>().prop_map(Segment::Index),
        ],
        0..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_documents_paths_select_their_nodes(doc in document()) {
        check_document(&doc);
    }

    #[test]
    fn parse_inverts_normalized_and_short(segments in segments()) {
        let normalized = path::normalized(&segments);
        prop_assert_eq!(path::parse(&normalized), Ok(segments.clone()));
        if let Some(short) = path::short(&segments) {
            prop_assert_eq!(path::parse(&short), Ok(segments.clone()));
        }
    }

    #[test]
    fn parse_never_panics(p in "\\$[\\[\\]'\"\\\\.a0-9u *?:,-]{0,12}") {
        let _ = path::parse(&p);
    }
}

// ---------------------------------------------------------------------------------------------
// Deep documents

/// Drops a document without recursion: serde_json's own `Drop` recurses once per level.
fn dismantle(doc: Value) {
    let mut stack = vec![doc];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// `depth` levels alternating `{"a": …}` and `[…]`, built bottom-up without recursion.
fn deep_document(depth: usize) -> Value {
    let mut doc = json!("bottom");
    for level in (0..depth).rev() {
        doc = if level % 2 == 0 {
            Value::Object([("a".to_owned(), doc)].into_iter().collect())
        } else {
            Value::Array(vec![doc])
        };
    }
    doc
}

fn deep_segments(depth: usize) -> Vec<Segment> {
    (0..depth)
        .map(|level| {
            if level % 2 == 0 {
                name("a")
            } else {
                Segment::Index(0)
            }
        })
        .collect()
}

#[test]
fn get_and_children_handle_10000_levels() {
    const DEPTH: usize = 10_000;
    let doc = deep_document(DEPTH);
    let segments = deep_segments(DEPTH);
    assert_eq!(tree::get(&doc, &segments), Some(&json!("bottom")));
    let kids = tree::children(&doc, &segments[..DEPTH - 1]);
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0].segments, segments);
    assert_eq!(kids[0].preview, "\"bottom\"");
    assert_eq!(path::parse(&kids[0].path).as_ref(), Ok(&segments));
    dismantle(doc);
}

/// `walk` is iterative. Every node owns its full path, so a chain `d` deep yields about
/// 12·d² bytes of nodes (2.4 GB at 10,000 levels, measured). Instead of 10,000 levels on the
/// 2 MiB test stack (~200 bytes per level would overflow), this walks 2,000 levels on a
/// 64 KiB stack (~32 bytes per level): no recursive walk survives that, at ~50 MB.
#[test]
fn walk_is_iterative() {
    const DEPTH: usize = 2_000;
    let doc = deep_document(DEPTH);
    let segments = deep_segments(DEPTH);
    let (doc, nodes) = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let nodes = tree::walk(&doc);
            (doc, nodes)
        })
        .unwrap()
        .join()
        .expect("walk overflowed a 64 KiB stack");
    assert_eq!(nodes.len(), DEPTH + 1);
    let last = nodes.last().unwrap();
    assert_eq!(last.segments, segments);
    assert_eq!(last.kind, NodeKind::String);
    assert!(last.short.as_deref().unwrap().ends_with(".a[0].a[0]"));
    assert_eq!(last.path, path::normalized(&segments));
    dismantle(doc);
}

// ---------------------------------------------------------------------------------------------
// Previews and kinds

#[test]
fn previews() {
    let doc = json!({
        "s": "hi \"you\"\n",
        "n": 42,
        "f": -1.5,
        "t": true,
        "z": null,
        "o1": {"a": 1},
        "o3": {"a": 1, "b": 2, "c": 3},
        "o0": {},
        "a1": [1],
        "a2": [1, 2],
        "a0": [],
    });
    let by_name = |n: &str| {
        tree::children(&doc, &[])
            .into_iter()
            .find(|node| node.segments == [name(n)])
            .unwrap()
    };
    let cases = [
        ("s", NodeKind::String, 0, r#""hi \"you\"\n""#),
        ("n", NodeKind::Number, 0, "42"),
        ("f", NodeKind::Number, 0, "-1.5"),
        ("t", NodeKind::Boolean, 0, "true"),
        ("z", NodeKind::Null, 0, "null"),
        ("o1", NodeKind::Object, 1, "{…} 1 key"),
        ("o3", NodeKind::Object, 3, "{…} 3 keys"),
        ("o0", NodeKind::Object, 0, "{} 0 keys"),
        ("a1", NodeKind::Array, 1, "[…] 1 item"),
        ("a2", NodeKind::Array, 2, "[…] 2 items"),
        ("a0", NodeKind::Array, 0, "[] 0 items"),
    ];
    for (n, kind, len, preview) in cases {
        let node = by_name(n);
        assert_eq!(
            (node.kind, node.len, node.preview.as_str()),
            (kind, len, preview),
            "{n}"
        );
    }
    let root = &tree::walk(&doc)[0];
    assert_eq!(
        (root.kind, root.len, root.preview.as_str()),
        (NodeKind::Object, 11, "{…} 11 keys")
    );
}

fn string_preview(s: &str) -> String {
    tree::walk(&Value::String(s.to_owned()))[0].preview.clone()
}

#[test]
fn string_previews_are_cut_to_80_characters() {
    // 78 characters + quotes fit exactly.
    let fits = "x".repeat(78);
    assert_eq!(string_preview(&fits), format!("\"{fits}\""));
    // One more: 79 characters are kept (the opening quote and 78 x), then `…`.
    let over = "x".repeat(79);
    assert_eq!(string_preview(&over), format!("\"{}…", "x".repeat(78)));
    // Multi-byte characters are cut on character boundaries.
    let emoji = "😀".repeat(200);
    let p = string_preview(&emoji);
    assert_eq!(p.chars().count(), 80);
    assert_eq!(p, format!("\"{}…", "😀".repeat(78)));
    // Escape sequences are never cut in half.
    let controls = format!("{}{}", "x".repeat(75), "\u{01}".repeat(10));
    assert_eq!(string_preview(&controls), format!("\"{}…", "x".repeat(75)));
    let newlines = format!("{}{}", "x".repeat(77), "\n".repeat(10));
    assert_eq!(string_preview(&newlines), format!("\"{}…", "x".repeat(77)));
    // A huge string is not escaped whole, and its preview is the same.
    assert_eq!(
        string_preview(&"y".repeat(1_000_000)),
        format!("\"{}…", "y".repeat(78))
    );
    for s in ["", "é", "😀😀", "\u{0}", "a\"b\\c"] {
        assert_eq!(string_preview(s), Value::String(s.to_owned()).to_string());
    }
}
