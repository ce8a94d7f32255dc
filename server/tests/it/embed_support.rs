//! What the embed tests share: API keys, AccountSessions through the REST API, claims, widget
//! calls with a token, and real payments through the sandbox that the mirror then shows.

use std::time::Duration;

use domain::{embed::api_keys, merchants::Merchant};
use serde_json::{Value, json};

use crate::helpers::{TestApp, wait_for};

/// How long a payment may take to reach the mirror (webhook → inbox → Stripe read → mirror).
pub const MIRROR_WAIT: Duration = Duration::from_secs(30);

/// A fresh platform API key (made through the domain; the admin pages are tested apart).
pub async fn api_key(app: &TestApp) -> String {
    api_keys::create(&app.services.db, &app.services.clock, "tests", None)
        .await
        .expect("an API key")
        .secret
        .expose()
        .to_string()
}

pub fn account_of(merchant: &Merchant) -> String {
    merchant
        .stripe_account_id
        .clone()
        .expect("a connected account")
}

/// `POST /api/v1/account_sessions` with a JSON body.
pub async fn rest_session(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/account_sessions"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("REST request")
}

/// A client secret for `account` with `components` (Stripe's shape), through the REST API.
pub async fn client_secret(app: &TestApp, account: &str, components: Value) -> String {
    let key = api_key(app).await;
    let response = rest_session(
        app,
        &key,
        json!({ "account": account, "components": components }),
    )
    .await;
    assert_eq!(response.status(), 200, "account session");
    let session: Value = response.json().await.unwrap();
    session["client_secret"]
        .as_str()
        .expect("a client secret")
        .to_string()
}

/// `POST /widget/v1/claim`.
pub async fn claim(app: &TestApp, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/widget/v1/claim"))
        .json(&json!({ "client_secret": secret }))
        .send()
        .await
        .expect("claim request")
}

/// A widget token for `account` with `components`.
pub async fn token(app: &TestApp, account: &str, components: Value) -> String {
    let secret = client_secret(app, account, components).await;
    let claimed = claim(app, &secret).await;
    assert_eq!(claimed.status(), 200, "claim");
    let body: Value = claimed.json().await.unwrap();
    body["token"].as_str().expect("a token").to_string()
}

/// Every component the widget API serves, enabled, with every mutation feature on.
pub fn all_components() -> Value {
    json!({
        "account_onboarding": {"enabled": true},
        "notification_banner": {"enabled": true},
        "payments": {"enabled": true, "features": {
            "refund_management": true, "capture_payments": true, "dispute_management": true
        }},
        "payment_details": {"enabled": true},
        "balances": {"enabled": true, "features": {"standard_payouts": true, "edit_payout_schedule": true}},
        "payouts": {"enabled": true, "features": {"standard_payouts": true, "edit_payout_schedule": true}},
        "payouts_list": {"enabled": true},
        "payment_method_settings": {"enabled": true},
    })
}

/// A widget API call with a token; answers the status and the JSON body (`null` when empty).
pub async fn widget(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(&format!("/widget/v1{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("widget request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn widget_get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    widget(app, token, reqwest::Method::GET, path, None).await
}

pub async fn widget_post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    widget(app, token, reqwest::Method::POST, path, Some(body)).await
}

/// Asserts that the widgets (the lead's WASM side, `app::widgets::model`) can read `value` as a
/// `T`: the contract checked from both ends.
pub fn widgets_read<T: serde::de::DeserializeOwned>(value: &Value) {
    if let Err(e) = serde_json::from_value::<T>(value.clone()) {
        panic!(
            "the widgets cannot read this as {}: {e}\n{value}",
            std::any::type_name::<T>()
        );
    }
}

/// Asserts a contract error: status, type and code.
pub fn assert_error(answer: &(u16, Value), status: u16, kind: &str, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["type"], kind, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

/// A card payment made on the account as an integration would (a real charge in the sandbox):
/// answers the payment intent (or Stripe's error, for declines).
pub async fn pay(app: &TestApp, account: &str, amount: i64, email: &str, card: &str) -> Value {
    pay_with(app, account, amount, email, card, &[]).await
}

pub async fn pay_with(
    app: &TestApp,
    account: &str,
    amount: i64,
    email: &str,
    card: &str,
    extra: &[(&str, &str)],
) -> Value {
    let amount_text = amount.to_string();
    let fee = (amount / 20).to_string();
    let mut form = vec![
        ("amount", amount_text.as_str()),
        ("currency", "eur"),
        ("confirm", "true"),
        ("payment_method", card),
        ("payment_method_types[0]", "card"),
        ("application_fee_amount", fee.as_str()),
        ("receipt_email", email),
    ];
    form.extend_from_slice(extra);
    app.stripe_post("/payment_intents", Some(account), &form)
        .await
}

/// Waits until the widget API lists a payment matching `check`, and answers it.
pub async fn listed(
    app: &TestApp,
    token: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    wait_for(what, MIRROR_WAIT, || async {
        let (status, page) = widget_get(app, token, "/payments?limit=100").await;
        assert_eq!(status, 200, "{page}");
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| check(p))
            .cloned()
    })
    .await
}

/// Waits until the detail of payment `id` shows its dispute: a charge is marked disputed by its
/// own webhook, the dispute object arrives by another.
pub async fn detail_with_dispute(app: &TestApp, token: &str, id: &str) -> Value {
    wait_for(
        &format!("{id}'s dispute in its detail"),
        MIRROR_WAIT,
        || async {
            let (status, detail) = widget_get(app, token, &format!("/payments/{id}")).await;
            assert_eq!(status, 200, "{detail}");
            detail["disputes"][0]["id"].is_string().then_some(detail)
        },
    )
    .await
}

/// Waits until the payment of intent `pi` is listed with `status`.
pub async fn listed_intent(app: &TestApp, token: &str, pi: &str, status: &str) -> Value {
    listed(app, token, &format!("{pi} listed as {status}"), |p| {
        // Its charge is mirrored too (the intent's webhook may come first).
        p["payment_intent"] == pi
            && p["status"] == status
            && p["id"].as_str().is_some_and(|id| id.starts_with("ch_"))
    })
    .await
}
