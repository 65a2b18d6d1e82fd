//! Converting a JSON value to a custom field's type. The rules are documented on [`convert`]
//! and summed up here:
//!
//! | to | accepted | rejected |
//! | --- | --- | --- |
//! | `text` | strings as they are (not trimmed); numbers and booleans printed (`42`, `3.5`, `true`) | floats of 2⁵³ and over, which are no longer exact (integers beyond 64 bits arrive as such floats: send long ids as strings), `null`, objects, arrays |
//! | `number` | JSON numbers as they are; strings that, trimmed, are a finite decimal (`"42"`, `" 3.5 "`, `"-1e3"`, `"+7"`) — integer strings stay integers, anything else becomes a float | `""`, `"abc"`, `"1,5"`, `"NaN"`, `"inf"`, overflow to infinity (`"1e400"`), booleans, `null`, objects, arrays |
//! | `boolean` | `true`/`false`; the numbers `1`/`0`; strings, trimmed and in any case: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` | other numbers and strings, `null`, objects, arrays |
//! | `date` | strings `YYYY-MM-DD`, `DD.MM.YYYY`, `YYYY/MM/DD` (month and day may have one digit, the year has four); any date-time string `datetime` accepts, taking the date as written (`2026-11-21T23:30:00-05:00` is 2026-11-21) | dates that are not on the calendar (`2024-02-30`), the ambiguous `01/02/2024`, numbers (no timestamps), everything else |
//! | `datetime` | RFC 3339 (`2026-11-21T09:30:00Z`, `2026-11-21T09:30:00.000+02:00`; `T`, `t` or a space between date and time); `YYYY-MM-DD HH:MM[:SS[.fff]]` (`T` or a space) followed by an optional offset `Z`, `UTC`, `±HH:MM`, `±HHMM` or `±HH` — **without an offset it is taken as UTC**; Unix timestamps as JSON integers or as strings of digits: seconds, **or milliseconds when the absolute value is above 10¹¹** (10¹¹ seconds is the year 5138) | floats, timestamps outside the years 0000–9999, other strings, booleans, `null`, objects, arrays |
//! | `json` | any value, `null` included, as it is | nothing |
//!
//! A timestamp converts to a date-time at offset `+00:00`. The error's `found` describes the
//! value briefly (`string "abc"`, `number 3.5`, `boolean true`, `null`, `object`, `array`; long
//! strings cut at 40 characters with `…`), and its message names what was expected, with the
//! accepted forms where there are several:
//! `expected a number, found string "abc"`.

use crate::field::FieldType;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Timelike,
};
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

/// A value of a custom field's type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum TypedValue {
    Text(String),
    Number(serde_json::Number),
    Boolean(bool),
    Date(chrono::NaiveDate),
    Datetime(chrono::DateTime<chrono::FixedOffset>),
    Json(Value),
}

impl TypedValue {
    pub fn field_type(&self) -> FieldType {
        match self {
            TypedValue::Text(_) => FieldType::Text,
            TypedValue::Number(_) => FieldType::Number,
            TypedValue::Boolean(_) => FieldType::Boolean,
            TypedValue::Date(_) => FieldType::Date,
            TypedValue::Datetime(_) => FieldType::Datetime,
            TypedValue::Json(_) => FieldType::Json,
        }
    }
    /// The value as stored (JSON: dates as ISO strings).
    ///
    /// Text → string, number → number, boolean → bool, date → `"2026-11-21"`, date-time →
    /// RFC 3339 keeping its offset (`"2026-11-21T09:30:00Z"` at UTC,
    /// `"2026-11-21T09:30:00.250+02:00"`; fractional seconds only when there are some),
    /// json → the value. Converting the stored value back gives the same [`TypedValue`].
    pub fn to_json(&self) -> Value {
        match self {
            TypedValue::Text(s) => Value::String(s.clone()),
            TypedValue::Number(n) => Value::Number(n.clone()),
            TypedValue::Boolean(b) => Value::Bool(*b),
            TypedValue::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            TypedValue::Datetime(dt) => {
                Value::String(dt.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            TypedValue::Json(v) => v.clone(),
        }
    }
    /// The value as a message shows it.
    ///
    /// Text as it is; numbers as JSON prints them (`42`, `3.5`); booleans `true`/`false`;
    /// dates `2026-11-21`; date-times in their own offset as `2026-11-21 09:30 UTC` or
    /// `2026-11-21 09:30 +02:00`, with seconds only when they are not zero
    /// (`2026-11-21 09:30:15 UTC`); json: a string without quotes, anything else compact JSON
    /// (`{"a":1}`, `null`).
    pub fn display(&self) -> String {
        match self {
            TypedValue::Text(s) => s.clone(),
            TypedValue::Number(n) => n.to_string(),
            TypedValue::Boolean(b) => b.to_string(),
            TypedValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            TypedValue::Datetime(dt) => {
                let time = if dt.second() == 0 {
                    dt.format("%Y-%m-%d %H:%M")
                } else {
                    dt.format("%Y-%m-%d %H:%M:%S")
                };
                if dt.offset().local_minus_utc() == 0 {
                    format!("{time} UTC")
                } else {
                    format!("{time} {}", dt.offset())
                }
            }
            TypedValue::Json(Value::String(s)) => s.clone(),
            TypedValue::Json(v) => v.to_string(),
        }
    }
}

/// The value found does not fit the field type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {}, found {found}", expected_text(.expected))]
pub struct ConvertError {
    pub expected: FieldType,
    /// What was found, e.g. `string "abc"`, `object`, `null`.
    pub found: String,
}

/// How an error message names the expected type, with the accepted forms where there are
/// several.
fn expected_text(t: &FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Number => "a number",
        FieldType::Boolean => "a boolean (true/false, yes/no, on/off or 1/0)",
        FieldType::Date => {
            "a date (YYYY-MM-DD, DD.MM.YYYY, YYYY/MM/DD or a date-time such as 2026-11-21T09:30:00Z)"
        }
        FieldType::Datetime => {
            "a date-time (RFC 3339 such as 2026-11-21T09:30:00Z, YYYY-MM-DD HH:MM[:SS] with an optional offset, or a Unix timestamp)"
        }
        FieldType::Json => "JSON",
    }
}

/// Strings longer than this are cut in an error's `found`.
const FOUND_MAX_CHARS: usize = 40;

/// A short description of `value`: `string "abc"`, `number 3.5`, `boolean true`, `null`,
/// `object`, `array`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if exact_text(n).is_none() => {
            format!("number {n}, too large to be exact (send it as a string)")
        }
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            if s.chars().count() > FOUND_MAX_CHARS {
                let cut: String = s.chars().take(FOUND_MAX_CHARS).collect();
                format!("string {:?}", format!("{cut}…"))
            } else {
                format!("string {s:?}")
            }
        }
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

/// Converts `value` to `to`.
///
/// The rules, in short (the [module documentation](self) has them as a table):
///
/// - **text**: strings as they are; numbers and booleans printed; `null`, objects, arrays
///   and floats of 2⁵³ and over (rounded already: integers beyond 64 bits are such floats)
///   are errors.
/// - **number**: JSON numbers; strings that, trimmed, parse as a finite decimal (`"42"`,
///   `" 3.5 "`, `"-1e3"`). A string of digits (with an optional sign) becomes an integer,
///   any other a float (`"-1e3"` is `-1000.0`). Empty, non-numeric and non-finite strings,
///   booleans and `null` are errors.
/// - **boolean**: `true`/`false`; the numbers `1` and `0`; the strings (trimmed, any case)
///   `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`.
/// - **date**: `YYYY-MM-DD`, `DD.MM.YYYY`, `YYYY/MM/DD`, or a date-time string (below) whose
///   date is taken as written, whatever its offset. Day-first or month-first slashes
///   (`01/02/2024`) are ambiguous and rejected; impossible dates (`2024-02-30`) too.
/// - **datetime**: RFC 3339; `YYYY-MM-DD HH:MM[:SS[.fff]]` (or with `T`) with an optional offset
///   (`Z`, `UTC`, `±HH:MM`, `±HHMM`, `±HH`), **taken as UTC when there is none**; Unix
///   timestamps as JSON integers or digit strings, in seconds, **or in milliseconds when the
///   absolute value is above 10¹¹**, within the years 0000 to 9999; timestamps get the
///   offset `+00:00`.
/// - **json**: anything, as it is.
pub fn convert(value: &Value, to: FieldType) -> Result<TypedValue, ConvertError> {
    let converted = match to {
        FieldType::Text => to_text(value).map(TypedValue::Text),
        FieldType::Number => to_number(value).map(TypedValue::Number),
        FieldType::Boolean => to_boolean(value).map(TypedValue::Boolean),
        FieldType::Date => to_date(value).map(TypedValue::Date),
        FieldType::Datetime => to_datetime(value).map(TypedValue::Datetime),
        FieldType::Json => Some(TypedValue::Json(value.clone())),
    };
    converted.ok_or_else(|| ConvertError {
        expected: to,
        found: describe(value),
    })
}

/// 2⁵³: JSON integers beyond 64 bits arrive as floats, and floats from here on are rounded
/// to even numbers and coarser.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// A number as text, unless it is a float too large to be exact: an id such as
/// `123456789012345678901234567890` arrives as `1.2345678901234568e+29`, and as text it would
/// be a different id (two ids could even become the same one).
pub(crate) fn exact_text(n: &Number) -> Option<String> {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.abs() >= EXACT_FLOAT_LIMIT => None,
        _ => Some(n.to_string()),
    }
}

fn to_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => exact_text(n),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn to_number(value: &Value) -> Option<Number> {
    match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => parse_number(s.trim()),
        _ => None,
    }
}

/// A finite decimal; integer strings stay integers.
fn parse_number(s: &str) -> Option<Number> {
    // Rust's float parser also takes "inf", "NaN", "infinity": only digits, signs, `.`, `e`.
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = s.parse::<u64>() {
        return Some(Number::from(u));
    }
    let f = s.parse::<f64>().ok()?;
    Number::from_f64(f)
}

fn to_boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => {
            let f = n.as_f64()?;
            if f == 1.0 {
                Some(true)
            } else if f == 0.0 {
                Some(false)
            } else {
                None
            }
        }
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn to_date(value: &Value) -> Option<NaiveDate> {
    let s = value.as_str()?.trim();
    // A date-time's date in its own offset is the date as written.
    parse_date(s).or_else(|| parse_datetime_string(s).map(|dt| dt.naive_local().date()))
}

/// `YYYY-MM-DD`, `DD.MM.YYYY` or `YYYY/MM/DD`; month and day with one or two digits.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = if let Some((y, m, d)) = split3(s, '-') {
        (y, m, d)
    } else if let Some((d, m, y)) = split3(s, '.') {
        (y, m, d)
    } else if let Some((y, m, d)) = split3(s, '/') {
        (y, m, d)
    } else {
        return None;
    };
    let year = digits(y, 4, 4)?;
    let month = digits(m, 1, 2)?;
    let day = digits(d, 1, 2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn split3(s: &str, sep: char) -> Option<(&str, &str, &str)> {
    let mut parts = s.split(sep);
    let out = (parts.next()?, parts.next()?, parts.next()?);
    parts.next().is_none().then_some(out)
}

/// `s` as a number when it is `min..=max` ASCII digits.
fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn to_datetime(value: &Value) -> Option<DateTime<FixedOffset>> {
    match value {
        Value::Number(n) => from_timestamp(n.as_i64()?),
        Value::String(s) => {
            let s = s.trim();
            let unsigned = s.strip_prefix('-').unwrap_or(s);
            if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
                from_timestamp(s.parse().ok()?)
            } else {
                parse_datetime_string(s)
            }
        }
        _ => None,
    }
}

/// Seconds, or milliseconds when the absolute value is above 10¹¹; within the years 0000 to
/// 9999, the years RFC 3339 can write (a later one, e.g. microseconds read as milliseconds,
/// would be stored in a form no reader takes back).
fn from_timestamp(n: i64) -> Option<DateTime<FixedOffset>> {
    let utc = if n.unsigned_abs() > 100_000_000_000 {
        DateTime::from_timestamp_millis(n)?
    } else {
        DateTime::from_timestamp(n, 0)?
    };
    (0..=9999).contains(&utc.year()).then(|| utc.fixed_offset())
}

/// RFC 3339, or `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` with an optional offset (UTC when none).
fn parse_datetime_string(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    let split = s.find(['T', 't', ' '])?;
    let (date, rest) = (&s[..split], s[split + 1..].trim_start());
    let (y, m, d) = split3(date, '-')?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(y, 4, 4)?).ok()?,
        digits(m, 1, 2)?,
        digits(d, 1, 2)?,
    )?;
    // The time has no letters, signs or spaces: the offset starts at the first of them.
    let offset_at = rest
        .find(|c: char| c.is_ascii_alphabetic() || matches!(c, '+' | '-' | ' '))
        .unwrap_or(rest.len());
    let (time, offset) = (&rest[..offset_at], rest[offset_at..].trim_start());
    let time = parse_time(time)?;
    let offset = parse_offset(offset)?;
    NaiveDateTime::new(date, time)
        .and_local_timezone(offset)
        .single()
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`; the hour with one or two digits.
fn parse_time(s: &str) -> Option<NaiveTime> {
    let mut parts = s.splitn(3, ':');
    let hour = digits(parts.next()?, 1, 2)?;
    let minute = digits(parts.next()?, 2, 2)?;
    let (second, nano) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = match sec.split_once('.') {
                Some((whole, frac)) => (whole, Some(frac)),
                None => (sec, None),
            };
            let second = digits(whole, 2, 2)?;
            let nano = match frac {
                None => 0,
                Some(frac) => {
                    if frac.is_empty()
                        || frac.len() > 9
                        || !frac.bytes().all(|b| b.is_ascii_digit())
                    {
                        return None;
                    }
                    let padded = format!("{frac:0<9}");
                    padded.parse::<u32>().ok()?
                }
            };
            (second, nano)
        }
    };
    if second > 59 {
        return None;
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
}

/// Empty (UTC), `Z`, `UTC`, `±HH:MM`, `±HHMM` or `±HH`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    if s.is_empty() || s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes()[0] {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = if let Some((h, m)) = rest.split_once(':') {
        (h, m)
    } else if rest.len() == 4 && rest.is_ascii() {
        // Bytes, not characters: a 4-byte rest such as `€1` must not be split inside a char.
        rest.split_at(2)
    } else {
        (rest, "00")
    };
    let hours = digits(h, 2, 2)?;
    let minutes = digits(m, 2, 2)?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_values() {
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!("a\"b")), r#"string "a\"b""#);
        assert_eq!(describe(&json!([1])), "array");
        let long = "x".repeat(50);
        assert_eq!(
            describe(&json!(long)),
            format!("string \"{}…\"", "x".repeat(40))
        );
        // Exactly 40 characters is not cut; counting is by characters, not bytes.
        let forty = "é".repeat(40);
        assert_eq!(describe(&json!(forty)), format!("string \"{forty}\""));
    }

    #[test]
    fn number_strings() {
        assert_eq!(parse_number("42"), Some(Number::from(42)));
        assert_eq!(parse_number("+7"), Some(Number::from(7)));
        assert_eq!(
            parse_number("18446744073709551615"),
            Some(Number::from(u64::MAX))
        );
        assert_eq!(parse_number(".5"), Number::from_f64(0.5));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("infinity"), None);
        assert_eq!(parse_number("1e400"), None);
        assert_eq!(parse_number("1_000"), None);
        assert_eq!(parse_number("-"), None);
    }

    #[test]
    fn offsets() {
        assert_eq!(
            parse_offset("+0530"),
            FixedOffset::east_opt(5 * 3600 + 1800)
        );
        assert_eq!(parse_offset("-03"), FixedOffset::west_opt(3 * 3600));
        assert_eq!(parse_offset("utc"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("+24:00"), None);
        assert_eq!(parse_offset("+1"), None);
        assert_eq!(parse_offset("CET"), None);
        // Four bytes that are not four characters.
        assert_eq!(parse_offset("+€1"), None);
        assert_eq!(parse_offset("-1€"), None);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("9:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(
            parse_time("09:30:05.5"),
            NaiveTime::from_hms_milli_opt(9, 30, 5, 500)
        );
        assert_eq!(parse_time("09:30:60"), None);
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("09:3"), None);
        assert_eq!(parse_time("09:30:05."), None);
    }
}
