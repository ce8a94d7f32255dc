//! The hosted and embedded checkout pages over plain HTTP (no browser), the 3D Secure page,
//! and the stripe.js stand-in's init endpoint and script.

use crate::helpers::Receiver;
use crate::pay::{Merchant, merchant, s};

async fn page(m: &Merchant, url: &str) -> (u16, String) {
    let r = m.sb.http.get(url).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn post_form(
    m: &Merchant,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let r = m.sb.http.post(url).form(form).send().await.expect("post");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, location, r.text().await.unwrap_or_default())
}

fn card(number: &str) -> Vec<(&str, &str)> {
    vec![
        ("email", "jenny@example.com"),
        ("method", "card"),
        ("card_number", number),
        ("card_expiry", "12 / 34"),
        ("card_cvc", "123"),
        ("cardholder_name", "Jenny Rosen"),
        ("billing_country", "FR"),
    ]
}

#[tokio::test]
async fn hosted_page_declines_then_pays_and_redirects() {
    let m = merchant().await;
    let receiver = Receiver::start(&[]).await;
    m.sb.post(
        "/v1/webhook_endpoints",
        &[
            ("url", receiver.url.as_str()),
            ("enabled_events[0]", "checkout.session.completed"),
            ("connect", "true"),
        ],
    )
    .await;
    let session = m
        .session(
            2500,
            "eur",
            &[
                ("payment_method_types[0]", "card"),
                ("payment_method_types[1]", "sepa_debit"),
            ],
        )
        .await;
    let url = s(&session["url"]);
    let (status, html) = page(&m, &url).await;
    assert_eq!(status, 200);
    for id in [
        "id=\"order-summary\"",
        "id=\"merchant-name\"",
        "id=\"order-total\"",
        "class=\"line-item\"",
        "id=\"email\"",
        "id=\"method-card\"",
        "id=\"method-sepa_debit\"",
        "id=\"card_number\"",
        "id=\"card_expiry\"",
        "id=\"card_cvc\"",
        "id=\"cardholder_name\"",
        "id=\"billing_country\"",
        "id=\"iban\"",
        "id=\"sepa_name\"",
        "id=\"sepa-mandate\"",
        "id=\"submit\"",
        "id=\"back-link\"",
        "href=\"https://shop.example/cancel\"",
    ] {
        assert!(html.contains(id), "{id} missing");
    }
    assert!(html.contains("Croissant"));
    assert!(html.contains("€25.00"));
    assert!(html.contains("Pay €25.00"));
    assert!(html.contains("<label for=\"card_number\">Card number</label>"));

    // Luhn failure: inline field error, nothing charged.
    let (status, _, html) = post_form(&m, &url, &card("4242 4242 4242 4241")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"card_number-error\""), "{html}");
    assert!(html.contains("Your card number is invalid."));
    assert_eq!(
        m.get("/v1/charges", &[]).await.body["data"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // Missing fields.
    let (_, _, html) = post_form(
        &m,
        &url,
        &[("method", "card"), ("card_number", "4242424242424242")],
    )
    .await;
    assert!(html.contains("Your email is incomplete."));
    assert!(html.contains("Your card&#39;s expiration date is incomplete."));
    assert!(html.contains("Your card&#39;s security code is incomplete."));
    // A decline: the page shows the message and the session stays open.
    let (status, _, html) = post_form(&m, &url, &card("4000000000009995")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"payment-error\""));
    assert!(html.contains("Your card has insufficient funds."), "{html}");
    assert!(html.contains("value=\"jenny@example.com\""));
    let open = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(open["status"], "open");

    // Success: 303 to success_url with the session id, after the completed event's delivery.
    let (status, location, _) = post_form(&m, &url, &card("4242424242424242")).await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("https://shop.example/ok?session={}", s(&session["id"])).as_str())
    );
    assert!(
        receiver
            .hits()
            .iter()
            .any(|h| h.json()["type"] == "checkout.session.completed"),
        "delivered before the redirect"
    );
    let done = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["customer_details"]["email"], "jenny@example.com");
    assert_eq!(done["customer_details"]["name"], "Jenny Rosen");
    // The page of a complete session says so.
    let (_, html) = page(&m, &url).await;
    assert!(html.contains("id=\"checkout-complete\""));
    let (status, _) = page(&m, &format!("{}c/pay/cs_test_nope", m.sb.handle.url())).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn hosted_page_sepa_3ds_and_expired() {
    let m = merchant().await;
    let session = m
        .session(
            2500,
            "eur",
            &[
                ("payment_method_types[0]", "card"),
                ("payment_method_types[1]", "sepa_debit"),
            ],
        )
        .await;
    let url = s(&session["url"]);
    let (_, _, html) = post_form(
        &m,
        &url,
        &[
            ("email", "a@example.com"),
            ("method", "sepa_debit"),
            ("iban", "DE89370400440532013001"),
            ("sepa_name", "Jenny"),
        ],
    )
    .await;
    assert!(html.contains("Your IBAN is invalid."), "{html}");
    let (status, location, _) = post_form(
        &m,
        &url,
        &[
            ("email", "a@example.com"),
            ("method", "sepa_debit"),
            ("iban", "DE89 3704 0044 0532 0130 00"),
            ("sepa_name", "Jenny Rosen"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location
            .unwrap_or_default()
            .starts_with("https://shop.example/ok?session=cs_test_")
    );
    let done = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(done["payment_status"], "unpaid");

    // 3D Secure: redirect to the challenge, fail once, then complete.
    let session = m.session(2500, "usd", &[]).await;
    let url = s(&session["url"]);
    let (status, location, _) = post_form(&m, &url, &card("4000002760003184")).await;
    assert_eq!(status, 303);
    let challenge = format!(
        "{}{}",
        m.sb.handle.url().trim_end_matches('/'),
        location.unwrap_or_default()
    );
    let (status, html) = page(&m, &challenge).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Complete authentication") && html.contains("id=\"fail-authentication\"")
    );
    let action = challenge.split('?').next().unwrap_or_default().to_owned();
    let secret = html
        .split("name=\"client_secret\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let return_to = format!("/c/pay/{}/return", s(&session["id"]));
    let (status, location, _) = post_form(
        &m,
        &action,
        &[
            ("client_secret", &secret),
            ("return_to", &return_to),
            ("action", "fail"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(return_to.as_str()));
    let (_, html) = page(
        &m,
        &format!("{}{}", m.sb.handle.url().trim_end_matches('/'), return_to),
    )
    .await;
    assert!(html.contains("failed authentication"), "{html}");
    let (_, location, _) = post_form(&m, &url, &card("4000002500003155")).await;
    let challenge = format!(
        "{}{}",
        m.sb.handle.url().trim_end_matches('/'),
        location.unwrap_or_default()
    );
    let (_, html) = page(&m, &challenge).await;
    let secret = html
        .split("name=\"client_secret\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let (_, location, _) = post_form(
        &m,
        &action_of(&challenge),
        &[
            ("client_secret", &secret),
            ("return_to", &return_to),
            ("action", "complete"),
        ],
    )
    .await;
    let back = format!(
        "{}{}",
        m.sb.handle.url().trim_end_matches('/'),
        location.unwrap_or_default()
    );
    let r = m.sb.http.get(&back).send().await.expect("return");
    assert_eq!(r.status().as_u16(), 303);
    let dest = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        dest,
        format!("https://shop.example/ok?session={}", s(&session["id"]))
    );
    // No open redirects from the challenge page.
    let evil = post_form(
        &m,
        &action_of(&challenge),
        &[
            ("client_secret", &secret),
            ("return_to", "//evil.example/"),
            ("action", "complete"),
        ],
    )
    .await;
    assert_ne!(evil.1.as_deref(), Some("//evil.example/"));

    // Expired sessions show Stripe's message.
    let session = m.session(2500, "usd", &[]).await;
    m.post(
        &format!("/v1/checkout/sessions/{}/expire", s(&session["id"])),
        &[],
    )
    .await;
    let (_, html) = page(&m, &s(&session["url"])).await;
    assert!(html.contains("id=\"checkout-expired\""));
    let (_, _, html) = post_form(&m, &s(&session["url"]), &card("4242424242424242")).await;
    assert!(html.contains("id=\"checkout-expired\""));
}

fn action_of(url: &str) -> String {
    url.split('?').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn embedded_page_init_and_script() {
    let m = merchant().await;
    let r = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("ui_mode", "embedded_page"),
                (
                    "return_url",
                    "https://shop.example/return?session_id={CHECKOUT_SESSION_ID}",
                ),
                ("line_items[0][price_data][currency]", "eur"),
                ("line_items[0][price_data][unit_amount]", "1800"),
                ("line_items[0][price_data][product_data][name]", "Box"),
                ("line_items[0][quantity]", "1"),
            ],
        )
        .await;
    let secret = s(&r.body["client_secret"]);
    let init = |key: String, account: String| {
        let http = m.sb.http.clone();
        let url = m.sb.url("/embedded/checkout/init");
        let secret = secret.clone();
        async move {
            let r = http
                .post(url)
                .form(&[
                    ("client_secret", secret.as_str()),
                    ("key", key.as_str()),
                    ("stripe_account", account.as_str()),
                ])
                .send()
                .await
                .expect("init");
            let cors = r
                .headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (
                r.status().as_u16(),
                cors,
                r.json::<serde_json::Value>().await.expect("json"),
            )
        }
    };
    let (status, cors, ok) = init(m.sb.keys.publishable_key.clone(), m.acct.clone()).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(cors.as_deref(), Some("*"));
    assert_eq!(ok["session_id"], r.body["id"]);
    assert_eq!(
        ok["return_url"],
        format!("https://shop.example/return?session_id={}", r.id())
    );
    let (status, _, wrong_account) = init(m.sb.keys.publishable_key.clone(), String::new()).await;
    assert_eq!(status, 400);
    assert!(s(&wrong_account["error"]["message"]).contains("does not match"));
    let other = m.sb.handle.create_platform("Other");
    let (status, _, _) = init(other.publishable_key, m.acct.clone()).await;
    assert_eq!(status, 400);
    let (status, _, _) = init(m.sb.keys.secret_key.clone(), m.acct.clone()).await;
    assert_eq!(status, 400);

    // The iframe page: client secret required; completing tells the parent where to go.
    let frame = format!(
        "{}{}",
        m.sb.handle.url().trim_end_matches('/'),
        s(&ok["path"])
    );
    let (status, html) = page(&m, &frame).await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"checkout embedded\""));
    assert!(!html.contains("id=\"back-link\""));
    let (status, _) = page(
        &m,
        &format!("{}embedded/checkout/{}", m.sb.handle.url(), r.id()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, html) = post_form(&m, &frame, &card("4242424242424242")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"checkout-complete\""), "{html}");
    assert!(html.contains("data-notify=\"true\""));
    assert!(html.contains(&format!(
        "data-redirect=\"https://shop.example/return?session_id={}\"",
        r.id()
    )));
    let done = m.fetch(&format!("/v1/checkout/sessions/{}", r.id())).await;
    assert_eq!(done["status"], "complete");

    // The script, at the paths stripe.js uses.
    for path in [
        "v3/",
        "v3",
        "basil/stripe.js",
        "clover/stripe.js",
        "dahlia/stripe.js",
        "endive/stripe.js",
    ] {
        let r = m.sb.http.get(m.sb.url(path)).send().await.expect("script");
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .starts_with("application/javascript")
        );
        let js = r.text().await.unwrap_or_default();
        assert!(js.contains("createEmbeddedCheckoutPage") && js.contains("initEmbeddedCheckout"));
    }
}
