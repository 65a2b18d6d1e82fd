//! Conversion rules (`convert`) and mapping evaluation (`mapping`), against small documents
//! and a realistic booking payload.

use botwire_core::convert::{ConvertError, TypedValue, convert};
use botwire_core::field::FieldType;
use botwire_core::mapping::{
    CompiledPath, Mapping, MappingError, MappingOutcome, check_path, evaluate, evaluate_all,
    evaluate_text, select,
};
use chrono::{DateTime, NaiveDate};
use serde_json::{Number, Value, json};

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
