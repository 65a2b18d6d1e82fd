//! RFC 9535 normalized paths (`$['contact']['phones'][0]`) and their short form (`$.contact.phones[0]`).
//!
//! The JSON tree shows both for every node and either may be saved as a mapping or identity
//! path, which jsonpath-rust then evaluates. So every member name must survive the trip:
//! [`normalized`] escapes exactly as RFC 9535 §2.7 prescribes (the form jsonpath-rust itself
//! reports), [`short`] is only offered for names that need no quoting at all, and [`parse`]
//! reads either form (or a mixture) back into the same segments.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One step from a node to its child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Segment {
    Name(String),
    Index(usize),
}

/// The RFC 9535 normalized path of the node reached by `segments` from the root.
pub fn normalized(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for segment in segments {
        push_normalized(&mut out, segment);
    }
    out
}

/// The short form (`$.a.b[0]`), only when every name is a plain identifier.
pub fn short(segments: &[Segment]) -> Option<String> {
    let mut out = String::from("$");
    for segment in segments {
        if !push_short(&mut out, segment) {
            return None;
        }
    }
    Some(out)
}

/// Appends one normalized segment: `['name']` (RFC 9535 §2.7 escaping) or `[3]`.
pub(crate) fn push_normalized(out: &mut String, segment: &Segment) {
    match segment {
        Segment::Index(i) => {
            let _ = write!(out, "[{i}]");
        }
        Segment::Name(name) => {
            out.reserve(name.len() + 4);
            out.push_str("['");
            for c in name.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    '\u{08}' => out.push_str("\\b"),
                    '\u{0C}' => out.push_str("\\f"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c < '\u{20}' => {
                        let _ = write!(out, "\\u{:04x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push_str("']");
        }
    }
}

/// Appends one short-form segment (`.name` or `[3]`); false when the name is not a plain
/// identifier (nothing is appended then).
pub(crate) fn push_short(out: &mut String, segment: &Segment) -> bool {
    match segment {
        Segment::Index(i) => {
            let _ = write!(out, "[{i}]");
            true
        }
        Segment::Name(name) if is_plain_identifier(name) => {
            out.push('.');
            out.push_str(name);
            true
        }
        Segment::Name(_) => false,
    }
}

/// RFC 9535 `member-name-shorthand`, restricted to ASCII so that what the user reads is
/// unambiguous (no look-alike letters, no invisible characters).
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a normalized path or its short form back into segments.
pub fn parse(path: &str) -> Result<Vec<Segment>, String> {
    Parser {
        chars: path.chars().collect(),
        pos: 0,
    }
    .path()
}

/// The message for every valid RFC 9535 construct that is not a plain name or index.
fn unsupported(what: &str, pos: usize) -> String {
    format!(
        "{what} at character {} is not supported: only plain name/index paths can be parsed, \
         like $['a'][0] or $.a[0]",
        pos + 1
    )
}

/// A recursive-descent parser over the characters of the path; positions in messages are
/// 1-based character counts.
struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Describes what is at `pos` for error messages.
    fn found(&self, pos: usize) -> String {
        match self.chars.get(pos) {
            None => "the end of the path".to_owned(),
            Some(c) if c.is_control() => format!("U+{:04X}", *c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn expected(&self, what: &str) -> String {
        format!(
            "expected {what} at character {}, found {}",
            self.pos + 1,
            self.found(self.pos)
        )
    }

    /// RFC 9535 blank space (`S`): space, tab, line feed, carriage return.
    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn path(mut self) -> Result<Vec<Segment>, String> {
        if self.peek() != Some('$') {
            return Err(self.expected("`$` (a path starts at the root)"));
        }
        self.pos += 1;
        let mut segments = Vec::new();
        loop {
            let before_blank = self.pos;
            self.skip_blank();
            match self.peek() {
                // RFC 9535 allows blank space between segments, not after the last one.
                None if self.pos > before_blank => {
                    return Err(format!(
                        "unexpected blank space at the end of the path (character {})",
                        before_blank + 1
                    ));
                }
                None => return Ok(segments),
                Some('.') => segments.push(self.dot_segment()?),
                Some('[') => segments.push(self.bracket_segment()?),
                Some(_) => return Err(self.expected("`.` or `[`")),
            }
        }
    }

    /// `.name`; the `.` is at `self.pos`.
    fn dot_segment(&mut self) -> Result<Segment, String> {
        self.pos += 1;
        match self.peek() {
            Some('.') => Err(unsupported("the descendant segment `..`", self.pos - 1)),
            Some('*') => Err(unsupported("the wildcard `*`", self.pos)),
            Some(c) if is_name_first(c) => {
                let start = self.pos;
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
                Ok(Segment::Name(self.chars[start..self.pos].iter().collect()))
            }
            _ => Err(self.expected("a member name after `.`")),
        }
    }

    /// `['name']`, `["name"]` or `[3]`; the `[` is at `self.pos`.
    fn bracket_segment(&mut self) -> Result<Segment, String> {
        self.pos += 1;
        self.skip_blank();
        let segment = match self.peek() {
            Some(q @ ('\'' | '"')) => Segment::Name(self.string(q)?),
            Some('0'..='9') => Segment::Index(self.index()?),
            Some('-') => return Err(unsupported("a negative index", self.pos)),
            Some('*') => return Err(unsupported("the wildcard `*`", self.pos)),
            Some('?') => return Err(unsupported("a filter `?`", self.pos)),
            Some(':') => return Err(unsupported("a slice `:`", self.pos)),
            _ => return Err(self.expected("a quoted name or an index after `[`")),
        };
        self.skip_blank();
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(segment)
            }
            Some(',') => Err(unsupported("a list of selectors `,`", self.pos)),
            Some(':') => Err(unsupported("a slice `:`", self.pos)),
            _ => Err(self.expected("`]`")),
        }
    }

    /// `0` or a non-zero digit followed by digits (RFC 9535 allows no leading zeros).
    fn index(&mut self) -> Result<usize, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.chars[start] == '0' && self.pos - start > 1 {
            return Err(format!(
                "an index has no leading zeros (character {})",
                start + 1
            ));
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        digits
            .parse()
            .map_err(|_| format!("the index at character {} is too large", start + 1))
    }

    /// An RFC 9535 string literal quoted with `quote`, which is at `self.pos`.
    fn string(&mut self, quote: char) -> Result<String, String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(format!(
                    "the name opened at character {} has no closing {quote}",
                    open + 1
                ));
            };
            match c {
                c if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => out.push(self.escape(quote)?),
                c if c < '\u{20}' => {
                    return Err(format!(
                        "control character U+{:04X} at character {} must be escaped",
                        c as u32,
                        self.pos + 1
                    ));
                }
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// One escape sequence inside a string quoted with `quote`; the `\` is at `self.pos`.
    fn escape(&mut self, quote: char) -> Result<char, String> {
        let start = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(c) if c == quote => c,
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{08}',
            Some('f') => '\u{0C}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(start),
            _ => {
                let other = if quote == '\'' { '"' } else { '\'' };
                return Err(format!(
                    "invalid escape at character {}: after `\\` come {quote}, \\, /, b, f, n, r, t \
                     or uXXXX ({other} needs no escape inside {quote} quotes)",
                    start + 1
                ));
            }
        };
        self.pos += 1;
        Ok(c)
    }

    /// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`; `self.pos` is at the `u`.
    fn unicode_escape(&mut self, start: usize) -> Result<char, String> {
        self.pos += 1;
        let code = self.hex4(start)?;
        let code = match code {
            0xD800..=0xDBFF => {
                if self.peek() != Some('\\') || self.peek_at(1) != Some('u') {
                    return Err(format!(
                        "the escape at character {} is a high surrogate without a following \
                         \\uXXXX low surrogate",
                        start + 1
                    ));
                }
                let low_start = self.pos;
                self.pos += 2;
                let low = self.hex4(low_start)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(format!(
                        "the escape at character {} is not a low surrogate",
                        low_start + 1
                    ));
                }
                0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(format!(
                    "the escape at character {} is a low surrogate without a high one",
                    start + 1
                ));
            }
            code => code,
        };
        // Surrogates are excluded above, so every remaining code is a scalar value.
        char::from_u32(code).ok_or_else(|| format!("invalid escape at character {}", start + 1))
    }

    fn hex4(&mut self, start: usize) -> Result<u32, String> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16)).ok_or_else(|| {
                format!(
                    "the \\u escape at character {} needs four hex digits",
                    start + 1
                )
            })?;
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }
}

/// RFC 9535 `name-first`: ALPHA / "_" / %x80-D7FF / %xE000-10FFFF.
fn is_name_first(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c >= '\u{80}'
}

fn is_name_char(c: char) -> bool {
    is_name_first(c) || c.is_ascii_digit()
}
