//! Message templates: parsing, checking against known fields, rendering.

use botwire_core::template::{Template, TemplateError, USER_FIELDS};
use std::collections::HashMap;

fn parse(source: &str) -> Template {
    Template::parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"))
}

/// A lookup over `known` fields, of which those in `values` have a value.
fn lookup<'a>(
    known: &'a [&'a str],
    values: &'a [(&'a str, &'a str)],
) -> impl Fn(&str) -> Option<Option<String>> + 'a {
    let values: HashMap<&str, &str> = values.iter().copied().collect();
    move |name| {
        known
            .contains(&name)
            .then(|| values.get(name).map(|v| v.to_string()))
    }
}

// ---------------------------------------------------------------- parse

#[test]
fn parses_placeholders_in_order_without_repeats() {
    let t =
        parse("Hi {{first_name}}, your booking {{ booking_id }} at {{start}}. Bye {{first_name}}!");
    assert_eq!(t.placeholders(), vec!["first_name", "booking_id", "start"]);
    assert_eq!(
        t.source(),
        "Hi {{first_name}}, your booking {{ booking_id }} at {{start}}. Bye {{first_name}}!"
    );
}

#[test]
fn whitespace_inside_the_braces_is_ignored() {
    for source in [
        "{{first_name}}",
        "{{ first_name }}",
        "{{\tfirst_name\n}}",
        "{{   first_name}}",
    ] {
        assert_eq!(
            parse(source).placeholders(),
            vec!["first_name"],
            "{source:?}"
        );
    }
    // Inner whitespace belongs to the name (whether it is a field is for `check`).
    assert_eq!(parse("{{ first name }}").placeholders(), vec!["first name"]);
}

#[test]
fn any_non_empty_name_is_a_placeholder() {
    assert_eq!(
        parse("{{Kunden-Nr.}} {{🎉}} {{a{b}} {{x}y}}").placeholders(),
        vec!["Kunden-Nr.", "🎉", "a{b", "x}y"]
    );
}

#[test]
fn text_without_placeholders() {
    for source in [
        "",
        "Hello!",
        "a { b } c",
        "{ {x} }",
        "}} and }",
        "{",
        "}",
        "{x}",
        "{ {",
    ] {
        let t = parse(source);
        assert!(t.placeholders().is_empty(), "{source:?}");
        assert_eq!(t.render(|_| None).unwrap(), source);
    }
}

#[test]
fn single_braces_are_literal_next_to_placeholders() {
    let t = parse("{{{x}}} {a} {{y}}}");
    assert_eq!(t.placeholders(), vec!["x", "y"]);
    assert_eq!(
        t.render(lookup(&["x", "y"], &[("x", "1"), ("y", "2")]))
            .unwrap(),
        "{1} {a} 2}"
    );
}

#[test]
fn unclosed_placeholders_are_errors_at_their_character() {
    assert_eq!(
        Template::parse("Hi {{first_name"),
        Err(TemplateError::Unclosed { at: 3 })
    );
    assert_eq!(
        Template::parse("Hi {{first_name").unwrap_err().to_string(),
        "unclosed placeholder starting at character 4"
    );
    assert_eq!(
        Template::parse("{{"),
        Err(TemplateError::Unclosed { at: 0 })
    );
    assert_eq!(
        Template::parse("{{x}"),
        Err(TemplateError::Unclosed { at: 0 })
    );
    assert_eq!(
        Template::parse("{{a}} {{b"),
        Err(TemplateError::Unclosed { at: 6 })
    );
    // Closed only after another `{{` opens: the first one is unclosed.
    assert_eq!(
        Template::parse("{{a {{b}}"),
        Err(TemplateError::Unclosed { at: 0 })
    );
    // Counted in characters, not bytes.
    assert_eq!(
        Template::parse("Olá 🎉 {{nome"),
        Err(TemplateError::Unclosed { at: 6 })
    );
}

#[test]
fn empty_placeholders_are_errors() {
    assert_eq!(Template::parse("{{}}"), Err(TemplateError::Empty { at: 0 }));
    assert_eq!(
        Template::parse("Hi {{  }}!"),
        Err(TemplateError::Empty { at: 3 })
    );
    assert_eq!(
        Template::parse("Hi {{ }}").unwrap_err().to_string(),
        "empty placeholder at character 4"
    );
    assert_eq!(
        Template::parse("é{{\n}}"),
        Err(TemplateError::Empty { at: 1 })
    );
}

// ---------------------------------------------------------------- check

#[test]
fn check_accepts_known_names() {
    let t = parse("Hi {{ first_name }} {{last_name}}, {{plan}}");
    let mut known = USER_FIELDS.to_vec();
    known.push("plan");
    assert_eq!(t.check(&known), Ok(()));
    assert_eq!(parse("no placeholders").check(&[]), Ok(()));
}

#[test]
fn check_lists_every_unknown_name_once_in_order() {
    let t = parse("{{b}} {{first_name}} {{a}} {{ b }} {{c}} {{a}}");
    let e = t.check(&USER_FIELDS).unwrap_err();
    assert_eq!(
        e,
        TemplateError::UnknownFields(vec!["b".into(), "a".into(), "c".into()])
    );
    assert_eq!(e.to_string(), "unknown fields: b, a, c");
}

#[test]
fn check_is_case_sensitive() {
    assert_eq!(
        parse("{{First_Name}}").check(&USER_FIELDS),
        Err(TemplateError::UnknownFields(vec!["First_Name".into()]))
    );
}

// ---------------------------------------------------------------- render

#[test]
fn render_fills_values_and_blanks_known_fields_without_one() {
    let t = parse("Hi {{ first_name }} {{last_name}}! Plan: {{plan}}. Again: {{first_name}}");
    let known = ["first_name", "last_name", "plan"];
    assert_eq!(
        t.render(lookup(&known, &[("first_name", "Ana"), ("plan", "Pro")]))
            .unwrap(),
        "Hi Ana ! Plan: Pro. Again: Ana"
    );
}

#[test]
fn render_keeps_the_text_around_placeholders_exactly() {
    let t = parse("  {{a}}\n\t{{ b }}  ");
    assert_eq!(
        t.render(lookup(&["a", "b"], &[("a", "1"), ("b", "2")]))
            .unwrap(),
        "  1\n\t2  "
    );
}

#[test]
fn values_are_not_reinterpreted() {
    let t = parse("{{a}}{{b}}");
    assert_eq!(
        t.render(lookup(&["a", "b"], &[("a", "{{b}}"), ("b", "}}")]))
            .unwrap(),
        "{{b}}}}"
    );
}

#[test]
fn render_refuses_unknown_fields_listing_them_all() {
    let t = parse("{{x}} {{first_name}} {{y}} {{x}}");
    assert_eq!(
        t.render(lookup(&USER_FIELDS, &[("first_name", "Ana")])),
        Err(TemplateError::UnknownFields(vec!["x".into(), "y".into()]))
    );
}

#[test]
fn render_with_user_fields() {
    let t = parse("Hello {{first_name}}, we will text {{ phone }} about {{booking_start}}.");
    let mut known = USER_FIELDS.to_vec();
    known.push("booking_start");
    t.check(&known).unwrap();
    assert_eq!(
        t.render(lookup(
            &known,
            &[
                ("first_name", "Ana"),
                ("phone", "+14155550132"),
                ("booking_start", "2026-12-03 15:30 UTC"),
            ],
        ))
        .unwrap(),
        "Hello Ana, we will text +14155550132 about 2026-12-03 15:30 UTC."
    );
}

/// A template is bounded, and so is what it renders: a placeholder repeated over a long value
/// would otherwise make a message of hundreds of megabytes.
#[test]
fn templates_and_messages_are_bounded() {
    use botwire_core::template::{MAX_MESSAGE_BYTES, MAX_TEMPLATE_CHARS};
    assert!(Template::parse(&"é".repeat(MAX_TEMPLATE_CHARS)).is_ok());
    assert_eq!(
        Template::parse(&"é".repeat(MAX_TEMPLATE_CHARS + 1)),
        Err(TemplateError::TooLong {
            chars: MAX_TEMPLATE_CHARS + 1
        })
    );
    assert_eq!(
        TemplateError::TooLong { chars: 10_001 }.to_string(),
        "the template is 10001 characters long; the most is 10000"
    );

    let template = parse(&"{{note}}".repeat(4));
    let known = ["note"];
    let fits = "x".repeat(MAX_MESSAGE_BYTES / 4);
    let message = template.render(lookup(&known, &[("note", &fits)])).unwrap();
    assert_eq!(message.len(), MAX_MESSAGE_BYTES);
    let over = "x".repeat(MAX_MESSAGE_BYTES / 4 + 1);
    let error = template
        .render(lookup(&known, &[("note", &over)]))
        .unwrap_err();
    assert_eq!(error, TemplateError::MessageTooLong);
    assert_eq!(
        error.to_string(),
        "the message would be longer than 65536 bytes"
    );
}
