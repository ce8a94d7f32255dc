//! The account model: rendering an [`AccountMeta`] as Stripe's `account` object (with the
//! fixture's full shape and null defaults), applying create/update parameters, deriving
//! `type` from controller properties, external accounts, and the `account.updated` diff.

use serde_json::{Map, Value, json};

use crate::accounts::records::{AccountMeta, Controller};
use crate::accounts::requirements::{self, Requirements};
use crate::app::Tx;
use crate::ids;
use crate::store::{ConnectionKind, Scope};
use crate::wire::error::ApiError;
use crate::wire::form::Params;

/// Default currency of a country.
pub fn currency_for(country: &str) -> &'static str {
    match country {
        "US" => "usd",
        "GB" => "gbp",
        "CA" => "cad",
        "AU" => "aud",
        "JP" => "jpy",
        "CH" => "chf",
        "SE" => "sek",
        "NO" => "nok",
        "DK" => "dkk",
        "PL" => "pln",
        "NZ" => "nzd",
        "SG" => "sgd",
        "HK" => "hkd",
        "MX" => "mxn",
        "BR" => "brl",
        "IN" => "inr",
        _ => "eur",
    }
}

/// The legacy `type` implied by controller properties (`none` when no type matches).
pub fn type_for(controller: &Controller) -> &'static str {
    let c = controller;
    match (
        c.dashboard.as_str(),
        c.losses_payments.as_str(),
        c.requirement_collection.as_str(),
        c.fees_payer.as_str(),
    ) {
        ("full", "stripe", "stripe", "account") => "standard",
        ("express", "application", "stripe", _) => "express",
        ("none", "application", "application", _) => "custom",
        _ => "none",
    }
}

/// Controller properties of a legacy account type.
pub fn controller_for_type(account_type: &str) -> Controller {
    let (fees, losses, collection, dashboard) = match account_type {
        "express" => ("application", "application", "stripe", "express"),
        "custom" => ("application", "application", "application", "none"),
        _ => ("account", "stripe", "stripe", "full"),
    };
    Controller {
        fees_payer: fees.into(),
        losses_payments: losses.into(),
        requirement_collection: collection.into(),
        dashboard: dashboard.into(),
    }
}

fn controller_json(meta: &AccountMeta) -> Value {
    if meta.platform.is_none() {
        return json!({ "type": "account" });
    }
    let c = &meta.controller;
    let payer = match (c.fees_payer.as_str(), meta.account_type.as_str()) {
        ("application", "express") => "application_express",
        ("application", "custom") => "application_custom",
        (payer, _) => payer,
    };
    json!({
        "fees": { "payer": payer },
        "is_controller": true,
        "losses": { "payments": c.losses_payments },
        "requirement_collection": c.requirement_collection,
        "stripe_dashboard": { "type": c.dashboard },
        "type": "application",
    })
}

fn address(map: Option<&Value>) -> Value {
    let get = |k: &str| map.and_then(|m| m.get(k)).cloned().unwrap_or(Value::Null);
    json!({
        "city": get("city"), "country": get("country"), "line1": get("line1"),
        "line2": get("line2"), "postal_code": get("postal_code"), "state": get("state"),
    })
}

fn requirements_json(r: &Requirements, alternatives: bool) -> Value {
    let past_due = r.currently_due.clone();
    let mut v = json!({
        "alternatives": [],
        "current_deadline": null,
        "currently_due": r.currently_due,
        "disabled_reason": if past_due.is_empty() { Value::Null } else { json!("requirements.past_due") },
        "errors": r.errors,
        "eventually_due": r.eventually_due,
        "past_due": past_due,
        "pending_verification": [],
    });
    if !alternatives && let Some(obj) = v.as_object_mut() {
        obj.remove("alternatives");
    }
    v
}

fn empty_requirements() -> Value {
    requirements_json(&Requirements::default(), true)
}

fn person_requirements(r: &Requirements, prefix: &str) -> Value {
    let strip = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter_map(|f| f.strip_prefix(prefix))
            .map(str::to_owned)
            .collect()
    };
    let due = strip(&r.currently_due);
    json!({
        "alternatives": [],
        "currently_due": due,
        "errors": r.errors.iter().filter(|e| e["requirement"].as_str().is_some_and(|q| q.starts_with(prefix))).cloned().collect::<Vec<_>>(),
        "eventually_due": strip(&r.eventually_due),
        "past_due": due,
        "pending_verification": [],
    })
}

fn render_person(meta: &AccountMeta, r: &Requirements) -> Value {
    let p = &meta.individual;
    let get = |k: &str| p.get(k).cloned().unwrap_or(Value::Null);
    let dob = p.get("dob");
    let dob_part = |k: &str| dob.and_then(|d| d.get(k)).cloned().unwrap_or(Value::Null);
    let has_errors = r.errors.iter().any(|e| {
        e["requirement"]
            .as_str()
            .is_some_and(|q| q.starts_with("individual."))
    });
    let complete = !r.currently_due.iter().any(|f| f.starts_with("individual."));
    json!({
        "id": meta.individual_person_id,
        "object": "person",
        "account": meta.id,
        "additional_tos_acceptances": { "account": { "date": null, "ip": null, "user_agent": null } },
        "address": address(p.get("address")),
        "created": meta.created,
        "dob": { "day": dob_part("day"), "month": dob_part("month"), "year": dob_part("year") },
        "email": get("email"),
        "first_name": get("first_name"),
        "future_requirements": person_requirements(&Requirements::default(), "individual."),
        "id_number_provided": requirements::present(p, "id_number"),
        "last_name": get("last_name"),
        "metadata": p.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "phone": get("phone"),
        "relationship": {
            "director": false, "executive": false, "legal_guardian": false, "owner": false,
            "percent_ownership": null, "representative": true, "title": null, "authorizer": null,
        },
        "requirements": person_requirements(r, "individual."),
        "ssn_last_4_provided": requirements::present(p, "ssn_last_4") || requirements::present(p, "id_number"),
        "verification": {
            "additional_document": { "back": null, "details": null, "details_code": null, "front": null },
            "details": null,
            "details_code": null,
            "document": { "back": null, "details": null, "details_code": null, "front": null },
            "status": if complete && !has_errors { "verified" } else { "unverified" },
        },
    })
}

fn render_company(meta: &AccountMeta) -> Value {
    let c = &meta.company;
    let flag = |k: &str| c.get(k).and_then(Value::as_bool).unwrap_or(false);
    json!({
        "address": address(c.get("address")),
        "directors_provided": flag("directors_provided"),
        "executives_provided": flag("executives_provided"),
        "name": c.get("name").cloned().unwrap_or(Value::Null),
        "owners_provided": flag("owners_provided"),
        "phone": c.get("phone").cloned().unwrap_or(Value::Null),
        "structure": c.get("structure").cloned().unwrap_or(Value::Null),
        "tax_id_provided": requirements::present(c, "tax_id"),
        "verification": { "document": { "back": null, "details": null, "details_code": null, "front": null } },
    })
}

fn business_profile(meta: &AccountMeta) -> Value {
    let mut v = json!({
        "annual_revenue": { "amount": null, "currency": null, "fiscal_year_end": null },
        "estimated_worker_count": null,
        "mcc": null,
        "name": meta.display_name,
        "product_description": null,
        "support_address": address(None),
        "support_email": null,
        "support_phone": null,
        "support_url": null,
        "url": null,
        "minority_owned_business_designation": null,
    });
    deep_merge(&mut v, &Value::Object(meta.business_profile.clone()));
    v
}

fn settings(meta: &AccountMeta) -> Value {
    let display_name = meta
        .business_profile
        .get("name")
        .cloned()
        .or_else(|| meta.display_name.clone().map(Value::String))
        .unwrap_or(Value::Null);
    let mut v = json!({
        "bacs_debit_payments": { "display_name": null, "service_user_number": null },
        "branding": { "icon": null, "logo": null, "primary_color": null, "secondary_color": null },
        "card_issuing": { "tos_acceptance": { "date": null, "ip": null } },
        "card_payments": {
            "decline_on": { "avs_failure": true, "cvc_failure": true },
            "statement_descriptor_prefix": null,
            "statement_descriptor_prefix_kana": null,
            "statement_descriptor_prefix_kanji": null,
        },
        "dashboard": { "display_name": display_name, "timezone": "Etc/UTC" },
        "invoices": { "default_account_tax_ids": null, "hosted_payment_method_save": null },
        "payments": {
            "statement_descriptor": null,
            "statement_descriptor_kana": null,
            "statement_descriptor_kanji": null,
            "statement_descriptor_prefix_kana": null,
            "statement_descriptor_prefix_kanji": null,
        },
        "payouts": {
            "debit_negative_balances": true,
            "schedule": { "delay_days": 2, "interval": "daily" },
            "statement_descriptor": null,
        },
        "sepa_debit_payments": {},
    });
    deep_merge(&mut v, &Value::Object(meta.settings.clone()));
    v
}

/// Renders the `account` object.
pub fn render(meta: &AccountMeta) -> Value {
    let r = requirements::compute(meta);
    let outstanding = !r.currently_due.is_empty() || !r.errors.is_empty();
    let capability_status = if outstanding { "inactive" } else { "active" };
    let capabilities: Map<String, Value> = meta
        .capabilities
        .keys()
        .map(|k| (k.clone(), json!(capability_status)))
        .collect();
    let charges_enabled = meta.capabilities.contains_key("card_payments") && !outstanding;
    let payouts_enabled = !outstanding && !meta.external_accounts.is_empty();
    let details_submitted = details_submitted(meta, &r);
    let mut v = Map::new();
    v.insert("id".into(), json!(meta.id));
    v.insert("object".into(), json!("account"));
    v.insert("business_profile".into(), business_profile(meta));
    v.insert("business_type".into(), json!(meta.business_type));
    v.insert("capabilities".into(), Value::Object(capabilities));
    v.insert("charges_enabled".into(), json!(charges_enabled));
    if matches!(
        meta.business_type.as_deref(),
        Some("company" | "non_profit" | "government_entity")
    ) {
        v.insert("company".into(), render_company(meta));
    }
    v.insert("controller".into(), controller_json(meta));
    v.insert("country".into(), json!(meta.country));
    v.insert("created".into(), json!(meta.created));
    v.insert("default_currency".into(), json!(meta.default_currency));
    v.insert("details_submitted".into(), json!(details_submitted));
    v.insert("email".into(), json!(meta.email));
    v.insert(
        "external_accounts".into(),
        json!({
            "object": "list",
            "data": meta.external_accounts,
            "has_more": false,
            "url": format!("/v1/accounts/{}/external_accounts", meta.id),
        }),
    );
    v.insert("future_requirements".into(), empty_requirements());
    if meta.business_type.as_deref() == Some("individual") {
        v.insert("individual".into(), render_person(meta, &r));
    }
    v.insert("metadata".into(), Value::Object(meta.metadata.clone()));
    v.insert("payouts_enabled".into(), json!(payouts_enabled));
    v.insert("requirements".into(), requirements_json(&r, true));
    v.insert("settings".into(), settings(meta));
    let tos = |k: &str| meta.tos_acceptance.get(k).cloned().unwrap_or(Value::Null);
    let mut tos_json =
        json!({ "date": tos("date"), "ip": tos("ip"), "user_agent": tos("user_agent") });
    if let Some(agreement) = meta.tos_acceptance.get("service_agreement")
        && let Some(obj) = tos_json.as_object_mut()
    {
        obj.insert("service_agreement".into(), agreement.clone());
    }
    v.insert("tos_acceptance".into(), tos_json);
    v.insert("type".into(), json!(meta.account_type));
    Value::Object(v)
}

/// `details_submitted`: hosted onboarding submitted, a complete account, or (when the platform
/// collects requirements) everything including the ToS provided by API.
pub fn details_submitted(meta: &AccountMeta, r: &Requirements) -> bool {
    if meta.complete || meta.onboarding_submitted {
        return true;
    }
    meta.controller.requirement_collection == "application"
        && requirements::present(&meta.tos_acceptance, "date")
        && r.currently_due.is_empty()
}

/// Stores a freshly rendered account object for `meta` (insert or replace) and returns it.
pub fn save(tx: &mut Tx<'_>, meta: AccountMeta) -> Value {
    let rendered = render(&meta);
    let id = meta.id.clone();
    tx.accounts.insert(id.clone(), meta);
    match tx.value_mut(&id) {
        Some(existing) => {
            *existing = rendered.clone();
            rendered
        }
        None => tx.insert(&id, "account", rendered),
    }
}

/// Creates a platform's own account: Standard, self-controlled, fully enabled.
pub fn create_platform_account(tx: &mut Tx<'_>, id: &str, name: &str) -> Value {
    let meta = AccountMeta {
        id: id.to_owned(),
        display_name: Some(name.to_owned()),
        account_type: "standard".into(),
        created: tx.now(),
        country: "US".into(),
        default_currency: "usd".into(),
        capabilities: [
            ("card_payments".to_owned(), tx.now()),
            ("transfers".to_owned(), tx.now()),
        ]
        .into(),
        complete: true,
        ..AccountMeta::default()
    };
    save(tx, meta)
}

/// Creates a self-onboarded Standard account not controlled by any platform (what a merchant
/// who already uses Stripe brings through OAuth).
pub fn create_standalone_account(
    tx: &mut Tx<'_>,
    name: &str,
    email: Option<&str>,
    country: &str,
) -> String {
    let id = ids::account_id();
    let now = tx.now();
    let meta = AccountMeta {
        id: id.clone(),
        display_name: Some(name.to_owned()),
        account_type: "standard".into(),
        created: now,
        country: country.to_owned(),
        email: email.map(str::to_owned),
        default_currency: currency_for(country).into(),
        capabilities: [
            ("card_payments".to_owned(), now),
            ("transfers".to_owned(), now),
        ]
        .into(),
        external_accounts: vec![test_bank_account(&id, country, currency_for(country), None)],
        complete: true,
        ..AccountMeta::default()
    };
    save(tx, meta);
    crate::hooks::account_created(tx, &id);
    id
}

/// Creates a connected account controlled by `platform` and connects it.
pub fn create_connected(tx: &mut Tx<'_>, platform: &str, mut meta: AccountMeta) -> Value {
    let now = tx.now();
    meta.platform = Some(platform.to_owned());
    meta.created = now;
    let id = meta.id.clone();
    let value = save(tx, meta);
    tx.connect(
        platform,
        &id,
        ConnectionKind::Created,
        Scope::ReadWrite,
        now,
    );
    crate::hooks::account_created(tx, &id);
    value
}

/// A US/IBAN test bank account object for `external_account`.
pub fn test_bank_account(
    account: &str,
    country: &str,
    currency: &str,
    details: Option<&Map<String, Value>>,
) -> Value {
    let get = |k: &str| {
        details
            .and_then(|d| d.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let number = get("account_number").unwrap_or(if country == "US" {
        "000123456789"
    } else {
        "DE89370400440532013000"
    });
    let last4: String = number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let routing = get("routing_number")
        .map(str::to_owned)
        .or_else(|| (country == "US").then(|| "110000000".to_owned()));
    json!({
        "id": ids::new_id("ba"),
        "object": "bank_account",
        "account": account,
        "account_holder_name": get("account_holder_name"),
        "account_holder_type": get("account_holder_type"),
        "account_type": null,
        "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK",
        "country": get("country").unwrap_or(country),
        "currency": get("currency").unwrap_or(currency).to_lowercase(),
        "customer": null,
        "default_for_currency": true,
        "fingerprint": ids::random_chars(16),
        "last4": last4,
        "metadata": details.and_then(|d| d.get("metadata")).cloned().unwrap_or_else(|| json!({})),
        "routing_number": routing,
        "status": "new",
    })
}

/// Builds the bank account for an `external_account` parameter (token or hash).
pub fn external_account_from_param(meta: &AccountMeta, value: &Value) -> Result<Value, ApiError> {
    match value {
        Value::String(token) if token.starts_with("btok_") => Ok(test_bank_account(
            &meta.id,
            &meta.country,
            &meta.default_currency,
            None,
        )),
        Value::String(token) => Err(ApiError::invalid_param(
            "external_account",
            format!("No such token: '{token}'"),
        )
        .code("resource_missing")),
        Value::Object(details) => {
            let object = details
                .get("object")
                .and_then(Value::as_str)
                .unwrap_or("bank_account");
            if object != "bank_account" {
                return Err(ApiError::invalid_param(
                    "external_account[object]",
                    "This sandbox supports bank accounts as external accounts (object=bank_account).",
                ));
            }
            if details
                .get("account_number")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::missing_param("external_account[account_number]"));
            }
            let country = details
                .get("country")
                .and_then(Value::as_str)
                .unwrap_or(&meta.country);
            if country == "US"
                && details
                    .get("routing_number")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
            {
                return Err(ApiError::missing_param("external_account[routing_number]"));
            }
            Ok(test_bank_account(
                &meta.id,
                country,
                &meta.default_currency,
                Some(details),
            ))
        }
        _ => Err(ApiError::invalid_param(
            "external_account",
            "Invalid external_account",
        )),
    }
}

/// Applies the parameters shared by create and update. Returns the new external account, if
/// one was added (for `account.external_account.created`).
pub fn apply_params(
    meta: &mut AccountMeta,
    p: &Params,
    now: i64,
) -> Result<Option<Value>, ApiError> {
    if p.has("email") {
        meta.email = p.str("email").map(str::to_owned);
    }
    if p.has("business_type") {
        meta.business_type = p.str("business_type").map(str::to_owned);
    }
    if let Some(currency) = p.str("default_currency") {
        meta.default_currency = currency.to_lowercase();
    }
    merge_into(&mut meta.business_profile, p.get("business_profile"));
    merge_into(&mut meta.individual, p.get("individual"));
    merge_into(&mut meta.company, p.get("company"));
    merge_into(&mut meta.tos_acceptance, p.get("tos_acceptance"));
    merge_into(&mut meta.settings, p.get("settings"));
    merge_into(&mut meta.metadata, p.get("metadata"));
    if let Some(caps) = p.obj("capabilities") {
        for (name, cap) in caps {
            match cap.get("requested").and_then(Value::as_bool) {
                Some(true) => {
                    meta.capabilities.entry(name.clone()).or_insert(now);
                }
                Some(false) => {
                    meta.capabilities.remove(name);
                }
                None => {}
            }
        }
    }
    if let Some(external) = p
        .get("external_account")
        .filter(|v| !matches!(v, Value::String(s) if s.is_empty()))
    {
        let bank = external_account_from_param(meta, external)?;
        meta.external_accounts = vec![bank.clone()];
        return Ok(Some(bank));
    }
    Ok(None)
}

/// Deep-merges a parameter hash into a stored map; `""` removes a key.
pub fn merge_into(target: &mut Map<String, Value>, source: Option<&Value>) {
    let Some(Value::Object(source)) = source else {
        if matches!(source, Some(Value::String(s)) if s.is_empty()) {
            target.clear();
        }
        return;
    };
    for (k, v) in source {
        match v {
            Value::String(s) if s.is_empty() => {
                target.remove(k);
            }
            Value::Object(_) => {
                let entry = target.entry(k.clone()).or_insert_with(|| json!({}));
                if let Value::Object(child) = entry {
                    merge_into(child, Some(v));
                } else {
                    *entry = v.clone();
                }
            }
            other => {
                target.insert(k.clone(), other.clone());
            }
        }
    }
}

/// Merges `source` over `target` recursively (objects merge, everything else replaces).
pub fn deep_merge(target: &mut Value, source: &Value) {
    match (target, source) {
        (Value::Object(t), Value::Object(s)) => {
            for (k, v) in s {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        deep_merge(existing, v)
                    }
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, s) => *t = s.clone(),
    }
}

/// Applies `metadata[...]` parameters to an object's `metadata` (used by many resources).
pub fn merge_metadata(obj: &mut Map<String, Value>, p: &Params) {
    if !p.has("metadata") {
        return;
    }
    let mut metadata = obj
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    merge_into(&mut metadata, p.get("metadata"));
    obj.insert("metadata".into(), Value::Object(metadata));
}

/// Stripe's `previous_attributes`: for each changed key, its old value; nested objects only
/// carry their changed keys. `None` when nothing changed.
pub fn diff(old: &Value, new: &Value) -> Option<Value> {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut out = Map::new();
            for (k, old_v) in o {
                match n.get(k) {
                    Some(new_v) => {
                        if let Some(d) = diff(old_v, new_v) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), old_v.clone());
                    }
                }
            }
            for k in n.keys() {
                if !o.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (o, n) if o == n => None,
        (o, _) => Some(o.clone()),
    }
}

/// Re-renders an account after `change` and emits `account.updated` when it changed.
pub fn update_and_emit(
    tx: &mut Tx<'_>,
    id: &str,
    change: impl FnOnce(&mut AccountMeta, i64) -> Result<Option<Value>, ApiError>,
) -> Result<Value, ApiError> {
    let now = tx.now();
    let mut meta = tx
        .accounts
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("account", id, "account"))?;
    let before = tx.get(id).map(|s| s.value.clone()).unwrap_or(Value::Null);
    let new_bank = change(&mut meta, now)?;
    let after = save(tx, meta);
    if let Some(bank) = new_bank {
        tx.emit(id, "account.external_account.created", bank, None);
    }
    if let Some(previous) = diff(&before, &after) {
        tx.emit(id, "account.updated", after.clone(), Some(previous));
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_mapping() {
        assert_eq!(type_for(&controller_for_type("express")), "express");
        assert_eq!(type_for(&controller_for_type("custom")), "custom");
        assert_eq!(type_for(&controller_for_type("standard")), "standard");
        let odd = Controller {
            dashboard: "none".into(),
            ..Controller::default()
        };
        assert_eq!(type_for(&odd), "none");
    }

    #[test]
    fn diff_keeps_changed_nested_keys() {
        let old = json!({"a": 1, "b": {"c": 1, "d": 2}, "e": [1]});
        let new = json!({"a": 1, "b": {"c": 1, "d": 3}, "e": [1, 2]});
        assert_eq!(diff(&old, &new), Some(json!({"b": {"d": 2}, "e": [1]})));
        assert_eq!(diff(&old, &old), None);
    }

    #[test]
    fn merge_unsets_empty_strings() {
        let mut m = Map::new();
        merge_into(&mut m, Some(&json!({"a": "1", "b": {"c": "2"}})));
        merge_into(&mut m, Some(&json!({"a": "", "b": {"d": "3"}})));
        assert_eq!(Value::Object(m), json!({"b": {"c": "2", "d": "3"}}));
    }
}
