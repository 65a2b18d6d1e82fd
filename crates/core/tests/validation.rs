//! The validation newtypes: names, phone numbers, email addresses, channels and limits.
//!
//! Phone examples are libphonenumber's own example numbers for their region and type (from
//! its metadata), so "valid" here means valid to libphonenumber, not made up.

use botwire_core::channel::Channel;
use botwire_core::email::Email;
use botwire_core::limits::{self, DailyLimit, MaxWebhooks};
use botwire_core::names::{FieldName, WebhookName};
use botwire_core::phone::{Country, Phone};

fn country(code: &str) -> Country {
    Country::parse(code).unwrap()
}

// ----- webhook names -----

#[test]
fn webhook_name_is_trimmed_and_counted_in_characters() {
    assert_eq!(WebhookName::parse("  Orders  ").unwrap().as_str(), "Orders");
    assert_eq!(
        WebhookName::parse("Shopify → bot 🚀").unwrap().as_str(),
        "Shopify → bot 🚀"
    );
    assert_eq!(WebhookName::parse("a").unwrap().as_str(), "a");
    // 128 two-byte characters are 256 bytes, and still fine.
    let long = "é".repeat(128);
    assert_eq!(WebhookName::parse(&long).unwrap().as_str(), long);
}

#[test]
fn webhook_name_errors_say_what_was_wrong() {
    let cases = [
        (
            "",
            "webhook name must be 1–128 characters (got 0 after trimming)",
        ),
        (
            " \t\n ",
            "webhook name must be 1–128 characters (got 0 after trimming)",
        ),
        (
            &"x".repeat(129),
            "webhook name must be 1–128 characters (got 129 after trimming)",
        ),
        (
            "a\tb",
            "webhook name must not contain control characters (found U+0009 at character 2)",
        ),
        (
            "line one\nline two",
            "webhook name must not contain control characters (found U+000A at character 9)",
        ),
        (
            "bell\u{7}",
            "webhook name must not contain control characters (found U+0007 at character 5)",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            WebhookName::parse(input).unwrap_err(),
            expected,
            "{input:?}"
        );
    }
}

#[test]
fn webhook_name_serde_validates() {
    let name: WebhookName = serde_json::from_str("\" Leads \"").unwrap();
    assert_eq!(name.as_str(), "Leads");
    assert_eq!(serde_json::to_string(&name).unwrap(), "\"Leads\"");
    assert!(serde_json::from_str::<WebhookName>("\"\"").is_err());
}

// ----- field names -----

#[test]
fn field_name_accepts_placeholder_names_and_keeps_case() {
    for ok in [
        "order_id",
        "_x",
        "OrderTotal",
        "a1",
        "_",
        "x_2_y",
        "Phone2",
        "emails",
    ] {
        assert_eq!(FieldName::parse(ok).unwrap().as_str(), ok);
    }
    assert_eq!(FieldName::parse("  plan  ").unwrap().as_str(), "plan");
    let longest = format!("a{}", "b".repeat(63));
    assert_eq!(FieldName::parse(&longest).unwrap().as_str(), longest);
}

#[test]
fn field_name_errors_say_what_was_wrong() {
    let cases = [
        ("", "field name must be 1–64 characters (got 0 after trimming)".to_owned()),
        (
            &"a".repeat(65),
            "field name must be 1–64 characters (got 65 after trimming)".to_owned(),
        ),
        (
            "1st_order",
            r#"field name "1st_order" must start with a letter (a–z, A–Z) or "_", not "1""#
                .to_owned(),
        ),
        (
            "order total",
            r#"field name "order total" may contain only letters (a–z, A–Z), digits and "_" (found U+0020 at character 6)"#
                .to_owned(),
        ),
        (
            "order-id",
            r#"field name "order-id" may contain only letters (a–z, A–Z), digits and "_" (found "-" at character 6)"#
                .to_owned(),
        ),
        (
            "café",
            r#"field name "café" may contain only letters (a–z, A–Z), digits and "_" (found "é" at character 4)"#
                .to_owned(),
        ),
        (
            "{{plan}}",
            r#"field name "{{plan}}" must start with a letter (a–z, A–Z) or "_", not "{""#
                .to_owned(),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(FieldName::parse(input).unwrap_err(), expected, "{input:?}");
    }
}

#[test]
fn field_name_refuses_built_in_user_fields_in_any_case() {
    for name in [
        "first_name",
        "last_name",
        "phone",
        "email",
        "user_ns",
        "crm_contact_id",
        "Phone",
        "EMAIL",
    ] {
        let err = FieldName::parse(name).unwrap_err();
        assert!(err.contains("built-in user field"), "{name}: {err}");
        assert!(
            err.contains(&format!("\"{}\"", name.to_lowercase())),
            "{name}: {err}"
        );
    }
    assert_eq!(
        FieldName::parse("phone").unwrap_err(),
        "field name \"phone\" is taken by the built-in user field \"phone\"; built-in fields \
         (first_name, last_name, phone, email, user_ns, crm_contact_id) cannot be custom fields"
    );
}

#[test]
fn field_name_serde_validates() {
    let name: FieldName = serde_json::from_str("\"plan\"").unwrap();
    assert_eq!(name.to_string(), "plan");
    assert!(serde_json::from_str::<FieldName>("\"email\"").is_err());
    assert!(serde_json::from_str::<FieldName>("\"2x\"").is_err());
}

// ----- countries -----

#[test]
fn country_accepts_supported_codes_in_any_case() {
    for (input, expected) in [
        ("US", "US"),
        ("us", "US"),
        (" gb ", "GB"),
        ("De", "DE"),
        ("BR", "BR"),
    ] {
        assert_eq!(Country::parse(input).unwrap().as_str(), expected);
    }
}

#[test]
fn country_errors_list_the_form_expected() {
    let expected = "expected a two-letter ISO 3166-1 country code such as US, GB or DE";
    let cases = [
        ("", format!("country is empty; {expected}")),
        ("USA", format!("country \"USA\" is not valid; {expected}")),
        ("U1", format!("country \"U1\" is not valid; {expected}")),
        ("001", format!("country \"001\" is not valid; {expected}")),
        (
            "xx",
            format!("country \"XX\" is not a country with a phone numbering plan; {expected}"),
        ),
        (
            "ZZ",
            format!("country \"ZZ\" is not a country with a phone numbering plan; {expected}"),
        ),
    ];
    for (input, message) in cases {
        assert_eq!(Country::parse(input).unwrap_err(), message, "{input:?}");
    }
}

#[test]
fn country_serde_validates_and_normalises() {
    let c: Country = serde_json::from_str("\"de\"").unwrap();
    assert_eq!(c.as_str(), "DE");
    assert_eq!(serde_json::to_string(&c).unwrap(), "\"DE\"");
    assert!(serde_json::from_str::<Country>("\"XX\"").is_err());
}

// ----- phone numbers -----

#[test]
fn phone_national_and_international_forms_normalise_to_e164() {
    let cases = [
        // US fixed line / mobile example, in every usual dress.
        ("(201) 555-0123", "US", "+12015550123"),
        ("201-555-0123", "US", "+12015550123"),
        ("201.555.0123", "US", "+12015550123"),
        ("1 201 555 0123", "US", "+12015550123"),
        ("+1 201-555-0123", "US", "+12015550123"),
        ("+1 201-555-0123", "DE", "+12015550123"),
        ("+1 (415) 555-0123", "US", "+14155550123"),
        ("+1 (415) 555-0123", "GB", "+14155550123"),
        ("  +14155550123  ", "US", "+14155550123"),
        ("tel:+1-201-555-0123", "US", "+12015550123"),
        // GB fixed line and mobile.
        ("0121 234 5678", "GB", "+441212345678"),
        ("+44 121 234 5678", "US", "+441212345678"),
        ("07400 123456", "GB", "+447400123456"),
        ("+44 7400 123456", "BR", "+447400123456"),
        // International prefixes of the default country.
        ("00 44 7400 123456", "DE", "+447400123456"),
        ("011 44 20 7183 8750", "US", "+442071838750"),
        // DE fixed line and mobile.
        ("030 123456", "DE", "+4930123456"),
        ("+49 30 123456", "US", "+4930123456"),
        ("01512 3456789", "DE", "+4915123456789"),
        ("+49 1512 3456789", "GB", "+4915123456789"),
        // A Brazilian mobile (ninth digit), which the older `phonenumber` crate refuses.
        ("+55 11 96123-4567", "US", "+5511961234567"),
        ("(11) 96123-4567", "BR", "+5511961234567"),
        ("11961234567", "BR", "+5511961234567"),
        // Vanity letters are keypad digits to libphonenumber.
        ("1-800-FLOWERS", "US", "+18003569377"),
    ];
    for (raw, region, e164) in cases {
        let phone = Phone::parse(raw, &country(region))
            .unwrap_or_else(|e| panic!("{raw:?} for {region}: {e}"));
        assert_eq!(phone.as_str(), e164, "{raw:?} for {region}");
        assert_eq!(phone.to_string(), e164);
    }
}

#[test]
fn phone_errors_say_what_was_wrong() {
    let cases = [
        ("", "US", "phone number is empty".to_owned()),
        ("   ", "US", "phone number is empty".to_owned()),
        ("abc", "US", r#""abc" is not a phone number (it has no digits)"#.to_owned()),
        ("call me", "US", r#""call me" is not a phone number (it has no digits)"#.to_owned()),
        (
            "12",
            "US",
            r#""12" is not a valid phone number for US (too short)"#.to_owned(),
        ),
        (
            "555-0123",
            "US",
            r#""555-0123" is not a valid phone number for US (too short; it may be a local number without its area code)"#.to_owned(),
        ),
        (
            "201-555-0123 call me",
            "US",
            r#""201-555-0123 call me" is not a valid phone number for US (too long)"#.to_owned(),
        ),
        (
            "+12015550123abc",
            "US",
            r#""+12015550123abc" is not a valid phone number for US (too long)"#.to_owned(),
        ),
        (
            "1234567890123456789012",
            "US",
            r#""1234567890123456789012" is not a phone number (too long)"#.to_owned(),
        ),
        (
            "+1 555 555 5555",
            "US",
            r#""+1 555 555 5555" is not a valid phone number for US (it matches no number range in use)"#
                .to_owned(),
        ),
        (
            "+44 20 7183 875",
            "US",
            r#""+44 20 7183 875" is not a valid phone number for GB (it matches no number range in use)"#
                .to_owned(),
        ),
        (
            "+999 1234567",
            "US",
            r#""+999 1234567" is not a phone number (its country calling code does not exist)"#
                .to_owned(),
        ),
        (
            "+1 201 555 0123 ext. 5",
            "US",
            r#""+1 201 555 0123 ext. 5" is a number with an extension (5); expected one without, since an extension cannot be part of an E.164 number"#
                .to_owned(),
        ),
    ];
    for (raw, region, expected) in cases {
        assert_eq!(
            Phone::parse(raw, &country(region)).unwrap_err(),
            expected,
            "{raw:?} for {region}"
        );
    }
}

#[test]
fn phone_national_form_depends_on_the_default_country() {
    // The same digits are a US number for a US bot and a GB number for a GB bot.
    assert_eq!(
        Phone::parse("2015550123", &country("US")).unwrap().as_str(),
        "+12015550123"
    );
    assert_eq!(
        Phone::parse("2015550123", &country("GB")).unwrap().as_str(),
        "+442015550123"
    );
    // A GB national mobile is not a US number.
    assert!(Phone::parse("07400 123456", &country("US")).is_err());
}

#[test]
fn error_messages_cut_long_values() {
    let raw = format!("x{}", "9".repeat(5000));
    let err = Phone::parse(&raw, &country("US")).unwrap_err();
    assert!(err.len() < 200, "{err}");
    assert!(err.contains("…"), "{err}");
}

// ----- email addresses -----

#[test]
fn email_is_trimmed_and_lowercased() {
    let cases = [
        ("ana@example.com", "ana@example.com"),
        ("  Ana@Example.COM ", "ana@example.com"),
        (
            "ANA.SILVA+bot@mail.example.co.uk",
            "ana.silva+bot@mail.example.co.uk",
        ),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("\"ana silva\"@example.com", "\"ana silva\"@example.com"),
        ("JOSÉ@EXÄMPLE.DE", "josé@exämple.de"),
        ("x@a.io", "x@a.io"),
    ];
    for (raw, expected) in cases {
        let email = Email::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
        assert_eq!(email.as_str(), expected, "{raw:?}");
        assert_eq!(email.to_string(), expected);
    }
    // One address is one user, whatever the case.
    assert_eq!(
        Email::parse("Ana@Example.com").unwrap(),
        Email::parse("ana@EXAMPLE.com").unwrap()
    );
}

#[test]
fn email_errors_say_what_was_wrong() {
    let cases = [
        ("", "email address is empty".to_owned()),
        (
            "Ana <ana@example.com>",
            r#""Ana <ana@example.com>" is not a bare email address (a display-name form such as Ana <ana@example.com>); expected a bare address such as ana@example.com"#
                .to_owned(),
        ),
        (
            "<ana@example.com>",
            r#""<ana@example.com>" is not a bare email address (a display-name form such as Ana <ana@example.com>); expected a bare address such as ana@example.com"#
                .to_owned(),
        ),
        (
            "user@localhost",
            r#""user@localhost" is not a valid email address (the domain has no dot, as in user@localhost; a deliverable address needs a domain such as example.com)"#
                .to_owned(),
        ),
        (
            "ana.example.com",
            r#""ana.example.com" is not a valid email address (it has no "@")"#.to_owned(),
        ),
        (
            "@example.com",
            r#""@example.com" is not a valid email address (nothing before the "@")"#.to_owned(),
        ),
        (
            "ana@",
            r#""ana@" is not a valid email address (nothing after the "@")"#.to_owned(),
        ),
        (
            "ana@example..com",
            r#""ana@example..com" is not a valid email address (the domain has an empty part (two dots in a row, or a dot at its start or end))"#
                .to_owned(),
        ),
        (
            "ana silva@example.com",
            r#""ana silva@example.com" is not a valid email address (it contains a character not allowed there)"#
                .to_owned(),
        ),
        (
            "ana@[10.0.0.1]",
            r#""ana@[10.0.0.1]" is not a valid email address (the domain is a bracketed IP address; expected a domain name)"#
                .to_owned(),
        ),
        (
            "ana@10.0.0.1",
            r#""ana@10.0.0.1" is not a deliverable email address (the domain 10.0.0.1 is an IP address, not a name)"#
                .to_owned(),
        ),
        (
            &format!("{}@example.com", "a".repeat(65)),
            "is not a valid email address (more than 64 characters before the \"@\")".to_owned(),
        ),
        (
            &format!("ana@{}.com", "a".repeat(250)),
            "is not a valid email address (longer than 254 bytes, the SMTP limit)".to_owned(),
        ),
    ];
    for (raw, expected) in cases {
        let err = Email::parse(raw).unwrap_err();
        assert!(err.ends_with(&expected), "{raw:?}: {err}");
    }
}

// ----- channels -----

#[test]
fn channel_parses_every_name_in_any_case() {
    let names = [
        "sms",
        "voice",
        "whatsapp",
        "messenger",
        "instagram",
        "email",
        "webchat",
    ];
    for (channel, name) in Channel::ALL.into_iter().zip(names) {
        assert_eq!(channel.as_str(), name);
        assert_eq!(Channel::parse(name).unwrap(), channel);
        assert_eq!(Channel::parse(&name.to_uppercase()).unwrap(), channel);
        assert_eq!(Channel::parse(&format!("  {name} ")).unwrap(), channel);
        assert_eq!(channel.to_string(), name);
        assert_eq!(
            serde_json::to_string(&channel).unwrap(),
            format!("\"{name}\"")
        );
    }
    assert_eq!(Channel::parse("WhatsApp").unwrap(), Channel::Whatsapp);
}

#[test]
fn channel_errors_list_all_seven() {
    let all = "expected one of sms, voice, whatsapp, messenger, instagram, email, webchat";
    assert_eq!(
        Channel::parse("telegram").unwrap_err(),
        format!("unknown channel \"telegram\"; {all}")
    );
    assert_eq!(
        Channel::parse("  ").unwrap_err(),
        format!("channel is empty; {all}")
    );
}

#[test]
fn only_messenger_and_instagram_cannot_create_users() {
    for channel in Channel::ALL {
        let expected = !matches!(channel, Channel::Messenger | Channel::Instagram);
        assert_eq!(channel.can_create_users(), expected, "{channel}");
    }
}

// ----- limits -----

#[test]
fn daily_limit_is_500_or_a_plan_in_steps_of_1000() {
    assert_eq!(DailyLimit::DEFAULT.get(), 500);
    assert_eq!(DailyLimit::default(), DailyLimit::DEFAULT);
    for n in [500, 1000, 2000, 5000, 9000, 10000] {
        assert_eq!(DailyLimit::parse(n).unwrap().get(), n);
    }
    let message = "daily request limit must be 500, or a plan of 1000–10000 in steps of 1000 \
                   (500, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000 or 10000); got";
    for n in [
        0,
        1,
        499,
        501,
        999,
        1001,
        1500,
        10001,
        11000,
        20000,
        u32::MAX,
    ] {
        assert_eq!(
            DailyLimit::parse(n).unwrap_err(),
            format!("{message} {n}"),
            "{n}"
        );
    }
    assert_eq!(
        serde_json::from_str::<DailyLimit>("3000").unwrap().get(),
        3000
    );
    assert!(serde_json::from_str::<DailyLimit>("1500").is_err());
    assert_eq!(
        serde_json::to_string(&DailyLimit::parse(1000).unwrap()).unwrap(),
        "1000"
    );
}

#[test]
fn max_webhooks_is_1_to_100() {
    assert_eq!(MaxWebhooks::DEFAULT.get(), 5);
    assert_eq!(MaxWebhooks::default(), MaxWebhooks::DEFAULT);
    for n in [1, 5, 100] {
        assert_eq!(MaxWebhooks::parse(n).unwrap().get(), n);
    }
    for n in [0, 101, 1000] {
        assert_eq!(
            MaxWebhooks::parse(n).unwrap_err(),
            format!("max inbound webhooks must be 1–100 (got {n})")
        );
    }
    assert!(serde_json::from_str::<MaxWebhooks>("0").is_err());
    assert_eq!(serde_json::from_str::<MaxWebhooks>("20").unwrap().get(), 20);
}

#[test]
fn waits_read_in_seconds_minutes_or_hours_rounded_up() {
    let cases = [
        (0, "1 second"),
        (1, "1 second"),
        (40, "40 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (894, "15 minutes"),
        (3540, "59 minutes"),
        (3541, "1 hour"),
        (3600, "1 hour"),
        (86_400, "24 hours"),
    ];
    for (secs, want) in cases {
        assert_eq!(limits::wait(secs), want, "{secs} s");
    }
}
