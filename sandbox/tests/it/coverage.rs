//! Field coverage: real objects made through the API, compared with Stripe's fixtures
//! (`tests/data/stripe-fixtures3.json`) key by key (top level, and one level down where the
//! fixture shows an object), and deserialized into async-stripe's typed models side by side.
//! Objects found in event payloads count with their resource; a key counts as present only when
//! every instance of the resource has it.
//! Prints a table; fails below [`MIN_PERCENT`] of the fixtures' top-level keys, when a typed
//! model rejects an object, or when an expected resource could not be made.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::helpers::{Reply, TestSandbox, complete_custom_individual, fixture, spawn};

/// The lowest acceptable share of fixture top-level keys present, over all resources.
const MIN_PERCENT: f64 = 95.0;

/// Nested objects whose keys are data, not shape (metadata, per-account capability names…).
const FREE_FORM: &[&str] = &[
    "metadata",
    "capabilities",
    "payment_method_options",
    "wallet_options",
];

type TypedCheck = fn(&Value) -> Result<(), String>;

/// Deserializes `v` into `T` the way async-stripe's client does (serde, `deserialize` feature).
fn typed<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    match serde_json::from_str::<T>(&text) {
        Ok(_) => Ok(()),
        Err(e) => {
            let line = e.line();
            let context: Vec<&str> = text.lines().skip(line.saturating_sub(4)).take(6).collect();
            Err(format!(
                "{e}\n        near: {}",
                context.join("\n              ")
            ))
        }
    }
}

/// One resource: its fixture name, the instances made, and the typed model to check.
struct Sample {
    fixture: &'static str,
    values: Vec<Value>,
    typed: TypedCheck,
}

#[derive(Default)]
struct Samples {
    found: BTreeMap<&'static str, Sample>,
    problems: Vec<String>,
}

impl Samples {
    fn add(&mut self, fixture: &'static str, typed: TypedCheck, value: &Value) {
        if !value.is_object() || value.get("error").is_some() {
            self.problems
                .push(format!("{fixture}: not an object: {value}"));
            return;
        }
        self.found
            .entry(fixture)
            .or_insert_with(|| Sample {
                fixture,
                values: Vec::new(),
                typed,
            })
            .values
            .push(value.clone());
    }

    /// Adds a successful reply's body, or records why it failed.
    fn reply(&mut self, fixture: &'static str, typed: TypedCheck, what: &str, r: &Reply) {
        if r.status == 200 {
            self.add(fixture, typed, &r.body);
        } else {
            self.problems.push(format!(
                "{fixture}: {what} answered {}: {}",
                r.status, r.body
            ));
        }
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Completes Stripe's Express OAuth consent for the test platform and returns the account id
/// (Express OAuth accounts are fully onboarded, which login links need).
async fn express_account(sb: &TestSandbox) -> Option<String> {
    let url = format!(
        "{}?response_type=code&client_id={}&scope=read_write&redirect_uri=https://platform.example/cb",
        sb.url("express/oauth/authorize"),
        sb.keys.client_id
    );
    let html = sb.http.get(url).send().await.ok()?.text().await.ok()?;
    let start = html.find("name=\"request\" value=\"")? + 22;
    let request = html[start..].split('"').next()?.to_owned();
    let r = sb
        .http
        .post(sb.url("/oauth/authorize/decision"))
        .form(&[
            ("request", request.as_str()),
            ("decision", "approve"),
            ("account", "new"),
            ("business_name", "Coverage Express"),
            ("email", "express@example.com"),
            ("country", "US"),
        ])
        .send()
        .await
        .ok()?;
    let location = r.headers().get("location")?.to_str().ok()?.to_owned();
    let code = url::Url::parse(&location)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "code")?
        .1
        .into_owned();
    let token = sb
        .post(
            "/oauth/token",
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    token.body["stripe_user_id"].as_str().map(str::to_owned)
}

/// The accounts family and the core: accounts (individual and company), their persons and bank
/// accounts, links, sessions, login links, webhook endpoints, events, applications, and payment
/// method configurations.
async fn accounts_family(sb: &TestSandbox, s: &mut Samples) -> String {
    use stripe_connect::{AccountLink, AccountSession, LoginLink};
    use stripe_shared::{Account, BankAccount, Person};

    let hook = sb
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://platform.example/hooks"),
                ("enabled_events[0]", "*"),
                ("description", "coverage"),
                ("metadata[k]", "v"),
            ],
        )
        .await;
    s.reply(
        "webhook_endpoint",
        typed::<stripe_misc::WebhookEndpoint>,
        "create webhook endpoint",
        &hook,
    );
    let individual = sb.create_account(&complete_custom_individual()).await;
    s.add("account", typed::<Account>, &individual);
    if let Some(person) = individual.get("individual") {
        s.add("person", typed::<Person>, person);
    }
    if let Some(bank) = individual["external_accounts"]["data"].get(0) {
        s.add("bank_account", typed::<BankAccount>, bank);
    }
    let company = sb
        .post(
            "/v1/accounts",
            &[
                ("type", "custom"),
                ("country", "US"),
                ("business_type", "company"),
                ("company[name]", "Coverage Inc"),
                ("capabilities[transfers][requested]", "true"),
                ("tos_acceptance[date]", "1700000000"),
                ("tos_acceptance[ip]", "127.0.0.1"),
            ],
        )
        .await;
    s.reply(
        "account",
        typed::<Account>,
        "create company account",
        &company,
    );
    let id = individual["id"].as_str().unwrap_or_default().to_owned();
    let updated = sb
        .post(&format!("/v1/accounts/{id}"), &[("metadata[plan]", "pro")])
        .await;
    s.reply("account", typed::<Account>, "update account", &updated);
    let platform = sb.get("/v1/account", &[]).await;
    s.reply("account", typed::<Account>, "retrieve platform", &platform);

    let link = sb
        .post(
            "/v1/account_links",
            &[
                ("account", &id),
                ("type", "account_onboarding"),
                ("refresh_url", "https://platform.example/refresh"),
                ("return_url", "https://platform.example/return"),
            ],
        )
        .await;
    s.reply(
        "account_link",
        typed::<AccountLink>,
        "create account link",
        &link,
    );
    let session = sb
        .post(
            "/v1/account_sessions",
            &[
                ("account", &id),
                ("components[payments][enabled]", "true"),
                ("components[account_onboarding][enabled]", "true"),
            ],
        )
        .await;
    s.reply(
        "account_session",
        typed::<AccountSession>,
        "create account session",
        &session,
    );
    match express_account(sb).await {
        Some(express) => {
            let login = sb
                .post(&format!("/v1/accounts/{express}/login_links"), &[])
                .await;
            s.reply(
                "login_link",
                typed::<LoginLink>,
                "create login link",
                &login,
            );
        }
        None => s.problems.push("login_link: Express OAuth failed".into()),
    }

    let pmc = sb.get("/v1/payment_method_configurations", &[]).await;
    let child = sb
        .request(
            reqwest::Method::GET,
            "/v1/payment_method_configurations",
            sb.key(),
            Some(&id),
            &[],
            &[],
        )
        .await;
    for list in [&pmc, &child] {
        for c in list.body["data"].as_array().into_iter().flatten() {
            s.add(
                "payment_method_configuration",
                typed::<stripe_payment::PaymentMethodConfiguration>,
                c,
            );
        }
    }
    id
}

/// The payments family (payments engineer): catalog, customers, Checkout, payment intents in
/// each state, charges, refunds, disputes, application fees, balance, payouts, transfers.
async fn payments_family(sb: &TestSandbox, s: &mut Samples) {
    use reqwest::Method;
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = acct["id"].as_str().unwrap_or_default().to_owned();
    let on = |method: Method, path: String, form: Vec<(&'static str, String)>| {
        let acct = acct.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            sb.request(method, &path, sb.key(), Some(&acct), &[], &pairs)
                .await
        }
    };
    let id = |r: &Reply, k: &str| r.body[k].as_str().unwrap_or_default().to_owned();
    let product = on(
        Method::POST,
        "/v1/products".into(),
        vec![
            ("name", "Box".into()),
            ("default_price_data[currency]", "usd".into()),
            ("default_price_data[unit_amount]", "1500".into()),
        ],
    )
    .await;
    s.reply(
        "product",
        typed::<stripe_shared::Product>,
        "create product",
        &product,
    );
    let price = on(
        Method::GET,
        format!("/v1/prices/{}", id(&product, "default_price")),
        vec![],
    )
    .await;
    s.reply(
        "price",
        typed::<stripe_shared::Price>,
        "retrieve price",
        &price,
    );
    let customer = on(
        Method::POST,
        "/v1/customers".into(),
        vec![("email", "cov@example.com".into())],
    )
    .await;
    s.reply(
        "customer",
        typed::<stripe_shared::Customer>,
        "create customer",
        &customer,
    );
    let session = on(
        Method::POST,
        "/v1/checkout/sessions".into(),
        vec![
            ("mode", "payment".into()),
            ("success_url", "https://x.example/ok".into()),
            ("line_items[0][price]", id(&price, "id")),
            ("line_items[0][quantity]", "2".into()),
            ("payment_intent_data[application_fee_amount]", "100".into()),
            ("customer", id(&customer, "id")),
        ],
    )
    .await;
    s.reply(
        "checkout.session",
        typed::<stripe_shared::CheckoutSession>,
        "create session",
        &session,
    );
    let sid = id(&session, "id");
    let done = on(
        Method::POST,
        format!("/v1/test_helpers/checkout/sessions/{sid}/complete"),
        vec![("payment_method", "pm_card_visa".into())],
    )
    .await;
    s.reply(
        "checkout.session",
        typed::<stripe_shared::CheckoutSession>,
        "complete session",
        &done,
    );
    let items = on(
        Method::GET,
        format!("/v1/checkout/sessions/{sid}/line_items"),
        vec![],
    )
    .await;
    for item in items.body["data"].as_array().into_iter().flatten() {
        s.add("item", typed::<stripe_shared::CheckoutSessionItem>, item);
    }
    let pay = |pm: &'static str, extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("amount", "5000".to_owned()),
            ("currency", "usd".to_owned()),
            ("payment_method_types[0]", "card".to_owned()),
            ("payment_method", pm.to_owned()),
            ("confirm", "true".to_owned()),
        ];
        form.extend(extra);
        on(Method::POST, "/v1/payment_intents".into(), form)
    };
    let paid = pay(
        "pm_card_bypassPending",
        vec![("application_fee_amount", "300".into())],
    )
    .await;
    s.reply(
        "payment_intent",
        typed::<stripe_shared::PaymentIntent>,
        "pay",
        &paid,
    );
    let manual = pay("pm_card_visa", vec![("capture_method", "manual".into())]).await;
    s.reply(
        "payment_intent",
        typed::<stripe_shared::PaymentIntent>,
        "authorize",
        &manual,
    );
    let action = pay(
        "pm_card_authenticationRequired",
        vec![("return_url", "https://x.example/r".into())],
    )
    .await;
    s.reply(
        "payment_intent",
        typed::<stripe_shared::PaymentIntent>,
        "3ds",
        &action,
    );
    let declined = pay("pm_card_chargeDeclined", vec![]).await;
    s.add(
        "payment_intent",
        typed::<stripe_shared::PaymentIntent>,
        &declined.body["error"]["payment_intent"],
    );
    let pm = on(
        Method::GET,
        format!("/v1/payment_methods/{}", id(&paid, "payment_method")),
        vec![],
    )
    .await;
    s.reply(
        "payment_method",
        typed::<stripe_shared::PaymentMethod>,
        "payment method",
        &pm,
    );
    let charge_id = id(&paid, "latest_charge");
    let refund = on(
        Method::POST,
        "/v1/refunds".into(),
        vec![
            ("charge", charge_id.clone()),
            ("amount", "1000".into()),
            ("refund_application_fee", "true".into()),
        ],
    )
    .await;
    s.reply("refund", typed::<stripe_shared::Refund>, "refund", &refund);
    let payout = on(
        Method::POST,
        "/v1/payouts".into(),
        vec![("amount", "1000".into()), ("currency", "usd".into())],
    )
    .await;
    s.reply("payout", typed::<stripe_shared::Payout>, "payout", &payout);
    pay("pm_card_createDispute", vec![]).await;
    for path in ["/v1/charges", "/v1/disputes", "/v1/balance_transactions"] {
        let list = on(Method::GET, path.into(), vec![("limit", "100".into())]).await;
        let (name, check): (&'static str, TypedCheck) = match path {
            "/v1/charges" => ("charge", typed::<stripe_shared::Charge>),
            "/v1/disputes" => ("dispute", typed::<stripe_shared::Dispute>),
            _ => (
                "balance_transaction",
                typed::<stripe_shared::BalanceTransaction>,
            ),
        };
        for v in list.body["data"].as_array().into_iter().flatten() {
            s.add(name, check, v);
        }
    }
    let balance = on(Method::GET, "/v1/balance".into(), vec![]).await;
    s.reply(
        "balance",
        typed::<stripe_core::Balance>,
        "balance",
        &balance,
    );
    let fees = sb.get("/v1/application_fees", &[]).await;
    for fee in fees.body["data"].as_array().into_iter().flatten() {
        s.add(
            "application_fee",
            typed::<stripe_shared::ApplicationFee>,
            fee,
        );
        for fr in fee["refunds"]["data"].as_array().into_iter().flatten() {
            s.add(
                "fee_refund",
                typed::<stripe_shared::ApplicationFeeRefund>,
                fr,
            );
        }
    }
    let transfer = sb
        .post(
            "/v1/transfers",
            &[
                ("amount", "10"),
                ("currency", "usd"),
                ("destination", &acct),
            ],
        )
        .await;
    if transfer.status != 200 {
        // The platform has no available funds yet: fund it with a bypass-pending charge first.
        sb.post(
            "/v1/payment_intents",
            &[
                ("amount", "5000"),
                ("currency", "usd"),
                ("payment_method_types[0]", "card"),
                ("payment_method", "pm_card_bypassPending"),
                ("confirm", "true"),
            ],
        )
        .await;
    }
    let transfer = sb
        .post(
            "/v1/transfers",
            &[
                ("amount", "10"),
                ("currency", "usd"),
                ("destination", &acct),
            ],
        )
        .await;
    s.reply(
        "transfer",
        typed::<stripe_shared::Transfer>,
        "transfer",
        &transfer,
    );
}

/// What DELETE answers: deleted accounts, customers, products and webhook endpoints.
async fn deletions(sb: &TestSandbox, s: &mut Samples) {
    let account = sb
        .create_account(&[
            ("type", "custom"),
            ("country", "US"),
            ("capabilities[transfers][requested]", "true"),
        ])
        .await;
    let id = account["id"].as_str().unwrap_or_default();
    let r = sb
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/accounts/{id}"),
            sb.key(),
            None,
            &[],
            &[],
        )
        .await;
    s.reply(
        "deleted_account",
        typed::<stripe_shared::DeletedAccount>,
        "delete account",
        &r,
    );
    let made = [
        (
            "/v1/customers",
            "deleted_customer",
            vec![("email", "gone@example.com")],
        ),
        ("/v1/products", "deleted_product", vec![("name", "Gone")]),
        (
            "/v1/webhook_endpoints",
            "deleted_webhook_endpoint",
            vec![
                ("url", "https://platform.example/gone"),
                ("enabled_events[0]", "*"),
            ],
        ),
    ];
    for (path, fixture, form) in made {
        let created = sb.post(path, &form).await;
        let r = sb
            .request(
                reqwest::Method::DELETE,
                &format!("{path}/{}", created.id()),
                sb.key(),
                None,
                &[],
                &[],
            )
            .await;
        let check: TypedCheck = match fixture {
            "deleted_customer" => typed::<stripe_shared::DeletedCustomer>,
            "deleted_product" => typed::<stripe_shared::DeletedProduct>,
            _ => typed::<stripe_misc::DeletedWebhookEndpoint>,
        };
        s.reply(fixture, check, &format!("DELETE {path}"), &r);
    }
}

/// Every event the sandbox emitted, and the `application` objects some of them carry.
fn events(sb: &TestSandbox, s: &mut Samples) {
    for event in sb.handle.events() {
        s.add("event", typed::<stripe_shared::Event>, &event);
        let object = &event["data"]["object"];
        // Event payloads are counted with the resource they carry: they must be just as complete.
        if let Some((fixture, check)) = object["object"].as_str().and_then(model_for) {
            s.add(fixture, check, object);
        }
    }
}

/// The fixture and typed model of an `object` value found in event payloads.
fn model_for(object: &str) -> Option<(&'static str, TypedCheck)> {
    use stripe_shared as sh;
    Some(match object {
        "account" => ("account", typed::<sh::Account>),
        "application" => ("application", typed::<sh::Application>),
        "application_fee" => ("application_fee", typed::<sh::ApplicationFee>),
        "balance" => ("balance", typed::<stripe_core::Balance>),
        "bank_account" => ("bank_account", typed::<sh::BankAccount>),
        "charge" => ("charge", typed::<sh::Charge>),
        "checkout.session" => ("checkout.session", typed::<sh::CheckoutSession>),
        "customer" => ("customer", typed::<sh::Customer>),
        "dispute" => ("dispute", typed::<sh::Dispute>),
        "fee_refund" => ("fee_refund", typed::<sh::ApplicationFeeRefund>),
        "payment_intent" => ("payment_intent", typed::<sh::PaymentIntent>),
        "payment_method" => ("payment_method", typed::<sh::PaymentMethod>),
        "payout" => ("payout", typed::<sh::Payout>),
        "person" => ("person", typed::<sh::Person>),
        "price" => ("price", typed::<sh::Price>),
        "product" => ("product", typed::<sh::Product>),
        "refund" => ("refund", typed::<sh::Refund>),
        "transfer" => ("transfer", typed::<sh::Transfer>),
        _ => return None,
    })
}

/// Resources that must be made; a missing one fails the test.
const EXPECTED: &[&str] = &[
    "account",
    "account_link",
    "account_session",
    "application",
    "application_fee",
    "balance",
    "balance_transaction",
    "bank_account",
    "charge",
    "checkout.session",
    "customer",
    "deleted_account",
    "deleted_customer",
    "deleted_product",
    "deleted_webhook_endpoint",
    "dispute",
    "event",
    "fee_refund",
    "item",
    "login_link",
    "payment_intent",
    "payment_method",
    "payment_method_configuration",
    "payout",
    "person",
    "price",
    "product",
    "refund",
    "transfer",
    "webhook_endpoint",
];

struct Row {
    name: &'static str,
    instances: usize,
    present: usize,
    total: usize,
    missing: Vec<String>,
    nested_present: usize,
    nested_total: usize,
    nested_missing: Vec<String>,
    extra: Vec<String>,
    typed_errors: Vec<String>,
}

fn compare(sample: &Sample) -> Row {
    let fx = fixture(sample.fixture);
    let fixture_keys = keys(&fx);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for v in &sample.values {
        seen.extend(keys(v));
    }
    // A key counts only when every instance has it (a union would hide gaps in some of them).
    let n = sample.values.len();
    let missing: Vec<String> = fixture_keys
        .iter()
        .filter_map(|k| {
            let with = sample.values.iter().filter(|v| v.get(k).is_some()).count();
            match with {
                0 => Some(k.clone()),
                w if w < n => Some(format!("{k} (in {w}/{n})")),
                _ => None,
            }
        })
        .collect();
    let extra: Vec<String> = seen.difference(&fixture_keys).cloned().collect();
    let (mut nested_present, mut nested_total, mut nested_missing) = (0, 0, Vec::new());
    for key in &fixture_keys {
        if FREE_FORM.contains(&key.as_str()) {
            continue;
        }
        let Some(nested) = fx.get(key).filter(|n| n.is_object()) else {
            continue;
        };
        let ours: BTreeSet<String> = sample
            .values
            .iter()
            .filter_map(|v| v.get(key))
            .filter(|n| n.is_object())
            .flat_map(keys)
            .collect();
        // The sandbox rendered the field as null (or not at all): nothing to compare.
        if ours.is_empty() {
            continue;
        }
        for nested_key in keys(nested) {
            nested_total += 1;
            if ours.contains(&nested_key) {
                nested_present += 1;
            } else {
                nested_missing.push(format!("{key}.{nested_key}"));
            }
        }
    }
    let typed_errors = sample
        .values
        .iter()
        .filter_map(|v| (sample.typed)(v).err())
        .collect();
    Row {
        name: sample.fixture,
        instances: sample.values.len(),
        present: fixture_keys.len() - missing.len(),
        total: fixture_keys.len(),
        missing,
        nested_present,
        nested_total,
        nested_missing,
        extra,
        typed_errors,
    }
}

#[tokio::test]
async fn field_coverage_against_fixtures() {
    let sb = spawn().await;
    let mut s = Samples::default();
    accounts_family(&sb, &mut s).await;
    payments_family(&sb, &mut s).await;
    deletions(&sb, &mut s).await;
    events(&sb, &mut s);

    let rows: Vec<Row> = s.found.values().map(compare).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<30} {:>5} {:>9} {:>9}  typed  missing top-level keys",
        "resource", "objs", "top", "nested"
    );
    let (mut present, mut total, mut npresent, mut ntotal) = (0, 0, 0, 0);
    for r in &rows {
        present += r.present;
        total += r.total;
        npresent += r.nested_present;
        ntotal += r.nested_total;
        let _ = writeln!(
            out,
            "{:<30} {:>5} {:>4}/{:<4} {:>4}/{:<4}  {:<5}  {}",
            r.name,
            r.instances,
            r.present,
            r.total,
            r.nested_present,
            r.nested_total,
            if r.typed_errors.is_empty() {
                "ok"
            } else {
                "FAIL"
            },
            r.missing.join(", ")
        );
        if !r.nested_missing.is_empty() {
            let _ = writeln!(
                out,
                "{:<30}   nested missing: {}",
                "",
                r.nested_missing.join(", ")
            );
        }
        if !r.extra.is_empty() {
            let _ = writeln!(out, "{:<30}   not in fixture: {}", "", r.extra.join(", "));
        }
    }
    let percent = 100.0 * present as f64 / total.max(1) as f64;
    let npercent = 100.0 * npresent as f64 / ntotal.max(1) as f64;
    let _ = writeln!(
        out,
        "TOTAL top-level {present}/{total} = {percent:.1} %   nested {npresent}/{ntotal} = {npercent:.1} %"
    );
    println!("{out}");

    let mut failures: Vec<String> = s.problems.clone();
    for r in &rows {
        for e in &r.typed_errors {
            failures.push(format!("{}: typed model rejects it: {e}", r.name));
        }
    }
    for name in EXPECTED {
        if !s.found.contains_key(name) {
            failures.push(format!("{name}: no object was made"));
        }
    }
    if percent < MIN_PERCENT {
        failures.push(format!(
            "top-level coverage {percent:.1} % < {MIN_PERCENT} %"
        ));
    }
    assert!(failures.is_empty(), "{out}\n{}", failures.join("\n"));
}
