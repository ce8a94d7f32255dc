//! The onboarding and notification widgets' side of the widget API: the connected account and
//! its requirements, requirements submitted through the API when the platform collects them,
//! and Account Links into hosted onboarding.
//!
//! The account is read from Stripe on each call, not from the merchant row: the row keeps only
//! what Comptoir's own pages need (enabled flags, what is due), while the widgets show every
//! requirement list, errors and deadlines. Each read also refreshes the merchant row.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stripe_connect::{
    account::{
        DateOfBirthSpecs, RetrieveAccount, TosAcceptanceSpecs, UpdateAccount,
        UpdateAccountBusinessProfile, UpdateAccountCompany, UpdateAccountCompanyAddress,
        UpdateAccountIndividual, UpdateAccountIndividualAddress,
    },
    account_link::{CreateAccountLink, CreateAccountLinkType},
};

use super::{
    ACCOUNT_COMPONENTS, EmbedError, ONBOARDING_LINK_COMPONENTS, REQUIREMENTS_COMPONENTS,
    WidgetScope, stripe_json,
};
use crate::{Services, merchants, settings::normalize_origin};

/// One requirement Stripe could not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementError {
    pub requirement: String,
    pub code: String,
    pub reason: String,
}

/// What Stripe still needs from the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirements {
    pub currently_due: Vec<String>,
    pub eventually_due: Vec<String>,
    pub past_due: Vec<String>,
    pub pending_verification: Vec<String>,
    pub disabled_reason: Option<String>,
    pub current_deadline: Option<i64>,
    pub errors: Vec<RequirementError>,
}

/// The account as the widget API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: String,
    pub business_name: Option<String>,
    pub country: Option<String>,
    pub default_currency: Option<String>,
    pub details_submitted: bool,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    /// `stripe` (hosted onboarding) or `application` (the platform collects, through the API).
    pub requirement_collection: String,
    pub requirements: Requirements,
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn collection(account: &Value) -> String {
    text(&account["controller"]["requirement_collection"]).unwrap_or_else(|| "stripe".into())
}

fn account_view(account: &Value) -> AccountView {
    let r = &account["requirements"];
    AccountView {
        id: text(&account["id"]).unwrap_or_default(),
        business_name: text(&account["business_profile"]["name"])
            .or_else(|| text(&account["settings"]["dashboard"]["display_name"])),
        country: text(&account["country"]),
        default_currency: text(&account["default_currency"]),
        details_submitted: account["details_submitted"] == true,
        charges_enabled: account["charges_enabled"] == true,
        payouts_enabled: account["payouts_enabled"] == true,
        requirement_collection: collection(account),
        requirements: Requirements {
            currently_due: strings(&r["currently_due"]),
            eventually_due: strings(&r["eventually_due"]),
            past_due: strings(&r["past_due"]),
            pending_verification: strings(&r["pending_verification"]),
            disabled_reason: text(&r["disabled_reason"]),
            current_deadline: r["current_deadline"].as_i64(),
            errors: r["errors"]
                .as_array()
                .map(|errors| {
                    errors
                        .iter()
                        .map(|e| RequirementError {
                            requirement: text(&e["requirement"]).unwrap_or_default(),
                            code: text(&e["code"]).unwrap_or_default(),
                            reason: text(&e["reason"]).unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        },
    }
}

/// Keeps the merchant row in step with what Stripe just said; a failure only costs freshness.
async fn sync_merchant(services: &Services, account: &Value) {
    let typed = miniserde::json::from_str::<stripe_shared::Account>(&account.to_string());
    let result = match typed {
        Ok(typed) => {
            merchants::sync_status_from_account(&services.db, &typed, services.clock.now())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Err(_) => Err("the account could not be read as an Account".to_string()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not refresh the merchant from its account");
    }
}

async fn read_account(services: &Services, account: &str) -> Result<Value, EmbedError> {
    let value =
        stripe_json::send(&services.stripe()?, &RetrieveAccount::new(account), None).await?;
    sync_merchant(services, &value).await;
    Ok(value)
}

/// `GET /widget/v1/account`.
pub async fn account(services: &Services, scope: &WidgetScope) -> Result<AccountView, EmbedError> {
    scope.require_component(ACCOUNT_COMPONENTS)?;
    Ok(account_view(&read_account(services, &scope.account).await?))
}

/// Where a request came from, for `tos_acceptance`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// `POST /widget/v1/account/requirements`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementsInput {
    /// Stripe requirement ids and their values.
    pub fields: Map<String, Value>,
}

/// The requirement ids the API can take, beyond the `tos_acceptance.*` ones.
pub const SUPPORTED_FIELDS: &[&str] = &[
    "business_type",
    "business_profile.mcc",
    "business_profile.name",
    "business_profile.product_description",
    "business_profile.support_email",
    "business_profile.support_phone",
    "business_profile.support_url",
    "business_profile.url",
    "company.address.city",
    "company.address.country",
    "company.address.line1",
    "company.address.line2",
    "company.address.postal_code",
    "company.address.state",
    "company.directors_provided",
    "company.executives_provided",
    "company.name",
    "company.owners_provided",
    "company.phone",
    "company.registration_number",
    "company.tax_id",
    "external_account",
    "individual.address.city",
    "individual.address.country",
    "individual.address.line1",
    "individual.address.line2",
    "individual.address.postal_code",
    "individual.address.state",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.id_number",
    "individual.last_name",
    "individual.phone",
    "individual.ssn_last_4",
];

fn invalid_field(field: &str, message: String) -> EmbedError {
    EmbedError::invalid_param("invalid_field", format!("fields[{field}]"), message)
}

/// The typed update for `fields`; `tos_acceptance.*` is filled from `origin` and `now`.
fn update_for(
    account: &str,
    fields: &Map<String, Value>,
    origin: &RequestOrigin,
    now: i64,
) -> Result<UpdateAccount, EmbedError> {
    let mut update = UpdateAccount::new(account);
    let mut individual = UpdateAccountIndividual::new();
    let mut individual_address = UpdateAccountIndividualAddress::new();
    let mut dob: [Option<i64>; 3] = [None; 3];
    let mut company = UpdateAccountCompany::new();
    let mut company_address = UpdateAccountCompanyAddress::new();
    let mut profile = UpdateAccountBusinessProfile::new();
    let mut tos = false;
    let section = |prefix: &str| fields.keys().any(|f| f.starts_with(prefix));
    for (field, value) in fields {
        if field.starts_with("tos_acceptance.") {
            if matches!(
                field.as_str(),
                "tos_acceptance.date" | "tos_acceptance.ip" | "tos_acceptance.user_agent"
            ) {
                tos = true;
                continue;
            }
            return Err(invalid_field(
                field,
                format!("Unknown requirement: {field}"),
            ));
        }
        let value = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(invalid_field(field, format!("{field} must be text."))),
        };
        let flag = |v: &str| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(invalid_field(field, format!("{field} is true or false."))),
        };
        let number = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| invalid_field(field, format!("{field} must be a number.")))
        };
        match field.as_str() {
            "business_type" => {
                if !matches!(
                    value.as_str(),
                    "individual" | "company" | "non_profit" | "government_entity"
                ) {
                    return Err(invalid_field(
                        field,
                        "business_type is individual, company, non_profit or government_entity."
                            .into(),
                    ));
                }
                update = update.business_type(
                    value
                        .parse::<stripe_shared::AccountBusinessType>()
                        .unwrap_or_else(|e| match e {}),
                );
            }
            "business_profile.mcc" => profile.mcc = Some(value),
            "business_profile.name" => profile.name = Some(value),
            "business_profile.product_description" => profile.product_description = Some(value),
            "business_profile.support_email" => profile.support_email = Some(value),
            "business_profile.support_phone" => profile.support_phone = Some(value),
            "business_profile.support_url" => profile.support_url = Some(value),
            "business_profile.url" => profile.url = Some(value),
            "company.address.city" => company_address.city = Some(value),
            "company.address.country" => company_address.country = Some(value),
            "company.address.line1" => company_address.line1 = Some(value),
            "company.address.line2" => company_address.line2 = Some(value),
            "company.address.postal_code" => company_address.postal_code = Some(value),
            "company.address.state" => company_address.state = Some(value),
            "company.directors_provided" => company.directors_provided = Some(flag(&value)?),
            "company.executives_provided" => company.executives_provided = Some(flag(&value)?),
            "company.name" => company.name = Some(value),
            "company.owners_provided" => company.owners_provided = Some(flag(&value)?),
            "company.phone" => company.phone = Some(value),
            "company.registration_number" => company.registration_number = Some(value),
            "company.tax_id" => company.tax_id = Some(value),
            "external_account" => update = update.external_account(value),
            "individual.address.city" => individual_address.city = Some(value),
            "individual.address.country" => individual_address.country = Some(value),
            "individual.address.line1" => individual_address.line1 = Some(value),
            "individual.address.line2" => individual_address.line2 = Some(value),
            "individual.address.postal_code" => individual_address.postal_code = Some(value),
            "individual.address.state" => individual_address.state = Some(value),
            "individual.dob.day" => dob[0] = Some(number(&value)?),
            "individual.dob.month" => dob[1] = Some(number(&value)?),
            "individual.dob.year" => dob[2] = Some(number(&value)?),
            "individual.email" => individual.email = Some(value),
            "individual.first_name" => individual.first_name = Some(value),
            "individual.id_number" => individual.id_number = Some(value),
            "individual.last_name" => individual.last_name = Some(value),
            "individual.phone" => individual.phone = Some(value),
            "individual.ssn_last_4" => individual.ssn_last_4 = Some(value),
            _ => {
                return Err(invalid_field(
                    field,
                    format!("Unknown requirement: {field}"),
                ));
            }
        }
    }
    match dob {
        [Some(day), Some(month), Some(year)] => {
            individual.dob = Some(DateOfBirthSpecs::new(day, month, year));
        }
        [None, None, None] => {}
        _ => {
            return Err(invalid_field(
                "individual.dob",
                "The date of birth needs individual.dob.day, .month and .year together.".into(),
            ));
        }
    }
    if section("individual.address.") {
        individual.address = Some(individual_address);
    }
    if section("company.address.") {
        company.address = Some(company_address);
    }
    if section("individual.") {
        update = update.individual(individual);
    }
    if section("company.") {
        update = update.company(company);
    }
    if section("business_profile.") {
        update = update.business_profile(profile);
    }
    if tos {
        update = update.tos_acceptance(TosAcceptanceSpecs {
            date: Some(now),
            ip: Some(origin.ip.clone().unwrap_or_else(|| "0.0.0.0".into())),
            service_agreement: None,
            user_agent: origin.user_agent.clone(),
        });
    }
    Ok(update)
}

/// Submits requirements through the API (component `account_onboarding`), only for accounts
/// whose requirements the platform collects (409 `collected_by_stripe` otherwise). Unknown
/// requirement ids are 400 `invalid_field`. Answers the updated account.
pub async fn update_requirements(
    services: &Services,
    scope: &WidgetScope,
    input: &RequirementsInput,
    origin: &RequestOrigin,
) -> Result<AccountView, EmbedError> {
    scope.require_component(REQUIREMENTS_COMPONENTS)?;
    if input.fields.is_empty() {
        return Err(EmbedError::invalid_param(
            "parameter_missing",
            "fields",
            "Send at least one requirement in `fields`.",
        ));
    }
    let current = read_account(services, &scope.account).await?;
    if collection(&current) != "application" {
        return Err(EmbedError::Conflict {
            code: "collected_by_stripe",
            message: "Stripe collects this account's requirements: use the onboarding link.".into(),
        });
    }
    let update = update_for(&scope.account, &input.fields, origin, services.clock.now())?;
    let updated = stripe_json::send(&services.stripe()?, &update, None).await?;
    sync_merchant(services, &updated).await;
    Ok(account_view(&updated))
}

/// `POST /widget/v1/account/onboarding_link`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnboardingLinkInput {
    pub return_url: String,
    pub refresh_url: String,
}

/// A link into hosted onboarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnboardingLink {
    pub url: String,
}

/// Whether `url` is an http(s) URL on an origin allowed to embed the widgets, or Comptoir's own.
fn on_allowed_origin(services: &Services, url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return false;
    }
    let origin = parsed.origin().ascii_serialization();
    services.settings().allows_origin(&origin)
        || normalize_origin(&services.public_url).as_deref() == Some(origin.as_str())
}

/// An Account Link into hosted onboarding (component `account_onboarding` or
/// `notification_banner`). Both URLs must be on an allowed origin (400 `invalid_return_url`).
pub async fn onboarding_link(
    services: &Services,
    scope: &WidgetScope,
    input: &OnboardingLinkInput,
) -> Result<OnboardingLink, EmbedError> {
    scope.require_component(ONBOARDING_LINK_COMPONENTS)?;
    for (param, url) in [
        ("return_url", &input.return_url),
        ("refresh_url", &input.refresh_url),
    ] {
        if !on_allowed_origin(services, url) {
            return Err(EmbedError::invalid_param(
                "invalid_return_url",
                param,
                format!("The {param} must be on an origin allowed to embed the widgets."),
            ));
        }
    }
    let link = CreateAccountLink::new(
        scope.account.as_str(),
        CreateAccountLinkType::AccountOnboarding,
    )
    .return_url(input.return_url.as_str())
    .refresh_url(input.refresh_url.as_str())
    .send(&services.stripe()?)
    .await?;
    Ok(OnboardingLink { url: link.url })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn encoded(update: &UpdateAccount) -> String {
        use stripe::StripeRequest;
        update.build().body.unwrap_or_default()
    }

    #[test]
    fn requirement_ids_become_update_parameters() {
        let origin = RequestOrigin {
            ip: Some("203.0.113.9".into()),
            user_agent: Some("Browser/1".into()),
        };
        let update = update_for(
            "acct_1",
            &fields(json!({
                "individual.first_name": "Ada",
                "individual.dob.day": "1", "individual.dob.month": 12, "individual.dob.year": "1990",
                "individual.address.line1": "1 rue de la Paix",
                "business_profile.mcc": "5462",
                "tos_acceptance.date": "now",
                "company.owners_provided": true,
            })),
            &origin,
            1_700_000_000,
        )
        .unwrap();
        let body = encoded(&update);
        for expected in [
            "individual[first_name]=Ada",
            "individual[dob][day]=1",
            "individual[dob][month]=12",
            "individual[dob][year]=1990",
            "individual[address][line1]=1+rue+de+la+Paix",
            "business_profile[mcc]=5462",
            "tos_acceptance[date]=1700000000",
            "tos_acceptance[ip]=203.0.113.9",
            "company[owners_provided]=true",
        ] {
            assert!(body.contains(expected), "{expected} in {body}");
        }
    }

    #[test]
    fn every_supported_field_is_mapped() {
        let value = |field: &str| match field {
            "business_type" => json!("individual"),
            f if f.ends_with("_provided") => json!("true"),
            f if f.starts_with("individual.dob.") => json!("1"),
            _ => json!("x"),
        };
        let all: Map<String, Value> = SUPPORTED_FIELDS
            .iter()
            .map(|f| (f.to_string(), value(f)))
            .collect();
        let body = encoded(&update_for("acct_1", &all, &RequestOrigin::default(), 0).unwrap());
        for field in SUPPORTED_FIELDS {
            let mut parts = field.split('.');
            let mut key = parts.next().unwrap().to_string();
            for part in parts {
                key.push_str(&format!("[{part}]"));
            }
            assert!(body.contains(&format!("{key}=")), "{field} in {body}");
        }
    }

    #[test]
    fn unknown_or_incomplete_fields_are_refused() {
        let origin = RequestOrigin::default();
        let code = |f: Value| {
            update_for("acct_1", &fields(f), &origin, 0)
                .err()
                .map(|e| (e.body().code.unwrap_or_default(), e.body().param))
        };
        assert_eq!(
            code(json!({"individual.favourite_colour": "blue"})),
            Some((
                "invalid_field".into(),
                Some("fields[individual.favourite_colour]".into())
            ))
        );
        assert!(code(json!({"individual.dob.day": "1"})).is_some());
        assert!(code(json!({"individual.dob.day": "first"})).is_some());
        assert!(code(json!({"business_type": "pirate"})).is_some());
        assert!(code(json!({"company.owners_provided": "maybe"})).is_some());
        assert!(code(json!({"individual.first_name": ["A"]})).is_some());
        assert_eq!(code(json!({"individual.last_name": "Lovelace"})), None);
    }

    #[test]
    fn the_view_reads_stripes_account() {
        let view = account_view(&json!({
            "id": "acct_1", "country": "FR", "default_currency": "eur",
            "business_profile": {"name": null}, "settings": {"dashboard": {"display_name": "Boulangerie"}},
            "controller": {"requirement_collection": "application"},
            "requirements": {"currently_due": ["individual.dob.day"], "errors": [
                {"requirement": "individual.id_number", "code": "verification_failed_id_number_match", "reason": "No match"}
            ], "disabled_reason": "requirements.past_due", "current_deadline": null},
        }));
        assert_eq!(view.business_name.as_deref(), Some("Boulangerie"));
        assert_eq!(view.requirement_collection, "application");
        assert_eq!(view.requirements.currently_due, ["individual.dob.day"]);
        assert_eq!(
            view.requirements.errors[0].code,
            "verification_failed_id_number_match"
        );
        assert!(!view.charges_enabled);
    }
}
