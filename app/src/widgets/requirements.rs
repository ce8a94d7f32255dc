//! Stripe's requirement ids as onboarding form fields: which requirements are asked for (the
//! host's `setCollectionOptions`), the input each takes, the step it belongs to, the
//! `POST /account/requirements` body typed values make, and what the notification banner counts.
//! Pure, so it is tested without a browser.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::Account;

/// The onboarding form's steps, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Business,
    Person,
    BankAccount,
    Terms,
}

impl Step {
    /// The name the host's `setOnStepChange` callback receives.
    pub fn name(self) -> &'static str {
        match self {
            Step::Business => "business",
            Step::Person => "person",
            Step::BankAccount => "bank_account",
            Step::Terms => "terms",
        }
    }
}

/// The step name reported once nothing is left to fill in (Connect.js also calls it so).
pub const SUMMARY_STEP: &str = "summary";

/// The input a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    Url,
    /// Digits only (`ssn_last_4`).
    Digits,
    /// `<prefix>.dob.day|month|year` as one date input.
    Date,
    BusinessType,
    Mcc,
    /// A statement to confirm (`company.owners_provided`).
    Confirm,
    /// `external_account` outside the US.
    Iban,
    /// `external_account` in the US: routing and account numbers.
    UsBank,
    /// `tos_acceptance.*` as one "I accept" checkbox.
    Terms,
}

/// One form field; it may answer several requirement ids (a date of birth answers three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// A requirement id, or the group it belongs to (`individual.dob`, `tos_acceptance`).
    pub key: String,
    pub kind: FieldKind,
    pub step: Step,
}

impl Field {
    /// The names of this field's inputs (the keys of the typed values).
    pub fn inputs(&self) -> Vec<String> {
        match self.kind {
            FieldKind::UsBank => vec![
                format!("{}.routing_number", self.key),
                format!("{}.account_number", self.key),
            ],
            _ => vec![self.key.clone()],
        }
    }
}

/// The form field a requirement id is collected by.
pub fn field_key(requirement: &str) -> String {
    if requirement.starts_with("tos_acceptance.") {
        return "tos_acceptance".into();
    }
    if requirement == "external_account" || requirement.starts_with("external_account.") {
        return "external_account".into();
    }
    for part in [".dob.day", ".dob.month", ".dob.year"] {
        if let Some(prefix) = requirement.strip_suffix(part) {
            return format!("{prefix}.dob");
        }
    }
    requirement.to_string()
}

fn kind_of(key: &str, country: Option<&str>) -> FieldKind {
    let last = key.rsplit('.').next().unwrap_or(key);
    match key {
        "tos_acceptance" => FieldKind::Terms,
        "external_account" if country == Some("US") => FieldKind::UsBank,
        "external_account" => FieldKind::Iban,
        "business_type" => FieldKind::BusinessType,
        "business_profile.mcc" => FieldKind::Mcc,
        _ if last == "dob" => FieldKind::Date,
        _ if last == "email" || last == "support_email" => FieldKind::Email,
        _ if last == "phone" || last == "support_phone" => FieldKind::Phone,
        _ if last == "url" || last == "support_url" => FieldKind::Url,
        _ if last == "ssn_last_4" => FieldKind::Digits,
        _ if last.ends_with("_provided") => FieldKind::Confirm,
        _ => FieldKind::Text,
    }
}

fn step_of(key: &str) -> Step {
    let head = key.split('.').next().unwrap_or(key);
    match head {
        "tos_acceptance" => Step::Terms,
        "external_account" => Step::BankAccount,
        "individual" | "representative" | "owners" | "directors" | "executives" | "person" => {
            Step::Person
        }
        _ if head.starts_with("person_") => Step::Person,
        _ => Step::Business,
    }
}

/// Where a field sits within its step: the order people fill a form in, not Stripe's
/// alphabetical one.
fn rank(key: &str) -> usize {
    const ORDER: &[&str] = &[
        "business_type",
        "business_profile.mcc",
        "business_profile.url",
        "name",
        "first_name",
        "last_name",
        "dob",
        "email",
        "phone",
        "relationship.title",
        "tax_id",
        "registration_number",
        "address.line1",
        "address.line2",
        "address.postal_code",
        "address.city",
        "address.state",
        "address.country",
        "id_number",
        "ssn_last_4",
    ];
    ORDER
        .iter()
        .position(|suffix| key == *suffix || key.ends_with(&format!(".{suffix}")))
        .unwrap_or(ORDER.len())
}

/// The form fields for `requirements`, one per field key, ordered by step and then as people
/// fill forms in. `country` chooses the bank account form (US numbers or an IBAN).
pub fn fields_for(requirements: &[String], country: Option<&str>) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    for requirement in requirements {
        let key = field_key(requirement);
        if fields.iter().any(|f| f.key == key) {
            continue;
        }
        fields.push(Field {
            kind: kind_of(&key, country),
            step: step_of(&key),
            key,
        });
    }
    fields.sort_by(|a, b| (a.step, rank(&a.key), &a.key).cmp(&(b.step, rank(&b.key), &b.key)));
    fields
}

/// The steps that have fields, in order.
pub fn steps_of(fields: &[Field]) -> Vec<Step> {
    let mut steps: Vec<Step> = fields.iter().map(|f| f.step).collect();
    steps.dedup();
    steps
}

/// The requirements the onboarding form asks for: what is due now (past due included), or
/// everything eventually due when the host's `setCollectionOptions({fields: "eventually_due"})`
/// says so, narrowed by its `requirements: {only}` or `{exclude}`.
pub fn due_requirements(account: &Account, options: Option<&Value>) -> Vec<String> {
    let requirements = &account.requirements;
    let eventually = options.is_some_and(|o| o["fields"] == "eventually_due");
    let mut due: Vec<String> = Vec::new();
    let mut lists = vec![&requirements.past_due, &requirements.currently_due];
    if eventually {
        lists.push(&requirements.eventually_due);
    }
    for item in lists.into_iter().flatten() {
        if !due.contains(item) {
            due.push(item.clone());
        }
    }
    let listed = |key: &str| -> Option<Vec<String>> {
        options
            .and_then(|o| o["requirements"][key].as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            })
    };
    if let Some(only) = listed("only") {
        due.retain(|r| only.contains(r));
    }
    if let Some(exclude) = listed("exclude") {
        due.retain(|r| !exclude.contains(r));
    }
    due
}

/// Why a typed value cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    Iban,
    RoutingNumber,
    AccountNumber,
    Date,
}

/// Whether `iban` (spaces allowed) is well formed and its check digits are right (ISO 13616
/// mod 97).
pub fn valid_iban(iban: &str) -> bool {
    let compact: String = iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = compact.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let remainder = rearranged.fold(0u32, |acc, &b| {
        if b.is_ascii_digit() {
            (acc * 10 + u32::from(b - b'0')) % 97
        } else {
            (acc * 100 + u32::from(b - b'A') + 10) % 97
        }
    });
    remainder == 1
}

fn digits(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A `YYYY-MM-DD` date input → (day, month, year) without leading zeros.
fn date_parts(value: &str) -> Option<(u32, u32, u32)> {
    let mut parts = value.trim().splitn(3, '-');
    let year: u32 = parts.next()?.parse().ok().filter(|y| *y >= 1900)?;
    let month: u32 = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day: u32 = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some((day, month, year))
}

/// The `fields` object of `POST /account/requirements` for `fields` as typed in `values` (keyed
/// by [`Field::inputs`]), or the problems to show next to each input.
///
/// A bank account goes as Stripe's `external_account` hash (`object`, `country`, `currency`,
/// `account_number`, US `routing_number`); accepted terms as `tos_acceptance.date: "now"`, the
/// server filling in the date, IP and user agent.
pub fn requirements_body(
    fields: &[Field],
    values: &BTreeMap<String, String>,
    account: &Account,
) -> Result<Map<String, Value>, BTreeMap<String, Problem>> {
    let mut body = Map::new();
    let mut problems = BTreeMap::new();
    let typed = |input: &str| values.get(input).map(|v| v.trim()).unwrap_or_default();
    for field in fields {
        let key = field.key.as_str();
        let value = typed(key);
        match field.kind {
            FieldKind::Terms | FieldKind::Confirm if value != "true" => {
                problems.insert(key.to_string(), Problem::Required);
            }
            FieldKind::Terms => {
                body.insert("tos_acceptance.date".into(), json!("now"));
            }
            FieldKind::Confirm => {
                body.insert(key.to_string(), json!(true));
            }
            FieldKind::UsBank => {
                let routing_input = format!("{key}.routing_number");
                let account_input = format!("{key}.account_number");
                let routing = digits(typed(&routing_input));
                let number = digits(typed(&account_input));
                let mut ok = true;
                if routing.len() != 9 || !routing.chars().all(|c| c.is_ascii_digit()) {
                    problems.insert(routing_input, Problem::RoutingNumber);
                    ok = false;
                }
                if !(4..=17).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit())
                {
                    problems.insert(account_input, Problem::AccountNumber);
                    ok = false;
                }
                if ok {
                    body.insert(
                        key.to_string(),
                        json!({
                            "object": "bank_account",
                            "country": "US",
                            "currency": "usd",
                            "routing_number": routing,
                            "account_number": number,
                        }),
                    );
                }
            }
            _ if value.is_empty() => {
                problems.insert(key.to_string(), Problem::Required);
            }
            FieldKind::Iban if !valid_iban(value) => {
                problems.insert(key.to_string(), Problem::Iban);
            }
            FieldKind::Iban => {
                let iban = digits(value).to_ascii_uppercase();
                let currency = account
                    .default_currency
                    .clone()
                    .unwrap_or_else(|| "eur".into());
                body.insert(
                    key.to_string(),
                    json!({
                        "object": "bank_account",
                        "country": &iban[..2],
                        "currency": currency,
                        "account_number": iban,
                    }),
                );
            }
            FieldKind::Date => match date_parts(value) {
                Some((day, month, year)) => {
                    body.insert(format!("{key}.day"), json!(day.to_string()));
                    body.insert(format!("{key}.month"), json!(month.to_string()));
                    body.insert(format!("{key}.year"), json!(year.to_string()));
                }
                None => {
                    problems.insert(key.to_string(), Problem::Date);
                }
            },
            FieldKind::Digits => {
                body.insert(key.to_string(), json!(digits(value)));
            }
            _ => {
                body.insert(key.to_string(), json!(value));
            }
        }
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems)
    }
}

/// What the notification banner tells the host's `setOnNotificationsChange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Notifications {
    /// Things the banner asks for (one per form field: a date of birth counts once).
    pub total: usize,
    /// Those already holding payments or payouts back: past due ones, or all of them when the
    /// account is restricted (`disabled_reason`).
    pub action_required: usize,
    /// The banner shows in its urgent style.
    pub urgent: bool,
}

/// The banner's counts for `account`.
pub fn notifications(account: &Account) -> Notifications {
    let requirements = &account.requirements;
    let country = account.country.as_deref();
    let total = fields_for(&account.due_now(), country).len();
    let restricted = requirements.disabled_reason.is_some();
    let action_required = if restricted {
        total
    } else {
        fields_for(&requirements.past_due, country).len()
    };
    Notifications {
        total,
        action_required,
        urgent: !requirements.past_due.is_empty() || restricted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::model::Requirements;

    fn account(country: &str, currently_due: &[&str]) -> Account {
        Account {
            id: "acct_1".into(),
            business_name: None,
            country: Some(country.into()),
            default_currency: Some(if country == "US" { "usd" } else { "eur" }.into()),
            details_submitted: false,
            charges_enabled: false,
            payouts_enabled: false,
            requirement_collection: "application".into(),
            requirements: Requirements {
                currently_due: currently_due.iter().map(|s| s.to_string()).collect(),
                ..Requirements::default()
            },
        }
    }

    fn ids(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn requirements_are_grouped_into_fields_and_steps() {
        // As the sandbox lists them for a French individual: alphabetical.
        let due = ids(&[
            "business_profile.mcc",
            "business_profile.url",
            "external_account",
            "individual.address.city",
            "individual.address.line1",
            "individual.address.postal_code",
            "individual.dob.day",
            "individual.dob.month",
            "individual.dob.year",
            "individual.email",
            "individual.first_name",
            "individual.last_name",
            "individual.phone",
            "tos_acceptance.date",
            "tos_acceptance.ip",
        ]);
        let fields = fields_for(&due, Some("FR"));
        let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "business_profile.mcc",
                "business_profile.url",
                "individual.first_name",
                "individual.last_name",
                "individual.dob",
                "individual.email",
                "individual.phone",
                "individual.address.line1",
                "individual.address.postal_code",
                "individual.address.city",
                "external_account",
                "tos_acceptance",
            ]
        );
        assert_eq!(
            steps_of(&fields),
            [Step::Business, Step::Person, Step::BankAccount, Step::Terms]
        );
        let kind = |key: &str| fields.iter().find(|f| f.key == key).map(|f| f.kind);
        assert_eq!(kind("individual.dob"), Some(FieldKind::Date));
        assert_eq!(kind("external_account"), Some(FieldKind::Iban));
        assert_eq!(kind("tos_acceptance"), Some(FieldKind::Terms));
        assert_eq!(kind("business_profile.mcc"), Some(FieldKind::Mcc));
        assert_eq!(kind("individual.email"), Some(FieldKind::Email));

        let us = fields_for(
            &ids(&[
                "external_account",
                "representative.ssn_last_4",
                "company.owners_provided",
                "company.tax_id",
                "settings.mystery",
            ]),
            Some("US"),
        );
        let kind = |key: &str| us.iter().find(|f| f.key == key).map(|f| (f.kind, f.step));
        assert_eq!(
            kind("external_account"),
            Some((FieldKind::UsBank, Step::BankAccount))
        );
        assert_eq!(
            kind("representative.ssn_last_4"),
            Some((FieldKind::Digits, Step::Person))
        );
        assert_eq!(
            kind("company.owners_provided"),
            Some((FieldKind::Confirm, Step::Business))
        );
        assert_eq!(
            kind("settings.mystery"),
            Some((FieldKind::Text, Step::Business))
        );
        assert_eq!(
            us[us.len() - 1].inputs(),
            [
                "external_account.routing_number",
                "external_account.account_number"
            ]
        );
    }

    #[test]
    fn collection_options_choose_what_is_asked() {
        let mut acct = account("FR", &["individual.first_name", "external_account"]);
        acct.requirements.past_due = ids(&["external_account"]);
        acct.requirements.eventually_due = ids(&[
            "individual.first_name",
            "external_account",
            "individual.id_number",
        ]);
        assert_eq!(
            due_requirements(&acct, None),
            ["external_account", "individual.first_name"]
        );
        let eventually = json!({ "fields": "eventually_due" });
        assert_eq!(
            due_requirements(&acct, Some(&eventually)),
            [
                "external_account",
                "individual.first_name",
                "individual.id_number"
            ]
        );
        let only = json!({ "fields": "eventually_due", "requirements": { "only": ["individual.id_number"] } });
        assert_eq!(
            due_requirements(&acct, Some(&only)),
            ["individual.id_number"]
        );
        let exclude = json!({ "requirements": { "exclude": ["external_account"] } });
        assert_eq!(
            due_requirements(&acct, Some(&exclude)),
            ["individual.first_name"]
        );
    }

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        assert!(valid_iban("FR14 2004 1010 0505 0001 3M02 606"));
        assert!(valid_iban("DE89370400440532013000"));
        assert!(valid_iban("de89 3704 0044 0532 0130 00"));
        assert!(!valid_iban("DE89370400440532013001"));
        assert!(!valid_iban("DE8937040044"));
        assert!(!valid_iban("1234567890123456"));
        assert!(!valid_iban("DE89-3704-0044-0532-0130-00"));
    }

    #[test]
    fn typed_values_become_the_requirements_body() {
        let acct = account("FR", &[]);
        let fields = fields_for(
            &ids(&[
                "individual.first_name",
                "individual.dob.day",
                "individual.dob.month",
                "individual.dob.year",
                "external_account",
                "tos_acceptance.date",
                "tos_acceptance.ip",
                "company.owners_provided",
            ]),
            Some("FR"),
        );
        let values: BTreeMap<String, String> = [
            ("individual.first_name", " Ada "),
            ("individual.dob", "1990-04-07"),
            ("external_account", "fr14 2004 1010 0505 0001 3m02 606"),
            ("tos_acceptance", "true"),
            ("company.owners_provided", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let body = requirements_body(&fields, &values, &acct).unwrap();
        assert_eq!(
            Value::Object(body),
            json!({
                "individual.first_name": "Ada",
                "individual.dob.day": "7",
                "individual.dob.month": "4",
                "individual.dob.year": "1990",
                "external_account": {
                    "object": "bank_account", "country": "FR", "currency": "eur",
                    "account_number": "FR1420041010050500013M02606",
                },
                "tos_acceptance.date": "now",
                "company.owners_provided": true,
            })
        );

        let problems = requirements_body(&fields, &BTreeMap::new(), &acct).unwrap_err();
        assert_eq!(problems.len(), fields.len());
        assert!(problems.values().all(|p| *p == Problem::Required));

        let bad: BTreeMap<String, String> = [
            ("individual.first_name", "Ada"),
            ("individual.dob", "1990-13-01"),
            ("external_account", "FR00 2004 1010 0505 0001 3M02 606"),
            ("tos_acceptance", "false"),
            ("company.owners_provided", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let problems = requirements_body(&fields, &bad, &acct).unwrap_err();
        assert_eq!(problems.get("individual.dob"), Some(&Problem::Date));
        assert_eq!(problems.get("external_account"), Some(&Problem::Iban));
        assert_eq!(problems.get("tos_acceptance"), Some(&Problem::Required));
        assert_eq!(problems.len(), 3);
    }

    #[test]
    fn us_bank_accounts_take_routing_and_account_numbers() {
        let acct = account("US", &[]);
        let fields = fields_for(&ids(&["external_account"]), Some("US"));
        let typed = |routing: &str, number: &str| -> BTreeMap<String, String> {
            [
                (
                    "external_account.routing_number".to_string(),
                    routing.to_string(),
                ),
                (
                    "external_account.account_number".to_string(),
                    number.to_string(),
                ),
            ]
            .into()
        };
        let body = requirements_body(&fields, &typed("110000000", "000123456789"), &acct).unwrap();
        assert_eq!(
            body["external_account"],
            json!({
                "object": "bank_account", "country": "US", "currency": "usd",
                "routing_number": "110000000", "account_number": "000123456789",
            })
        );
        let problems = requirements_body(&fields, &typed("1100", "12"), &acct).unwrap_err();
        assert_eq!(
            problems.get("external_account.routing_number"),
            Some(&Problem::RoutingNumber)
        );
        assert_eq!(
            problems.get("external_account.account_number"),
            Some(&Problem::AccountNumber)
        );
    }

    #[test]
    fn the_banner_counts_what_is_due_and_what_blocks() {
        let mut acct = account(
            "FR",
            &[
                "individual.dob.day",
                "individual.dob.month",
                "individual.dob.year",
                "external_account",
            ],
        );
        assert_eq!(
            notifications(&acct),
            Notifications {
                total: 2,
                action_required: 0,
                urgent: false
            }
        );
        acct.requirements.past_due = ids(&["external_account"]);
        assert_eq!(
            notifications(&acct),
            Notifications {
                total: 2,
                action_required: 1,
                urgent: true
            }
        );
        acct.requirements.past_due.clear();
        acct.requirements.disabled_reason = Some("requirements.past_due".into());
        assert_eq!(
            notifications(&acct),
            Notifications {
                total: 2,
                action_required: 2,
                urgent: true
            }
        );
        let done = account("FR", &[]);
        assert_eq!(notifications(&done), Notifications::default());
    }
}
