//! Message templates with `{{field}}` placeholders.
//!
//! - A placeholder is `{{name}}`; whitespace inside the braces is ignored
//!   (`{{ first_name }}` is `first_name`). The name is whatever is between the braces,
//!   trimmed, and must not be empty; whether it names a field is [`Template::check`]'s
//!   business.
//! - A single `{` or `}` is literal text, and so is `}}` with no placeholder open. In a run of
//!   more than two `{`, the last two open the placeholder: `{{{x}}}` is `{`, the placeholder
//!   `x`, then `}`.
//! - [`Template::parse`] fails on a `{{` without its `}}` (before the end or before the next
//!   `{{`) and on an empty `{{ }}`.
//! - A template has at most [`MAX_TEMPLATE_CHARS`] characters, and renders to at most
//!   [`MAX_MESSAGE_BYTES`] bytes: a longer message is an error, not a cut.
//! - Unknown names are caught when the template is saved, by [`Template::check`] against the
//!   user fields ([`USER_FIELDS`]) and the bot's custom fields; they are not blanked when a
//!   message is sent: [`Template::render`] refuses them. A known field without a value renders
//!   as nothing.

/// Fields every bot user has; custom fields add to these.
pub const USER_FIELDS: [&str; 6] = [
    "first_name",
    "last_name",
    "phone",
    "email",
    "user_ns",
    "crm_contact_id",
];

/// The longest template, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 10_000;
/// The longest message a template may render to, in bytes: more than any channel's longest
/// message, and a bound on what one request stores (the message goes into the outbox and the
/// log row). Without it, a placeholder repeated a thousand times over a long value made
/// hundreds of megabytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// `at` is where the placeholder's `{{` is, in characters from 0; the message counts from 1,
/// as an editor's column does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is {chars} characters long; the most is {MAX_TEMPLATE_CHARS}")]
    TooLong { chars: usize },
    #[error("the message would be longer than {MAX_MESSAGE_BYTES} bytes")]
    MessageTooLong,
    #[error("unclosed placeholder starting at character {}", .at + 1)]
    Unclosed { at: usize },
    #[error("empty placeholder at character {}", .at + 1)]
    Empty { at: usize },
    #[error("unknown fields: {}", .0.join(", "))]
    UnknownFields(Vec<String>),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// A piece of the source, by byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(std::ops::Range<usize>),
    /// The trimmed name.
    Placeholder(std::ops::Range<usize>),
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let chars = source.chars().count();
        if chars > MAX_TEMPLATE_CHARS {
            return Err(TemplateError::TooLong { chars });
        }
        let char_at = |byte: usize| source[..byte].chars().count();
        let mut parts = Vec::new();
        let mut text_start = 0;
        let mut pos = 0;
        while let Some(found) = source[pos..].find("{{") {
            let mut open = pos + found;
            // In `{{{`, the last two braces open the placeholder.
            while source[open + 2..].starts_with('{') {
                open += 1;
            }
            let inner_start = open + 2;
            let close = match source[inner_start..].find("}}") {
                Some(close) => inner_start + close,
                None => return Err(TemplateError::Unclosed { at: char_at(open) }),
            };
            let inner = &source[inner_start..close];
            if inner.contains("{{") {
                return Err(TemplateError::Unclosed { at: char_at(open) });
            }
            let name = inner.trim();
            if name.is_empty() {
                return Err(TemplateError::Empty { at: char_at(open) });
            }
            if text_start < open {
                parts.push(Part::Text(text_start..open));
            }
            let name_start = inner_start + (inner.len() - inner.trim_start().len());
            parts.push(Part::Placeholder(name_start..name_start + name.len()));
            pos = close + 2;
            text_start = pos;
        }
        if text_start < source.len() {
            parts.push(Part::Text(text_start..source.len()));
        }
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The placeholder names, in order, without repeats.
    pub fn placeholders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for part in &self.parts {
            if let Part::Placeholder(range) = part {
                let name = &self.source[range.clone()];
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
    /// Every placeholder that is not in `known`, all listed in one error.
    ///
    /// The names are listed in the order they first appear, each once.
    pub fn check(&self, known: &[&str]) -> Result<(), TemplateError> {
        let unknown: Vec<String> = self
            .placeholders()
            .into_iter()
            .filter(|name| !known.contains(name))
            .map(str::to_owned)
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(TemplateError::UnknownFields(unknown))
        }
    }
    /// Renders with `lookup(name)`: `None` is an unknown field (an error listing them all),
    /// `Some(None)` a known field without a value (rendered empty).
    ///
    /// Unknown names should have been caught by [`Template::check`] when the template was
    /// saved; if one gets here anyway (a field deleted since), nothing is rendered rather than
    /// a message with a hole in it.
    pub fn render(
        &self,
        lookup: impl Fn(&str) -> Option<Option<String>>,
    ) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(self.source.len());
        let mut unknown: Vec<String> = Vec::new();
        let push = |out: &mut String, text: &str| {
            if out.len() + text.len() > MAX_MESSAGE_BYTES {
                return Err(TemplateError::MessageTooLong);
            }
            out.push_str(text);
            Ok(())
        };
        for part in &self.parts {
            match part {
                Part::Text(range) => push(&mut out, &self.source[range.clone()])?,
                Part::Placeholder(range) => {
                    let name = &self.source[range.clone()];
                    match lookup(name) {
                        Some(Some(value)) => push(&mut out, &value)?,
                        Some(None) => {}
                        None => {
                            if !unknown.iter().any(|u| u == name) {
                                unknown.push(name.to_owned());
                            }
                        }
                    }
                }
            }
        }
        if unknown.is_empty() {
            Ok(out)
        } else {
            Err(TemplateError::UnknownFields(unknown))
        }
    }
}
