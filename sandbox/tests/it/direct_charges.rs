//! The seed flow: a direct charge through Checkout on a connected account with an application
//! fee, completed by the test helper, then everything it creates on both accounts.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Receiver, assert_fixture_shape, wait_for};
use crate::pay::{count, merchant, s, typed};

#[tokio::test]
async fn direct_charge_with_fee_books_both_accounts_and_notifies_connect_endpoint() {
    let m = merchant().await;
    let receiver = Receiver::start(&[]).await;
    let hook =
        m.sb.post(
            "/v1/webhook_endpoints",
            &[
                ("url", receiver.url.as_str()),
                ("enabled_events[0]", "*"),
                ("connect", "true"),
            ],
        )
        .await;
    assert_eq!(hook.status, 200, "{}", hook.body);

    let session = m
        .session(
            10_000,
            "usd",
            &[
                ("payment_intent_data[application_fee_amount]", "1230"),
                ("client_reference_id", "order_42"),
                ("metadata[order]", "42"),
            ],
        )
        .await;
    assert_eq!(session["status"], "open");
    assert_eq!(session["payment_intent"], Value::Null);
    assert_eq!(session["amount_total"], 10_000);
    assert_eq!(session["ui_mode"], "hosted_page");
    assert!(
        s(&session["url"]).starts_with(&m.sb.handle.url()),
        "{session}"
    );
    assert_eq!(session["client_secret"], Value::Null);
    assert_fixture_shape("checkout.session", &session);
    typed::<stripe_shared::CheckoutSession>(&session);

    let done = m
        .complete(
            &session,
            &[
                ("payment_method", "pm_card_visa"),
                ("email", "jenny@example.com"),
                ("name", "Jenny Rosen"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let session = done.body;
    assert_eq!(session["status"], "complete");
    assert_eq!(session["payment_status"], "paid");
    assert_eq!(session["customer_details"]["email"], "jenny@example.com");
    assert_eq!(session["url"], Value::Null, "url is only shown while open");
    let session_typed = typed::<stripe_shared::CheckoutSession>(&session);
    assert_eq!(session_typed.amount_total, Some(10_000));

    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&session["payment_intent"])
        ))
        .await;
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount_received"], 10_000);
    assert_eq!(pi["application_fee_amount"], 1230);
    assert_eq!(pi["application"], m.sb.keys.client_id.as_str());
    assert!(s(&pi["client_secret"]).starts_with(&format!("{}_secret_", s(&pi["id"]))));
    assert_fixture_shape("payment_intent", &pi);
    typed::<stripe_shared::PaymentIntent>(&pi);

    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&pi["latest_charge"])))
        .await;
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["paid"], true);
    assert_eq!(charge["captured"], true);
    assert_eq!(charge["amount_captured"], 10_000);
    assert_eq!(charge["application_fee_amount"], 1230);
    assert!(s(&charge["application_fee"]).starts_with("fee_"));
    assert_eq!(charge["payment_method_details"]["card"]["brand"], "visa");
    assert_eq!(charge["payment_method_details"]["card"]["last4"], "4242");
    assert_eq!(charge["billing_details"]["name"], "Jenny Rosen");
    assert_eq!(charge["outcome"]["type"], "authorized");
    assert_fixture_shape("charge", &charge);
    typed::<stripe_shared::Charge>(&charge);

    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&charge["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["type"], "charge");
    assert_eq!(txn["status"], "pending");
    assert_eq!(txn["amount"], 10_000);
    let fees: Vec<(String, i64)> = txn["fee_details"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (s(&f["type"]), f["amount"].as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        fees,
        vec![
            ("stripe_fee".to_owned(), 320),
            ("application_fee".to_owned(), 1230)
        ]
    );
    assert_eq!(txn["fee"], 1550);
    assert_eq!(txn["net"], 10_000 - 1550);
    assert_eq!(txn["source"], charge["id"]);
    assert_fixture_shape("balance_transaction", &txn);
    typed::<stripe_shared::BalanceTransaction>(&txn);

    // The application fee lives on the platform.
    let fee =
        m.sb.get(
            &format!("/v1/application_fees/{}", s(&charge["application_fee"])),
            &[],
        )
        .await;
    assert_eq!(fee.status, 200, "{}", fee.body);
    let fee = fee.body;
    assert_eq!(fee["account"], m.acct.as_str());
    assert_eq!(fee["amount"], 1230);
    assert_eq!(fee["charge"], charge["id"]);
    assert_eq!(fee["application"], m.sb.keys.client_id.as_str());
    assert_fixture_shape("application_fee", &fee);
    typed::<stripe_shared::ApplicationFee>(&fee);
    let expanded =
        m.sb.get(
            &format!("/v1/application_fees/{}", s(&fee["id"])),
            &[("expand[]", "charge")],
        )
        .await;
    assert_eq!(
        expanded.body["charge"]["id"], charge["id"],
        "{}",
        expanded.body
    );
    let fee_txn =
        m.sb.get(
            &format!(
                "/v1/balance_transactions/{}",
                s(&fee["balance_transaction"])
            ),
            &[],
        )
        .await;
    assert_eq!(fee_txn.body["type"], "application_fee");
    assert_eq!(fee_txn.body["net"], 1230);
    let fees_list =
        m.sb.get("/v1/application_fees", &[("charge", &s(&charge["id"]))])
            .await;
    assert_eq!(count(&fees_list.body), 1);
    let on_account = m
        .get(&format!("/v1/application_fees/{}", s(&fee["id"])), &[])
        .await;
    assert_eq!(on_account.status, 404);

    // Balances: pending until two days later, then available with `balance.available`.
    let balance = m.fetch("/v1/balance").await;
    assert_eq!(balance["pending"][0]["amount"], 8450, "{balance}");
    assert_eq!(balance["available"][0]["amount"], 0);
    assert_fixture_shape("balance", &balance);
    typed::<stripe_core::Balance>(&balance);
    let platform_balance = m.sb.get("/v1/balance", &[]).await.body;
    assert_eq!(
        platform_balance["pending"][0]["amount"], 1230,
        "{platform_balance}"
    );
    m.advance(2 * 86_400 + 1);
    let balance = m.fetch("/v1/balance").await;
    assert_eq!(balance["available"][0]["amount"], 8450, "{balance}");
    assert_eq!(balance["pending"][0]["amount"], 0);
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&charge["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["status"], "available");

    // Events: on the connected account, delivered to the platform's Connect endpoint with `account`.
    let types = m.event_types().await;
    for wanted in [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
        "balance.available",
    ] {
        assert!(
            types.iter().any(|t| t == wanted),
            "{wanted} missing from {types:?}"
        );
    }
    let position = |t: &str| types.iter().position(|x| x == t).unwrap_or(usize::MAX);
    assert!(position("payment_intent.succeeded") < position("checkout.session.completed"));
    let platform_events =
        m.sb.get("/v1/events", &[("type", "application_fee.created")])
            .await;
    assert_eq!(count(&platform_events.body), 1);
    let hits = wait_for("completed event delivered", Duration::from_secs(10), || {
        let hits = receiver.hits();
        hits.iter()
            .any(|h| h.json()["type"] == "checkout.session.completed")
            .then_some(hits)
    })
    .await;
    let completed = hits
        .iter()
        .map(|h| h.json())
        .find(|e| e["type"] == "checkout.session.completed")
        .unwrap_or_default();
    assert_eq!(completed["account"], m.acct.as_str());
    assert_eq!(completed["data"]["object"]["id"], session["id"]);
    let event: stripe_shared::Event = typed(&completed);
    assert_eq!(event.account.as_deref(), Some(m.acct.as_str()));

    // Isolation: another connected account and the platform itself cannot see the charge.
    let other = crate::pay::connected(&m.sb).await;
    let path = format!("/v1/charges/{}", s(&charge["id"]));
    let foreign =
        m.sb.request(Method::GET, &path, m.sb.key(), Some(&other), &[], &[])
            .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(foreign.body["error"]["code"], "resource_missing");
    assert_eq!(m.sb.get(&path, &[]).await.status, 404);
    let foreign_list =
        m.sb.request(
            Method::GET,
            "/v1/charges",
            m.sb.key(),
            Some(&other),
            &[],
            &[],
        )
        .await;
    assert_eq!(count(&foreign_list.body), 0);
}

#[tokio::test]
async fn payment_intent_api_with_test_tokens() {
    let m = merchant().await;
    let r = m
        .pay(
            2000,
            "pm_card_visa",
            &[
                ("description", "Test charge"),
                ("metadata[k]", "v"),
                ("application_fee_amount", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "succeeded");
    assert_eq!(r.body["description"], "Test charge");
    assert!(s(&r.body["payment_method"]).starts_with("pm_"));
    let pm = m
        .fetch(&format!(
            "/v1/payment_methods/{}",
            s(&r.body["payment_method"])
        ))
        .await;
    assert_eq!(pm["card"]["last4"], "4242");
    typed::<stripe_shared::PaymentMethod>(&pm);
    let expanded = m
        .get(
            &format!("/v1/payment_intents/{}", s(&r.body["id"])),
            &[
                ("expand[]", "latest_charge"),
                ("expand[]", "latest_charge.balance_transaction"),
            ],
        )
        .await;
    assert_eq!(
        expanded.body["latest_charge"]["balance_transaction"]["object"], "balance_transaction",
        "{}",
        expanded.body
    );
    typed::<stripe_shared::PaymentIntent>(&expanded.body);

    // Automatic payment methods without return_url: Stripe's error.
    let no_return = m
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("payment_method", "pm_card_visa"),
                ("confirm", "true"),
            ],
        )
        .await;
    assert_eq!(no_return.status, 400);
    assert_eq!(no_return.body["error"]["param"], "return_url");
    let with_return = m
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("payment_method", "pm_card_mastercard"),
                ("confirm", "true"),
                ("return_url", "https://shop.example/back"),
            ],
        )
        .await;
    assert_eq!(with_return.status, 200, "{}", with_return.body);
    assert_eq!(
        with_return.body["automatic_payment_methods"]["enabled"],
        true
    );

    // Two-step: create, then confirm.
    let created = m
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "1500"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
            ],
        )
        .await;
    assert_eq!(created.body["status"], "requires_payment_method");
    let confirmed = m
        .post(
            &format!("/v1/payment_intents/{}/confirm", created.id()),
            &[("payment_method", "pm_card_amex")],
        )
        .await;
    assert_eq!(confirmed.body["status"], "succeeded", "{}", confirmed.body);

    // application_fee_amount rules.
    let platform_fee =
        m.sb.post(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
                ("application_fee_amount", "10"),
            ],
        )
        .await;
    assert_eq!(platform_fee.status, 400);
    assert!(
        s(&platform_fee.body["error"]["message"])
            .starts_with("Can only apply an application_fee_amount")
    );
    let too_big = m
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
                ("application_fee_amount", "1001"),
            ],
        )
        .await;
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.body["error"]["param"], "application_fee_amount");
    let small = m
        .post(
            "/v1/payment_intents",
            &[("amount", "10"), ("currency", "usd")],
        )
        .await;
    assert_eq!(small.body["error"]["code"], "amount_too_small");

    // Lists with filters and pagination.
    let list = m.get("/v1/payment_intents", &[("limit", "2")]).await;
    assert_eq!(count(&list.body), 2);
    assert_eq!(list.body["has_more"], true);
    assert_eq!(list.body["url"], "/v1/payment_intents");
    let last = s(&list.body["data"][1]["id"]);
    let next = m
        .get(
            "/v1/payment_intents",
            &[("limit", "10"), ("starting_after", &last)],
        )
        .await;
    assert_eq!(count(&next.body), 1);
    let charges = m
        .get("/v1/charges", &[("payment_intent", &s(&r.body["id"]))])
        .await;
    assert_eq!(count(&charges.body), 1);
    let updated = m
        .post(
            &format!("/v1/charges/{}", s(&charges.body["data"][0]["id"])),
            &[("description", "updated"), ("metadata[x]", "y")],
        )
        .await;
    assert_eq!(updated.body["description"], "updated");
    assert_eq!(updated.body["metadata"]["x"], "y");
    assert!(m.event_types().await.iter().any(|t| t == "charge.updated"));
}

#[tokio::test]
async fn destination_charge_transfers_to_the_connected_account() {
    let m = merchant().await;
    let r =
        m.sb.post(
            "/v1/payment_intents",
            &[
                ("amount", "5000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
                ("payment_method", "pm_card_bypassPending"),
                ("confirm", "true"),
                ("transfer_data[destination]", &m.acct),
                ("application_fee_amount", "500"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let charge =
        m.sb.get(&format!("/v1/charges/{}", s(&r.body["latest_charge"])), &[])
            .await
            .body;
    let transfer =
        m.sb.get(&format!("/v1/transfers/{}", s(&charge["transfer"])), &[])
            .await
            .body;
    assert_eq!(transfer["amount"], 5000);
    assert_eq!(transfer["destination"], m.acct.as_str());
    assert_eq!(transfer["source_transaction"], charge["id"]);
    typed::<stripe_shared::Transfer>(&transfer);
    assert_fixture_shape("transfer", &transfer);
    let payment = m
        .fetch(&format!(
            "/v1/charges/{}",
            s(&transfer["destination_payment"])
        ))
        .await;
    assert!(s(&payment["id"]).starts_with("py_"));
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&payment["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["type"], "payment");
    assert_eq!(txn["net"], 4500);
    let fee = m.sb.get("/v1/application_fees", &[]).await.body;
    assert_eq!(fee["data"][0]["originating_transaction"], charge["id"]);
    assert_eq!(fee["data"][0]["account"], m.acct.as_str());
}
