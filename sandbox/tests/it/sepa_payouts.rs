//! SEPA Direct Debit through Checkout (processing, then settled by the sandbox clock), payouts
//! and transfers.

use serde_json::Value;

use crate::helpers::{assert_fixture_shape, complete_custom_individual, spawn};
use crate::pay::{Merchant, count, merchant, s, typed};

const SEPA: &[(&str, &str)] = &[
    ("payment_method_types[0]", "card"),
    ("payment_method_types[1]", "sepa_debit"),
];

async fn sepa_session(m: &Merchant) -> Value {
    m.session(5000, "eur", SEPA).await
}

#[tokio::test]
async fn sepa_success_and_failure_settle_after_the_delay() {
    let m = merchant().await;
    let session = sepa_session(&m).await;
    assert_eq!(
        session["payment_method_types"],
        serde_json::json!(["card", "sepa_debit"])
    );
    let done = m
        .complete(
            &session,
            &[
                ("iban", "DE89 3704 0044 0532 0130 00"),
                ("name", "Jenny Rosen"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "complete");
    assert_eq!(done.body["payment_status"], "unpaid");
    let pi_id = s(&done.body["payment_intent"]);
    let pi = m.fetch(&format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["status"], "processing");
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&pi["latest_charge"])))
        .await;
    assert_eq!(charge["status"], "pending");
    assert_eq!(charge["payment_method_details"]["type"], "sepa_debit");
    assert_eq!(
        charge["payment_method_details"]["sepa_debit"]["last4"],
        "3000"
    );
    assert_eq!(
        charge["payment_method_details"]["sepa_debit"]["bank_code"],
        "37040044"
    );
    assert_eq!(
        charge["payment_method_details"]["sepa_debit"]["country"],
        "DE"
    );
    typed::<stripe_shared::Charge>(&charge);

    m.advance(10);
    let pi = m.fetch(&format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["status"], "succeeded");
    let session = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(session["payment_status"], "paid");
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&pi["latest_charge"])))
        .await;
    assert_eq!(charge["status"], "succeeded");
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&charge["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["fee"], 35);
    let types = m.event_types().await;
    for t in [
        "payment_intent.processing",
        "charge.pending",
        "checkout.session.completed",
        "charge.succeeded",
        "checkout.session.async_payment_succeeded",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }

    // Failure: back to requires_payment_method, async_payment_failed.
    let session = sepa_session(&m).await;
    let done = m
        .complete(&session, &[("payment_method", "pm_failed_de")])
        .await;
    assert_eq!(done.body["status"], "complete");
    m.advance(10);
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&done.body["payment_intent"])
        ))
        .await;
    assert_eq!(pi["status"], "requires_payment_method");
    assert_eq!(
        pi["last_payment_error"]["code"],
        "generic_could_not_process"
    );
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&pi["latest_charge"])))
        .await;
    assert_eq!(charge["status"], "failed");
    let session = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(session["payment_status"], "unpaid");
    assert!(
        m.event_types()
            .await
            .iter()
            .any(|t| t == "checkout.session.async_payment_failed")
    );

    // Delayed IBANs wait for the longer delay; insufficient funds fail with their code.
    let session = sepa_session(&m).await;
    let delayed = m
        .complete(&session, &[("iban", "DE08370400440532013003")])
        .await;
    let pi_id = s(&delayed.body["payment_intent"]);
    m.advance(10);
    assert_eq!(
        m.fetch(&format!("/v1/payment_intents/{pi_id}")).await["status"],
        "processing"
    );
    m.advance(200);
    assert_eq!(
        m.fetch(&format!("/v1/payment_intents/{pi_id}")).await["status"],
        "succeeded"
    );
    let session = sepa_session(&m).await;
    let poor = m
        .complete(&session, &[("iban", "DE65370400440002222227")])
        .await;
    m.advance(10);
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&poor.body["payment_intent"])
        ))
        .await;
    assert_eq!(pi["last_payment_error"]["code"], "insufficient_funds");

    // Disputed IBAN: succeeds, then a dispute opens.
    let session = sepa_session(&m).await;
    let disputed = m
        .complete(&session, &[("payment_method", "pm_disputed_de")])
        .await;
    m.advance(10);
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&disputed.body["payment_intent"])
        ))
        .await;
    assert_eq!(pi["status"], "succeeded");
    let disputes = m
        .get("/v1/disputes", &[("payment_intent", &s(&pi["id"]))])
        .await;
    assert_eq!(count(&disputes.body), 1);
    typed::<stripe_shared::Dispute>(&disputes.body["data"][0]);

    // A SEPA refund stays pending, then succeeds.
    let charge = charge_of(&m, &pi_id).await;
    let refund = m.post("/v1/refunds", &[("charge", charge.as_str())]).await;
    assert_eq!(refund.body["status"], "pending", "{}", refund.body);
    m.advance(10);
    assert_eq!(
        m.fetch(&format!("/v1/refunds/{}", refund.id())).await["status"],
        "succeeded"
    );
    assert!(
        m.event_types()
            .await
            .iter()
            .any(|t| t == "charge.refund.updated")
    );

    // A card-only session refuses an IBAN; SEPA needs eur.
    let card_only = m
        .session(5000, "eur", &[("payment_method_types[0]", "card")])
        .await;
    let refused = m
        .complete(&card_only, &[("iban", "DE89370400440532013000")])
        .await;
    assert_eq!(refused.status, 400);
    let usd = m
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "payment"),
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "500"),
                ("line_items[0][price_data][product_data][name]", "x"),
                ("line_items[0][quantity]", "1"),
                ("success_url", "https://x.example"),
                ("payment_method_types[0]", "sepa_debit"),
            ],
        )
        .await;
    assert_eq!(usd.status, 400);
}

async fn charge_of(m: &Merchant, pi: &str) -> String {
    s(&m.fetch(&format!("/v1/payment_intents/{pi}")).await["latest_charge"])
}

#[tokio::test]
async fn payouts_need_available_funds_and_get_paid_by_the_clock() {
    let m = merchant().await;
    let poor = m
        .post("/v1/payouts", &[("amount", "1000"), ("currency", "usd")])
        .await;
    assert_eq!(poor.status, 400);
    assert_eq!(poor.body["error"]["code"], "balance_insufficient");

    // Pending funds do not count.
    m.pay(5000, "pm_card_visa", &[]).await;
    let still_poor = m
        .post("/v1/payouts", &[("amount", "1000"), ("currency", "usd")])
        .await;
    assert_eq!(still_poor.body["error"]["code"], "balance_insufficient");

    m.pay(10_000, "pm_card_bypassPending", &[]).await;
    let balance = m.fetch("/v1/balance").await;
    assert_eq!(balance["available"][0]["amount"], 10_000 - 320);
    let payout = m
        .post(
            "/v1/payouts",
            &[
                ("amount", "5000"),
                ("currency", "usd"),
                ("description", "weekly"),
                ("metadata[k]", "v"),
            ],
        )
        .await;
    assert_eq!(payout.status, 200, "{}", payout.body);
    let po = payout.body;
    assert_eq!(po["status"], "pending");
    assert!(s(&po["destination"]).starts_with("ba_"));
    assert_fixture_shape("payout", &po);
    typed::<stripe_shared::Payout>(&po);
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&po["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["type"], "payout");
    assert_eq!(txn["amount"], -5000);
    let by_payout = m
        .get("/v1/balance_transactions", &[("type", "payout")])
        .await;
    assert_eq!(count(&by_payout.body), 1);
    assert_eq!(
        m.fetch("/v1/balance").await["available"][0]["amount"],
        10_000 - 320 - 5000
    );

    m.advance(3 * 86_400);
    let paid = m.fetch(&format!("/v1/payouts/{}", s(&po["id"]))).await;
    assert_eq!(paid["status"], "paid");
    let types = m.event_types().await;
    for t in ["payout.created", "payout.updated", "payout.paid"] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let cancel_paid = m
        .post(&format!("/v1/payouts/{}/cancel", s(&po["id"])), &[])
        .await;
    assert_eq!(cancel_paid.status, 400);

    // Cancel a pending payout: the money comes back.
    let second = m
        .post("/v1/payouts", &[("amount", "1000"), ("currency", "usd")])
        .await;
    let canceled = m
        .post(&format!("/v1/payouts/{}/cancel", second.id()), &[])
        .await;
    assert_eq!(canceled.body["status"], "canceled", "{}", canceled.body);
    // The first (pending) charge became available with the clock: 5000 - 175 fee.
    assert_eq!(
        m.fetch("/v1/balance").await["available"][0]["amount"],
        10_000 - 320 - 5000 + 5000 - 175
    );
    let list = m.get("/v1/payouts", &[("status", "paid")]).await;
    assert_eq!(count(&list.body), 1);
    let list = m.get("/v1/payouts", &[("status", "canceled")]).await;
    assert_eq!(count(&list.body), 1);
    let instant = m
        .post(
            "/v1/payouts",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("method", "instant"),
            ],
        )
        .await;
    assert_eq!(instant.body["method"], "instant");
}

#[tokio::test]
async fn platform_transfers_to_connected_accounts() {
    let sb = spawn().await;
    let acct = sb.create_account(&complete_custom_individual()).await;
    let acct = s(&acct["id"]);
    let poor = sb
        .post(
            "/v1/transfers",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("destination", &acct),
            ],
        )
        .await;
    assert_eq!(poor.body["error"]["code"], "balance_insufficient");
    let funded = sb
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "20000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
                ("payment_method", "pm_card_bypassPending"),
                ("confirm", "true"),
            ],
        )
        .await;
    assert_eq!(funded.status, 200, "{}", funded.body);
    let t = sb
        .post(
            "/v1/transfers",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("destination", &acct),
                ("transfer_group", "ORDER_1"),
                ("metadata[k]", "v"),
            ],
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_fixture_shape("transfer", &t.body);
    typed::<stripe_shared::Transfer>(&t.body);
    let on_account = sb
        .request(
            reqwest::Method::GET,
            &format!("/v1/charges/{}", s(&t.body["destination_payment"])),
            sb.key(),
            Some(&acct),
            &[],
            &[],
        )
        .await;
    assert_eq!(on_account.body["source_transfer"], t.body["id"]);
    let balance = sb
        .request(
            reqwest::Method::GET,
            "/v1/balance",
            sb.key(),
            Some(&acct),
            &[],
            &[],
        )
        .await;
    assert_eq!(balance.body["available"][0]["amount"], 1000);
    let list = sb.get("/v1/transfers", &[("destination", &acct)]).await;
    assert_eq!(count(&list.body), 1);
    let updated = sb
        .post(
            &format!("/v1/transfers/{}", t.id()),
            &[("description", "payout share")],
        )
        .await;
    assert_eq!(updated.body["description"], "payout share");
    let unknown = sb
        .post(
            "/v1/transfers",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("destination", "acct_nope"),
            ],
        )
        .await;
    assert_eq!(unknown.status, 400);
    let from_account = sb
        .request(
            reqwest::Method::POST,
            "/v1/transfers",
            sb.key(),
            Some(&acct),
            &[],
            &[
                ("amount", "10"),
                ("currency", "usd"),
                ("destination", &acct),
            ],
        )
        .await;
    assert_eq!(from_account.status, 400);
}
