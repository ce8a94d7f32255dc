//! Checkout pages, served the way Stripe serves them: the hosted page at a session's `url`
//! (`/c/pay/{cs}`), the embedded page stripe.js mounts in an iframe
//! (`/embedded/checkout/{cs}?client_secret=…`), the 3D Secure test page
//! (`/pay/authenticate/{pi}`), payment receipts, and `POST /embedded/checkout/init` (JSON,
//! CORS) with which the stripe.js stand-in checks a client secret against its publishable key
//! and `stripeAccount`.
//!
//! Server-rendered HTML that works without JavaScript (a little JS hides the unused payment
//! method, mirrors the Luhn check and, in the iframe, reports its height and completion to the
//! parent). Field validation and the Luhn check happen on the server. Stable ids, which
//! `end2end/tests/checkout.spec.ts` and the SDK tests use: `payment-form`, `email`,
//! `card-fields`, `sepa-fields`, `method-{card,sepa_debit}`, `billing_country`, `submit`,
//! `payment-error`, `three-d-secure` (with `complete-authentication`, `fail-authentication`),
//! `checkout-complete`, `receipt`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::app::AppState;
use crate::checkout::flow::{self, MethodInput, Submission, Submitted};
use crate::checkout::sessions::{UiKind, ui_kind};
use crate::pages::layout::escape;
use crate::payments::intents;
use crate::payments::methods::{self, CardInput};
use crate::payments::test_helpers::COMPLETION_WAIT;
use crate::payments::{meta, money};
use crate::store::{KeyKind, State as Store};
use crate::wire::form::Form;

/// Routes of the checkout pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/pay/{cs}", get(show_hosted).post(pay_hosted))
        .route("/c/pay/{cs}/return", get(return_hosted))
        .route("/c/pay/{cs}/done", get(done_hosted))
        .route(
            "/embedded/checkout/init",
            post(embedded_init).options(embedded_preflight),
        )
        .route(
            "/embedded/checkout/{cs}",
            get(show_embedded).post(pay_embedded),
        )
        .route("/embedded/checkout/{cs}/return", get(return_embedded))
        .route(
            "/pay/authenticate/{pi}",
            get(show_authenticate).post(answer_authenticate),
        )
        .route("/receipts/payment/{charge}", get(receipt))
}

const CSS: &str = r#"
:root { --accent:#635bff; --text:#1a1f36; --muted:#697386; --border:#e3e8ee; --bg:#ffffff; --side:#f7f8fa; --danger:#df1b41; }
* { box-sizing:border-box; }
body { margin:0; font:15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color:var(--text); background:var(--bg); }
.test-banner { background:#ffde92; color:#8a4b00; font-size:12px; font-weight:600; text-align:center; padding:3px; letter-spacing:.04em; }
.layout { display:flex; flex-wrap:wrap; min-height:calc(100vh - 24px); }
.summary { flex:1 1 380px; background:var(--side); padding:48px 40px; }
.pay { flex:1 1 420px; padding:48px 40px; max-width:560px; }
body.embedded .layout { min-height:0; } body.embedded .summary, body.embedded .pay { padding:24px; }
a { color:var(--accent); } #back-link { text-decoration:none; font-weight:500; display:inline-block; margin-bottom:24px; }
.merchant { font-weight:600; margin:0 0 16px; }
.label { color:var(--muted); margin:0; } .total { font-size:36px; font-weight:600; margin:0 0 24px; }
.items { list-style:none; padding:0; margin:0; }
.line-item { display:flex; justify-content:space-between; gap:12px; padding:10px 0; border-bottom:1px solid var(--border); }
.line-item .qty { color:var(--muted); font-size:13px; display:block; }
.total-row { display:flex; justify-content:space-between; font-weight:600; padding-top:12px; }
h1 { font-size:22px; } h2 { font-size:16px; margin:24px 0 8px; }
label { display:block; font-weight:500; font-size:14px; margin:12px 0 4px; }
input[type=text], input[type=email], select { width:100%; padding:10px 12px; border:1px solid var(--border); border-radius:6px; font:inherit; box-shadow:0 1px 1px rgba(0,0,0,.03); }
input:focus, select:focus { outline:2px solid var(--accent); outline-offset:1px; }
input[aria-invalid=true] { border-color:var(--danger); }
.row { display:flex; gap:12px; } .row > div { flex:1; }
fieldset.methods { border:0; padding:0; margin:0; display:flex; gap:8px; }
.method { flex:1; border:1px solid var(--border); border-radius:6px; padding:10px 12px; margin:0; cursor:pointer; font-weight:500; }
.method-fields { margin-top:8px; }
.field-error { color:var(--danger); font-size:13px; margin:4px 0 0; }
.error { color:var(--danger); background:#fff0f3; border:1px solid #ffd1db; border-radius:6px; padding:10px 12px; margin-top:16px; }
.mandate { color:var(--muted); font-size:12px; }
button { font:inherit; font-weight:600; border-radius:6px; padding:12px 16px; cursor:pointer; border:1px solid var(--border); background:#fff; color:var(--text); }
button.primary, .pay-button { width:100%; margin-top:20px; background:var(--accent); border-color:var(--accent); color:#fff; font-size:16px; }
.footer { color:var(--muted); font-size:12px; margin-top:24px; text-align:center; }
.notice { max-width:520px; margin:64px auto; padding:0 24px; text-align:center; }
.card3ds { max-width:440px; margin:48px auto; border:1px solid var(--border); border-radius:10px; padding:28px; }
.card3ds .actions { display:flex; flex-direction:column; gap:10px; }
.sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
"#;

const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('payment-form');
  function luhn(n) { var s = 0, d = false; for (var i = n.length - 1; i >= 0; i--) { var x = +n[i]; if (d) { x *= 2; if (x > 9) x -= 9; } s += x; d = !d; } return n.length >= 12 && s % 10 === 0; }
  function sync() {
    var checked = document.querySelector('input[name=method]:checked');
    var method = checked ? checked.value : (document.querySelector('input[name=method]') || {}).value;
    var sections = document.querySelectorAll('.method-fields');
    for (var i = 0; i < sections.length; i++) { sections[i].hidden = sections[i].getAttribute('data-method') !== method; }
  }
  if (form) {
    var radios = document.querySelectorAll('input[name=method]');
    for (var i = 0; i < radios.length; i++) { radios[i].addEventListener('change', sync); }
    sync();
    form.addEventListener('submit', function (ev) {
      var method = (document.querySelector('input[name=method]:checked') || document.querySelector('input[name=method]') || {}).value;
      var input = document.getElementById('card_number');
      if (method === 'card' && input) {
        var digits = input.value.replace(/[\s-]/g, '');
        var err = document.getElementById('card_number-error');
        if (digits.length >= 12 && !luhn(digits)) {
          ev.preventDefault();
          input.setAttribute('aria-invalid', 'true');
          if (!err) { err = document.createElement('p'); err.id = 'card_number-error'; err.className = 'field-error'; input.insertAdjacentElement('afterend', err); }
          err.textContent = 'Your card number is invalid.';
          return;
        }
      }
      var button = document.getElementById('submit');
      if (button) { button.setAttribute('aria-busy', 'true'); }
    });
  }
  if (window.parent !== window) {
    var post = function (msg) { window.parent.postMessage(msg, '*'); };
    var report = function () { post({ type: 'comptoir:checkout:resize', height: document.documentElement.scrollHeight }); };
    window.addEventListener('load', report);
    if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
    report();
    var done = document.getElementById('checkout-complete');
    if (done && done.getAttribute('data-notify') === 'true') {
      post({ type: 'comptoir:checkout:complete', sessionId: done.getAttribute('data-session'), redirect: done.getAttribute('data-redirect') || null });
    }
  }
})();
"#;

/// A page with the checkout look (no sandbox header: Checkout's own frame).
fn shell(title: &str, body_class: &str, body: &str, lang: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{CSS}</style></head><body class=\"{body_class}\">\
         <div class=\"test-banner\">TEST MODE</div>{body}<script>{SCRIPT}</script></body></html>",
        lang = escape(lang),
        title = escape(title),
    ))
}

fn notice(status: StatusCode, title: &str, id: &str, message: &str, embedded: bool) -> Response {
    let body = format!(
        "<main class=\"notice\" id=\"{id}\"><h1>{}</h1><p>{}</p></main>",
        escape(title),
        escape(message)
    );
    (
        status,
        shell(title, if embedded { "embedded" } else { "" }, &body, "en"),
    )
        .into_response()
}

fn not_found(embedded: bool) -> Response {
    notice(
        StatusCode::NOT_FOUND,
        "Something went wrong",
        "checkout-not-found",
        "The page you were looking for could not be found. Please check the URL or contact the merchant.",
        embedded,
    )
}

fn expired_page(embedded: bool) -> Response {
    notice(
        StatusCode::OK,
        "This Checkout Session is no longer active",
        "checkout-expired",
        "Your checkout session has expired. Please return to the merchant's site and try again.",
        embedded,
    )
}

/// Per-field and page-level errors of a submission.
#[derive(Debug, Default)]
struct Errors {
    fields: Vec<(&'static str, String)>,
    page: Option<String>,
}

impl Errors {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m.as_str())
    }
    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.page.is_none()
    }
}

/// What a page needs about its session.
struct Ctx {
    owner: String,
    session: Value,
    items: Vec<Value>,
    merchant: String,
    /// The country the billing address starts at: the merchant's own (Stripe guesses the
    /// customer's from their IP address, which an offline sandbox cannot).
    default_country: &'static str,
    embedded: bool,
    client_secret: String,
}

fn load_ctx(app: &AppState, cs: &str, embedded: bool) -> Option<Ctx> {
    app.read(|s| {
        let stored = s.get(cs).filter(|st| st.kind == "checkout.session")?;
        let items = meta(s, cs)["items"].as_array().cloned().unwrap_or_default();
        Some(Ctx {
            owner: stored.owner.clone(),
            session: stored.value.clone(),
            items,
            merchant: crate::payments::merchant_name(s, &stored.owner),
            default_country: crate::payments::account_value(s, &stored.owner)
                .and_then(|a| a["country"].as_str())
                .and_then(|country| {
                    COUNTRIES
                        .iter()
                        .find(|(code, _)| code.eq_ignore_ascii_case(country))
                })
                .map_or("US", |(code, _)| code),
            embedded,
            client_secret: stored.value["client_secret"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
    })
}

fn str_field<'a>(form: &'a Map<String, Value>, name: &str) -> &'a str {
    form.get(name).and_then(Value::as_str).unwrap_or("").trim()
}

fn lang(session: &Value) -> String {
    match session["locale"].as_str() {
        Some(l) if l != "auto" && !l.is_empty() => l.to_owned(),
        _ => "en".into(),
    }
}

fn input(name: &str, label: &str, value: &str, attrs: &str, errors: &Errors) -> String {
    let error = errors.field(name);
    let invalid = if error.is_some() {
        format!(" aria-invalid=\"true\" aria-describedby=\"{name}-error\"")
    } else {
        String::new()
    };
    let message = error
        .map(|m| {
            format!(
                "<p class=\"field-error\" id=\"{name}-error\">{}</p>",
                escape(m)
            )
        })
        .unwrap_or_default();
    format!(
        "<label for=\"{name}\">{}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" value=\"{}\" {attrs}{invalid}>{message}",
        escape(label),
        escape(value)
    )
}

const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GB", "United Kingdom"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("CH", "Switzerland"),
    ("CA", "Canada"),
];

fn render(ctx: &Ctx, values: &Map<String, Value>, errors: &Errors) -> Response {
    let s = &ctx.session;
    let currency = s["currency"].as_str().unwrap_or("usd");
    let total = money::format(s["amount_total"].as_i64().unwrap_or(0), currency);
    let items: String = ctx
        .items
        .iter()
        .map(|i| {
            let qty = i["quantity"].as_i64().unwrap_or(1);
            let unit = money::format(i["price"]["unit_amount"].as_i64().unwrap_or(0), currency);
            let qty_text = if qty > 1 { format!("Qty {qty}, {unit} each") } else { format!("Qty {qty}") };
            format!(
                "<li class=\"line-item\"><span><span class=\"name\">{}</span><span class=\"qty\">{}</span></span><span class=\"amount\">{}</span></li>",
                escape(i["description"].as_str().unwrap_or("Item")),
                escape(&qty_text),
                escape(&money::format(i["amount_total"].as_i64().unwrap_or(0), currency))
            )
        })
        .collect();
    let back = match s["cancel_url"].as_str() {
        Some(url) if !ctx.embedded => {
            format!("<a id=\"back-link\" href=\"{}\">← Back</a>", escape(url))
        }
        _ => String::new(),
    };
    let types: Vec<&str> = s["payment_method_types"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let sepa = types.contains(&"sepa_debit");
    // Other payment method types have no form here; the card form stands in for them.
    let card = types.contains(&"card") || !sepa;
    let chosen = match str_field(values, "method") {
        "sepa_debit" if sepa => "sepa_debit",
        _ if card => "card",
        _ => "sepa_debit",
    };
    let selector = if card && sepa {
        let radio = |value: &str, label: &str| {
            let checked = if chosen == value { " checked" } else { "" };
            format!(
                "<label class=\"method\" for=\"method-{value}\"><input type=\"radio\" name=\"method\" id=\"method-{value}\" value=\"{value}\"{checked}> {label}</label>"
            )
        };
        format!(
            "<fieldset class=\"methods\"><legend class=\"sr-only\">Payment method</legend>{}{}</fieldset>",
            radio("card", "Card"),
            radio("sepa_debit", "SEPA Direct Debit")
        )
    } else {
        format!("<input type=\"hidden\" name=\"method\" id=\"method-{chosen}\" value=\"{chosen}\">")
    };
    let email_value = match str_field(values, "email") {
        "" => s["customer_email"].as_str().unwrap_or(""),
        v => v,
    };
    let email_error = errors.field("email");
    let email = format!(
        "<label for=\"email\">Email</label><input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"email\" value=\"{}\"{}>{}",
        escape(email_value),
        if email_error.is_some() {
            " aria-invalid=\"true\" aria-describedby=\"email-error\""
        } else {
            ""
        },
        email_error
            .map(|m| format!(
                "<p class=\"field-error\" id=\"email-error\">{}</p>",
                escape(m)
            ))
            .unwrap_or_default()
    );
    let card_fields = if card {
        let country = match str_field(values, "billing_country") {
            "" => ctx.default_country,
            c => c,
        };
        let options: String = COUNTRIES
            .iter()
            .map(|(code, name)| {
                let sel = if *code == country { " selected" } else { "" };
                format!("<option value=\"{code}\"{sel}>{name}</option>")
            })
            .collect();
        format!(
            "<div id=\"card-fields\" class=\"method-fields\" data-method=\"card\"><h2>Card information</h2>{}<div class=\"row\"><div>{}</div><div>{}</div></div>{}\
             <label for=\"billing_country\">Country or region</label><select id=\"billing_country\" name=\"billing_country\" autocomplete=\"country\">{options}</select></div>",
            input(
                "card_number",
                "Card number",
                "",
                "inputmode=\"numeric\" autocomplete=\"cc-number\" placeholder=\"1234 1234 1234 1234\"",
                errors
            ),
            input(
                "card_expiry",
                "Expiration date (MM / YY)",
                str_field(values, "card_expiry"),
                "autocomplete=\"cc-exp\" placeholder=\"MM / YY\"",
                errors
            ),
            input(
                "card_cvc",
                "Security code (CVC)",
                "",
                "inputmode=\"numeric\" autocomplete=\"cc-csc\" placeholder=\"CVC\"",
                errors
            ),
            input(
                "cardholder_name",
                "Cardholder name",
                str_field(values, "cardholder_name"),
                "autocomplete=\"cc-name\" placeholder=\"Full name on card\"",
                errors
            ),
        )
    } else {
        String::new()
    };
    let sepa_fields = if sepa {
        format!(
            "<div id=\"sepa-fields\" class=\"method-fields\" data-method=\"sepa_debit\"><h2>Bank account</h2>{}{}\
             <p id=\"sepa-mandate\" class=\"mandate\">By providing your payment information and confirming this payment, you authorise (A) {} and Stripe, our payment service provider, to send instructions to your bank to debit your account and (B) your bank to debit your account in accordance with those instructions. As part of your rights, you are entitled to a refund from your bank under the terms and conditions of your agreement with your bank. A refund must be claimed within 8 weeks starting from the date on which your account was debited.</p></div>",
            input(
                "iban",
                "IBAN",
                str_field(values, "iban"),
                "autocomplete=\"off\" placeholder=\"DE00 0000 0000 0000 0000 00\"",
                errors
            ),
            input(
                "sepa_name",
                "Account holder name",
                str_field(values, "sepa_name"),
                "autocomplete=\"name\" placeholder=\"Full name\"",
                errors
            ),
            escape(&ctx.merchant),
        )
    } else {
        String::new()
    };
    let page_error = errors
        .page
        .as_ref()
        .map(|m| {
            format!(
                "<div id=\"payment-error\" class=\"error\" role=\"alert\">{}</div>",
                escape(m)
            )
        })
        .unwrap_or_default();
    let id = s["id"].as_str().unwrap_or_default();
    let action = if ctx.embedded {
        format!(
            "/embedded/checkout/{id}?client_secret={}",
            escape(&ctx.client_secret)
        )
    } else {
        format!("/c/pay/{id}")
    };
    let button = match s["submit_type"].as_str() {
        Some("donate") => format!("Donate {total}"),
        Some("book") => format!("Book {total}"),
        _ => format!("Pay {total}"),
    };
    let body = format!(
        "<div class=\"layout\"><section class=\"summary\" id=\"order-summary\" aria-label=\"Order summary\">{back}\
         <p class=\"merchant\" id=\"merchant-name\">{merchant}</p><p class=\"label\">Pay {merchant}</p>\
         <p class=\"total\" id=\"order-total\">{total}</p><ul class=\"items\">{items}</ul>\
         <div class=\"total-row\"><span>Total due</span><span id=\"order-total-due\">{total}</span></div></section>\
         <section class=\"pay\" aria-label=\"Payment\"><form method=\"post\" action=\"{action}\" id=\"payment-form\" novalidate>\
         <h2>Contact information</h2>{email}<h2>Payment method</h2>{selector}{card_fields}{sepa_fields}{page_error}\
         <button type=\"submit\" id=\"submit\" name=\"action\" value=\"pay\" class=\"pay-button\">{button}</button></form>\
         <p class=\"footer\">Powered by <strong>stripe</strong> · offline sandbox, test mode</p></section></div>",
        merchant = escape(&ctx.merchant),
        total = escape(&total),
        button = escape(&button),
    );
    let class = if ctx.embedded {
        "checkout embedded"
    } else {
        "checkout"
    };
    (
        StatusCode::OK,
        shell(
            &format!("{} – Checkout", ctx.merchant),
            class,
            &body,
            &lang(s),
        ),
    )
        .into_response()
}

/// The page for a session that is not open, or `None` when it is open.
fn closed_page(ctx: &Ctx) -> Option<Response> {
    match ctx.session["status"].as_str() {
        Some("complete") => Some(complete_page(ctx, false)),
        Some("expired") => Some(expired_page(ctx.embedded)),
        _ => None,
    }
}

/// "Thanks for your payment" (hosted without `success_url`, embedded completion). In the
/// iframe it tells stripe.js (`notify`) where to send the top window.
fn complete_page(ctx: &Ctx, notify: bool) -> Response {
    let s = &ctx.session;
    let id = s["id"].as_str().unwrap_or_default();
    let redirect = if s["redirect_on_completion"] == "always" {
        flow::completion_url(s)
    } else {
        None
    };
    let continue_link = redirect
        .as_ref()
        .map(|u| {
            format!(
                "<p><a id=\"continue-link\" href=\"{}\" target=\"_top\">Continue</a></p>",
                escape(u)
            )
        })
        .unwrap_or_default();
    let message = if s["payment_status"] == "paid" {
        "Your payment was successful."
    } else {
        "Your payment is being processed. You will be notified when it completes."
    };
    let body = format!(
        "<main class=\"notice\" id=\"checkout-complete\" data-session=\"{id}\" data-redirect=\"{redirect}\" data-notify=\"{notify}\">\
         <h1>Thanks for your payment</h1><p>{message}</p><p class=\"muted\">{merchant} · {total}</p>{continue_link}</main>",
        id = escape(id),
        redirect = escape(redirect.as_deref().unwrap_or("")),
        merchant = escape(&ctx.merchant),
        total = escape(&money::format(
            s["amount_total"].as_i64().unwrap_or(0),
            s["currency"].as_str().unwrap_or("usd")
        )),
    );
    let class = if ctx.embedded { "embedded" } else { "" };
    shell("Payment complete", class, &body, &lang(s)).into_response()
}

/// Parses and validates the form the way Checkout does before anything is charged.
fn parse(values: &Map<String, Value>, now: i64) -> Result<Submission, Errors> {
    let mut errors = Errors::default();
    let email = str_field(values, "email");
    if email.is_empty() {
        errors
            .fields
            .push(("email", "Your email is incomplete.".into()));
    } else if !email.contains('@') || !email.rsplit('@').next().is_some_and(|d| d.contains('.')) {
        errors
            .fields
            .push(("email", "Your email address is invalid.".into()));
    }
    let (method, name, country) = if str_field(values, "method") == "sepa_debit" {
        parse_sepa(values, &mut errors)
    } else {
        parse_card(values, now, &mut errors)
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Submission {
        method,
        email: Some(email.to_owned()),
        name: Some(name),
        country,
        postal_code: None,
    })
}

fn parse_card(
    values: &Map<String, Value>,
    now: i64,
    errors: &mut Errors,
) -> (MethodInput, String, Option<String>) {
    let number = methods::normalize(str_field(values, "card_number"));
    if number.len() < 12 {
        errors
            .fields
            .push(("card_number", "Your card number is incomplete.".into()));
    } else if !number.bytes().all(|b| b.is_ascii_digit()) || !methods::luhn_valid(&number) {
        errors
            .fields
            .push(("card_number", "Your card number is invalid.".into()));
    }
    let expiry: String = str_field(values, "card_expiry")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let (month, year) = match expiry.len() {
        4 => (
            expiry[..2].parse::<i64>().unwrap_or(0),
            2000 + expiry[2..].parse::<i64>().unwrap_or(0),
        ),
        6 => (
            expiry[..2].parse::<i64>().unwrap_or(0),
            expiry[2..].parse::<i64>().unwrap_or(0),
        ),
        _ => (0, 0),
    };
    let (this_year, this_month) = methods::year_month(now);
    if year == 0 {
        errors.fields.push((
            "card_expiry",
            "Your card's expiration date is incomplete.".into(),
        ));
    } else if !(1..=12).contains(&month) {
        errors.fields.push((
            "card_expiry",
            "Your card's expiration date is invalid.".into(),
        ));
    } else if year < this_year {
        errors.fields.push((
            "card_expiry",
            "Your card's expiration year is in the past.".into(),
        ));
    } else if year == this_year && month < this_month {
        errors.fields.push((
            "card_expiry",
            "Your card's expiration date is in the past.".into(),
        ));
    }
    let cvc = str_field(values, "card_cvc");
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.fields.push((
            "card_cvc",
            "Your card's security code is incomplete.".into(),
        ));
    }
    let holder = str_field(values, "cardholder_name");
    if holder.is_empty() {
        errors
            .fields
            .push(("cardholder_name", "Enter the name on your card.".into()));
    }
    let country = Some(str_field(values, "billing_country").to_owned()).filter(|c| !c.is_empty());
    let card = CardInput {
        number,
        exp_month: month,
        exp_year: year,
    };
    (MethodInput::Card(card), holder.to_owned(), country)
}

fn parse_sepa(
    values: &Map<String, Value>,
    errors: &mut Errors,
) -> (MethodInput, String, Option<String>) {
    let iban = methods::normalize(str_field(values, "iban"));
    if iban.len() < 15 {
        errors
            .fields
            .push(("iban", "Your IBAN is incomplete.".into()));
    } else if !methods::iban_valid(&iban) {
        errors.fields.push(("iban", "Your IBAN is invalid.".into()));
    }
    let holder = str_field(values, "sepa_name");
    if holder.is_empty() {
        errors
            .fields
            .push(("sepa_name", "Enter the account holder's name.".into()));
    }
    let country = iban.get(..2).map(str::to_owned);
    (MethodInput::Iban(iban), holder.to_owned(), country)
}

/// What happened to a page submission.
enum PageOutcome {
    Render(Errors),
    Completed(String),
    Authenticate(String),
    Closed,
}

fn submit(app: &AppState, ctx: &Ctx, values: &Map<String, Value>, return_to: &str) -> PageOutcome {
    let now = app.clock.now();
    let submission = match parse(values, now) {
        Ok(s) => s,
        Err(errors) => return PageOutcome::Render(errors),
    };
    let id = ctx.session["id"].as_str().unwrap_or_default().to_owned();
    app.write(|tx| match flow::submit(tx, &id, &submission) {
        Ok(Submitted::Completed { event, .. }) => PageOutcome::Completed(event),
        Ok(Submitted::RequiresAction { pi, .. }) => {
            let url = format!(
                "/pay/authenticate/{}?client_secret={}&return_to={}",
                pi["id"].as_str().unwrap_or_default(),
                pi["client_secret"].as_str().unwrap_or_default(),
                url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
            );
            PageOutcome::Authenticate(url)
        }
        Ok(Submitted::Declined { error, .. }) => PageOutcome::Render(Errors {
            fields: Vec::new(),
            page: Some(error.message.clone()),
        }),
        Err(e) if e.code.as_deref() == Some("checkout_session_unexpected_state") => {
            PageOutcome::Closed
        }
        Err(e) => PageOutcome::Render(Errors {
            fields: Vec::new(),
            page: Some(e.message),
        }),
    })
}

async fn show_hosted(State(app): State<AppState>, Path(cs): Path<String>) -> Response {
    let Some(ctx) = load_ctx(&app, &cs, false) else {
        return not_found(false);
    };
    if ui_kind(ctx.session["ui_mode"].as_str().unwrap_or("hosted")) != UiKind::Hosted {
        return not_found(false);
    }
    if let Some(page) = closed_page(&ctx) {
        return page;
    }
    render(&ctx, &Map::new(), &Errors::default())
}

async fn redirect_after_completion(app: &AppState, cs: &str, event: &str) -> Response {
    flow::wait_first_attempts(app, event, COMPLETION_WAIT).await;
    let session = app
        .read(|s| s.get(cs).map(|st| st.value.clone()))
        .unwrap_or(Value::Null);
    match session["success_url"].as_str() {
        Some(_) => {
            Redirect::to(&flow::completion_url(&session).unwrap_or_default()).into_response()
        }
        None => Redirect::to(&format!("/c/pay/{cs}/done")).into_response(),
    }
}

async fn pay_hosted(State(app): State<AppState>, Path(cs): Path<String>, form: Form) -> Response {
    let Some(ctx) = load_ctx(&app, &cs, false) else {
        return not_found(false);
    };
    if ui_kind(ctx.session["ui_mode"].as_str().unwrap_or("hosted")) != UiKind::Hosted {
        return not_found(false);
    }
    if let Some(page) = closed_page(&ctx) {
        return page;
    }
    match submit(&app, &ctx, &form.0, &format!("/c/pay/{cs}/return")) {
        PageOutcome::Completed(event) => redirect_after_completion(&app, &cs, &event).await,
        PageOutcome::Authenticate(url) => Redirect::to(&url).into_response(),
        PageOutcome::Render(errors) => match load_ctx(&app, &cs, false) {
            Some(fresh) => render(&fresh, &form.0, &errors),
            None => not_found(false),
        },
        PageOutcome::Closed => match load_ctx(&app, &cs, false) {
            Some(fresh) => closed_page(&fresh).unwrap_or_else(|| expired_page(false)),
            None => not_found(false),
        },
    }
}

fn completion_event(app: &AppState, owner: &str, cs: &str) -> Option<String> {
    app.read(|s| {
        s.newest_first(owner, "event")
            .into_iter()
            .find(|e| e["type"] == "checkout.session.completed" && e["data"]["object"]["id"] == cs)
            .and_then(|e| e["id"].as_str().map(str::to_owned))
    })
}

fn last_error(app: &AppState, session: &Value) -> Errors {
    let message = session["payment_intent"]
        .as_str()
        .and_then(|pi| {
            app.read(|s| {
                s.get(pi).map(|st| {
                    st.value["last_payment_error"]["message"]
                        .as_str()
                        .map(str::to_owned)
                })
            })
        })
        .flatten();
    Errors {
        fields: Vec::new(),
        page: message,
    }
}

async fn return_hosted(State(app): State<AppState>, Path(cs): Path<String>) -> Response {
    let Some(ctx) = load_ctx(&app, &cs, false) else {
        return not_found(false);
    };
    match ctx.session["status"].as_str() {
        Some("complete") => {
            let event = completion_event(&app, &ctx.owner, &cs).unwrap_or_default();
            redirect_after_completion(&app, &cs, &event).await
        }
        Some("open") => render(&ctx, &Map::new(), &last_error(&app, &ctx.session)),
        _ => expired_page(false),
    }
}

async fn done_hosted(State(app): State<AppState>, Path(cs): Path<String>) -> Response {
    match load_ctx(&app, &cs, false) {
        Some(ctx) if ctx.session["status"] == "complete" => complete_page(&ctx, false),
        Some(ctx) => closed_page(&ctx)
            .unwrap_or_else(|| Redirect::to(&format!("/c/pay/{cs}")).into_response()),
        None => not_found(false),
    }
}

#[derive(serde::Deserialize)]
struct SecretQuery {
    client_secret: Option<String>,
}

/// The embedded session when `client_secret` matches it.
fn embedded_ctx(app: &AppState, cs: &str, secret: Option<&str>) -> Option<Ctx> {
    let ctx = load_ctx(app, cs, true)?;
    let matches = secret.is_some_and(|s| !s.is_empty() && s == ctx.client_secret);
    let embedded = ui_kind(ctx.session["ui_mode"].as_str().unwrap_or("hosted")) == UiKind::Embedded;
    (matches && embedded).then_some(ctx)
}

async fn show_embedded(
    State(app): State<AppState>,
    Path(cs): Path<String>,
    Query(q): Query<SecretQuery>,
) -> Response {
    let Some(ctx) = embedded_ctx(&app, &cs, q.client_secret.as_deref()) else {
        return not_found(true);
    };
    match ctx.session["status"].as_str() {
        Some("complete") => complete_page(&ctx, false),
        Some("expired") => expired_page(true),
        _ => render(&ctx, &Map::new(), &Errors::default()),
    }
}

async fn pay_embedded(
    State(app): State<AppState>,
    Path(cs): Path<String>,
    Query(q): Query<SecretQuery>,
    form: Form,
) -> Response {
    let secret = q.client_secret.clone().or_else(|| {
        form.0
            .get("client_secret")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let Some(ctx) = embedded_ctx(&app, &cs, secret.as_deref()) else {
        return not_found(true);
    };
    if ctx.session["status"] != "open" {
        return match ctx.session["status"].as_str() {
            Some("complete") => complete_page(&ctx, false),
            _ => expired_page(true),
        };
    }
    let return_to = format!(
        "/embedded/checkout/{cs}/return?client_secret={}",
        ctx.client_secret
    );
    match submit(&app, &ctx, &form.0, &return_to) {
        PageOutcome::Completed(event) => {
            flow::wait_first_attempts(&app, &event, COMPLETION_WAIT).await;
            match embedded_ctx(&app, &cs, secret.as_deref()) {
                Some(fresh) => complete_page(&fresh, true),
                None => not_found(true),
            }
        }
        PageOutcome::Authenticate(url) => Redirect::to(&url).into_response(),
        PageOutcome::Render(errors) => match embedded_ctx(&app, &cs, secret.as_deref()) {
            Some(fresh) => render(&fresh, &form.0, &errors),
            None => not_found(true),
        },
        PageOutcome::Closed => expired_page(true),
    }
}

async fn return_embedded(
    State(app): State<AppState>,
    Path(cs): Path<String>,
    Query(q): Query<SecretQuery>,
) -> Response {
    let Some(ctx) = embedded_ctx(&app, &cs, q.client_secret.as_deref()) else {
        return not_found(true);
    };
    match ctx.session["status"].as_str() {
        Some("complete") => {
            let event = completion_event(&app, &ctx.owner, &cs).unwrap_or_default();
            flow::wait_first_attempts(&app, &event, COMPLETION_WAIT).await;
            complete_page(&ctx, true)
        }
        Some("open") => render(&ctx, &Map::new(), &last_error(&app, &ctx.session)),
        _ => expired_page(true),
    }
}

#[derive(serde::Deserialize)]
struct AuthQuery {
    client_secret: Option<String>,
    return_to: Option<String>,
}

/// The intent when `client_secret` is its secret.
fn intent_for(app: &AppState, pi: &str, secret: Option<&str>) -> Option<(String, Value)> {
    app.read(|s| {
        let stored = s.get(pi).filter(|st| st.kind == "payment_intent")?;
        let ok = secret.is_some_and(|x| stored.value["client_secret"] == x);
        ok.then(|| (stored.owner.clone(), stored.value.clone()))
    })
}

/// Only same-site paths are accepted as `return_to` (no open redirects).
fn safe_return(return_to: Option<&str>) -> Option<String> {
    return_to
        .filter(|r| r.starts_with('/') && !r.starts_with("//") && !r.contains('\\'))
        .map(str::to_owned)
}

async fn show_authenticate(
    State(app): State<AppState>,
    Path(pi): Path<String>,
    Query(q): Query<AuthQuery>,
) -> Response {
    let Some((owner, intent)) = intent_for(&app, &pi, q.client_secret.as_deref()) else {
        return not_found(false);
    };
    if intent["status"] != "requires_action" {
        if let Some(back) = safe_return(q.return_to.as_deref()) {
            return Redirect::to(&back).into_response();
        }
        return notice(
            StatusCode::OK,
            "Authentication complete",
            "authentication-done",
            "You can close this window.",
            false,
        );
    }
    let merchant = app.read(|s| crate::payments::merchant_name(s, &owner));
    let amount = money::format(
        intent["amount"].as_i64().unwrap_or(0),
        intent["currency"].as_str().unwrap_or("usd"),
    );
    let body = format!(
        "<main class=\"card3ds\" id=\"three-d-secure\"><h1>3D Secure 2 test page</h1>\
         <p>This is a test authentication for a payment of <strong>{amount}</strong> to <strong>{merchant}</strong>. \
         In live mode, the cardholder's bank would ask them to confirm this payment.</p>\
         <form method=\"post\" action=\"/pay/authenticate/{pi}\"><input type=\"hidden\" name=\"client_secret\" value=\"{secret}\">\
         <input type=\"hidden\" name=\"return_to\" value=\"{return_to}\"><div class=\"actions\">\
         <button class=\"primary\" type=\"submit\" name=\"action\" value=\"complete\" id=\"complete-authentication\">Complete authentication</button>\
         <button type=\"submit\" name=\"action\" value=\"fail\" id=\"fail-authentication\">Fail authentication</button></div></form></main>",
        amount = escape(&amount),
        merchant = escape(&merchant),
        pi = escape(&pi),
        secret = escape(q.client_secret.as_deref().unwrap_or("")),
        return_to = escape(q.return_to.as_deref().unwrap_or("")),
    );
    let embedded = q
        .return_to
        .as_deref()
        .is_some_and(|r| r.starts_with("/embedded/"));
    shell(
        "Authenticate your payment",
        if embedded { "embedded" } else { "" },
        &body,
        "en",
    )
    .into_response()
}

async fn answer_authenticate(
    State(app): State<AppState>,
    Path(pi): Path<String>,
    form: Form,
) -> Response {
    let secret = str_field(&form.0, "client_secret").to_owned();
    let return_to = safe_return(Some(str_field(&form.0, "return_to")));
    let success = str_field(&form.0, "action") != "fail";
    let Some((_, intent)) = intent_for(&app, &pi, Some(&secret)) else {
        return not_found(false);
    };
    if intent["status"] == "requires_action" {
        let _ = app.write(|tx| intents::authenticate(tx, &pi, success));
    }
    if let Some(back) = return_to {
        return Redirect::to(&back).into_response();
    }
    let after = app.read(|s| s.get(&pi).map(|st| (st.value.clone(), st.meta.clone())));
    let Some((intent, meta)) = after else {
        return not_found(false);
    };
    match meta["return_url"].as_str() {
        Some(url) => {
            let status = if intent["status"] == "requires_payment_method" {
                "failed"
            } else {
                "succeeded"
            };
            let separator = if url.contains('?') { '&' } else { '?' };
            let target = format!(
                "{url}{separator}payment_intent={pi}&payment_intent_client_secret={secret}&redirect_status={status}"
            );
            Redirect::to(&target).into_response()
        }
        None => notice(
            StatusCode::OK,
            "Authentication complete",
            "authentication-done",
            "You can close this window.",
            false,
        ),
    }
}

async fn receipt(State(app): State<AppState>, Path(charge): Path<String>) -> Response {
    let found = app.read(|s| {
        let stored = s.get(&charge).filter(|st| st.kind == "charge")?;
        Some((
            stored.value.clone(),
            crate::payments::merchant_name(s, &stored.owner),
        ))
    });
    let Some((c, merchant)) = found else {
        return not_found(false);
    };
    let currency = c["currency"].as_str().unwrap_or("usd");
    let method = match c["payment_method_details"]["type"].as_str() {
        Some("card") => format!(
            "{} •••• {}",
            c["payment_method_details"]["card"]["brand"]
                .as_str()
                .unwrap_or("card"),
            c["payment_method_details"]["card"]["last4"]
                .as_str()
                .unwrap_or("")
        ),
        Some("sepa_debit") => format!(
            "SEPA Direct Debit •••• {}",
            c["payment_method_details"]["sepa_debit"]["last4"]
                .as_str()
                .unwrap_or("")
        ),
        _ => "—".into(),
    };
    let body = format!(
        "<main class=\"notice\" id=\"receipt\"><h1>Receipt from {merchant}</h1><p id=\"receipt-amount\">{amount}</p>\
         <p>Payment method: {method}</p><p class=\"muted\">Charge {id} · status {status}</p></main>",
        merchant = escape(&merchant),
        amount = escape(&money::format(c["amount"].as_i64().unwrap_or(0), currency)),
        method = escape(&method),
        id = escape(&charge),
        status = escape(c["status"].as_str().unwrap_or("")),
    );
    shell(&format!("Receipt from {merchant}"), "", &body, "en").into_response()
}

fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    response
}

async fn embedded_preflight() -> Response {
    cors(StatusCode::NO_CONTENT.into_response())
}

fn init_error(status: StatusCode, message: &str) -> Response {
    cors(
        (
            status,
            axum::Json(json!({ "error": { "type": "invalid_request_error", "message": message } })),
        )
            .into_response(),
    )
}

/// Checks an embedded Checkout client secret against the publishable key and `stripeAccount`
/// stripe.js was created with.
fn check_embedded(s: &Store, secret: &str, key: &str, account: &str) -> Result<Value, String> {
    let mismatch = "The client_secret provided does not match any associated Checkout Session on this \
                    account. Ensure the publishable key used belongs to the same account that created \
                    the Checkout Session, and that stripeAccount matches the connected account it was \
                    created on.";
    let cs = secret.split("_secret_").next().unwrap_or_default();
    let stored = s
        .get(cs)
        .filter(|st| st.kind == "checkout.session" && st.value["client_secret"] == secret)
        .ok_or_else(|| format!("Invalid client secret: no Checkout Session matches {}.", cs))?;
    if ui_kind(stored.value["ui_mode"].as_str().unwrap_or("hosted")) != UiKind::Embedded {
        return Err(format!(
            "The Checkout Session {cs} was created with ui_mode={}; embedded checkout needs ui_mode=embedded_page.",
            stored.value["ui_mode"].as_str().unwrap_or("hosted")
        ));
    }
    let grant = s
        .api_keys
        .get(key)
        .filter(|g| g.kind == KeyKind::Publishable)
        .ok_or_else(|| format!("Invalid API Key provided: {}", crate::ids::mask_key(key)))?;
    let platform = meta(s, cs)["platform"]
        .as_str()
        .unwrap_or(&stored.owner)
        .to_owned();
    if grant.platform != platform {
        return Err(mismatch.into());
    }
    let expected = if stored.owner == platform {
        ""
    } else {
        stored.owner.as_str()
    };
    if account != expected && !(expected.is_empty() && account == platform) {
        return Err(mismatch.into());
    }
    let session = &stored.value;
    let return_url = flow::completion_url(session);
    Ok(json!({
        "session_id": cs,
        "path": format!("/embedded/checkout/{cs}?client_secret={}", url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()),
        "redirect_on_completion": session["redirect_on_completion"],
        "return_url": return_url,
        "status": session["status"],
    }))
}

async fn embedded_init(State(app): State<AppState>, form: Form) -> Response {
    let secret = str_field(&form.0, "client_secret").to_owned();
    let key = str_field(&form.0, "key").to_owned();
    let account = str_field(&form.0, "stripe_account").to_owned();
    if secret.is_empty() {
        return init_error(StatusCode::BAD_REQUEST, "Missing client secret.");
    }
    match app.read(|s| check_embedded(s, &secret, &key, &account)) {
        Ok(info) => cors(axum::Json(info).into_response()),
        Err(message) => init_error(StatusCode::BAD_REQUEST, &message),
    }
}
