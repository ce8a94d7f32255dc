//! Requirement computation: which `requirements.currently_due` / `eventually_due` items an
//! account still owes, from its business type and country, and the verification errors the
//! magic test values trigger.
//!
//! Magic values (Stripe's test values for identity verification): `address_full_match` or any other line1, id number
//! `000000000`, SSN last 4 `0000`, DOB `1901-01-01`. Failures: line1 `address_no_match` →
//! `verification_failed_address_match`; id number `111111111` →
//! `verification_failed_id_number_match`; DOB `1900-01-01` → `verification_failed_keyed_identity`.

use serde_json::{Map, Value, json};

use crate::accounts::records::AccountMeta;

/// The computed requirement lists of an account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requirements {
    /// Items needed now (also past due: they gate the capabilities).
    pub currently_due: Vec<String>,
    /// Items needed eventually (superset of `currently_due`).
    pub eventually_due: Vec<String>,
    /// Verification errors `{code, reason, requirement}`.
    pub errors: Vec<Value>,
}

const STATE_COUNTRIES: &[&str] = &["US", "CA", "AU", "MX", "BR", "IN", "JP", "MY"];

fn person_fields(prefix: &str, country: &str, with_title: bool) -> Vec<String> {
    let mut fields = vec!["address.city", "address.line1", "address.postal_code"];
    if STATE_COUNTRIES.contains(&country) {
        fields.push("address.state");
    }
    fields.extend([
        "dob.day",
        "dob.month",
        "dob.year",
        "email",
        "first_name",
        "last_name",
        "phone",
    ]);
    if country == "US" {
        fields.push("ssn_last_4");
    }
    if with_title {
        fields.push("relationship.title");
    }
    fields
        .into_iter()
        .map(|f| format!("{prefix}.{f}"))
        .collect()
}

fn company_fields(country: &str, owners: bool) -> Vec<String> {
    let mut fields: Vec<String> = [
        "address.city",
        "address.line1",
        "address.postal_code",
        "name",
        "phone",
        "tax_id",
    ]
    .iter()
    .map(|f| format!("company.{f}"))
    .collect();
    if STATE_COUNTRIES.contains(&country) {
        fields.push("company.address.state".into());
    }
    if owners {
        fields.push("company.owners_provided".into());
    }
    fields
}

/// Items the account must provide before its capabilities activate.
fn minimum(meta: &AccountMeta) -> Vec<String> {
    let country = meta.country.as_str();
    let mut due: Vec<String> = [
        "business_profile.mcc",
        "business_profile.url",
        "external_account",
        "tos_acceptance.date",
        "tos_acceptance.ip",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    match meta.business_type.as_deref() {
        Some("individual") => due.extend(person_fields("individual", country, false)),
        Some("company") => {
            due.extend(company_fields(country, true));
            due.extend(person_fields("representative", country, true));
        }
        Some(_) => {
            due.extend(company_fields(country, false));
            due.extend(person_fields("representative", country, true));
        }
        None => due.extend(
            [
                "business_type",
                "representative.first_name",
                "representative.last_name",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        ),
    }
    due
}

/// Items needed eventually beyond the minimum.
fn later(meta: &AccountMeta) -> Vec<String> {
    if meta.country != "US" {
        return Vec::new();
    }
    match meta.business_type.as_deref() {
        Some("individual") => vec!["individual.id_number".into()],
        Some(_) => vec!["representative.id_number".into()],
        None => Vec::new(),
    }
}

/// Computes the requirements of an account.
pub fn compute(meta: &AccountMeta) -> Requirements {
    if meta.complete {
        return Requirements::default();
    }
    let errors = verification_errors(meta);
    let failing: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["requirement"].as_str())
        .collect();
    let outstanding =
        |field: &String| !is_satisfied(meta, field) || failing.contains(&field.as_str());
    let mut currently_due: Vec<String> = minimum(meta).into_iter().filter(outstanding).collect();
    let mut eventually_due = currently_due.clone();
    eventually_due.extend(later(meta).into_iter().filter(outstanding));
    currently_due.sort();
    eventually_due.sort();
    eventually_due.dedup();
    Requirements {
        currently_due,
        eventually_due,
        errors,
    }
}

/// Whether a requirement id is satisfied by what the account provided.
pub fn is_satisfied(meta: &AccountMeta, field: &str) -> bool {
    let (head, rest) = field.split_once('.').unwrap_or((field, ""));
    match head {
        "business_type" => meta.business_type.is_some(),
        "external_account" => !meta.external_accounts.is_empty(),
        "business_profile" if rest == "url" => {
            present(&meta.business_profile, "url")
                || present(&meta.business_profile, "product_description")
        }
        "business_profile" => present(&meta.business_profile, rest),
        "tos_acceptance" => present(&meta.tos_acceptance, rest),
        "individual" => person_satisfied(&meta.individual, rest),
        "representative" => person_satisfied(&meta.representative, rest),
        "company" if rest == "tax_id" => present(&meta.company, "tax_id"),
        "company" if rest.ends_with("_provided") => meta
            .company
            .get(rest)
            .and_then(Value::as_bool)
            .unwrap_or(false),
        "company" => present(&meta.company, rest),
        _ => false,
    }
}

fn person_satisfied(person: &Map<String, Value>, field: &str) -> bool {
    match field {
        // A full id number also answers the SSN last-4 requirement.
        "ssn_last_4" => present(person, "ssn_last_4") || present(person, "id_number"),
        _ => present(person, field),
    }
}

/// Whether a dotted path holds a non-empty value.
pub fn present(map: &Map<String, Value>, path: &str) -> bool {
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let mut current = map.get(first);
    for part in parts {
        current = current.and_then(|v| v.get(part));
    }
    match current {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Bool(b)) => *b,
        Some(_) => true,
    }
}

fn verification_errors(meta: &AccountMeta) -> Vec<Value> {
    let mut errors = Vec::new();
    person_errors("individual", &meta.individual, &mut errors);
    person_errors("representative", &meta.representative, &mut errors);
    if line1(&meta.company) == Some("address_no_match") {
        errors.push(error(
            "verification_failed_address_match",
            "The address could not be verified.",
            "company.address.line1",
        ));
    }
    errors
}

fn line1(map: &Map<String, Value>) -> Option<&str> {
    map.get("address")
        .and_then(|a| a.get("line1"))
        .and_then(Value::as_str)
}

fn person_errors(prefix: &str, person: &Map<String, Value>, errors: &mut Vec<Value>) {
    if line1(person) == Some("address_no_match") {
        errors.push(error(
            "verification_failed_address_match",
            "The address could not be verified.",
            &format!("{prefix}.address.line1"),
        ));
    }
    if person.get("id_number").and_then(Value::as_str) == Some("111111111") {
        errors.push(error(
            "verification_failed_id_number_match",
            "The ID number could not be matched to the person.",
            &format!("{prefix}.id_number"),
        ));
    }
    let dob = person.get("dob");
    let year = dob.and_then(|d| d.get("year")).and_then(Value::as_i64);
    let month = dob.and_then(|d| d.get("month")).and_then(Value::as_i64);
    let day = dob.and_then(|d| d.get("day")).and_then(Value::as_i64);
    if (year, month, day) == (Some(1900), Some(1), Some(1)) {
        errors.push(error(
            "verification_failed_keyed_identity",
            "The identity information could not be verified.",
            &format!("{prefix}.dob.day"),
        ));
    }
}

fn error(code: &str, reason: &str, requirement: &str) -> Value {
    json!({ "code": code, "reason": reason, "requirement": requirement })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(business_type: Option<&str>) -> AccountMeta {
        AccountMeta {
            country: "US".into(),
            business_type: business_type.map(str::to_owned),
            ..AccountMeta::default()
        }
    }

    #[test]
    fn fresh_account_owes_business_type() {
        let r = compute(&meta(None));
        assert!(r.currently_due.contains(&"business_type".to_owned()));
        assert!(r.currently_due.contains(&"external_account".to_owned()));
    }

    #[test]
    fn individual_fields_are_removed_when_provided() {
        let mut m = meta(Some("individual"));
        m.individual.insert("first_name".into(), json!("Jenny"));
        m.individual.insert("id_number".into(), json!("000000000"));
        let r = compute(&m);
        assert!(
            !r.currently_due
                .contains(&"individual.first_name".to_owned())
        );
        assert!(
            !r.currently_due
                .contains(&"individual.ssn_last_4".to_owned())
        );
        assert!(
            !r.eventually_due
                .contains(&"individual.id_number".to_owned())
        );
        assert!(r.currently_due.contains(&"individual.last_name".to_owned()));
    }

    #[test]
    fn magic_failure_values_raise_errors() {
        let mut m = meta(Some("individual"));
        m.individual
            .insert("address".into(), json!({"line1": "address_no_match"}));
        let r = compute(&m);
        assert_eq!(r.errors[0]["code"], "verification_failed_address_match");
        assert!(
            r.currently_due
                .contains(&"individual.address.line1".to_owned())
        );
    }
}
