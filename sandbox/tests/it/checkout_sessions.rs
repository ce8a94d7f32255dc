//! Checkout Session parameters, ui modes, line items, listing and expiry.

use serde_json::Value;

use crate::helpers::{assert_fixture_shape, spawn};
use crate::pay::{count, merchant, s, typed};

fn item(i: usize, currency: &str) -> Vec<(String, String)> {
    vec![
        (
            format!("line_items[{i}][price_data][currency]"),
            currency.to_owned(),
        ),
        (
            format!("line_items[{i}][price_data][unit_amount]"),
            "100".into(),
        ),
        (
            format!("line_items[{i}][price_data][product_data][name]"),
            format!("Item {i}"),
        ),
        (format!("line_items[{i}][quantity]"), "1".into()),
    ]
}

fn form(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn line_item_rules() {
    let m = merchant().await;
    let base = vec![
        ("mode".to_owned(), "payment".to_owned()),
        ("success_url".to_owned(), "https://x.example/ok".to_owned()),
    ];

    let mut hundred = base.clone();
    for i in 0..100 {
        hundred.extend(item(i, "eur"));
    }
    let ok = m.post("/v1/checkout/sessions", &form(&hundred)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["amount_total"], 10_000);
    let lines = m
        .get(
            &format!("/v1/checkout/sessions/{}/line_items", ok.id()),
            &[("limit", "100")],
        )
        .await;
    assert_eq!(count(&lines.body), 100);
    assert_eq!(lines.body["data"][0]["description"], "Item 0");
    assert_fixture_shape("item", &lines.body["data"][0]);
    typed::<stripe_shared::CheckoutSessionItem>(&lines.body["data"][0]);
    let page = m
        .get(
            &format!("/v1/checkout/sessions/{}/line_items", ok.id()),
            &[("limit", "10")],
        )
        .await;
    assert_eq!(page.body["has_more"], true);

    let mut too_many = hundred.clone();
    too_many.extend(item(100, "eur"));
    let refused = m.post("/v1/checkout/sessions", &form(&too_many)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["error"]["param"], "line_items");

    let mut mixed = base.clone();
    mixed.extend(item(0, "eur"));
    mixed.extend(item(1, "usd"));
    let refused = m.post("/v1/checkout/sessions", &form(&mixed)).await;
    assert_eq!(refused.status, 400);
    assert!(
        s(&refused.body["error"]["message"]).contains("same currency"),
        "{}",
        refused.body
    );

    let mut fee = base.clone();
    fee.extend(item(0, "eur"));
    fee.push((
        "payment_intent_data[application_fee_amount]".into(),
        "101".into(),
    ));
    let refused = m.post("/v1/checkout/sessions", &form(&fee)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body["error"]["param"],
        "payment_intent_data[application_fee_amount]"
    );
    let platform = m.sb.post("/v1/checkout/sessions", &form(&fee)).await;
    assert!(
        s(&platform.body["error"]["message"])
            .starts_with("Can only apply an application_fee_amount")
    );

    let missing_price = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price]", "price_missing"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(missing_price.status, 400);
    assert_eq!(missing_price.body["error"]["code"], "resource_missing");
    assert_eq!(missing_price.body["error"]["param"], "line_items[0][price]");
    let no_quantity = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "eur"),
                ("line_items[0][price_data][unit_amount]", "500"),
                ("line_items[0][price_data][product_data][name]", "x"),
            ],
        )
        .await;
    assert_eq!(
        no_quantity.body["error"]["param"],
        "line_items[0][quantity]"
    );
    let zero = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "eur"),
                ("line_items[0][price_data][unit_amount]", "500"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "0"),
            ],
        )
        .await;
    assert_eq!(zero.status, 400);
    let tiny = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "eur"),
                ("line_items[0][price_data][unit_amount]", "10"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(tiny.body["error"]["code"], "amount_too_small");
    let no_mode = m
        .post(
            "/v1/checkout/sessions",
            &[("success_url", "https://x.example")],
        )
        .await;
    assert_eq!(no_mode.body["error"]["param"], "mode");

    // A saved price of the account, quantity 3.
    let price = m
        .post(
            "/v1/prices",
            &[
                ("currency", "eur"),
                ("unit_amount", "1250"),
                ("product_data[name]", "Pain au chocolat"),
            ],
        )
        .await;
    assert_eq!(price.status, 200, "{}", price.body);
    let session = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price]", &price.id()),
                ("line_items[0][quantity]", "3"),
                ("expand[]", "line_items"),
            ],
        )
        .await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["amount_total"], 3750);
    assert_eq!(
        session.body["line_items"]["data"][0]["price"]["id"],
        price.id().as_str()
    );
    assert_eq!(
        session.body["line_items"]["data"][0]["description"],
        "Pain au chocolat"
    );
    typed::<stripe_shared::CheckoutSession>(&session.body);
    // Another account's price is unknown here.
    let other = crate::pay::connected(&m.sb).await;
    let foreign =
        m.sb.request(
            reqwest::Method::POST,
            "/v1/checkout/sessions",
            m.sb.key(),
            Some(&other),
            &[],
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price]", &price.id()),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(foreign.body["error"]["code"], "resource_missing");
}

#[tokio::test]
async fn ui_modes_urls_and_secrets() {
    let m = merchant().await;
    let li = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "900"),
        ("line_items[0][price_data][product_data][name]", "x"),
        ("line_items[0][quantity]", "1"),
    ];
    for mode in ["embedded", "embedded_page", "custom", "elements", "form"] {
        let mut f = li.to_vec();
        f.push(("ui_mode", mode));
        f.push((
            "return_url",
            "https://shop.example/return?session_id={CHECKOUT_SESSION_ID}",
        ));
        let r = m.post("/v1/checkout/sessions", &f).await;
        assert_eq!(r.status, 200, "{mode}: {}", r.body);
        assert_eq!(r.body["ui_mode"], mode);
        assert_eq!(r.body["url"], Value::Null);
        assert!(
            s(&r.body["client_secret"]).starts_with(&format!("{}_secret_", r.id())),
            "{mode}"
        );
        assert_eq!(r.body["redirect_on_completion"], "always");
        typed::<stripe_shared::CheckoutSession>(&r.body);

        let mut bad = f.clone();
        bad.push(("success_url", "https://shop.example/ok"));
        let refused = m.post("/v1/checkout/sessions", &bad).await;
        assert_eq!(refused.status, 400, "{mode}");
        assert!(
            s(&refused.body["error"]["message"])
                .starts_with("The following parameters are not supported"),
            "{}",
            refused.body
        );
        let no_return: Vec<_> = f
            .iter()
            .copied()
            .filter(|(k, _)| *k != "return_url")
            .collect();
        let refused = m.post("/v1/checkout/sessions", &no_return).await;
        assert_eq!(refused.body["error"]["param"], "return_url", "{mode}");
    }
    let mut never = li.to_vec();
    never.extend([
        ("ui_mode", "embedded_page"),
        ("redirect_on_completion", "never"),
    ]);
    let r = m.post("/v1/checkout/sessions", &never).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["redirect_on_completion"], "never");
    for mode in ["hosted", "hosted_page"] {
        let mut f = li.to_vec();
        f.extend([
            ("ui_mode", mode),
            ("success_url", "https://shop.example/ok"),
        ]);
        let r = m.post("/v1/checkout/sessions", &f).await;
        assert_eq!(r.body["ui_mode"], mode);
        assert!(s(&r.body["url"]).contains(&format!("/c/pay/{}", r.id())));
        assert_eq!(r.body["client_secret"], Value::Null);
        let mut bad = f.clone();
        bad.push(("return_url", "https://shop.example/r"));
        assert_eq!(m.post("/v1/checkout/sessions", &bad).await.status, 400);
    }
    // The default follows the API version: old versions say `hosted`.
    let old =
        m.sb.request(
            reqwest::Method::POST,
            "/v1/checkout/sessions",
            m.sb.key(),
            Some(&m.acct),
            &[("Stripe-Version", "2025-03-31.basil")],
            &li,
        )
        .await;
    assert_eq!(old.body["ui_mode"], "hosted");
    let mut bad = li.to_vec();
    bad.push(("ui_mode", "popup"));
    assert_eq!(m.post("/v1/checkout/sessions", &bad).await.status, 400);
    let setup = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "setup"),
                ("currency", "eur"),
                ("success_url", "https://x.example"),
            ],
        )
        .await;
    assert_eq!(setup.status, 400);
    let subscription = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "eur"),
                ("line_items[0][price_data][unit_amount]", "900"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert!(
        s(&subscription.body["error"]["message"]).contains("recurring price"),
        "{}",
        subscription.body
    );
}

#[tokio::test]
async fn expiry_by_clock_and_by_api_and_lists() {
    let m = merchant().await;
    let now = m.sb.handle.sandbox().now();
    let short = m
        .session(
            1000,
            "usd",
            &[
                ("expires_at", &(now + 1900).to_string()),
                ("customer_email", "a@example.com"),
                ("metadata[o]", "1"),
            ],
        )
        .await;
    assert_eq!(short["expires_at"], now + 1900);
    let long = m.session(1000, "usd", &[]).await;
    assert_eq!(
        long["expires_at"],
        long["created"].as_i64().unwrap_or(0) + 86_400
    );
    for bad in [now + 60, now + 90_000] {
        let r = m
            .post(
                "/v1/checkout/sessions",
                &[
                    ("mode", "payment"),
                    ("success_url", "https://x.example"),
                    ("expires_at", &bad.to_string()),
                    ("line_items[0][price_data][currency]", "usd"),
                    ("line_items[0][price_data][unit_amount]", "900"),
                    ("line_items[0][price_data][product_data][name]", "x"),
                    ("line_items[0][quantity]", "1"),
                ],
            )
            .await;
        assert_eq!(r.body["error"]["param"], "expires_at");
    }
    m.advance(2000);
    let expired = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&short["id"])))
        .await;
    assert_eq!(expired["status"], "expired");
    assert_eq!(
        m.fetch(&format!("/v1/checkout/sessions/{}", s(&long["id"])))
            .await["status"],
        "open"
    );
    let late = m
        .complete(&short, &[("payment_method", "pm_card_visa")])
        .await;
    assert_eq!(late.status, 400);

    let by_api = m
        .post(
            &format!("/v1/checkout/sessions/{}/expire", s(&long["id"])),
            &[],
        )
        .await;
    assert_eq!(by_api.body["status"], "expired");
    let again = m
        .post(
            &format!("/v1/checkout/sessions/{}/expire", s(&long["id"])),
            &[],
        )
        .await;
    assert_eq!(again.status, 400);
    let events = m
        .get("/v1/events", &[("type", "checkout.session.expired")])
        .await;
    assert_eq!(count(&events.body), 2);

    let paid = m.session(1000, "usd", &[]).await;
    let done = m
        .complete(&paid, &[("payment_method", "pm_card_visa")])
        .await;
    let pi = s(&done.body["payment_intent"]);
    let by_pi = m
        .get("/v1/checkout/sessions", &[("payment_intent", &pi)])
        .await;
    assert_eq!(count(&by_pi.body), 1);
    let expired_list = m
        .get("/v1/checkout/sessions", &[("status", "expired")])
        .await;
    assert_eq!(count(&expired_list.body), 2);
    let open = m
        .get(
            "/v1/checkout/sessions",
            &[("status", "complete"), ("expand[]", "data.payment_intent")],
        )
        .await;
    assert_eq!(open.body["data"][0]["payment_intent"]["id"], pi.as_str());
    typed::<stripe_shared::CheckoutSession>(&open.body["data"][0]);
    let cannot = m
        .post(
            &format!("/v1/checkout/sessions/{}/expire", s(&paid["id"])),
            &[],
        )
        .await;
    assert_eq!(cannot.status, 400);

    // Customers: `customer_creation=always` makes one; an existing customer is attached.
    let customer = m
        .post(
            "/v1/customers",
            &[("email", "known@example.com"), ("name", "Known")],
        )
        .await;
    let with_customer = m
        .session(1000, "usd", &[("customer", &customer.id())])
        .await;
    let done = m
        .complete(
            &with_customer,
            &[("payment_method", "pm_card_visa"), ("email", "")],
        )
        .await;
    assert_eq!(done.body["customer"], customer.id().as_str());
    assert_eq!(done.body["customer_details"]["email"], "known@example.com");
    let by_customer = m
        .get("/v1/checkout/sessions", &[("customer", &customer.id())])
        .await;
    assert_eq!(count(&by_customer.body), 1);
    let always = m
        .session(1000, "usd", &[("customer_creation", "always")])
        .await;
    let done = m
        .complete(
            &always,
            &[
                ("payment_method", "pm_card_visa"),
                ("email", "new@example.com"),
            ],
        )
        .await;
    assert!(s(&done.body["customer"]).starts_with("cus_"));
    let both = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("customer", &customer.id()),
                ("customer_email", "x@example.com"),
            ],
        )
        .await;
    assert_eq!(both.body["error"]["code"], "parameters_exclusive");
}

#[tokio::test]
async fn platform_sessions_and_disabled_accounts() {
    let sb = spawn().await;
    let r = sb
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "900"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A connected account that cannot take charges yet.
    let fresh = sb
        .create_account(&[("type", "express"), ("country", "US")])
        .await;
    let refused = sb
        .request(
            reqwest::Method::POST,
            "/v1/checkout/sessions",
            sb.key(),
            fresh["id"].as_str(),
            &[],
            &[
                ("mode", "payment"),
                ("success_url", "https://x.example"),
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "900"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        s(&refused.body["error"]["message"])
            .starts_with("Your account cannot currently make charges"),
        "{}",
        refused.body
    );
}
