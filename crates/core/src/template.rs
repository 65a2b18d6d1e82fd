//! Message templates with `{{field}}` placeholders.

/// Fields every bot user has; custom fields add to these.
pub const USER_FIELDS: [&str; 6] = [
    "first_name",
    "last_name",
    "phone",
    "email",
    "user_ns",
    "crm_contact_id",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unclosed placeholder starting at character {at}")]
    Unclosed { at: usize },
    #[error("empty placeholder at character {at}")]
    Empty { at: usize },
    #[error("unknown fields: {}", .0.join(", "))]
    UnknownFields(Vec<String>),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let _ = source;
        todo!()
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The placeholder names, in order, without repeats.
    pub fn placeholders(&self) -> Vec<&str> {
        todo!()
    }
    /// Every placeholder that is not in `known`, all listed in one error.
    pub fn check(&self, known: &[&str]) -> Result<(), TemplateError> {
        let _ = known;
        todo!()
    }
    /// Renders with `lookup(name)`: `None` is an unknown field (an error listing them all),
    /// `Some(None)` a known field without a value (rendered empty).
    pub fn render(
        &self,
        lookup: impl Fn(&str) -> Option<Option<String>>,
    ) -> Result<String, TemplateError> {
        let _ = lookup;
        todo!()
    }
}
