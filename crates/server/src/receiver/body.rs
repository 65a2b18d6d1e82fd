//! Reading and parsing a request body: size limit without buffering past it, JSON or
//! `application/x-www-form-urlencoded` (a field holding JSON is parsed).

use crate::error::cause;
use crate::http_serve::BodyTimedOut;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError};
use serde_json::{Map, Value};

/// Content types the receiver accepts, as the 415 answer lists them.
pub const ACCEPTED_TYPES: [&str; 2] = ["application/json", "application/x-www-form-urlencoded"];
/// The `Accept-Post` header of a 415 answer: the accepted types, `+json` ones included.
pub const ACCEPT_POST: &str =
    "application/json, application/*+json, application/x-www-form-urlencoded";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body could not be read: {0}")]
    Read(String),
    #[error("{0}")]
    TimedOut(String),
    #[error(
        "unsupported content type {got}: send application/json (or an application/…+json type) or application/x-www-form-urlencoded"
    )]
    UnsupportedType { got: String },
    #[error("unsupported content encoding {got}: send the body uncompressed")]
    UnsupportedEncoding { got: String },
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("malformed form body: {0}")]
    InvalidForm(String),
}

/// Reads at most `limit` bytes. A `Content-Length` over the limit fails before reading
/// anything; a longer stream fails as soon as it passes the limit.
///
/// The `Content-Length` is only a shortcut: a body that turns out longer than it claims is
/// still cut off at `limit`, and never more than `limit` bytes are kept in memory (a frame that
/// would pass the limit is dropped, not appended). A length-limit error raised by a layer
/// below (`http_body_util::Limited`, tower-http's body limit) is reported as `TooLarge` too.
pub async fn read_limited(
    body: Body,
    content_length: Option<u64>,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = body;
    // The common case is a single frame: hand it back without copying.
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| read_error(err, limit))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing we keep
        };
        if data.is_empty() {
            continue;
        }
        if data.len() > limit - total {
            return Err(BodyError::TooLarge { limit });
        }
        total += data.len();
        match (&mut first, &mut rest) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut buf = BytesMut::with_capacity(total);
                buf.extend_from_slice(head);
                buf.extend_from_slice(&data);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&data),
        }
    }
    Ok(match (first, rest) {
        (_, Some(buf)) => buf.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    })
}

fn read_error(err: axum::Error, limit: usize) -> BodyError {
    let inner = err.into_inner();
    if cause::<LengthLimitError>(inner.as_ref()).is_some() {
        return BodyError::TooLarge { limit };
    }
    if let Some(timeout) = cause::<BodyTimedOut>(inner.as_ref()) {
        return BodyError::TimedOut(timeout.to_string());
    }
    BodyError::Read(inner.to_string())
}

enum Kind {
    Json,
    Form,
}

/// Parses `bytes` by `content_type` (missing → JSON).
///
/// Only the media type counts, case-insensitively; parameters such as `charset` are ignored
/// (the body must be UTF-8 either way). A missing or blank `Content-Type` is read as JSON, since
/// many senders omit it. Besides the two [`ACCEPTED_TYPES`], any `application/<name>+json`
/// (RFC 6839 structured-syntax suffix, e.g. `application/vnd.github+json`) is read as JSON;
/// `text/json` and everything else is refused with [`BodyError::UnsupportedType`].
///
/// JSON: one UTF-8 document, nesting at most serde_json's limit (128 levels); a leading UTF-8
/// byte-order mark is skipped (RFC 8259 §8.1 allows ignoring it, and some .NET senders add it).
///
/// Form: an object of strings; a repeated name becomes an array of its values in order. A
/// value that, trimmed, starts with `{` or `[` and parses as JSON becomes that JSON (so
/// `payload={"a":1}` gives `{"payload":{"a":1}}`, as Slack-style senders post). One that starts
/// so but does not parse stays a string: a person may well type braces into a form field, and
/// that is their text, not a malformed request. Other values (`42`, `true`) stay strings too;
/// typing them is the job of the field mappings. The body, and every value once
/// percent-decoded, must be UTF-8: invalid bytes are refused with their offset rather than
/// silently replaced by `�`.
///
/// A `Content-Encoding` other than `identity` (a gzip body, say) is refused with
/// [`BodyError::UnsupportedEncoding`] rather than read as malformed text (RFC 7694).
pub fn parse(
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    bytes: &[u8],
) -> Result<Value, BodyError> {
    if let Some(got) = content_encoding.filter(|e| !e.eq_ignore_ascii_case("identity")) {
        return Err(BodyError::UnsupportedEncoding {
            got: got.to_owned(),
        });
    }
    match kind(content_type)? {
        Kind::Json => parse_json(bytes),
        Kind::Form => parse_form(bytes),
    }
}

fn kind(content_type: Option<&str>) -> Result<Kind, BodyError> {
    let media_type = content_type.map_or("", |ct| ct.split(';').next().unwrap_or("").trim());
    if media_type.is_empty()
        || media_type.eq_ignore_ascii_case(ACCEPTED_TYPES[0])
        || is_json_suffix(media_type)
    {
        Ok(Kind::Json)
    } else if media_type.eq_ignore_ascii_case(ACCEPTED_TYPES[1]) {
        Ok(Kind::Form)
    } else {
        Err(BodyError::UnsupportedType {
            got: media_type.to_owned(),
        })
    }
}

/// `application/<something>+json`, case-insensitively.
fn is_json_suffix(media_type: &str) -> bool {
    let lower = media_type.to_ascii_lowercase();
    lower
        .strip_prefix("application/")
        .and_then(|sub| sub.strip_suffix("+json"))
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// The text of a JSON body that parsed, as the log's copy of the parsed document: the same
/// text gives the same document, and writing the document out again cost more than a tenth
/// of a request's preparation. `None` for a form body, whose document is not its text.
pub fn json_text<'a>(content_type: Option<&str>, bytes: &'a [u8]) -> Option<&'a str> {
    match kind(content_type) {
        Ok(Kind::Json) => std::str::from_utf8(without_bom(bytes))
            .ok()
            .map(|text| text.trim_matches([' ', '\t', '\n', '\r'])),
        _ => None,
    }
}

fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn parse_json(bytes: &[u8]) -> Result<Value, BodyError> {
    let bytes = without_bom(bytes);
    serde_json::from_slice(bytes).map_err(|err| {
        let (line, column) = (err.line(), err.column());
        let message = if bytes
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            "the body is empty".to_owned()
        } else {
            let full = err.to_string();
            match full.strip_suffix(&format!(" at line {line} column {column}")) {
                Some(message) => message.to_owned(),
                None => full,
            }
        };
        BodyError::InvalidJson {
            line,
            column,
            message,
        }
    })
}

fn parse_form(bytes: &[u8]) -> Result<Value, BodyError> {
    let bytes = without_bom(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        BodyError::InvalidForm(format!(
            "the body is not valid UTF-8 (byte {})",
            err.valid_up_to()
        ))
    })?;
    check_percent_decoded_utf8(text)?;

    // Every name first collects all its values; single ones are unwrapped at the end. (Checking
    // "is it an array already?" would confuse a repeated name with a value that is a JSON array.)
    let mut fields: Map<String, Value> = Map::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        let value = form_value(&value);
        match fields.get_mut(name.as_ref()) {
            Some(Value::Array(values)) => values.push(value),
            _ => {
                fields.insert(name.into_owned(), Value::Array(vec![value]));
            }
        }
    }
    for value in fields.values_mut() {
        if let Value::Array(values) = value
            && values.len() == 1
        {
            *value = values.pop().unwrap_or(Value::Null);
        }
    }
    Ok(Value::Object(fields))
}

fn form_value(value: &str) -> Value {
    let trimmed = value.trim();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(json) = serde_json::from_str::<Value>(trimmed)
    {
        return json;
    }
    Value::String(value.to_owned())
}

/// `form_urlencoded` replaces percent-encoded bytes that are not UTF-8 (`%FF`) with `�`. We
/// refuse them instead. Percent sequences never span `&` or `=` (neither is a hex digit) and
/// UTF-8 validity survives joining valid parts with ASCII, so decoding the whole body at once
/// finds exactly the fields that would decode lossily.
fn check_percent_decoded_utf8(text: &str) -> Result<(), BodyError> {
    let raw = text.as_bytes();
    if !raw.contains(&b'%') {
        return Ok(());
    }
    let mut decoded = Vec::with_capacity(raw.len());
    let mut offsets = Vec::with_capacity(raw.len()); // raw offset of each decoded byte
    let mut i = 0;
    while i < raw.len() {
        let byte = match (
            raw[i],
            raw.get(i + 1).and_then(hex),
            raw.get(i + 2).and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                offsets.push(i);
                i += 3;
                high << 4 | low
            }
            (byte, _, _) => {
                offsets.push(i);
                i += 1;
                byte
            }
        };
        decoded.push(byte);
    }
    match std::str::from_utf8(&decoded) {
        Ok(_) => Ok(()),
        Err(err) => Err(BodyError::InvalidForm(format!(
            "a percent-encoded value is not valid UTF-8 (byte {})",
            offsets[err.valid_up_to()]
        ))),
    }
}

fn hex(byte: &u8) -> Option<u8> {
    (*byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::HttpBody;
    use http_body_util::{Full, Limited};
    use serde_json::json;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    /// `Option<Result<http_body::Frame<Bytes>, Infallible>>`, named without a direct dependency
    /// on `http-body`.
    type NextFrame =
        <http_body_util::combinators::Frame<'static, Full<Bytes>> as std::future::Future>::Output;

    /// A streamed body of unknown length (like chunked transfer encoding): `chunks` chunks of
    /// `chunk` bytes, or without end. Counts the chunks handed out.
    struct Chunks {
        chunk: &'static [u8],
        left: Option<usize>,
        current: Option<Full<Bytes>>,
        pulled: Arc<AtomicUsize>,
    }

    impl HttpBody for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<NextFrame> {
            loop {
                if let Some(current) = self.current.as_mut() {
                    match Pin::new(current).poll_frame(cx) {
                        Poll::Ready(None) => self.current = None,
                        other => return other,
                    }
                }
                match self.left {
                    Some(0) => return Poll::Ready(None),
                    Some(ref mut n) => *n -= 1,
                    None => {}
                }
                self.pulled.fetch_add(1, Ordering::SeqCst);
                self.current = Some(Full::new(Bytes::from_static(self.chunk)));
            }
        }
    }

    fn streamed(chunk: &'static [u8], chunks: Option<usize>) -> (Body, Arc<AtomicUsize>) {
        let pulled = Arc::new(AtomicUsize::new(0));
        let body = Chunks {
            chunk,
            left: chunks,
            current: None,
            pulled: pulled.clone(),
        };
        assert_eq!(body.size_hint().upper(), None, "the length must be unknown");
        (Body::new(body), pulled)
    }

    #[tokio::test]
    async fn content_length_over_the_limit_fails_before_reading() {
        let (body, pulled) = streamed(b"x", None);
        let err = read_limited(body, Some(11), 10).await.unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 10 });
        assert_eq!(pulled.load(Ordering::SeqCst), 0);
        assert_eq!(err.to_string(), "the body is larger than 10 bytes");
    }

    #[tokio::test]
    async fn endless_stream_of_unknown_length_stops_at_the_limit() {
        let (body, pulled) = streamed(b"0123456789", None);
        let err = read_limited(body, None, 1000).await.unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 1000 });
        // 100 chunks fit exactly; the 101st is the one that passes the limit.
        assert_eq!(pulled.load(Ordering::SeqCst), 101);
    }

    #[tokio::test]
    async fn lying_small_content_length_is_still_cut_off() {
        let (body, pulled) = streamed(b"0123456789", Some(50));
        let err = read_limited(body, Some(5), 25).await.unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 25 });
        assert_eq!(pulled.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn exactly_the_limit_passes() {
        let (body, _) = streamed(b"0123456789", Some(3));
        let bytes = read_limited(body, None, 30).await.unwrap();
        assert_eq!(&bytes[..], b"012345678901234567890123456789");

        let bytes = read_limited(Body::from("0123456789"), Some(10), 10)
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"0123456789");

        let err = read_limited(Body::from("0123456789"), None, 9)
            .await
            .unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 9 });
    }

    #[tokio::test]
    async fn empty_body_reads_as_nothing() {
        assert!(
            read_limited(Body::empty(), Some(0), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let (body, _) = streamed(b"", Some(3));
        assert!(read_limited(body, None, 0).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_limit_from_a_lower_layer_is_too_large() {
        let body = Body::new(Limited::new(
            Full::new(Bytes::from_static(b"0123456789")),
            4,
        ));
        let err = read_limited(body, None, 100).await.unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 100 });
    }

    #[tokio::test]
    async fn other_read_errors_are_read_errors() {
        #[derive(Debug, thiserror::Error)]
        #[error("connection reset")]
        struct Reset;
        struct Failing;
        type FailingFrame = <http_body_util::combinators::Frame<
            'static,
            http_body_util::combinators::MapErr<Full<Bytes>, fn(Infallible) -> Reset>,
        > as std::future::Future>::Output;
        impl HttpBody for Failing {
            type Data = Bytes;
            type Error = Reset;
            fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<FailingFrame> {
                Poll::Ready(Some(Err(Reset)))
            }
        }
        let err = read_limited(Body::new(Failing), None, 100)
            .await
            .unwrap_err();
        assert_eq!(err, BodyError::Read("connection reset".into()));
        assert_eq!(
            err.to_string(),
            "the body could not be read: connection reset"
        );
    }

    #[test]
    fn json_by_media_type_case_and_parameters_ignored() {
        let body = br#"{"a":1}"#;
        for ct in [
            None,
            Some(""),
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("Application/JSON;charset=UTF-8"),
            Some("  application/json  ;  charset=\"utf-8\""),
            Some("application/vnd.github+json"),
            Some("application/cloudevents+json; charset=utf-8"),
            Some("APPLICATION/PROBLEM+JSON"),
        ] {
            assert_eq!(parse(ct, None, body).unwrap(), json!({"a": 1}), "{ct:?}");
        }
    }

    #[test]
    fn unsupported_types_name_what_was_sent_and_what_is_accepted() {
        for (ct, got) in [
            ("text/plain", "text/plain"),
            ("Text/Plain; charset=utf-8", "Text/Plain"),
            ("text/json", "text/json"),
            ("application/+json", "application/+json"),
            ("multipart/form-data; boundary=x", "multipart/form-data"),
            ("application/xml", "application/xml"),
        ] {
            let err = parse(Some(ct), None, b"{}").unwrap_err();
            assert_eq!(err, BodyError::UnsupportedType { got: got.into() });
            let text = err.to_string();
            assert!(text.contains(got), "{text}");
            for accepted in ACCEPTED_TYPES {
                assert!(text.contains(accepted), "{text}");
            }
        }
        assert_eq!(
            parse(Some("text/plain"), None, b"{}")
                .unwrap_err()
                .to_string(),
            "unsupported content type text/plain: send application/json (or an application/…+json type) or application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn json_errors_name_line_and_column_without_the_suffix() {
        let err = parse(None, None, b"{\n  \"a\": 1,\n  \"b\": ,\n}").unwrap_err();
        assert_eq!(
            err,
            BodyError::InvalidJson {
                line: 3,
                column: 8,
                message: "expected value".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "malformed JSON at line 3, column 8: expected value"
        );

        let err = parse(None, None, b"{\"a\": 1} x").unwrap_err();
        assert_eq!(
            err,
            BodyError::InvalidJson {
                line: 1,
                column: 10,
                message: "trailing characters".into()
            }
        );
    }

    #[test]
    fn empty_json_body_says_so() {
        for body in [&b""[..], b"  \r\n\t"] {
            let BodyError::InvalidJson { message, .. } =
                parse(Some("application/json"), None, body).unwrap_err()
            else {
                panic!("expected InvalidJson");
            };
            assert_eq!(message, "the body is empty");
        }
        assert_eq!(
            parse(None, None, b"").unwrap_err().to_string(),
            "malformed JSON at line 1, column 0: the body is empty"
        );
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(None, None, deep.as_bytes()).unwrap_err();
        let BodyError::InvalidJson { line, message, .. } = &err else {
            panic!("expected InvalidJson, got {err:?}");
        };
        assert_eq!((*line, message.as_str()), (1, "recursion limit exceeded"));

        let unclosed = "[".repeat(10_000);
        assert!(matches!(
            parse(None, None, unclosed.as_bytes()),
            Err(BodyError::InvalidJson { .. })
        ));
        // In a form value it simply stays a string.
        let form = format!("deep={}", "%5B".repeat(10_000));
        let value = parse(
            Some("application/x-www-form-urlencoded"),
            None,
            form.as_bytes(),
        )
        .unwrap();
        assert_eq!(value["deep"], Value::String(unclosed));
    }

    #[test]
    fn invalid_utf8_json_is_invalid_json() {
        for body in [&b"{\"a\": \"\xff\"}"[..], b"\xff", b"{\"a\xc3\": 1}"] {
            assert!(
                matches!(parse(None, None, body), Err(BodyError::InvalidJson { .. })),
                "{body:?}"
            );
        }
    }

    /// The log's parsed text of a JSON body is the body, which gives the same document again;
    /// a form body has none (its document is written out instead).
    #[test]
    fn a_json_body_is_its_own_parsed_text() {
        let bodies: [&[u8]; 4] = [
            b"{\"a\":true}",
            b"\xEF\xBB\xBF {\"a\" : [1, 2.50, \"\\u0041\\u0000\"]}\r\n",
            b"\n\t\"text\" ",
            b"{\"dup\": 1, \"dup\": 2, \"big\": 123456789012345678901234567890}",
        ];
        for body in bodies {
            let doc = parse(Some("application/json"), None, body).unwrap();
            let text = json_text(Some("application/json"), body).unwrap();
            assert_eq!(serde_json::from_str::<Value>(text).unwrap(), doc, "{text}");
        }
        assert_eq!(
            json_text(Some("application/vnd.api+json"), b" [1] "),
            Some("[1]")
        );
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(json_text(form, b"a=1"), None);
    }

    #[test]
    fn json_byte_order_mark_is_skipped() {
        assert_eq!(
            parse(None, None, b"\xEF\xBB\xBF{\"a\":true}").unwrap(),
            json!({"a": true})
        );
    }

    #[test]
    fn any_json_value_is_returned_as_is() {
        assert_eq!(
            parse(None, None, b"[1, \"two\"]").unwrap(),
            json!([1, "two"])
        );
        assert_eq!(parse(None, None, b" 42 ").unwrap(), json!(42));
    }

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn form_fields_become_strings() {
        let value = parse(
            FORM,
            None,
            b"name=Ada+Lovelace&phone=%2B44%207700%20900123&n=42&ok=true&empty=&bare",
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"name": "Ada Lovelace", "phone": "+44 7700 900123", "n": "42", "ok": "true", "empty": "", "bare": ""})
        );
        let value = parse(
            Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            None,
            b"caf%C3%A9=th%C3%A9&na%C3%AFve=\xC3\xA9",
        )
        .unwrap();
        assert_eq!(value, json!({"café": "thé", "naïve": "é"}));
    }

    #[test]
    fn repeated_form_names_become_arrays_in_order() {
        let value = parse(FORM, None, b"tag=b&x=1&tag=a&tag=c").unwrap();
        assert_eq!(value, json!({"tag": ["b", "a", "c"], "x": "1"}));
        // A JSON array value is not mistaken for a repetition.
        let value = parse(FORM, None, b"one=[1]&two=[1]&two=[2]").unwrap();
        assert_eq!(value, json!({"one": [1], "two": [[1], [2]]}));
    }

    #[test]
    fn form_values_holding_json_are_parsed() {
        let value = parse(
            FORM,
            None,
            b"payload=%7B%22a%22%3A1%7D&list=+%5B1%2C2%5D+&text=hi",
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"payload": {"a": 1}, "list": [1, 2], "text": "hi"})
        );
        let value = parse(FORM, None, br#"payload={"a":{"b":[true,null]}}"#).unwrap();
        assert_eq!(value, json!({"payload": {"a": {"b": [true, null]}}}));
    }

    #[test]
    fn form_values_with_braces_that_are_not_json_stay_strings() {
        let value = parse(FORM, None, b"note=%7Bsee+below%7D&list=[a,+b]&half={\"a\":").unwrap();
        assert_eq!(
            value,
            json!({"note": "{see below}", "list": "[a, b]", "half": "{\"a\":"})
        );
        // Strings that are valid JSON scalars stay strings as sent.
        let value = parse(FORM, None, b"q=%22quoted%22&n=+1+").unwrap();
        assert_eq!(value, json!({"q": "\"quoted\"", "n": " 1 "}));
    }

    #[test]
    fn empty_form_is_an_empty_object() {
        assert_eq!(parse(FORM, None, b"").unwrap(), json!({}));
        assert_eq!(parse(FORM, None, b"&&").unwrap(), json!({}));
    }

    #[test]
    fn invalid_utf8_in_a_form_is_refused_with_its_offset() {
        let err = parse(FORM, None, b"name=Ad\xffa").unwrap_err();
        assert_eq!(
            err,
            BodyError::InvalidForm("the body is not valid UTF-8 (byte 7)".into())
        );
        assert_eq!(
            err.to_string(),
            "malformed form body: the body is not valid UTF-8 (byte 7)"
        );

        let err = parse(FORM, None, b"ok=%C3%A9&name=Ad%FFa").unwrap_err();
        assert_eq!(
            err,
            BodyError::InvalidForm("a percent-encoded value is not valid UTF-8 (byte 17)".into())
        );
        // A truncated sequence at the end of a value.
        let err = parse(FORM, None, b"a=%C3&b=1").unwrap_err();
        assert_eq!(
            err,
            BodyError::InvalidForm("a percent-encoded value is not valid UTF-8 (byte 2)".into())
        );
        // A stray percent sign is text, as form_urlencoded reads it.
        assert_eq!(
            parse(FORM, None, b"pct=100%&x=%zz").unwrap(),
            json!({"pct": "100%", "x": "%zz"})
        );
    }

    #[test]
    fn compressed_bodies_are_refused_by_their_encoding() {
        let err = parse(None, Some("gzip"), b"\x1f\x8b\x08\x00").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported content encoding gzip: send the body uncompressed"
        );
        assert_eq!(parse(None, Some("Identity"), b"{}").unwrap(), json!({}));
    }
}
