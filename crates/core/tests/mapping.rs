//! Conversion rules (`convert`) and mapping evaluation (`mapping`), against small documents
//! and a realistic booking payload.

use botwire_core::convert::{ConvertError, TypedValue, convert};
use botwire_core::field::FieldType;
use botwire_core::mapping::cost::{self, DocStats};
use botwire_core::mapping::{
    CompiledPath, MAX_PATH_WORK, Mapping, MappingError, MappingOutcome, check_path, evaluate,
    evaluate_all, evaluate_text, select,
};
use chrono::{DateTime, NaiveDate};
use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use proptest::prelude::*;
use serde_json::{Number, Value, json};
use std::time::{Duration, Instant};

/// A copy of `shared/samples/booking.json` (the samples live outside the repository, and the
/// tests run on a clean clone).
const BOOKING: &str = r#"{
  "event": "booking.created",
  "booking": {
    "id": "bk_7Q2m9",
    "start": "2026-12-03T15:30:00Z",
    "end": "2026-12-03T16:00:00Z",
    "service": "Initial consultation",
    "location": { "type": "video", "url": "https://meet.example.com/r/abc" }
  },
  "contact": {
    "first_name": "Ana",
    "last_name": "Souza",
    "email": "ana.souza@example.com",
    "phone": "+1 (415) 555-0132",
    "tags": ["new", "web"],
    "consent": { "sms": true, "email": false }
  },
  "answers": [
    { "question": "What would you like to discuss?", "answer": "Pricing for 3 bots" },
    { "question": "Company size", "answer": "11-50" }
  ],
  "meta": { "source": "website", "utm": { "campaign": "winter sale", "medium": "cpc" } }
}"#;

fn booking() -> Value {
    serde_json::from_str(BOOKING).unwrap()
}

fn ok(value: Value, to: FieldType) -> TypedValue {
    convert(&value, to).unwrap_or_else(|e| panic!("{value} as {to}: {e}"))
}

/// The error's message.
fn err(value: Value, to: FieldType) -> String {
    match convert(&value, to) {
        Ok(v) => panic!("{value} as {to} gave {v:?}"),
        Err(e) => {
            assert_eq!(e.expected, to);
            e.to_string()
        }
    }
}

fn num(n: impl Into<Number>) -> TypedValue {
    TypedValue::Number(n.into())
}

fn float(f: f64) -> TypedValue {
    TypedValue::Number(Number::from_f64(f).unwrap())
}

fn date(y: i32, m: u32, d: u32) -> TypedValue {
    TypedValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn datetime(rfc3339: &str) -> TypedValue {
    TypedValue::Datetime(DateTime::parse_from_rfc3339(rfc3339).unwrap())
}

// ---------------------------------------------------------------- convert: found / message

#[test]
fn found_describes_the_value_briefly() {
    let found = |v: Value| convert(&v, FieldType::Number).unwrap_err().found;
    assert_eq!(found(json!("abc")), r#"string "abc""#);
    assert_eq!(found(json!(true)), "boolean true");
    assert_eq!(found(json!(null)), "null");
    assert_eq!(found(json!({"a": 1})), "object");
    assert_eq!(found(json!([1, 2])), "array");
    assert_eq!(
        convert(&json!(3.5), FieldType::Boolean).unwrap_err().found,
        "number 3.5"
    );
    let long = "a".repeat(45);
    assert_eq!(
        found(json!(long)),
        format!("string \"{}…\"", "a".repeat(40))
    );
    assert_eq!(found(json!("say \"hi\"\n")), r#"string "say \"hi\"\n""#);
}

#[test]
fn messages_read_naturally() {
    assert_eq!(
        err(json!("abc"), FieldType::Number),
        r#"expected a number, found string "abc""#
    );
    assert_eq!(
        err(json!(null), FieldType::Text),
        "expected text, found null"
    );
    let e = ConvertError {
        expected: FieldType::Boolean,
        found: "number 2".into(),
    };
    assert_eq!(
        e.to_string(),
        "expected a boolean (true/false, yes/no, on/off or 1/0), found number 2"
    );
}

// ---------------------------------------------------------------- convert: text

#[test]
fn text_takes_strings_as_they_are_and_prints_numbers_and_booleans() {
    assert_eq!(
        ok(json!("  Ana "), FieldType::Text),
        TypedValue::Text("  Ana ".into())
    );
    assert_eq!(ok(json!(""), FieldType::Text), TypedValue::Text("".into()));
    assert_eq!(
        ok(json!(42), FieldType::Text),
        TypedValue::Text("42".into())
    );
    assert_eq!(
        ok(json!(3.5), FieldType::Text),
        TypedValue::Text("3.5".into())
    );
    assert_eq!(
        ok(json!(-7), FieldType::Text),
        TypedValue::Text("-7".into())
    );
    assert_eq!(
        ok(json!(true), FieldType::Text),
        TypedValue::Text("true".into())
    );
    assert_eq!(
        ok(json!(false), FieldType::Text),
        TypedValue::Text("false".into())
    );
}

#[test]
fn text_rejects_null_objects_and_arrays() {
    assert_eq!(
        err(json!(null), FieldType::Text),
        "expected text, found null"
    );
    assert_eq!(
        err(json!({"a": 1}), FieldType::Text),
        "expected text, found object"
    );
    assert_eq!(
        err(json!(["a"]), FieldType::Text),
        "expected text, found array"
    );
}

/// Integers beyond 64 bits arrive rounded to floats: as text they would be another id, and
/// two different ids could become the same one. Text and identity paths refuse them.
#[test]
fn numbers_too_large_to_be_exact_are_not_text() {
    let doc: serde_json::Value = serde_json::from_str(
        r#"{"crm": 123456789012345678901234567890, "big": 9007199254740992.0,
            "max": 18446744073709551615, "min": -9223372036854775808, "below": 123456.5}"#,
    )
    .unwrap();
    let rounded = "number 1.2345678901234568e+29, too large to be exact (send it as a string)";
    assert_eq!(
        err(doc["crm"].clone(), FieldType::Text),
        format!("expected text, found {rounded}")
    );
    assert_eq!(
        botwire_core::mapping::evaluate_text(&doc, "$.crm")
            .unwrap_err()
            .to_string(),
        format!("expected text, found {rounded}")
    );
    assert!(err(doc["big"].clone(), FieldType::Text).contains("too large to be exact"));
    // 64-bit integers stay exact, and so do smaller floats.
    for (key, text) in [
        ("max", "18446744073709551615"),
        ("min", "-9223372036854775808"),
        ("below", "123456.5"),
    ] {
        assert_eq!(
            ok(doc[key].clone(), FieldType::Text),
            TypedValue::Text(text.into())
        );
    }
    // A number field still takes it, as the float it is.
    assert!(matches!(
        ok(doc["crm"].clone(), FieldType::Number),
        TypedValue::Number(_)
    ));
}

// ---------------------------------------------------------------- convert: number

#[test]
fn number_takes_json_numbers() {
    assert_eq!(ok(json!(42), FieldType::Number), num(42));
    assert_eq!(ok(json!(-3), FieldType::Number), num(-3));
    assert_eq!(ok(json!(3.5), FieldType::Number), float(3.5));
    assert_eq!(ok(json!(u64::MAX), FieldType::Number), num(u64::MAX));
}

#[test]
fn number_parses_trimmed_decimal_strings_keeping_integers() {
    let n = ok(json!("42"), FieldType::Number);
    assert_eq!(n, num(42));
    // An integer, not 42.0.
    assert_eq!(n.to_json().to_string(), "42");
    assert_eq!(ok(json!(" 3.5 "), FieldType::Number), float(3.5));
    assert_eq!(ok(json!("-1e3"), FieldType::Number), float(-1000.0));
    assert_eq!(ok(json!("+7"), FieldType::Number), num(7));
    assert_eq!(ok(json!("-0.25"), FieldType::Number), float(-0.25));
    assert_eq!(ok(json!("\t10\n"), FieldType::Number), num(10));
}

#[test]
fn number_rejects_non_numbers() {
    assert_eq!(
        err(json!("abc"), FieldType::Number),
        r#"expected a number, found string "abc""#
    );
    assert_eq!(
        err(json!(""), FieldType::Number),
        r#"expected a number, found string """#
    );
    assert_eq!(
        err(json!("   "), FieldType::Number),
        r#"expected a number, found string "   ""#
    );
    for s in [
        "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "1,5", "12abc", "0x10", "1 000",
    ] {
        assert_eq!(
            err(json!(s), FieldType::Number),
            format!("expected a number, found string \"{s}\"")
        );
    }
    assert_eq!(
        err(json!(true), FieldType::Number),
        "expected a number, found boolean true"
    );
    assert_eq!(
        err(json!(null), FieldType::Number),
        "expected a number, found null"
    );
    assert_eq!(
        err(json!([1]), FieldType::Number),
        "expected a number, found array"
    );
    assert_eq!(
        err(json!({"n": 1}), FieldType::Number),
        "expected a number, found object"
    );
}

// ---------------------------------------------------------------- convert: boolean

#[test]
fn boolean_takes_booleans_one_and_zero_and_words() {
    assert_eq!(
        ok(json!(true), FieldType::Boolean),
        TypedValue::Boolean(true)
    );
    assert_eq!(
        ok(json!(false), FieldType::Boolean),
        TypedValue::Boolean(false)
    );
    assert_eq!(ok(json!(1), FieldType::Boolean), TypedValue::Boolean(true));
    assert_eq!(ok(json!(0), FieldType::Boolean), TypedValue::Boolean(false));
    for s in ["true", "TRUE", " Yes ", "on", "1", "On"] {
        assert_eq!(
            ok(json!(s), FieldType::Boolean),
            TypedValue::Boolean(true),
            "{s}"
        );
    }
    for s in ["false", "False", "no", "NO", " off", "0"] {
        assert_eq!(
            ok(json!(s), FieldType::Boolean),
            TypedValue::Boolean(false),
            "{s}"
        );
    }
}

#[test]
fn boolean_rejects_everything_else() {
    let expected = "expected a boolean (true/false, yes/no, on/off or 1/0)";
    assert_eq!(
        err(json!(2), FieldType::Boolean),
        format!("{expected}, found number 2")
    );
    assert_eq!(
        err(json!(0.5), FieldType::Boolean),
        format!("{expected}, found number 0.5")
    );
    assert_eq!(
        err(json!("y"), FieldType::Boolean),
        format!("{expected}, found string \"y\"")
    );
    assert_eq!(
        err(json!(""), FieldType::Boolean),
        format!("{expected}, found string \"\"")
    );
    assert_eq!(
        err(json!(null), FieldType::Boolean),
        format!("{expected}, found null")
    );
    assert_eq!(
        err(json!({}), FieldType::Boolean),
        format!("{expected}, found object")
    );
}

// ---------------------------------------------------------------- convert: date

const DATE_EXPECTED: &str = "expected a date (YYYY-MM-DD, DD.MM.YYYY, YYYY/MM/DD or a date-time such as 2026-11-21T09:30:00Z)";

#[test]
fn date_takes_iso_dotted_and_slashed_forms() {
    assert_eq!(ok(json!("2026-11-21"), FieldType::Date), date(2026, 11, 21));
    assert_eq!(
        ok(json!(" 2026-11-21 "), FieldType::Date),
        date(2026, 11, 21)
    );
    assert_eq!(ok(json!("21.11.2026"), FieldType::Date), date(2026, 11, 21));
    assert_eq!(ok(json!("3.2.2026"), FieldType::Date), date(2026, 2, 3));
    assert_eq!(ok(json!("2026/11/21"), FieldType::Date), date(2026, 11, 21));
    assert_eq!(ok(json!("2024-02-29"), FieldType::Date), date(2024, 2, 29));
}

#[test]
fn date_takes_the_date_of_a_datetime_as_written() {
    assert_eq!(
        ok(json!("2026-11-21T09:30:00.000Z"), FieldType::Date),
        date(2026, 11, 21)
    );
    // 04:30 UTC the next day, but the date as written is the 21st.
    assert_eq!(
        ok(json!("2026-11-21T23:30:00-05:00"), FieldType::Date),
        date(2026, 11, 21)
    );
    assert_eq!(
        ok(json!("2026-11-21 09:30"), FieldType::Date),
        date(2026, 11, 21)
    );
}

#[test]
fn date_rejects_ambiguous_impossible_and_other_values() {
    for s in [
        "01/02/2024",
        "2024-02-30",
        "2023-02-29",
        "2026-13-01",
        "31.04.2026",
        "26-11-21",
        "20261121",
        "21 Nov 2026",
        "",
        "2026-11-21T25:00:00Z",
    ] {
        assert_eq!(
            err(json!(s), FieldType::Date),
            format!("{DATE_EXPECTED}, found string \"{s}\"")
        );
    }
    assert_eq!(
        err(json!(1_764_000_000), FieldType::Date),
        format!("{DATE_EXPECTED}, found number 1764000000")
    );
    assert_eq!(
        err(json!(null), FieldType::Date),
        format!("{DATE_EXPECTED}, found null")
    );
}

// ---------------------------------------------------------------- convert: datetime

const DATETIME_EXPECTED: &str = "expected a date-time (RFC 3339 such as 2026-11-21T09:30:00Z, YYYY-MM-DD HH:MM[:SS] with an optional offset, or a Unix timestamp)";

#[test]
fn datetime_takes_rfc3339() {
    assert_eq!(
        ok(json!("2026-11-21T09:30:00.000Z"), FieldType::Datetime),
        datetime("2026-11-21T09:30:00Z")
    );
    assert_eq!(
        ok(json!("2026-11-21T09:30:00+02:00"), FieldType::Datetime),
        datetime("2026-11-21T09:30:00+02:00")
    );
    assert_eq!(
        ok(json!("2026-11-21t09:30:00.123456z"), FieldType::Datetime),
        datetime("2026-11-21T09:30:00.123456Z")
    );
    // The offset is kept, not turned into UTC.
    let TypedValue::Datetime(dt) = ok(json!("2026-11-21T09:30:00-05:00"), FieldType::Datetime)
    else {
        unreachable!()
    };
    assert_eq!(dt.offset().local_minus_utc(), -5 * 3600);
}

#[test]
fn datetime_takes_date_and_time_with_an_optional_offset_else_utc() {
    let cases = [
        ("2026-11-21 09:30", "2026-11-21T09:30:00Z"),
        ("2026-11-21 09:30:15", "2026-11-21T09:30:15Z"),
        ("2026-11-21T09:30", "2026-11-21T09:30:00Z"),
        ("2026-11-21 9:30", "2026-11-21T09:30:00Z"),
        ("2026-11-21 09:30:15.5", "2026-11-21T09:30:15.5Z"),
        ("2026-11-21 09:30 +02:00", "2026-11-21T09:30:00+02:00"),
        ("2026-11-21 09:30+0200", "2026-11-21T09:30:00+02:00"),
        ("2026-11-21T09:30:00-03", "2026-11-21T09:30:00-03:00"),
        ("2026-11-21 09:30 UTC", "2026-11-21T09:30:00Z"),
        ("2026-11-21 09:30Z", "2026-11-21T09:30:00Z"),
    ];
    for (input, expected) in cases {
        assert_eq!(
            ok(json!(input), FieldType::Datetime),
            datetime(expected),
            "{input}"
        );
    }
}

#[test]
fn datetime_takes_unix_timestamps_in_seconds_or_milliseconds() {
    assert_eq!(
        ok(json!(1_764_000_000), FieldType::Datetime),
        datetime("2025-11-24T16:00:00Z")
    );
    // Above 10^11: milliseconds.
    assert_eq!(
        ok(json!(1_764_000_000_123_i64), FieldType::Datetime),
        datetime("2025-11-24T16:00:00.123Z")
    );
    assert_eq!(
        ok(json!(100_000_000_000_i64), FieldType::Datetime),
        datetime("5138-11-16T09:46:40Z")
    );
    assert_eq!(
        ok(json!(100_000_000_001_i64), FieldType::Datetime),
        datetime("1973-03-03T09:46:40.001Z")
    );
    assert_eq!(
        ok(json!(0), FieldType::Datetime),
        datetime("1970-01-01T00:00:00Z")
    );
    // Up to the last millisecond RFC 3339 can write; one more is rejected (below).
    assert_eq!(
        ok(json!(253_402_300_799_999_i64), FieldType::Datetime),
        datetime("9999-12-31T23:59:59.999Z")
    );
    assert_eq!(
        err(json!(253_402_300_800_000_i64), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found number 253402300800000")
    );
    assert_eq!(
        ok(json!(-86400), FieldType::Datetime),
        datetime("1969-12-31T00:00:00Z")
    );
    // Digit strings too (form-encoded bodies carry numbers as strings).
    assert_eq!(
        ok(json!(" 1764000000 "), FieldType::Datetime),
        datetime("2025-11-24T16:00:00Z")
    );
    assert_eq!(
        ok(json!("1764000000123"), FieldType::Datetime),
        datetime("2025-11-24T16:00:00.123Z")
    );
}

#[test]
fn datetime_rejects_other_values() {
    for s in [
        "2026-11-21",
        "21.11.2026 09:30",
        "2026-11-21 25:00",
        "2026-11-21 09:60",
        "2026-11-21 09:30 CET",
        "2026-11-21 09:30 +2",
        "2026-11-21T09:30:00Zjunk",
        "tomorrow",
        "",
        "1.7e9",
        // Four bytes after the sign, but not four digits: no panic, just no offset.
        "2026-11-21 10:00+€1",
        // Microseconds read as milliseconds would be the year 55840.
        "1700000000000000",
        "-99999999999999",
    ] {
        assert_eq!(
            err(json!(s), FieldType::Datetime),
            format!("{DATETIME_EXPECTED}, found string \"{s}\""),
        );
    }
    assert_eq!(
        err(json!(1.5e9), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found number 1500000000.0")
    );
    assert_eq!(
        err(json!(i64::MAX), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found number {}", i64::MAX)
    );
    assert_eq!(
        err(json!(1_700_000_000_000_000_i64), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found number 1700000000000000")
    );
    assert_eq!(
        err(json!("2026-11-21 10:00+€1"), FieldType::Date),
        format!("{DATE_EXPECTED}, found string \"2026-11-21 10:00+€1\"")
    );
    assert_eq!(
        err(json!(true), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found boolean true")
    );
    assert_eq!(
        err(json!(null), FieldType::Datetime),
        format!("{DATETIME_EXPECTED}, found null")
    );
}

// ---------------------------------------------------------------- convert: json

#[test]
fn json_takes_anything_as_it_is() {
    for v in [
        json!(null),
        json!("a"),
        json!(1),
        json!([1, {"a": null}]),
        json!({"x": [true]}),
    ] {
        assert_eq!(ok(v.clone(), FieldType::Json), TypedValue::Json(v));
    }
}

// ---------------------------------------------------------------- TypedValue

#[test]
fn to_json_stores_plain_json_and_converts_back_the_same() {
    let cases = [
        (TypedValue::Text("Ana".into()), json!("Ana")),
        (num(42), json!(42)),
        (float(3.5), json!(3.5)),
        (TypedValue::Boolean(true), json!(true)),
        (date(2026, 11, 21), json!("2026-11-21")),
        (
            datetime("2026-11-21T09:30:00.000Z"),
            json!("2026-11-21T09:30:00Z"),
        ),
        (
            datetime("2026-11-21T09:30:00.250+02:00"),
            json!("2026-11-21T09:30:00.250+02:00"),
        ),
        (TypedValue::Json(json!({"a": [1]})), json!({"a": [1]})),
    ];
    for (value, stored) in cases {
        assert_eq!(value.to_json(), stored);
        assert_eq!(convert(&stored, value.field_type()).unwrap(), value);
    }
}

#[test]
fn field_type_matches_the_variant() {
    assert_eq!(TypedValue::Text("a".into()).field_type(), FieldType::Text);
    assert_eq!(num(1).field_type(), FieldType::Number);
    assert_eq!(TypedValue::Boolean(false).field_type(), FieldType::Boolean);
    assert_eq!(date(2026, 1, 1).field_type(), FieldType::Date);
    assert_eq!(
        datetime("2026-01-01T00:00:00Z").field_type(),
        FieldType::Datetime
    );
    assert_eq!(TypedValue::Json(json!(1)).field_type(), FieldType::Json);
}

#[test]
fn display_is_what_a_message_shows() {
    assert_eq!(TypedValue::Text("Ana".into()).display(), "Ana");
    assert_eq!(num(42).display(), "42");
    assert_eq!(float(3.5).display(), "3.5");
    assert_eq!(TypedValue::Boolean(true).display(), "true");
    assert_eq!(date(2026, 11, 21).display(), "2026-11-21");
    assert_eq!(
        datetime("2026-11-21T09:30:00.000Z").display(),
        "2026-11-21 09:30 UTC"
    );
    assert_eq!(
        datetime("2026-11-21T09:30:15+02:00").display(),
        "2026-11-21 09:30:15 +02:00"
    );
    assert_eq!(
        TypedValue::Json(json!({"a": [1, 2]})).display(),
        r#"{"a":[1,2]}"#
    );
    assert_eq!(TypedValue::Json(json!("plain")).display(), "plain");
    assert_eq!(TypedValue::Json(json!(null)).display(), "null");
}

#[test]
fn typed_values_serialize_tagged() {
    let v = date(2026, 11, 21);
    let s = serde_json::to_value(&v).unwrap();
    assert_eq!(s, json!({"type": "date", "value": "2026-11-21"}));
    assert_eq!(serde_json::from_value::<TypedValue>(s).unwrap(), v);
}

// ---------------------------------------------------------------- mapping: paths

fn invalid(path: &str) -> String {
    match check_path(path) {
        Err(MappingError::InvalidPath { message }) => {
            assert!(!message.is_empty(), "{path}");
            message
        }
        other => panic!("{path:?} gave {other:?}"),
    }
}

#[test]
fn bad_paths_carry_the_parsers_message() {
    assert_eq!(
        invalid("$.a["),
        "expected a selector (a quoted name, an index, *, a slice or a filter) at character 5, the end of the path"
    );
    assert_eq!(
        check_path("$.a[").unwrap_err().to_string(),
        "the path does not parse: expected a selector (a quoted name, an index, *, a slice or a filter) at character 5, the end of the path"
    );
    assert_eq!(
        invalid("$.."),
        "expected '[', '*' or a member name at character 4, the end of the path"
    );
    assert_eq!(
        invalid("$$"),
        "expected the end of the path, '.' or '[' at character 2"
    );
    assert_eq!(
        invalid("$.1"),
        "expected '*' or a member name at character 3"
    );
    assert_eq!(
        invalid("$[?@.a ==]"),
        "expected a value or a query at character 10"
    );
    // Not a pest error: jsonpath-rust's own message.
    assert!(invalid("$. a").contains("Invalid child segment"));
    for path in [
        "$['a",
        "$[01]",
        "$[9007199254740992]",
        "$[?foo(@)]",
        "$['\\q']",
    ] {
        invalid(path);
    }
}

#[test]
fn empty_and_rootless_paths_say_so() {
    assert_eq!(invalid(""), "the path is empty");
    assert_eq!(invalid("   "), "the path is empty");
    assert_eq!(
        invalid("contact.email"),
        "a path starts with $ (the whole document), as in $.contact.email"
    );
    assert_eq!(
        invalid("@.email"),
        "a path starts with $ (the whole document), as in $.contact.email"
    );
    assert_eq!(
        invalid(" $.contact"),
        "remove the whitespace before the $ that starts the path"
    );
}

#[test]
fn good_paths_check() {
    for path in [
        "$",
        "$.contact.email",
        "$['contact']['email']",
        "$.answers[0].answer",
        "$.answers[*].answer",
        "$..answer",
        "$.answers[?@.question == 'Company size'].answer",
        "$['it\\'s']",
        "$['\\u00e9 \"q\" [x] . \\\\']",
    ] {
        check_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

#[test]
fn dollar_alone_is_the_whole_document() {
    let doc = booking();
    assert_eq!(select(&doc, "$").unwrap(), vec![&doc]);
    assert_eq!(
        evaluate(&doc, "$", FieldType::Json).unwrap(),
        TypedValue::Json(doc.clone())
    );
}

#[test]
fn select_returns_matches_in_document_order() {
    let doc = booking();
    assert_eq!(
        select(&doc, "$.contact.tags[*]").unwrap(),
        vec![&json!("new"), &json!("web")]
    );
    assert_eq!(select(&doc, "$.nothing").unwrap(), Vec::<&Value>::new());
}

#[test]
fn awkward_names_evaluate() {
    let doc = json!({"": 1, "it's": 2, "a.b": 3, "x y": 4, "🎉": 5, "back\\slash": 6, "nl\n": 7, "é \"q\" [x] . \\": 8});
    let cases = [
        ("$['']", 1),
        ("$['it\\'s']", 2),
        ("$[\"it's\"]", 2),
        ("$['a.b']", 3),
        ("$['x y']", 4),
        ("$['🎉']", 5),
        ("$.🎉", 5),
        ("$['back\\\\slash']", 6),
        ("$['nl\\n']", 7),
        ("$['\\u00e9 \"q\" [x] . \\\\']", 8),
        ("$[\"\\u00e9 \\\"q\\\" [x] . \\\\\"]", 8),
    ];
    for (path, n) in cases {
        assert_eq!(
            evaluate(&doc, path, FieldType::Number).unwrap(),
            num(n),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------- mapping: evaluate

#[test]
fn no_match_and_several_matches() {
    let doc = booking();
    assert_eq!(
        evaluate(&doc, "$.contact.middle_name", FieldType::Text),
        Err(MappingError::NoMatch)
    );
    assert_eq!(
        evaluate(&doc, "$.answers[5]", FieldType::Text)
            .unwrap_err()
            .to_string(),
        "the path matched nothing"
    );
    let e = evaluate(&doc, "$.answers[*].answer", FieldType::Text).unwrap_err();
    assert_eq!(e, MappingError::SeveralMatches { count: 2 });
    assert_eq!(e.to_string(), "the path matched 2 values, expected one");
    assert_eq!(
        evaluate(&doc, "$..email", FieldType::Boolean),
        Err(MappingError::SeveralMatches { count: 2 })
    );
}

#[test]
fn a_null_member_is_a_match() {
    let doc = json!({"a": null});
    assert_eq!(
        evaluate(&doc, "$.a", FieldType::Text)
            .unwrap_err()
            .to_string(),
        "expected text, found null"
    );
    assert_eq!(
        evaluate(&doc, "$.a", FieldType::Json).unwrap(),
        TypedValue::Json(json!(null))
    );
}

#[test]
fn type_errors_are_conversion_errors() {
    let doc = booking();
    let e = evaluate(&doc, "$.contact.first_name", FieldType::Number).unwrap_err();
    assert_eq!(
        e,
        MappingError::Type(ConvertError {
            expected: FieldType::Number,
            found: r#"string "Ana""#.into()
        })
    );
    assert_eq!(e.to_string(), r#"expected a number, found string "Ana""#);
    assert_eq!(
        evaluate(&doc, "$.contact", FieldType::Text)
            .unwrap_err()
            .to_string(),
        "expected text, found object"
    );
}

#[test]
fn json_fields_take_several_matches_as_an_array_and_one_as_it_is() {
    let doc = booking();
    assert_eq!(
        evaluate(&doc, "$.answers[*].answer", FieldType::Json).unwrap(),
        TypedValue::Json(json!(["Pricing for 3 bots", "11-50"]))
    );
    assert_eq!(
        evaluate(&doc, "$..email", FieldType::Json).unwrap(),
        TypedValue::Json(json!(["ana.souza@example.com", false]))
    );
    // One match: the value, not wrapped, even through a wildcard.
    assert_eq!(
        evaluate(&doc, "$.answers[0].answer", FieldType::Json).unwrap(),
        TypedValue::Json(json!("Pricing for 3 bots"))
    );
    let one = json!({"list": [{"a": 1}]});
    assert_eq!(
        evaluate(&one, "$.list[*]", FieldType::Json).unwrap(),
        TypedValue::Json(json!({"a": 1}))
    );
    // None is still NoMatch.
    assert_eq!(
        evaluate(&doc, "$.answers[*].nope", FieldType::Json),
        Err(MappingError::NoMatch)
    );
}

#[test]
fn invalid_paths_fail_every_function() {
    let doc = booking();
    let is_invalid = |e: MappingError| matches!(e, MappingError::InvalidPath { .. });
    assert!(is_invalid(select(&doc, "$.a[").unwrap_err()));
    assert!(is_invalid(
        evaluate(&doc, "$.a[", FieldType::Json).unwrap_err()
    ));
    assert!(is_invalid(evaluate_text(&doc, "$.a[").unwrap_err()));
    assert!(is_invalid(CompiledPath::parse("").unwrap_err()));
}

#[test]
fn booking_mappings() {
    let doc = booking();
    assert_eq!(
        evaluate(&doc, "$.contact.phone", FieldType::Text).unwrap(),
        TypedValue::Text("+1 (415) 555-0132".into())
    );
    assert_eq!(
        evaluate(&doc, "$['contact']['email']", FieldType::Text).unwrap(),
        TypedValue::Text("ana.souza@example.com".into())
    );
    assert_eq!(
        evaluate(&doc, "$.contact.first_name", FieldType::Text).unwrap(),
        TypedValue::Text("Ana".into())
    );
    assert_eq!(
        evaluate(&doc, "$.booking.start", FieldType::Datetime).unwrap(),
        datetime("2026-12-03T15:30:00Z")
    );
    assert_eq!(
        evaluate(&doc, "$.booking.start", FieldType::Date).unwrap(),
        date(2026, 12, 3)
    );
    assert_eq!(
        evaluate(&doc, "$.contact.consent.sms", FieldType::Boolean).unwrap(),
        TypedValue::Boolean(true)
    );
    let answers = evaluate(&doc, "$.answers", FieldType::Json).unwrap();
    assert_eq!(answers, TypedValue::Json(doc["answers"].clone()));
    assert_eq!(
        answers.display(),
        r#"[{"answer":"Pricing for 3 bots","question":"What would you like to discuss?"},{"answer":"11-50","question":"Company size"}]"#
    );
    assert_eq!(
        evaluate(
            &doc,
            "$.answers[?@.question == 'Company size'].answer",
            FieldType::Text
        )
        .unwrap(),
        TypedValue::Text("11-50".into())
    );
    assert_eq!(
        evaluate(&doc, "$.meta.utm.campaign", FieldType::Text).unwrap(),
        TypedValue::Text("winter sale".into())
    );
}

#[test]
fn campaign_response_date_with_milliseconds() {
    // From shared/samples/campaign-response.json.
    let doc = json!({ "campaignId": "13010", "label": "Welcome Message", "phoneNumber": "+525500000000", "date": "2024-06-18T23:22:36.560Z", "response": "John Doe" });
    let dt = evaluate(&doc, "$.date", FieldType::Datetime).unwrap();
    assert_eq!(dt, datetime("2024-06-18T23:22:36.560Z"));
    assert_eq!(dt.to_json(), json!("2024-06-18T23:22:36.560Z"));
    assert_eq!(dt.display(), "2024-06-18 23:22:36 UTC");
    assert_eq!(
        evaluate(&doc, "$.campaignId", FieldType::Number).unwrap(),
        num(13010)
    );
}

#[test]
fn a_compiled_path_evaluates_many_documents() {
    let path = CompiledPath::parse("$.contact.first_name").unwrap();
    assert_eq!(path.source(), "$.contact.first_name");
    let doc = booking();
    assert_eq!(
        path.evaluate(&doc, FieldType::Text).unwrap(),
        TypedValue::Text("Ana".into())
    );
    assert_eq!(path.evaluate_text(&doc).unwrap(), Some("Ana".into()));
    assert_eq!(path.select(&doc).unwrap(), vec![&json!("Ana")]);
    let other = json!({"contact": {"first_name": "Bo"}});
    assert_eq!(path.evaluate_text(&other).unwrap(), Some("Bo".into()));
    assert_eq!(path.evaluate_text(&json!({})), Err(MappingError::NoMatch));
}

// ---------------------------------------------------------------- mapping: identity text

#[test]
fn identity_text_rules() {
    let doc = json!({
        "s": "  ana@example.com ",
        "blank": "   ",
        "empty": "",
        "null": null,
        "int": 12345,
        "float": 1.5,
        "yes": true,
        "obj": {"a": 1},
        "arr": [1],
        "two": [{"id": "a"}, {"id": "b"}]
    });
    assert_eq!(
        evaluate_text(&doc, "$.s").unwrap(),
        Some("ana@example.com".into())
    );
    assert_eq!(evaluate_text(&doc, "$.blank").unwrap(), None);
    assert_eq!(evaluate_text(&doc, "$.empty").unwrap(), None);
    assert_eq!(evaluate_text(&doc, "$.null").unwrap(), None);
    assert_eq!(evaluate_text(&doc, "$.int").unwrap(), Some("12345".into()));
    assert_eq!(evaluate_text(&doc, "$.float").unwrap(), Some("1.5".into()));
    assert_eq!(evaluate_text(&doc, "$.yes").unwrap(), Some("true".into()));
    assert_eq!(
        evaluate_text(&doc, "$.obj").unwrap_err().to_string(),
        "expected text, found object"
    );
    assert_eq!(
        evaluate_text(&doc, "$.arr").unwrap_err(),
        MappingError::Type(ConvertError {
            expected: FieldType::Text,
            found: "array".into()
        })
    );
    assert_eq!(evaluate_text(&doc, "$.missing"), Err(MappingError::NoMatch));
    assert_eq!(
        evaluate_text(&doc, "$.two[*].id"),
        Err(MappingError::SeveralMatches { count: 2 })
    );
    let booking = booking();
    assert_eq!(
        evaluate_text(&booking, "$.contact.phone").unwrap(),
        Some("+1 (415) 555-0132".into())
    );
    assert_eq!(
        evaluate_text(&booking, "$.contact.email").unwrap(),
        Some("ana.souza@example.com".into())
    );
}

// ---------------------------------------------------------------- mapping: evaluate_all

fn booking_field_type(name: &str) -> Option<FieldType> {
    match name {
        "first_name" | "phone" | "company_size" => Some(FieldType::Text),
        "booking_start" => Some(FieldType::Datetime),
        "answers" | "tags" => Some(FieldType::Json),
        "size" => Some(FieldType::Number),
        _ => None,
    }
}

fn mapping(path: &str, field: &str) -> Mapping {
    Mapping {
        path: path.into(),
        field: field.into(),
    }
}

#[test]
fn evaluate_all_evaluates_each_mapping_on_its_own() {
    let doc = booking();
    let mappings = [
        mapping("$.contact.first_name", "first_name"),
        mapping("$.contact.first_name", "nickname"),
        mapping("$.booking.start", "booking_start"),
        mapping("$.a[", "phone"),
        mapping("$.answers", "answers"),
        mapping("$.answers[1].answer", "size"),
        mapping("$.contact.tags[*]", "tags"),
        mapping("$.contact.fax", "phone"),
        mapping("$.answers[*].answer", "company_size"),
        mapping("$.contact.phone", "phone"),
    ];
    let outcomes = evaluate_all(&doc, &mappings, booking_field_type);
    assert_eq!(outcomes.len(), mappings.len());
    for (outcome, mapping) in outcomes.iter().zip(&mappings) {
        assert_eq!(outcome.path, mapping.path);
        assert_eq!(outcome.field, mapping.field);
        assert!(
            outcome.value.is_some() != outcome.error.is_some(),
            "{outcome:?}"
        );
    }
    let value = |i: usize| outcomes[i].value.clone();
    let error = |i: usize| outcomes[i].error.as_deref();
    assert_eq!(value(0), Some(TypedValue::Text("Ana".into())));
    assert_eq!(error(1), Some("no custom field named \"nickname\""));
    assert_eq!(value(2), Some(datetime("2026-12-03T15:30:00Z")));
    assert_eq!(
        error(3),
        Some(
            "the path does not parse: expected a selector (a quoted name, an index, *, a slice or a filter) at character 5, the end of the path"
        )
    );
    assert_eq!(value(4), Some(TypedValue::Json(doc["answers"].clone())));
    assert_eq!(error(5), Some(r#"expected a number, found string "11-50""#));
    assert_eq!(value(6), Some(TypedValue::Json(json!(["new", "web"]))));
    assert_eq!(error(7), Some("the path matched nothing"));
    assert_eq!(error(8), Some("the path matched 2 values, expected one"));
    assert_eq!(value(9), Some(TypedValue::Text("+1 (415) 555-0132".into())));
}

/// `{"x": {"x": … {"x": leaf} … }}`, `depth` levels of `x`.
fn nested_x(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, _| json!({ "x": inner }))
}

/// Matches nested in each other copy the inner ones again at each level: a small body could
/// make a value (and a log row) quadratically larger. Past four times the document the mapping
/// fails, alone, and its copies are never made.
#[test]
fn json_mappings_copy_at_most_four_times_the_document() {
    let deep = Value::Array(vec![nested_x(120, json!("leaf")); 300]);
    let mappings = [
        mapping("$..x", "answers"),
        mapping("$[0].x.x.x.x.x", "tags"),
        mapping("$[0].x", "first_name"),
    ];
    let outcomes = evaluate_all(&deep, &mappings, booking_field_type);
    assert_eq!(
        outcomes[0].error.as_deref(),
        Some(
            "the matches are too large to copy: a request's mappings may copy at most 4 times its \
             document into json fields, and matches inside other matches (as `..` finds) count \
             again at each level"
        )
    );
    assert_eq!(outcomes[0].value, None);
    // The others are evaluated as usual, and the failed one used none of the budget.
    assert_eq!(
        outcomes[1].value,
        Some(TypedValue::Json(nested_x(115, json!("leaf"))))
    );
    assert_eq!(
        outcomes[2].error.as_deref(),
        Some("expected text, found object")
    );

    // Nested matches within the bound are still taken: three levels copy the leaf three times.
    let shallow = nested_x(3, json!({ "name": "Ana" }));
    assert_eq!(
        evaluate(&shallow, "$..x", FieldType::Json).unwrap(),
        TypedValue::Json(json!([
            shallow["x"],
            shallow["x"]["x"],
            shallow["x"]["x"]["x"]
        ]))
    );

    // The budget is the request's: the whole document four times over fits, a fifth does not.
    let doc = booking();
    let whole = vec![mapping("$", "answers"); 5];
    let outcomes = evaluate_all(&doc, &whole, booking_field_type);
    for outcome in &outcomes[..4] {
        assert_eq!(outcome.value, Some(TypedValue::Json(doc.clone())));
    }
    assert_eq!(
        outcomes[4].error.as_deref(),
        Some(MappingError::TooLarge.to_string().as_str())
    );
}

#[test]
fn evaluate_all_of_nothing_is_nothing() {
    assert_eq!(
        evaluate_all(&booking(), &[], booking_field_type),
        Vec::<MappingOutcome>::new()
    );
}

#[test]
fn outcomes_serialize() {
    let outcomes = evaluate_all(
        &booking(),
        &[mapping("$.booking.start", "booking_start")],
        booking_field_type,
    );
    assert_eq!(
        serde_json::to_value(&outcomes).unwrap(),
        json!([{
            "path": "$.booking.start",
            "field": "booking_start",
            "value": {"type": "datetime", "value": "2026-12-03T15:30:00Z"},
            "error": null
        }])
    );
}

// ---------------------------------------------------------------- mapping: bounded work

/// Work that is refused is refused at once: the bound costs one pass over the document.
const QUICKLY: Duration = Duration::from_millis(500);

fn too_much_work(result: Result<impl std::fmt::Debug, MappingError>) -> u64 {
    match result {
        Err(MappingError::TooMuchWork { work }) => {
            assert!(work > MAX_PATH_WORK, "{work}");
            work
        }
        other => panic!("expected TooMuchWork, got {other:?}"),
    }
}

/// The reviewer's case: `..*` eleven times (34 characters) over a 300-byte document 26
/// levels deep made 13 million matches in 88 s and 4.5 GB. Every way of evaluating a path
/// now refuses it before starting, saying what the most is and what to change.
#[test]
fn repeated_descents_are_refused_before_they_run() {
    let doc = nested_x(26, json!({"x": 1}));
    let path = format!("${}", "..*".repeat(11));
    assert_eq!(path.len(), 34);
    let started = Instant::now();
    too_much_work(select(&doc, &path));
    too_much_work(evaluate(&doc, &path, FieldType::Json));
    too_much_work(evaluate_text(&doc, &path));
    let compiled = CompiledPath::parse(&path).unwrap();
    too_much_work(compiled.select(&doc));
    let outcomes = evaluate_all(&doc, &[mapping(&path, "answers")], booking_field_type);
    let message = outcomes[0].error.as_deref().unwrap();
    assert!(message.contains("the most is 1,000,000"), "{message}");
    assert!(
        message.contains("use fewer `..` and `*` steps"),
        "{message}"
    );
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    // Fewer descents over the same document are evaluated as usual.
    assert_eq!(select(&doc, "$..*..*").unwrap().len(), 351);
}

/// RFC 9535 keeps duplicates: each `[0,0,0,0,0,0,0,0,0,0]` multiplies the matches by ten.
#[test]
fn unions_of_duplicates_are_refused() {
    let doc = (0..8).fold(json!(1), |inner, _| json!([inner]));
    let union = "[0,0,0,0,0,0,0,0,0,0]";
    let started = Instant::now();
    too_much_work(select(&doc, &format!("${}", union.repeat(8))));
    too_much_work(select(&doc, &format!("$..{}", union.repeat(7))));
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    assert_eq!(
        select(&doc, &format!("${}", union.repeat(3)))
            .unwrap()
            .len(),
        1000
    );
}

#[test]
fn the_message_says_what_is_wrong_and_what_to_do() {
    assert_eq!(
        MappingError::TooMuchWork { work: 13_421_773 }.to_string(),
        "the path could visit about 13,421,773 values in this document, and the most is \
         1,000,000: each `..` visits all that is below, each `*` or filter all the members, \
         and long names and strings count as several values; use fewer `..` and `*` steps, \
         or name the members on the way"
    );
    let beyond = MappingError::TooMuchWork { work: u64::MAX }.to_string();
    assert!(
        beyond.starts_with("the path could visit over 1,000,000,000,000 values"),
        "{beyond}"
    );
}

/// About 1 MiB: `count` objects with an email, a price, tags and an address.
fn large_document(count: usize) -> Value {
    let items: Vec<Value> = (0..count)
        .map(|i| {
            let tags = ["a", "bb", "ccc", "dddd"][..i % 5].to_vec();
            json!({
                "id": i,
                "email": format!("user{i}@example.com"),
                "price": i % 50,
                "tags": tags,
                "address": {"city": "Lisbon", "zip": "1000-001", "geo": [38.7, -9.1]},
            })
        })
        .collect();
    json!({ "items": items, "owner": { "id": 7 } })
}

/// Paths people write stay well within the bound, on a document as large as a request may
/// be, and are evaluated.
#[test]
fn reasonable_paths_pass_on_a_large_document() {
    let doc = large_document(7_700);
    let size = serde_json::to_string(&doc).unwrap().len();
    assert!((1_000_000..=1_100_000).contains(&size), "{size}");
    let stats = DocStats::of(&doc);
    for (path, matches) in [
        ("$..email", 7_700),
        ("$.items[*].tags[*]", 15_400),
        ("$..[?@.price > 10]", 6_006),
        ("$.items[?length(@.tags) > 2].id", 3_080),
        ("$.items[?@.id == $.owner.id].email", 1),
        ("$.items[0:100].email", 100),
        ("$.items[-1].address.city", 1),
        ("$..address['city','zip']", 15_400),
        ("$.items[?@.tags[?@ == 'ccc']].id", 3_080),
    ] {
        let query = parse_json_path(path).unwrap();
        let work = cost::estimate(&query, &doc, &stats).work;
        assert!(work <= MAX_PATH_WORK * 3 / 4, "{path}: {work}");
        assert_eq!(select(&doc, path).unwrap().len(), matches, "{path}");
    }
    // match() compiles its pattern for each string it tests, about 25 µs each: on hundreds
    // of items, not on all of these.
    let fewer = large_document(500);
    let matched = select(&fewer, "$.items[?match(@.email, 'user1.*')].id").unwrap();
    assert_eq!(matched.len(), 111);
    let searched = select(&fewer, "$.items[?search(@.address.city, 'Lis')]").unwrap();
    assert_eq!(searched.len(), 500);
    let double = json!({"a": [{"b": 1}, {"a": {"b": 2}}], "c": {"a": {"x": {"b": 3}}}});
    assert_eq!(select(&double, "$..a..b").unwrap().len(), 4);
    // A whole request's mappings: none is refused.
    let mappings = [
        mapping("$..email", "tags"),
        mapping("$.items[?@.price > 48].id", "answers"),
        mapping("$.items[?match(@.email, 'user12.*')].email", "tags"),
    ];
    for outcome in evaluate_all(&fewer, &mappings, booking_field_type) {
        assert!(outcome.error.is_none(), "{outcome:?}");
    }
}

/// Other shapes whose work grows faster than the document, refused as quickly: long member
/// names written into every path below them, a whole document compared with itself for
/// each value, and a pattern compiled anew for each string (`\w{100}` takes 30 ms).
#[test]
fn paths_that_would_write_compare_or_compile_too_much_are_refused() {
    let long_name = json!({ "k".repeat(100_000): vec![0; 5_000] });
    let many = Value::Array((0..3_000).map(|i| json!({"id": i, "name": "x"})).collect());
    let words = Value::Array((0..200).map(|i| json!(format!("word {i}"))).collect());
    let started = Instant::now();
    too_much_work(select(&long_name, "$.*.*"));
    too_much_work(select(&long_name, "$..email"));
    too_much_work(select(&many, "$..[?$ == $]"));
    too_much_work(select(&words, r"$[?match(@, '\\w{100}')]"));
    too_much_work(select(&words, "$[?match(@, @)]"));
    assert!(started.elapsed() < QUICKLY, "{:?}", started.elapsed());
    // The same shapes on reasonable documents are fine.
    assert_eq!(select(&many, "$[?@.id == $[2].id].name").unwrap().len(), 1);
    assert_eq!(
        select(&words, "$[?match(@, 'word 1.*')]").unwrap().len(),
        111
    );
}

/// Plain paths (names and indexes) are walked directly, at no risk: they are not bounded.
#[test]
fn plain_paths_are_not_bounded() {
    let doc = nested_x(120, json!("leaf"));
    let deep = format!("${}", ".x".repeat(120));
    assert_eq!(select(&doc, &deep).unwrap(), vec![&json!("leaf")]);
}

/// `bound` ≥ what jsonpath-rust does at each step of `path` on `doc`: the matches of each
/// prefix, the nodes a `..` then visits (every node below each match), the items a filter or
/// `*` then looks at (every child of each match).
fn check_bound(doc: &Value, path: &str) {
    let Ok(query) = parse_json_path(path) else {
        return;
    };
    let stats = DocStats::of(doc);
    let segments = &query.segments;
    for end in 0..=segments.len() {
        let prefix = JpQuery::new(segments[..end].to_vec());
        let bound = cost::estimate(&prefix, doc, &stats);
        let found = js_path_process(&prefix, doc).unwrap();
        let real = found.len() as u64;
        assert!(
            bound.matches >= real,
            "{path} [..{end}] on {doc}: {bound:?} < {real}"
        );
        assert!(
            bound.work >= real,
            "{path} [..{end}] on {doc}: {bound:?} < {real}"
        );
        let Some(next) = segments.get(end) else {
            continue;
        };
        let below = |value: &Value| DocStats::of(value).nodes;
        let children = |value: &Value| {
            (value.as_array().map(Vec::len))
                .or_else(|| value.as_object().map(serde_json::Map::len))
                .unwrap_or(0) as u64
        };
        let each: &dyn Fn(&Value) -> u64 = match next {
            Segment::Descendant(_) => &below,
            Segment::Selector(Selector::Wildcard | Selector::Filter(_)) => &children,
            _ => &|_| 1,
        };
        let must: u64 = found.iter().map(|f| each(f.val)).sum();
        let then = JpQuery::new(segments[..=end].to_vec());
        let bound = cost::estimate(&then, doc, &stats);
        assert!(
            bound.work >= must,
            "{path} [..={end}] on {doc}: {bound:?} < {must}"
        );
    }
}

#[test]
fn bounds_are_never_below_what_jsonpath_rust_does() {
    let docs = [
        booking(),
        nested_x(6, json!({"x": [1, {"x": 2}]})),
        json!([[[1, [2]], [3]], {"a": [[4]], "b": {"a": {"b": 5}}}]),
        json!({"a": [1, 2, 3, 4, 5], "b": "text", "x": {"a": {"a": {"a": []}}}}),
        Value::Array(
            (0..30)
                .map(|i| json!({"a": i, "b": [i, {"a": i}]}))
                .collect(),
        ),
        json!("scalar"),
        json!({}),
    ];
    let paths = [
        "$.*",
        "$..*",
        "$..*..*",
        "$..*..*..*",
        "$..a",
        "$..a..a",
        "$..a..b",
        "$..[0]",
        "$..[*]",
        "$[*][*][*]",
        "$[0,0,0][0,0]",
        "$..[0,0,-1]",
        "$['a','b','a']",
        "$.a[1:4]",
        "$.a[::-1]",
        "$.a[-2:]",
        "$..[?@.a]",
        "$..[?@.a == 1]",
        "$..[?@ == $.a[0]]",
        "$..[?@.a > 2 && @.b]",
        "$..[?@.a > 2 || !@.b]",
        "$..[?length(@) > 1]",
        "$..[?count(@.*) > 1]",
        "$..[?value(@..a) == 5]",
        "$..[?match(@, 'te.*')]",
        "$..[?search(@.b, 'x')]",
        "$..[?$..a]",
        "$..[?@..[?@.b]]",
        "$..[?@[?@.a]]",
        "$..[?in(@, $.a)]",
        "$..[?subset_of(@, $.a)]",
        "$.answers[?@.question == 'Company size'].answer",
        "$..contact[?@ == 'Ana' || @ == true]",
    ];
    for doc in &docs {
        for path in paths {
            assert!(parse_json_path(path).is_ok(), "{path}");
            check_bound(doc, path);
        }
    }
}

fn small_document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..6).prop_map(Value::from),
        proptest::sample::select(vec!["a", "ab", "x", "text"]).prop_map(Value::from),
    ];
    let name = proptest::sample::select(vec!["a", "b", "x"]);
    leaf.prop_recursive(5, 40, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((name.clone(), inner), 0..4).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn relative(root: &'static str) -> impl Strategy<Value = String> {
    let steps = proptest::sample::select(vec![
        ".a", ".b", ".*", "[0]", "[-1]", "..a", "..*", "[0:2]", "[0,0]",
    ]);
    proptest::collection::vec(steps, 0..3)
        .prop_map(move |steps| format!("{root}{}", steps.concat()))
}

fn filter() -> impl Strategy<Value = String> {
    let comparable = proptest::sample::select(vec![
        "1",
        "'x'",
        "true",
        "null",
        "@",
        "@.a",
        "@.b[0]",
        "$",
        "$.a",
        "$[0]",
        "length(@)",
        "length(@.a)",
        "count(@.*)",
        "count($..a)",
        "value(@..a)",
    ]);
    let op = proptest::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
    let function = proptest::sample::select(vec![
        "match(@, 'a.*')",
        "search(@.a, 'x')",
        "match(@.a, @.b)",
        "in(@, $.a)",
        "nin(@.a, $)",
        "any_of(@, $.a)",
        "subset_of(@.a, @.b)",
    ]);
    let atom = prop_oneof![
        (comparable.clone(), op, comparable).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        relative("@"),
        relative("$"),
        function.prop_map(str::to_owned),
    ];
    atom.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} && {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} || {b}")),
            inner.clone().prop_map(|a| format!("!({a})")),
            (relative("@"), inner).prop_map(|(query, a)| format!("{query}[?{a}]")),
        ]
    })
}

fn jsonpath() -> impl Strategy<Value = String> {
    let selector = prop_oneof![
        4 => proptest::sample::select(vec![
            "'a'", "'x'", "0", "1", "-1", "*", "0:2", "::-1", "1:", "-2:",
        ])
        .prop_map(str::to_owned),
        1 => filter().prop_map(|f| format!("?{f}")),
    ];
    let selectors = proptest::collection::vec(selector, 1..4).prop_map(|s| s.join(","));
    let segment = prop_oneof![
        proptest::sample::select(vec![".a", ".x", ".*", "..a", "..*"]).prop_map(str::to_owned),
        selectors.clone().prop_map(|s| format!("[{s}]")),
        selectors.prop_map(|s| format!("..[{s}]")),
    ];
    proptest::collection::vec(segment, 0..5).prop_map(|segments| format!("${}", segments.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_paths_are_bounded_above(doc in small_document(), path in jsonpath()) {
        check_bound(&doc, &path);
    }
}

/// A request's mappings share one bound: many paths each under the bound of one cannot add up
/// to seconds of work on every request. The first to go over it fails, saying so.
#[test]
fn a_requests_mappings_share_one_bound() {
    use botwire_core::mapping::MAX_REQUEST_WORK;
    let doc = large_document(7_700);
    let path = "$..email";
    let work = CompiledPath::parse(path).unwrap().estimate(&doc).work;
    let fit = usize::try_from(MAX_REQUEST_WORK / work).unwrap();
    assert!((2..100).contains(&fit), "{work}");
    let mappings: Vec<Mapping> = (0..=fit)
        .map(|_| Mapping {
            path: path.into(),
            field: "emails".into(),
        })
        .collect();
    // Text fields: each path is evaluated (its work taken), then finds too many values.
    let outcomes = evaluate_all(&doc, &mappings, |_| Some(FieldType::Text));
    for outcome in &outcomes[..fit] {
        let error = outcome.error.as_deref().unwrap();
        assert_eq!(error, "the path matched 7700 values, expected one");
    }
    let refused = outcomes[fit].error.as_deref().unwrap();
    assert!(
        refused.contains("a request's mappings may visit together"),
        "{refused}"
    );
    // One path alone is still bounded by its own limit only.
    assert_eq!(select(&doc, path).unwrap().len(), 7_700);
}
