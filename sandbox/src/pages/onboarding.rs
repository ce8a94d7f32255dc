//! Hosted onboarding, reached through an Account Link: a landing URL (single use, expiring,
//! else redirect to `refresh_url`), then steps Business → Identity → Bank account → Review.
//! Each step saves to the account (emitting `account.updated`); "Use test data" fills the step
//! with Stripe's test values (see `accounts/requirements.rs`); Submit accepts the ToS, marks details submitted and redirects to
//! `return_url`; "Leave" returns without submitting.
//!
//! Stable form names: `business_type`, `mcc`, `url`, `product_description`, `company_name`,
//! `company_phone`, `tax_id`, `owners_provided`, `first_name`, `last_name`, `email`, `phone`,
//! `dob` (YYYY-MM-DD), `line1`, `city`, `state`, `postal_code`, `ssn_last_4`, `id_number`,
//! `title`, `routing_number`, `account_number`, `iban`, `account_holder_name`, `tos`; buttons
//! `action=save` ("Continue"), `action=test_data` ("Use test data"), `action=submit` ("Submit").

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::accounts::model;
use crate::accounts::records::{AccountMeta, OnboardingSession};
use crate::accounts::requirements;
use crate::app::AppState;
use crate::ids;
use crate::pages::layout::{escape, input, page, select};
use crate::wire::form::Form;

const SESSION_TTL_SECS: i64 = 3600;
const STEPS: &[(&str, &str)] = &[
    ("business", "Business"),
    ("identity", "Identity"),
    ("bank", "Bank account"),
    ("review", "Review"),
];

/// Routes of the onboarding pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup/s/{account}/{token}", get(land))
        .route("/onboarding/{sid}", get(resume))
        .route("/onboarding/{sid}/leave", get(leave))
        .route("/onboarding/{sid}/{step}", get(show_step).post(save_step))
}

fn error_page(message: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            "Link invalid",
            &format!(
                "<h1>This link is invalid</h1><p class=\"error\">{}</p>",
                escape(message)
            ),
        ),
    )
        .into_response()
}

async fn land(
    State(app): State<AppState>,
    Path((account, token)): Path<(String, String)>,
) -> Response {
    let now = app.clock.now();
    let outcome = app.write(|tx| {
        let link = tx
            .account_links
            .get(&token)
            .cloned()
            .filter(|l| l.account == account)?;
        if link.used || link.expires_at <= now {
            return Some(Err(link.refresh_url));
        }
        if let Some(l) = tx.account_links.get_mut(&token) {
            l.used = true;
        }
        let session = OnboardingSession {
            id: ids::random_chars(24),
            account: link.account.clone(),
            return_url: link.return_url.clone(),
            refresh_url: link.refresh_url.clone(),
            fields: link.fields.clone(),
            expires_at: now + SESSION_TTL_SECS,
            finished: false,
        };
        let id = session.id.clone();
        tx.onboarding.insert(id.clone(), session);
        Some(Ok(id))
    });
    match outcome {
        Some(Ok(sid)) => Redirect::to(&format!("/onboarding/{sid}")).into_response(),
        Some(Err(refresh_url)) => Redirect::to(&refresh_url).into_response(),
        None => error_page("This account link does not exist."),
    }
}

/// The live session, or a redirect to `refresh_url` when it is over.
#[expect(
    clippy::result_large_err,
    reason = "the error is the finished response of a page handler"
)]
fn session(app: &AppState, sid: &str) -> Result<(OnboardingSession, AccountMeta), Response> {
    let now = app.clock.now();
    let found = app.read(|s| {
        let session = s.onboarding.get(sid).cloned()?;
        let meta = s.accounts.get(&session.account).cloned()?;
        Some((session, meta))
    });
    match found {
        Some((session, _)) if session.finished || session.expires_at <= now => {
            Err(Redirect::to(&session.refresh_url).into_response())
        }
        Some(found) if !found.1.deleted => Ok(found),
        _ => Err(error_page("This onboarding session does not exist.")),
    }
}

fn due_list(session: &OnboardingSession, meta: &AccountMeta) -> Vec<String> {
    let r = requirements::compute(meta);
    if session.fields == "eventually_due" {
        r.eventually_due
    } else {
        r.currently_due
    }
}

fn step_of(requirement: &str) -> &'static str {
    match requirement.split('.').next().unwrap_or_default() {
        "business_type" | "business_profile" | "company" => "business",
        "individual" | "representative" => "identity",
        "external_account" => "bank",
        _ => "review",
    }
}

async fn resume(State(app): State<AppState>, Path(sid): Path<String>) -> Response {
    match session(&app, &sid) {
        Ok((session, meta)) => {
            let due = due_list(&session, &meta);
            let step = due
                .iter()
                .map(|r| step_of(r))
                .find(|s| *s != "review")
                .unwrap_or("review");
            Redirect::to(&format!("/onboarding/{sid}/{step}")).into_response()
        }
        Err(r) => r,
    }
}

async fn leave(State(app): State<AppState>, Path(sid): Path<String>) -> Response {
    match session(&app, &sid) {
        Ok((session, _)) => {
            app.write(|tx| {
                if let Some(s) = tx.onboarding.get_mut(&sid) {
                    s.finished = true;
                }
            });
            Redirect::to(&session.return_url).into_response()
        }
        Err(r) => r,
    }
}

async fn show_step(
    State(app): State<AppState>,
    Path((sid, step)): Path<(String, String)>,
) -> Response {
    match session(&app, &sid) {
        Ok((session, meta)) => render_step(&session, &meta, &step, None),
        Err(r) => r,
    }
}

fn is_us(meta: &AccountMeta) -> bool {
    meta.country == "US"
}

fn person_key(meta: &AccountMeta) -> &'static str {
    if meta.business_type.as_deref() == Some("individual") {
        "individual"
    } else {
        "representative"
    }
}

fn text(map: &Map<String, Value>, path: &str) -> String {
    let mut current = None::<&Value>;
    for (i, part) in path.split('.').enumerate() {
        current = if i == 0 {
            map.get(part)
        } else {
            current.and_then(|v| v.get(part))
        };
    }
    match current {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn render_step(
    session: &OnboardingSession,
    meta: &AccountMeta,
    step: &str,
    error: Option<&str>,
) -> Response {
    let Some(index) = STEPS.iter().position(|(s, _)| *s == step) else {
        return error_page("Unknown onboarding step.");
    };
    let progress: String = STEPS
        .iter()
        .enumerate()
        .map(|(i, (_, label))| {
            let class = if i < index {
                "done"
            } else if i == index {
                "current"
            } else {
                ""
            };
            let current = if i == index {
                " aria-current=\"step\""
            } else {
                ""
            };
            format!("<li class=\"{class}\"{current}>{label}</li>")
        })
        .collect();
    let fields = match step {
        "business" => business_fields(meta),
        "identity" => identity_fields(meta),
        "bank" => bank_fields(meta),
        _ => review_fields(session, meta),
    };
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let buttons = if step == "review" {
        "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"submit\" id=\"submit\">Submit</button>".to_owned()
    } else {
        "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"save\" id=\"continue\">Continue</button>\
         <button type=\"submit\" name=\"action\" value=\"test_data\" id=\"use_test_data\">Use test data</button>"
            .to_owned()
    };
    let name = meta
        .business_profile
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("your business");
    let body = format!(
        "<ol class=\"steps\">{progress}</ol><h1>{title}</h1>\
         <p class=\"lead\">Onboarding {name} ({account}) · test mode: use the test values shown as placeholders.</p>{error}\
         <form method=\"post\" action=\"/onboarding/{sid}/{step}\">{fields}\
         <div class=\"actions\">{buttons}<a href=\"/onboarding/{sid}/leave\" id=\"leave\">Leave and return later</a></div></form>",
        title = STEPS[index].1,
        name = escape(name),
        account = escape(&meta.id),
        sid = escape(&session.id),
    );
    page(&format!("{} · Stripe onboarding", STEPS[index].1), &body).into_response()
}

const MCC: &[(&str, &str)] = &[
    ("5734", "Computer software stores (5734)"),
    ("5812", "Restaurants (5812)"),
    ("5999", "Miscellaneous retail (5999)"),
    ("7230", "Beauty and barber shops (7230)"),
    ("8299", "Schools and education (8299)"),
];

fn business_fields(meta: &AccountMeta) -> String {
    let bp = &meta.business_profile;
    let business_type = meta
        .business_type
        .clone()
        .unwrap_or_else(|| "individual".into());
    let mut out = select(
        "business_type",
        "Business type",
        &[
            ("individual", "Individual / sole proprietor"),
            ("company", "Company"),
            ("non_profit", "Non-profit"),
            ("government_entity", "Government entity"),
        ],
        &business_type,
    );
    out.push_str(&select("mcc", "Industry", MCC, &text(bp, "mcc")));
    out.push_str(&input(
        "url",
        "Business website",
        "url",
        &text(bp, "url"),
        "https://accessible.stripe.com",
    ));
    out.push_str(&input(
        "product_description",
        "Product description",
        "text",
        &text(bp, "product_description"),
        "Sandbox test business",
    ));
    if business_type != "individual" {
        let c = &meta.company;
        out.push_str("<h2>Company</h2>");
        out.push_str(&input(
            "company_name",
            "Legal business name",
            "text",
            &text(c, "name"),
            "Sandbox Company",
        ));
        out.push_str(&input(
            "company_phone",
            "Business phone",
            "tel",
            &text(c, "phone"),
            "0000000000",
        ));
        out.push_str(&input("tax_id", "Tax ID (EIN)", "text", "", "000000000"));
        out.push_str(&input(
            "company_line1",
            "Address line 1",
            "text",
            &text(c, "address.line1"),
            "address_full_match",
        ));
        out.push_str(&input(
            "company_city",
            "City",
            "text",
            &text(c, "address.city"),
            "San Francisco",
        ));
        out.push_str(&input(
            "company_state",
            "State",
            "text",
            &text(c, "address.state"),
            "CA",
        ));
        out.push_str(&input(
            "company_postal_code",
            "Postal code",
            "text",
            &text(c, "address.postal_code"),
            "94111",
        ));
        let checked = if c.get("owners_provided").and_then(Value::as_bool) == Some(true) {
            " checked"
        } else {
            ""
        };
        out.push_str(&format!(
            "<label class=\"check\" for=\"owners_provided\"><input type=\"checkbox\" id=\"owners_provided\" name=\"owners_provided\" value=\"true\"{checked}> All owners have been provided</label>"
        ));
    }
    out
}

fn identity_fields(meta: &AccountMeta) -> String {
    let key = person_key(meta);
    let p = if key == "individual" {
        &meta.individual
    } else {
        &meta.representative
    };
    let dob = match (
        text(p, "dob.year"),
        text(p, "dob.month"),
        text(p, "dob.day"),
    ) {
        (y, m, d) if !y.is_empty() => format!("{y}-{:0>2}-{:0>2}", m, d),
        _ => String::new(),
    };
    let mut out = format!(
        "<p class=\"muted\">{}</p>",
        if key == "individual" {
            "Tell us about yourself."
        } else {
            "The company representative."
        }
    );
    out.push_str("<div class=\"row\"><div>");
    out.push_str(&input(
        "first_name",
        "First name",
        "text",
        &text(p, "first_name"),
        "Jenny",
    ));
    out.push_str("</div><div>");
    out.push_str(&input(
        "last_name",
        "Last name",
        "text",
        &text(p, "last_name"),
        "Rosen",
    ));
    out.push_str("</div></div>");
    if key == "representative" {
        out.push_str(&input(
            "title",
            "Job title",
            "text",
            &text(p, "relationship.title"),
            "CEO",
        ));
    }
    out.push_str(&input(
        "email",
        "Email",
        "email",
        &text(p, "email"),
        "jenny.rosen@example.com",
    ));
    out.push_str(&input(
        "phone",
        "Phone",
        "tel",
        &text(p, "phone"),
        "0000000000",
    ));
    out.push_str(&input("dob", "Date of birth", "date", &dob, "1901-01-01"));
    out.push_str(&input(
        "line1",
        "Home address",
        "text",
        &text(p, "address.line1"),
        "address_full_match",
    ));
    out.push_str("<div class=\"row\"><div>");
    out.push_str(&input(
        "city",
        "City",
        "text",
        &text(p, "address.city"),
        if is_us(meta) {
            "San Francisco"
        } else {
            "Berlin"
        },
    ));
    out.push_str("</div><div>");
    out.push_str(&input(
        "state",
        "State",
        "text",
        &text(p, "address.state"),
        if is_us(meta) { "CA" } else { "" },
    ));
    out.push_str("</div><div>");
    out.push_str(&input(
        "postal_code",
        "Postal code",
        "text",
        &text(p, "address.postal_code"),
        if is_us(meta) { "94111" } else { "10115" },
    ));
    out.push_str("</div></div>");
    if is_us(meta) {
        out.push_str(&input(
            "ssn_last_4",
            "Last 4 digits of SSN",
            "text",
            "",
            "0000",
        ));
        out.push_str(&input(
            "id_number",
            "Full SSN (optional now)",
            "text",
            "",
            "000000000",
        ));
    }
    out
}

fn bank_fields(meta: &AccountMeta) -> String {
    let current = meta
        .external_accounts
        .first()
        .map(|b| {
            format!(
                "<p class=\"muted\">Current: {} ····{}</p>",
                escape(b["bank_name"].as_str().unwrap_or("")),
                escape(b["last4"].as_str().unwrap_or(""))
            )
        })
        .unwrap_or_default();
    let mut out = current;
    out.push_str(&input(
        "account_holder_name",
        "Account holder name",
        "text",
        "",
        "Jenny Rosen",
    ));
    if is_us(meta) {
        out.push_str(&input(
            "routing_number",
            "Routing number",
            "text",
            "",
            "110000000",
        ));
        out.push_str(&input(
            "account_number",
            "Account number",
            "text",
            "",
            "000123456789",
        ));
    } else {
        out.push_str(&input("iban", "IBAN", "text", "", "DE89370400440532013000"));
    }
    out
}

fn review_fields(session: &OnboardingSession, meta: &AccountMeta) -> String {
    let due: Vec<String> = due_list(session, meta)
        .into_iter()
        .filter(|r| !r.starts_with("tos_acceptance"))
        .collect();
    let mut out = String::new();
    if due.is_empty() {
        out.push_str("<p>Everything needed is provided.</p>");
    } else {
        out.push_str("<p class=\"error\" role=\"alert\">Still missing:</p><ul id=\"missing\">");
        for r in &due {
            out.push_str(&format!(
                "<li><a href=\"/onboarding/{}/{}\">{}</a></li>",
                escape(&session.id),
                step_of(r),
                escape(r)
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str(
        "<label class=\"check\" for=\"tos\"><input type=\"checkbox\" id=\"tos\" name=\"tos\" value=\"accepted\" checked> \
         I agree to the Stripe Connected Account Agreement (test mode).</label>",
    );
    out
}

fn form_text(form: &Form, key: &str) -> Option<String> {
    form.0
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Test values of a step: the ones that verify (see `accounts/requirements.rs`).
fn test_values(step: &str, meta: &AccountMeta) -> Map<String, Value> {
    let us = is_us(meta);
    let pairs: Vec<(&str, &str)> = match step {
        "business" => vec![
            (
                "business_type",
                meta.business_type.as_deref().unwrap_or("individual"),
            ),
            ("mcc", "5734"),
            ("url", "https://accessible.stripe.com"),
            ("product_description", "Sandbox test business"),
            ("company_name", "Sandbox Company"),
            ("company_phone", "0000000000"),
            ("tax_id", "000000000"),
            ("company_line1", "address_full_match"),
            ("company_city", if us { "San Francisco" } else { "Berlin" }),
            ("company_state", if us { "CA" } else { "" }),
            ("company_postal_code", if us { "94111" } else { "10115" }),
            ("owners_provided", "true"),
        ],
        "identity" => vec![
            ("first_name", "Jenny"),
            ("last_name", "Rosen"),
            ("title", "CEO"),
            ("email", "jenny.rosen@example.com"),
            ("phone", "0000000000"),
            ("dob", "1901-01-01"),
            ("line1", "address_full_match"),
            ("city", if us { "San Francisco" } else { "Berlin" }),
            ("state", if us { "CA" } else { "" }),
            ("postal_code", if us { "94111" } else { "10115" }),
            ("ssn_last_4", if us { "0000" } else { "" }),
            ("id_number", if us { "000000000" } else { "" }),
        ],
        "bank" => vec![
            ("account_holder_name", "Jenny Rosen"),
            ("routing_number", "110000000"),
            ("account_number", "000123456789"),
            ("iban", "DE89370400440532013000"),
        ],
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect()
}

fn set(map: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut node = map;
    for part in parts {
        let entry = node.entry(part.to_owned()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(child) = entry else { return };
        node = child;
    }
    node.insert(last.to_owned(), value);
}

fn apply_business(meta: &mut AccountMeta, form: &Form) {
    if let Some(t) = form_text(form, "business_type")
        && ["individual", "company", "non_profit", "government_entity"].contains(&t.as_str())
    {
        meta.business_type = Some(t);
    }
    for (field, key) in [
        ("mcc", "mcc"),
        ("url", "url"),
        ("product_description", "product_description"),
    ] {
        if let Some(v) = form_text(form, field) {
            meta.business_profile.insert(key.into(), json!(v));
        }
    }
    let company_fields = [
        ("company_name", "name"),
        ("company_phone", "phone"),
        ("tax_id", "tax_id"),
        ("company_line1", "address.line1"),
        ("company_city", "address.city"),
        ("company_state", "address.state"),
        ("company_postal_code", "address.postal_code"),
    ];
    for (field, path) in company_fields {
        if let Some(v) = form_text(form, field) {
            set(&mut meta.company, path, json!(v));
        }
    }
    if form_text(form, "owners_provided").as_deref() == Some("true") {
        meta.company.insert("owners_provided".into(), json!(true));
    }
}

fn apply_identity(meta: &mut AccountMeta, form: &Form) {
    let key = person_key(meta);
    let mut person = if key == "individual" {
        meta.individual.clone()
    } else {
        meta.representative.clone()
    };
    let simple = [
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("email", "email"),
        ("phone", "phone"),
        ("title", "relationship.title"),
        ("line1", "address.line1"),
        ("city", "address.city"),
        ("state", "address.state"),
        ("postal_code", "address.postal_code"),
        ("ssn_last_4", "ssn_last_4"),
        ("id_number", "id_number"),
    ];
    for (field, path) in simple {
        if let Some(v) = form_text(form, field) {
            set(&mut person, path, json!(v));
        }
    }
    if let Some(dob) = form_text(form, "dob") {
        let parts: Vec<i64> = dob.split('-').filter_map(|p| p.parse().ok()).collect();
        if let [year, month, day] = parts[..] {
            person.insert(
                "dob".into(),
                json!({ "day": day, "month": month, "year": year }),
            );
        }
    }
    if key == "individual" {
        meta.individual = person;
    } else {
        meta.representative = person;
    }
}

fn apply_bank(meta: &mut AccountMeta, form: &Form) -> Option<Value> {
    let number = form_text(form, "account_number").or_else(|| form_text(form, "iban"))?;
    let mut details = Map::new();
    details.insert("account_number".into(), json!(number));
    if let Some(routing) = form_text(form, "routing_number") {
        details.insert("routing_number".into(), json!(routing));
    }
    if let Some(holder) = form_text(form, "account_holder_name") {
        details.insert("account_holder_name".into(), json!(holder));
        details.insert("account_holder_type".into(), json!("individual"));
    }
    let bank = model::test_bank_account(
        &meta.id,
        &meta.country,
        &meta.default_currency,
        Some(&details),
    );
    meta.external_accounts = vec![bank.clone()];
    Some(bank)
}

async fn save_step(
    State(app): State<AppState>,
    Path((sid, step)): Path<(String, String)>,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let (session, meta) = match session(&app, &sid) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let action = form_text(&form, "action").unwrap_or_else(|| "save".into());
    if step == "review" {
        return submit(&app, &session, &meta, &form, &headers);
    }
    let form = if action == "test_data" {
        let mut values = test_values(&step, &meta);
        if step == "bank" && !is_us(&meta) {
            values.remove("routing_number");
            values.remove("account_number");
        }
        Form(values)
    } else {
        form
    };
    let account = session.account.clone();
    let step_name = step.clone();
    let result = app.write(|tx| {
        model::update_and_emit(tx, &account, |meta, _| {
            Ok(match step_name.as_str() {
                "business" => {
                    apply_business(meta, &form);
                    None
                }
                "identity" => {
                    apply_identity(meta, &form);
                    None
                }
                "bank" => apply_bank(meta, &form),
                _ => None,
            })
        })
    });
    if let Err(e) = result {
        return render_step(&session, &meta, &step, Some(&e.message));
    }
    let next = STEPS
        .iter()
        .position(|(s, _)| *s == step)
        .and_then(|i| STEPS.get(i + 1))
        .map_or("review", |(s, _)| *s);
    Redirect::to(&format!("/onboarding/{sid}/{next}")).into_response()
}

fn submit(
    app: &AppState,
    session: &OnboardingSession,
    meta: &AccountMeta,
    form: &Form,
    headers: &HeaderMap,
) -> Response {
    if form_text(form, "tos").is_none() {
        return render_step(
            session,
            meta,
            "review",
            Some("Accept the terms of service to continue."),
        );
    }
    let missing: Vec<String> = due_list(session, meta)
        .into_iter()
        .filter(|r| !r.starts_with("tos_acceptance"))
        .collect();
    if !missing.is_empty() {
        return render_step(
            session,
            meta,
            "review",
            Some("Some required information is still missing."),
        );
    }
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("sandbox")
        .to_owned();
    let ip = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .unwrap_or("127.0.0.1")
        .trim()
        .to_owned();
    let account = session.account.clone();
    let sid = session.id.clone();
    let result = app.write(|tx| {
        let updated = model::update_and_emit(tx, &account, |meta, now| {
            meta.tos_acceptance.insert("date".into(), json!(now));
            meta.tos_acceptance.insert("ip".into(), json!(ip));
            meta.tos_acceptance
                .insert("user_agent".into(), json!(user_agent));
            meta.onboarding_submitted = true;
            Ok(None)
        });
        if let Some(s) = tx.onboarding.get_mut(&sid) {
            s.finished = true;
        }
        updated
    });
    match result {
        Ok(_) => Redirect::to(&session.return_url).into_response(),
        Err(e) => render_step(session, meta, "review", Some(&e.message)),
    }
}
