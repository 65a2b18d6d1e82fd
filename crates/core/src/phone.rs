//! Phone numbers (libphonenumber port), normalised to E.164 with the bot's default country.
//!
//! What is accepted is what libphonenumber accepts and calls *valid* (not merely possible):
//! national forms for the default country, international forms (`+44 …`, `00 44 …` from DE,
//! `011 44 …` from US), any punctuation (`+1 (415) 555-0123`), a `tel:` prefix and vanity
//! letters (`1-800-FLOWERS` is `+18003569377`). Numbers with an extension are refused: E.164
//! cannot carry one, and dropping it would make two people one user.

use crate::names::quote;
use rlibphonenumber::{
    NumberLengthType, PHONE_NUMBER_UTIL, ParseError, PhoneNumber, PhoneNumberFormat, Region,
    ValidationError,
    errors::{ExtractNumberError, NotANumberError},
};
use serde::{Deserialize, Serialize};

/// An ISO 3166-1 alpha-2 region code libphonenumber knows, e.g. `US`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(String);

impl Country {
    /// Accepts a two-letter code in any case (`us`, ` GB `) and keeps it uppercase; refuses
    /// codes libphonenumber has no numbering plan for (`XX`) and the non-geographic `001`.
    pub fn parse(s: &str) -> Result<Self, String> {
        const EXPECTED: &str = "expected a two-letter ISO 3166-1 country code such as US, GB or DE";
        let code = s.trim();
        if code.is_empty() {
            return Err(format!("country is empty; {EXPECTED}"));
        }
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!("country {} is not valid; {EXPECTED}", quote(code)));
        }
        let code = code.to_ascii_uppercase();
        let supported = Region::from_code(&code).is_ok_and(|region| {
            PHONE_NUMBER_UTIL
                .get_supported_regions()
                .any(|r| r == region)
        });
        if !supported {
            return Err(format!(
                "country \"{code}\" is not a country with a phone numbering plan; {EXPECTED}"
            ));
        }
        Ok(Self(code))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn region(&self) -> Region {
        // `parse` only keeps codes that `Region::from_code` accepted.
        Region::from_code(&self.0).unwrap_or(Region::World)
    }
}

/// A valid phone number in E.164 form (`+14155550123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses `raw` (international, or national for `default_country`) and checks it is valid.
    pub fn parse(raw: &str, default_country: &Country) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("phone number is empty".to_owned());
        }
        parse_number(raw, default_country).map_err(|problem| format!("{} is {problem}", quote(raw)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a non-blank, trimmed `raw`; the error is a predicate ("not a valid phone number for
/// US (too short)") that [`Phone::parse`] and identification each put after the value.
pub(crate) fn parse_number(raw: &str, country: &Country) -> Result<Phone, String> {
    let util = &*PHONE_NUMBER_UTIL;
    let number = util
        .parse(raw, Some(country.region()))
        .map_err(|e| format!("not a phone number ({})", parse_error_reason(&e)))?;
    if !util.is_valid_number(&number) {
        return Err(format!(
            "not a valid phone number for {} ({})",
            number_region(&number, country),
            invalid_reason(&number)
        ));
    }
    if let Some(ext) = number.extension.as_deref().filter(|e| !e.is_empty()) {
        return Err(format!(
            "a number with an extension ({ext}); expected one without, since an extension \
             cannot be part of an E.164 number"
        ));
    }
    Ok(Phone(
        util.format(&number, PhoneNumberFormat::E164).into_owned(),
    ))
}

fn parse_error_reason(e: &ParseError) -> &'static str {
    match e {
        ParseError::InvalidCountryCode => "its country calling code does not exist",
        ParseError::NotANumber(NotANumberError::FailedToExtractNumber(
            ExtractNumberError::NoValidStartCharacter,
        )) => "it has no digits",
        ParseError::NotANumber(NotANumberError::InvalidPhoneContext) => {
            "its phone-context is not valid"
        }
        ParseError::NotANumber(_) => "it does not have the shape of a phone number",
        ParseError::TooShortAfterIdd => "too short after the international dialling prefix",
        ParseError::TooShortNsn => "too short",
        ParseError::TooLongNsn => "too long",
    }
}

/// Why a parsed number is not valid, from its length where that tells.
fn invalid_reason(number: &PhoneNumber) -> &'static str {
    match PHONE_NUMBER_UTIL.is_possible_number_with_reason(number) {
        Err(ValidationError::TooShort) => "too short",
        Err(ValidationError::TooLong) => "too long",
        Err(ValidationError::InvalidLength) => "wrong number of digits",
        Err(ValidationError::InvalidCountryCode) => "unknown country calling code",
        Ok(NumberLengthType::IsPossibleLocalOnly) => {
            "too short; it may be a local number without its area code"
        }
        Ok(NumberLengthType::IsPossible) => "it matches no number range in use",
    }
}

/// The region a number was read for: the default country when the number has its calling
/// code (a national form, or an international one for the same plan), else the main region
/// of the number's calling code.
fn number_region(number: &PhoneNumber, country: &Country) -> String {
    let util = &*PHONE_NUMBER_UTIL;
    if util.get_country_code_for_region(country.region()) == Some(number.country_code) {
        return country.as_str().to_owned();
    }
    match util.get_region_for_country_code(number.country_code) {
        Some(region) if region != Region::World => region.to_string(),
        _ => format!("+{}", number.country_code),
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Country::parse(&s)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.0
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
