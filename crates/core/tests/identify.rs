//! Identification in the design's order, against an in-memory user table.

use botwire_core::channel::Channel;
use botwire_core::email::Email;
use botwire_core::identify::{
    Identification, IdentityInputs, IdentityKey, IdentityPaths, Probe, UserLookup, identify, inputs,
};
use botwire_core::phone::{Country, Phone};
use serde_json::json;

struct User {
    id: &'static str,
    user_ns: &'static str,
    crm_contact_id: Option<&'static str>,
    phone: Option<&'static str>,
    email: Option<&'static str>,
}

/// The bot's users; lookups answer with the user's id.
struct Table(Vec<User>);

impl Table {
    fn find(&self, matches: impl Fn(&User) -> bool) -> Option<&'static str> {
        self.0.iter().find(|u| matches(u)).map(|u| u.id)
    }
}

impl UserLookup for Table {
    type User = &'static str;
    fn by_user_ns(&self, user_ns: &str) -> Option<&'static str> {
        self.find(|u| u.user_ns == user_ns)
    }
    fn by_crm_contact_id(&self, id: &str) -> Option<&'static str> {
        self.find(|u| u.crm_contact_id == Some(id))
    }
    fn by_phone(&self, phone: &Phone) -> Option<&'static str> {
        self.find(|u| u.phone == Some(phone.as_str()))
    }
    fn by_email(&self, email: &Email) -> Option<&'static str> {
        self.find(|u| u.email == Some(email.as_str()))
    }
}

fn table() -> Table {
    Table(vec![
        User {
            id: "ana",
            user_ns: "ns-ana",
            crm_contact_id: Some("c-1"),
            phone: Some("+14155550123"),
            email: Some("ana@example.com"),
        },
        User {
            id: "bo",
            user_ns: "ns-bo",
            crm_contact_id: None,
            phone: Some("+442071838750"),
            email: None,
        },
        User {
            id: "cy",
            user_ns: "ns-cy",
            crm_contact_id: None,
            phone: None,
            email: Some("cy@example.com"),
        },
        User {
            id: "di",
            user_ns: "ns-di",
            crm_contact_id: Some("c-4"),
            phone: None,
            email: None,
        },
    ])
}

// Probes in short.
const NOT: Probe = Probe::NotConfigured;
const EMPTY: Probe = Probe::Empty;
fn v(s: &str) -> Probe {
    Probe::Value(s.to_owned())
}
fn failed(s: &str) -> Probe {
    Probe::Failed(s.to_owned())
}
fn probes(user_ns: Probe, crm_contact_id: Probe, phone: Probe, email: Probe) -> IdentityInputs {
    IdentityInputs {
        user_ns,
        crm_contact_id,
        phone,
        email,
    }
}

fn us() -> Country {
    Country::parse("US").unwrap()
}
fn phone(s: &str) -> Phone {
    Phone::parse(s, &us()).unwrap()
}
fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}
fn matched(user: &'static str, by: IdentityKey) -> Identification<&'static str> {
    Identification::Matched { user, by }
}
fn create(by: IdentityKey, p: Option<&str>, e: Option<&str>) -> Identification<&'static str> {
    Identification::Create {
        by,
        phone: p.map(phone),
        email: e.map(email),
    }
}
fn rejected(reason: &str) -> Identification<&'static str> {
    Identification::Rejected {
        reason: reason.to_owned(),
    }
}

use Channel::{Instagram, Messenger, Sms, Voice, Webchat, Whatsapp};
use IdentityKey::{CrmContactId, Email as ByEmail, Phone as ByPhone, UserNs};

#[test]
fn every_branch_in_the_design_order() {
    let cases: Vec<(&str, IdentityInputs, Channel, Identification<&'static str>)> = vec![
        // 1. user_ns: match or stop.
        (
            "user_ns matches",
            probes(v("ns-ana"), NOT, NOT, NOT),
            Sms,
            matched("ana", UserNs),
        ),
        (
            "user_ns decides before the other keys",
            probes(
                v("ns-bo"),
                v("c-1"),
                v("+1 415 555 0123"),
                v("cy@example.com"),
            ),
            Sms,
            matched("bo", UserNs),
        ),
        (
            "user_ns is trimmed",
            probes(v("  ns-ana "), NOT, NOT, NOT),
            Sms,
            matched("ana", UserNs),
        ),
        (
            "user_ns names nobody: stop even though the phone would match",
            probes(
                v("ns-nobody"),
                v("c-1"),
                v("+1 415 555 0123"),
                v("ana@example.com"),
            ),
            Sms,
            rejected("no user with user_ns \"ns-nobody\"; users are never created from a user_ns"),
        ),
        (
            "user_ns names nobody on messenger: stop as well",
            probes(v("ns-nobody"), NOT, v("+1 415 555 0123"), NOT),
            Messenger,
            rejected("no user with user_ns \"ns-nobody\"; users are never created from a user_ns"),
        ),
        (
            "a failing user_ns path stops too: the phone would make a second user",
            probes(
                failed("the path matched 2 values, expected one"),
                NOT,
                v("+1 415 555 0123"),
                NOT,
            ),
            Sms,
            rejected(
                "no usable identity: user_ns: the path matched 2 values, expected one; \
                 a request with a user_ns is identified by it alone (users are never created \
                 from a user_ns)",
            ),
        ),
        (
            "a user_ns that is an object stops, even when a known phone follows",
            probes(
                failed("expected text, found object"),
                v("c-4"),
                v("+1 415 555 0123"),
                NOT,
            ),
            Sms,
            rejected(
                "no usable identity: user_ns: expected text, found object; \
                 a request with a user_ns is identified by it alone (users are never created \
                 from a user_ns)",
            ),
        ),
        (
            "an empty user_ns goes on",
            probes(EMPTY, v("c-4"), NOT, NOT),
            Sms,
            matched("di", CrmContactId),
        ),
        (
            "a blank user_ns value counts as empty",
            probes(v("   "), v("c-4"), NOT, NOT),
            Sms,
            matched("di", CrmContactId),
        ),
        // 2. CRM contact id: match or go on.
        (
            "CRM contact id matches",
            probes(NOT, v("c-1"), NOT, NOT),
            Whatsapp,
            matched("ana", CrmContactId),
        ),
        (
            "CRM contact id decides before phone",
            probes(NOT, v("c-4"), v("+1 415 555 0123"), NOT),
            Sms,
            matched("di", CrmContactId),
        ),
        (
            "CRM miss falls through to a phone match",
            probes(NOT, v("c-9"), v("(415) 555-0123"), NOT),
            Sms,
            matched("ana", ByPhone),
        ),
        (
            "CRM miss falls through to creating from the phone",
            probes(NOT, v("c-9"), v("(201) 555-0123"), NOT),
            Sms,
            create(ByPhone, Some("+12015550123"), None),
        ),
        // 3. phone: match or create.
        (
            "phone matches in national form",
            probes(NOT, NOT, v("415.555.0123"), NOT),
            Sms,
            matched("ana", ByPhone),
        ),
        (
            "phone matches in international form",
            probes(NOT, NOT, v("+44 20 7183 8750"), NOT),
            Sms,
            matched("bo", ByPhone),
        ),
        (
            "phone decides before email",
            probes(NOT, NOT, v("+44 20 7183 8750"), v("ana@example.com")),
            Sms,
            matched("bo", ByPhone),
        ),
        (
            "phone creates, carrying a valid email",
            probes(NOT, NOT, v("(201) 555-0123"), v(" New@Example.com ")),
            Sms,
            create(ByPhone, Some("+12015550123"), Some("new@example.com")),
        ),
        (
            "phone creates, leaving an invalid email behind",
            probes(NOT, NOT, v("(201) 555-0123"), v("not an email")),
            Voice,
            create(ByPhone, Some("+12015550123"), None),
        ),
        (
            "phone creates, carrying an email that belongs to someone else",
            probes(NOT, NOT, v("(201) 555-0123"), v("cy@example.com")),
            Webchat,
            create(ByPhone, Some("+12015550123"), Some("cy@example.com")),
        ),
        (
            "invalid phone falls through to an email match",
            probes(NOT, NOT, v("12"), v("CY@example.com")),
            Sms,
            matched("cy", ByEmail),
        ),
        (
            "phone path matching nothing falls through to an email match",
            probes(NOT, NOT, EMPTY, v("cy@example.com")),
            Sms,
            matched("cy", ByEmail),
        ),
        // 4. email: match or create.
        (
            "email creates, carrying no phone",
            probes(NOT, NOT, v("12"), v("new@example.com")),
            Sms,
            create(ByEmail, None, Some("new@example.com")),
        ),
        (
            "email creates when it is the only key",
            probes(NOT, NOT, NOT, v("new@example.com")),
            Channel::Email,
            create(ByEmail, None, Some("new@example.com")),
        ),
        // The channel rule: messenger and instagram match but never create.
        (
            "messenger: phone match still works",
            probes(NOT, NOT, v("+1 415 555 0123"), NOT),
            Messenger,
            matched("ana", ByPhone),
        ),
        (
            "instagram: phone match still works",
            probes(NOT, NOT, v("+1 415 555 0123"), NOT),
            Instagram,
            matched("ana", ByPhone),
        ),
        (
            "messenger: email match still works",
            probes(NOT, NOT, NOT, v("cy@example.com")),
            Messenger,
            matched("cy", ByEmail),
        ),
        (
            "instagram: an unknown phone falls through to an email match",
            probes(NOT, NOT, v("(201) 555-0123"), v("cy@example.com")),
            Instagram,
            matched("cy", ByEmail),
        ),
        (
            "messenger: no create from a phone",
            probes(NOT, NOT, v("(201) 555-0123"), NOT),
            Messenger,
            rejected(
                "no usable identity: user_ns path not set; CRM contact id path not set; \
                 phone +12015550123: no such user, and messenger bots cannot create users; \
                 email path not set",
            ),
        ),
        (
            "instagram: no create from a phone or an email",
            probes(NOT, NOT, v("(201) 555-0123"), v("new@example.com")),
            Instagram,
            rejected(
                "no usable identity: user_ns path not set; CRM contact id path not set; \
                 phone +12015550123: no such user, and instagram bots cannot create users; \
                 email new@example.com: no such user, and instagram bots cannot create users",
            ),
        ),
        (
            "messenger: no create from an email",
            probes(NOT, NOT, NOT, v("new@example.com")),
            Messenger,
            rejected(
                "no usable identity: user_ns path not set; CRM contact id path not set; \
                 phone path not set; \
                 email new@example.com: no such user, and messenger bots cannot create users",
            ),
        ),
        // 5. reject, saying what was tried.
        (
            "every key tried and failed",
            probes(NOT, v("c-9"), v("12"), EMPTY),
            Sms,
            rejected(
                "no usable identity: user_ns path not set; CRM contact id \"c-9\": no such user; \
                 phone \"12\": not a valid phone number for US (too short); \
                 email: no value at the path",
            ),
        ),
        (
            "all paths set, all empty",
            probes(EMPTY, EMPTY, EMPTY, EMPTY),
            Sms,
            rejected(
                "no usable identity: user_ns: no value at the path; \
                 CRM contact id: no value at the path; phone: no value at the path; \
                 email: no value at the path",
            ),
        ),
        (
            "failing paths are named with their reason",
            probes(
                NOT,
                failed("the path matched 2 values, expected one"),
                failed("the path does not parse: unexpected end at position 2"),
                v("ana@localhost"),
            ),
            Sms,
            rejected(
                "no usable identity: user_ns path not set; \
                 CRM contact id: the path matched 2 values, expected one; \
                 phone: the path does not parse: unexpected end at position 2; \
                 email \"ana@localhost\": not a valid email address (the domain has no dot, as in \
                 user@localhost; a deliverable address needs a domain such as example.com)",
            ),
        ),
        (
            "letters are not a phone",
            probes(NOT, NOT, v("ask at the desk"), NOT),
            Sms,
            rejected(
                "no usable identity: user_ns path not set; CRM contact id path not set; \
                 phone \"ask at the desk\": not a phone number (it has no digits); \
                 email path not set",
            ),
        ),
        (
            "no path configured at all",
            probes(NOT, NOT, NOT, NOT),
            Sms,
            rejected("no usable identity: no identity path is set"),
        ),
    ];

    let lookup = table();
    for (name, inputs, channel, expected) in cases {
        assert_eq!(
            identify(&inputs, channel, &us(), &lookup),
            expected,
            "{name}"
        );
    }
}

#[test]
fn every_creating_channel_creates() {
    let lookup = table();
    for channel in Channel::ALL {
        let by_phone = identify(
            &probes(NOT, NOT, v("(201) 555-0123"), NOT),
            channel,
            &us(),
            &lookup,
        );
        let by_email = identify(
            &probes(NOT, NOT, NOT, v("new@example.com")),
            channel,
            &us(),
            &lookup,
        );
        if channel.can_create_users() {
            assert_eq!(
                by_phone,
                create(ByPhone, Some("+12015550123"), None),
                "{channel}"
            );
            assert_eq!(
                by_email,
                create(ByEmail, None, Some("new@example.com")),
                "{channel}"
            );
        } else {
            assert!(
                matches!(by_phone, Identification::Rejected { .. }),
                "{channel}"
            );
            assert!(
                matches!(by_email, Identification::Rejected { .. }),
                "{channel}"
            );
        }
    }
}

#[test]
fn phone_is_read_with_the_bots_country() {
    let lookup = table();
    let gb = Country::parse("GB").unwrap();
    let national_gb = probes(NOT, NOT, v("020 7183 8750"), NOT);
    assert_eq!(
        identify(&national_gb, Sms, &gb, &lookup),
        matched("bo", ByPhone)
    );
    // For a US bot the same digits are not a valid number.
    assert!(matches!(
        identify(&national_gb, Sms, &us(), &lookup),
        Identification::Rejected { .. }
    ));
}

// ----- identity paths -----

#[test]
fn identity_paths_are_empty_when_none_is_set() {
    assert!(IdentityPaths::default().is_empty());
    let blank = IdentityPaths {
        user_ns: Some(String::new()),
        crm_contact_id: Some("  ".to_owned()),
        phone: None,
        email: Some("\t".to_owned()),
    };
    assert!(blank.is_empty());
    for set in [
        IdentityPaths {
            user_ns: Some("$.id".to_owned()),
            ..Default::default()
        },
        IdentityPaths {
            crm_contact_id: Some("$.crm".to_owned()),
            ..Default::default()
        },
        IdentityPaths {
            phone: Some("$.phone".to_owned()),
            ..Default::default()
        },
        IdentityPaths {
            email: Some("$.email".to_owned()),
            ..Default::default()
        },
    ] {
        assert!(!set.is_empty(), "{set:?}");
    }
}

fn paths(
    user_ns: Option<&str>,
    crm_contact_id: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> IdentityPaths {
    IdentityPaths {
        user_ns: user_ns.map(str::to_owned),
        crm_contact_id: crm_contact_id.map(str::to_owned),
        phone: phone.map(str::to_owned),
        email: email.map(str::to_owned),
    }
}

#[test]
fn inputs_probe_each_path() {
    let doc = json!({
        "user": {"id": 12345, "ns": "  ", "crm": null},
        "contact": {"phones": ["+1 415 555 0123", "+44 20 7183 8750"], "email": "Ana@Example.com"},
        "e-mail": "cy@example.com",
        "vip": true,
    });

    let got = inputs(
        &doc,
        &paths(
            Some("$.user.id"),
            None,
            Some("$.contact.phones[0]"),
            Some("$['e-mail']"),
        ),
    );
    assert_eq!(
        got,
        probes(v("12345"), NOT, v("+1 415 555 0123"), v("cy@example.com"))
    );

    let got = inputs(
        &doc,
        &paths(
            Some("$.user.ns"),
            Some("$.user.crm"),
            Some("$.contact.fax"),
            Some("  "),
        ),
    );
    assert_eq!(
        got,
        probes(EMPTY, EMPTY, EMPTY, NOT),
        "blank, null, missing, unset"
    );

    let got = inputs(
        &doc,
        &paths(
            Some("$.vip"),
            Some("$.contact"),
            Some("$.contact.phones[*]"),
            Some("$["),
        ),
    );
    assert_eq!(got.user_ns, v("true"));
    assert!(matches!(got.crm_contact_id, Probe::Failed(_)), "{got:?}");
    assert_eq!(got.phone, failed("the path matched 2 values, expected one"));
    match &got.email {
        Probe::Failed(message) => {
            assert!(message.starts_with("the path does not parse"), "{message}")
        }
        other => panic!("expected a failed probe, got {other:?}"),
    }
}

#[test]
fn inputs_then_identify() {
    let doc = json!({
        "contact": {"phones": ["(415) 555-0123"], "email": "Ana@Example.com"},
        "order": {"id": "o-1"}
    });
    let lookup = table();

    let by_phone = inputs(
        &doc,
        &paths(
            Some("$.contact.user_ns"),
            None,
            Some("$.contact.phones[0]"),
            None,
        ),
    );
    assert_eq!(
        identify(&by_phone, Messenger, &us(), &lookup),
        matched("ana", ByPhone)
    );

    let by_email = inputs(
        &doc,
        &paths(
            None,
            None,
            Some("$.contact.phones[5]"),
            Some("$.contact.email"),
        ),
    );
    assert_eq!(by_email.phone, EMPTY);
    assert_eq!(
        identify(&by_email, Sms, &us(), &lookup),
        matched("ana", ByEmail)
    );

    let nothing = inputs(
        &doc,
        &paths(
            Some("$.user_ns"),
            Some("$.order.id"),
            Some("$.contact.phones[*]"),
            None,
        ),
    );
    assert_eq!(
        identify(&nothing, Sms, &us(), &lookup),
        matched("ana", ByPhone),
        "one phone under [*] is one value"
    );

    let doc = json!({"order": {"id": "o-1"}, "phones": ["1", "2"]});
    let nothing = inputs(
        &doc,
        &paths(
            Some("$.user_ns"),
            Some("$.order.id"),
            Some("$.phones[*]"),
            Some("$.email"),
        ),
    );
    assert_eq!(
        identify(&nothing, Sms, &us(), &lookup),
        rejected(
            "no usable identity: user_ns: no value at the path; \
             CRM contact id \"o-1\": no such user; \
             phone: the path matched 2 values, expected one; email: no value at the path"
        )
    );
}
