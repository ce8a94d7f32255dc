//! End customers paying merchants, through the sandbox only: direct charges with the platform
//! fee, hosted and embedded checkout, declines, SEPA's asynchronous outcomes, bad carts, faults
//! during creation, refunds and disputes. Orders move only from webhooks.

use std::time::Duration;

use domain::{
    catalog,
    merchants::Merchant,
    orders::{self, Order, OrderStatus},
    outbox,
};
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{TestApp, onboarded_merchant, wait_for},
};

const WAIT: Duration = Duration::from_secs(15);

/// Starts a checkout as a customer would, from the storefront's server function.
async fn start_checkout(
    app: &TestApp,
    slug: &str,
    lines: &[(&str, i64)],
    embedded: bool,
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = vec![
        ("slug".into(), slug.into()),
        ("embedded".into(), embedded.to_string()),
        ("email".into(), "customer@example.com".into()),
    ];
    for (i, (product, quantity)) in lines.iter().enumerate() {
        form.push((format!("lines[{i}][product_id]"), product.to_string()));
        form.push((format!("lines[{i}][quantity]"), quantity.to_string()));
    }
    app.post_same_origin("/api/shop/checkout")
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The merchant's products, the croissant (1.20 €) first and the loaf (4.50 €) second.
async fn products(app: &TestApp, merchant: &Merchant) -> Vec<catalog::Product> {
    let mut list = catalog::list(&app.services.db, &merchant.id, true)
        .await
        .unwrap();
    list.sort_by_key(|p| p.unit_amount);
    list
}

async fn only_order(app: &TestApp, merchant: &Merchant) -> Order {
    let mut list = orders::list_for_merchant(&app.services.db, &merchant.id, 10)
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "one order");
    list.remove(0)
}

async fn order_status(app: &TestApp, id: &str) -> OrderStatus {
    orders::find(&app.services.db, id)
        .await
        .unwrap()
        .unwrap()
        .status
}

pub async fn wait_status(app: &TestApp, id: &str, wanted: OrderStatus) {
    wait_for(
        &format!("order {id} to become {wanted:?}"),
        WAIT,
        || async move { (order_status(app, id).await == wanted).then_some(()) },
    )
    .await;
}

/// Pays the order's Checkout Session as the customer would on Stripe's page.
pub async fn pay(
    app: &TestApp,
    merchant: &Merchant,
    order: &Order,
    payment_method: &str,
) -> reqwest::Response {
    let session = order
        .stripe_checkout_session_id
        .as_deref()
        .expect("a session");
    reqwest::Client::new()
        .post(format!(
            "{}v1/test_helpers/checkout/sessions/{session}/complete",
            app.sandbox_url
        ))
        .bearer_auth(app.platform_key())
        .header(
            "Stripe-Account",
            merchant.stripe_account_id.as_deref().unwrap(),
        )
        .form(&[("payment_method", payment_method)])
        .send()
        .await
        .unwrap()
}

/// Starts a hosted checkout of 2 croissants and 1 loaf (6.90 €) and returns the order.
pub async fn hosted_order(app: &TestApp, merchant: &Merchant) -> Order {
    let catalogue = products(app, merchant).await;
    let response = start_checkout(
        app,
        &merchant.slug,
        &[(&catalogue[0].id, 2), (&catalogue[1].id, 1)],
        false,
    )
    .await;
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    let start: Value = response.json().await.unwrap();
    let url = start["Redirect"]["url"]
        .as_str()
        .expect("a redirect to Stripe's hosted page");
    assert!(url.starts_with(&app.sandbox_url), "{url}");
    only_order(app, merchant).await
}

app_test!(
    a_card_payment_is_fulfilled_from_the_webhook_with_the_platform_fee,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        assert_eq!(order.amount_total, 690);
        assert_eq!(
            order.application_fee_amount, 35,
            "5 % of 6.90 €, rounded half up"
        );
        assert_eq!(order.status, OrderStatus::Pending);

        let session = app
            .stripe_get(
                &format!(
                    "/checkout/sessions/{}",
                    order.stripe_checkout_session_id.as_deref().unwrap()
                ),
                merchant.stripe_account_id.as_deref(),
            )
            .await;
        assert_eq!(session["amount_total"], 690);
        assert_eq!(session["client_reference_id"], order.id);
        assert_eq!(session["ui_mode"], "hosted_page");

        assert_eq!(
            pay(&app, &merchant, &order, "pm_card_visa").await.status(),
            200
        );
        wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
        let order = orders::find(&app.services.db, &order.id)
            .await
            .unwrap()
            .unwrap();
        assert!(order.paid_at.is_some() && order.fulfilled_at.is_some());
        let payment_intent = order
            .stripe_payment_intent_id
            .clone()
            .expect("the payment intent was recorded");

        // The platform's fee exists at Stripe, on the platform, for this charge.
        let fees = app.stripe_get("/application_fees", None).await;
        let fee = &fees["data"][0];
        assert_eq!(fee["amount"], 35);
        assert_eq!(fee["account"], json!(merchant.stripe_account_id));
        let charge = app
            .stripe_get(
                &format!("/charges?payment_intent={payment_intent}"),
                merchant.stripe_account_id.as_deref(),
            )
            .await;
        assert_eq!(charge["data"][0]["application_fee_amount"], 35);

        // Fulfilment happened exactly once.
        let messages = outbox::for_subject(&app.services.db, &order.id)
            .await
            .unwrap();
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.kind == "order.fulfilled")
                .count(),
            1
        );

        // The customer's order page reads the recorded state.
        let page: Value = app
            .post_same_origin("/api/shop/order")
            .form(&[
                ("slug", merchant.slug.as_str()),
                ("order_id", order.id.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["status"], "fulfilled");
        assert_eq!(page["lines"].as_array().unwrap().len(), 2);
    }
);

app_test!(
    the_order_page_never_marks_an_order_paid_by_itself,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        // Every delivery is lost: the session is paid at Stripe, but no webhook arrives.
        app.sandbox().set_delivery(sandbox::DeliveryKnobs {
            drop_rate: 1.0,
            drop_is_permanent: true,
            ..Default::default()
        });
        let paid = pay(&app, &merchant, &order, "pm_card_visa").await;
        assert_eq!(paid.status(), 200);
        for _ in 0..3 {
            let page: Value = app
                .post_same_origin("/api/shop/order")
                .form(&[
                    ("slug", merchant.slug.as_str()),
                    ("order_id", order.id.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(page["status"], "pending");
        }
        // Stripe did try to tell Comptoir (the attempt was dropped), and still nothing moved.
        wait_for("a dropped delivery", WAIT, || async {
            let log: Value = reqwest::get(format!("{}_sandbox/deliveries", app.sandbox_url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            log["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["outcome"] == "dropped")
                .then_some(())
        })
        .await;
        assert_eq!(order_status(&app, &order.id).await, OrderStatus::Pending);
    }
);

app_test!(
    a_declined_card_leaves_the_order_unpaid,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        let declined = pay(&app, &merchant, &order, "pm_card_visa_chargeDeclined").await;
        assert_eq!(declined.status(), 402);
        let body: Value = declined.json().await.unwrap();
        assert_eq!(body["error"]["code"], "card_declined");
        // The decline's own webhooks arrive and are processed; the order still waits, as the
        // customer may try again with another card.
        wait_for("the decline's webhook to be processed", WAIT, || async {
            let done: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_events WHERE event_type = 'payment_intent.payment_failed' AND status = 'done'",
            )
            .fetch_one(app.services.db.pool())
            .await
            .unwrap();
            (done > 0).then_some(())
        })
        .await;
        assert_eq!(order_status(&app, &order.id).await, OrderStatus::Pending);
        assert_eq!(
            pay(&app, &merchant, &order, "pm_card_visa").await.status(),
            200
        );
        wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
    }
);

app_test!(
    sepa_success_goes_through_awaiting_payment,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        let paid = pay(&app, &merchant, &order, "pm_success_de").await;
        assert_eq!(paid.status(), 200, "{}", paid.text().await.unwrap());
        wait_for("the order to leave pending", WAIT, || async {
            (order_status(&app, &order.id).await != OrderStatus::Pending).then_some(())
        })
        .await;
        wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
        let processed: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM webhook_events WHERE event_type LIKE 'checkout.session.%' ORDER BY received_at",
    )
    .fetch_all(app.services.db.pool())
    .await
    .unwrap();
        assert!(processed.contains(&"checkout.session.completed".to_string()));
        assert!(processed.contains(&"checkout.session.async_payment_succeeded".to_string()));
    }
);

app_test!(
    sepa_failure_fails_the_order_and_notifies_the_customer,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        assert_eq!(
            pay(&app, &merchant, &order, "pm_failed_de").await.status(),
            200
        );
        wait_status(&app, &order.id, OrderStatus::Failed).await;
        let messages = outbox::for_subject(&app.services.db, &order.id)
            .await
            .unwrap();
        let notice = messages
            .iter()
            .find(|m| m.kind == "payment.failed")
            .expect("a customer notice");
        assert_eq!(notice.recipient.as_deref(), Some("customer@example.com"));
        assert!(messages.iter().all(|m| m.kind != "order.fulfilled"));
    }
);

app_test!(
    an_embedded_checkout_gets_a_client_secret,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let catalogue = products(&app, &merchant).await;
        let response = start_checkout(&app, &merchant.slug, &[(&catalogue[0].id, 1)], true).await;
        let start: Value = response.json().await.unwrap();
        let embedded = &start["Embedded"];
        assert!(
            embedded["client_secret"]
                .as_str()
                .unwrap()
                .starts_with("cs_test_")
        );
        assert_eq!(
            embedded["stripe_account"],
            json!(merchant.stripe_account_id)
        );
        assert!(
            embedded["publishable_key"]
                .as_str()
                .unwrap()
                .starts_with("pk_test_")
        );
        assert!(
            embedded["js_url"]
                .as_str()
                .unwrap()
                .starts_with(&app.sandbox_url)
        );
        let order = only_order(&app, &merchant).await;
        let session = app
            .stripe_get(
                &format!(
                    "/checkout/sessions/{}",
                    order.stripe_checkout_session_id.as_deref().unwrap()
                ),
                merchant.stripe_account_id.as_deref(),
            )
            .await;
        assert_eq!(session["ui_mode"], "embedded_page");
        assert!(session["url"].is_null());
        assert!(
            session["return_url"]
                .as_str()
                .unwrap()
                .contains(&format!("/orders/{}", order.id))
        );
        assert_eq!(
            pay(&app, &merchant, &order, "pm_card_visa").await.status(),
            200
        );
        wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
    }
);

app_test!(
    bad_carts_get_clear_errors_and_create_nothing_at_stripe,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let catalogue = products(&app, &merchant).await;
        let croissant = catalogue[0].id.clone();
        let dollars = catalog::create(
            &app.services,
            &merchant.id,
            &catalog::ProductInput {
                name: "Bagel".into(),
                description: String::new(),
                unit_amount: 300,
                currency: "usd".into(),
            },
        )
        .await
        .unwrap();
        let huge = catalog::create(
            &app.services,
            &merchant.id,
            &catalog::ProductInput {
                name: "Bakery".into(),
                description: String::new(),
                unit_amount: catalog::MAX_AMOUNT,
                currency: "eur".into(),
            },
        )
        .await
        .unwrap();
        let many: Vec<(&str, i64)> = (0..101).map(|_| (croissant.as_str(), 1)).collect();
        let cases: Vec<(Vec<(&str, i64)>, &str)> = vec![
            (vec![], "Your cart is empty."),
            (many, "at most 100"),
            (vec![("prd_nope", 1)], "not sold here"),
            (vec![(&croissant, 0)], "between 1 and 999"),
            (vec![(&croissant, 1), (&dollars.id, 1)], "same currency"),
            (vec![(&huge.id, 2)], "too large"),
        ];
        for (lines, expected) in cases {
            let response = start_checkout(&app, &merchant.slug, &lines, false).await;
            assert_eq!(
                response.status(),
                422,
                "a refused cart is a client error, with the reason in the body"
            );
            let body: Value = response.json().await.unwrap();
            let message = body["Invalid"].as_str().unwrap_or_default().to_string();
            assert!(
                message.contains(expected),
                "{message:?} should say {expected:?}"
            );
        }

        // Another merchant's product cannot be bought here.
        let other = app
            .sign_up_merchant(
                "other@example.com",
                "a long passphrase",
                "Other Shop",
                false,
            )
            .await;
        assert!(other.status().is_success());
        let other_merchant = crate::helpers::merchant_of(&app, "other@example.com").await;
        let foreign = catalog::create(
            &app.services,
            &other_merchant.id,
            &catalog::ProductInput {
                name: "Theirs".into(),
                description: String::new(),
                unit_amount: 100,
                currency: "eur".into(),
            },
        )
        .await
        .unwrap();
        let response = start_checkout(&app, &merchant.slug, &[(&foreign.id, 1)], false).await;
        assert!(response.text().await.unwrap().contains("not sold here"));
        // A shop that cannot charge yet refuses to start.
        let response = start_checkout(&app, &other_merchant.slug, &[(&foreign.id, 1)], false).await;
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("can't take payments yet")
        );

        let sessions = app
            .stripe_get("/checkout/sessions", merchant.stripe_account_id.as_deref())
            .await;
        assert_eq!(sessions["data"], json!([]), "nothing was created at Stripe");
        assert!(
            orders::list_for_merchant(&app.services.db, &merchant.id, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

app_test!(
    rate_limits_and_errors_during_creation_never_duplicate_sessions,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let catalogue = products(&app, &merchant).await;
        app.sandbox().set_faults(sandbox::FaultConfig {
            rate_429: 0.3,
            rate_500: 0.2,
            latency_ms: 0,
            path_prefix: Some("/v1/checkout/sessions".into()),
        });
        let mut started = 0;
        let mut refused = 0;
        for _ in 0..12 {
            let response =
                start_checkout(&app, &merchant.slug, &[(&catalogue[0].id, 1)], false).await;
            if response.status().is_success() {
                started += 1;
            } else {
                refused += 1;
                assert!(
                    response
                        .text()
                        .await
                        .unwrap()
                        .contains("could not be started")
                );
            }
        }
        app.sandbox().set_faults(sandbox::FaultConfig::default());
        assert!(
            started > 0,
            "retries get most checkouts through ({started} started, {refused} gave up)"
        );

        let orders = orders::list_for_merchant(&app.services.db, &merchant.id, 100)
            .await
            .unwrap();
        let with_session: Vec<&str> = orders
            .iter()
            .filter_map(|o| o.stripe_checkout_session_id.as_deref())
            .collect();
        assert_eq!(with_session.len(), started);
        assert!(
            orders
                .iter()
                .filter(|o| o.stripe_checkout_session_id.is_none())
                .all(|o| o.status == OrderStatus::Failed)
        );
        let sessions = app
            .stripe_get(
                "/checkout/sessions?limit=100",
                merchant.stripe_account_id.as_deref(),
            )
            .await;
        let at_stripe = sessions["data"].as_array().unwrap().len();
        assert_eq!(
            at_stripe, started,
            "exactly one session per started order, none duplicated by retries"
        );
    }
);

app_test!(
    refunds_and_disputes_reach_the_order,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = hosted_order(&app, &merchant).await;
        pay(&app, &merchant, &order, "pm_card_createDispute").await;
        wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
        wait_for("the dispute to be recorded", WAIT, || async {
            orders::find(&app.services.db, &order.id)
                .await
                .unwrap()
                .unwrap()
                .disputed
                .then_some(())
        })
        .await;

        let second = {
            let catalogue = products(&app, &merchant).await;
            start_checkout(&app, &merchant.slug, &[(&catalogue[1].id, 2)], false).await;
            let list = orders::list_for_merchant(&app.services.db, &merchant.id, 10)
                .await
                .unwrap();
            list.into_iter().find(|o| o.id != order.id).unwrap()
        };
        pay(&app, &merchant, &second, "pm_card_visa").await;
        wait_status(&app, &second.id, OrderStatus::Fulfilled).await;
        let payment_intent = orders::find(&app.services.db, &second.id)
            .await
            .unwrap()
            .unwrap()
            .stripe_payment_intent_id
            .unwrap();
        let refund = app
            .stripe_post(
                "/refunds",
                merchant.stripe_account_id.as_deref(),
                &[("payment_intent", &payment_intent), ("amount", "300")],
            )
            .await;
        assert_eq!(refund["status"], "succeeded", "{refund}");
        wait_for("the refund to be recorded", WAIT, || async {
            (orders::find(&app.services.db, &second.id)
                .await
                .unwrap()
                .unwrap()
                .amount_refunded
                == 300)
                .then_some(())
        })
        .await;
    }
);
