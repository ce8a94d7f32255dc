//! Refunds (partial, full, over-refund, application fee refunds) and manual capture / cancel.

use serde_json::Value;

use crate::helpers::assert_fixture_shape;
use crate::pay::{count, merchant, s, typed};

#[tokio::test]
async fn partial_and_full_refunds_update_the_charge_and_balance() {
    let m = merchant().await;
    let paid = m
        .pay(
            10_000,
            "pm_card_visa",
            &[("application_fee_amount", "1000")],
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let pi = paid.id();
    let charge_id = s(&paid.body["latest_charge"]);

    let partial = m
        .post(
            "/v1/refunds",
            &[
                ("payment_intent", &pi),
                ("amount", "2500"),
                ("reason", "requested_by_customer"),
                ("metadata[why]", "size"),
            ],
        )
        .await;
    assert_eq!(partial.status, 200, "{}", partial.body);
    let refund = &partial.body;
    assert_eq!(refund["status"], "succeeded");
    assert_eq!(refund["amount"], 2500);
    assert_eq!(refund["charge"], charge_id.as_str());
    assert_eq!(refund["payment_intent"], pi.as_str());
    assert_eq!(refund["reason"], "requested_by_customer");
    assert_fixture_shape("refund", refund);
    typed::<stripe_shared::Refund>(refund);
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&refund["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["type"], "refund");
    assert_eq!(txn["amount"], -2500);

    let charge = m.fetch(&format!("/v1/charges/{charge_id}")).await;
    assert_eq!(charge["amount_refunded"], 2500);
    assert_eq!(charge["refunded"], false);
    assert_eq!(count(&charge["refunds"]), 1);

    let over = m
        .post("/v1/refunds", &[("charge", &charge_id), ("amount", "8000")])
        .await;
    assert_eq!(over.status, 400);
    assert_eq!(over.body["error"]["code"], "amount_too_large");
    assert_eq!(
        over.body["error"]["message"],
        "Refund amount ($80.00) is greater than unrefunded amount on charge ($75.00)"
    );

    let rest = m
        .post(
            "/v1/refunds",
            &[("charge", &charge_id), ("refund_application_fee", "true")],
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    assert_eq!(rest.body["amount"], 7500);
    let charge = m.fetch(&format!("/v1/charges/{charge_id}")).await;
    assert_eq!(charge["amount_refunded"], 10_000);
    assert_eq!(charge["refunded"], true);
    let again = m.post("/v1/refunds", &[("charge", &charge_id)]).await;
    assert_eq!(again.body["error"]["code"], "charge_already_refunded");

    // The whole remaining application fee went back to the account.
    let fee =
        m.sb.get(
            &format!("/v1/application_fees/{}", s(&charge["application_fee"])),
            &[],
        )
        .await
        .body;
    assert_eq!(fee["amount_refunded"], 1000);
    assert_eq!(fee["refunded"], true);
    assert_eq!(count(&fee["refunds"]), 1);
    assert_fixture_shape("fee_refund", &fee["refunds"]["data"][0]);
    typed::<stripe_shared::ApplicationFee>(&fee);
    let platform_events =
        m.sb.get("/v1/events", &[("type", "application_fee.refunded")])
            .await;
    assert_eq!(count(&platform_events.body), 1);

    // charge.refunded carries previous_attributes.
    let events = m.get("/v1/events", &[("type", "charge.refunded")]).await;
    assert_eq!(count(&events.body), 2);
    let last = &events.body["data"][0];
    assert_eq!(last["data"]["previous_attributes"]["amount_refunded"], 2500);
    assert_eq!(last["data"]["previous_attributes"]["refunded"], false);
    assert_eq!(
        count(
            &m.get("/v1/events", &[("type", "refund.created")])
                .await
                .body
        ),
        2
    );

    // Lists and filters.
    let by_charge = m.get("/v1/refunds", &[("charge", &charge_id)]).await;
    assert_eq!(count(&by_charge.body), 2);
    let by_pi = m
        .get("/v1/refunds", &[("payment_intent", &pi), ("limit", "1")])
        .await;
    assert_eq!(count(&by_pi.body), 1);
    assert_eq!(by_pi.body["has_more"], true);
    let on_charge = m
        .get(&format!("/v1/charges/{charge_id}/refunds"), &[])
        .await;
    assert_eq!(count(&on_charge.body), 2);
    let updated = m
        .post(
            &format!("/v1/refunds/{}", rest.id()),
            &[("metadata[note]", "done")],
        )
        .await;
    assert_eq!(updated.body["metadata"]["note"], "done");
    let balance = m.fetch("/v1/balance").await;
    assert_eq!(
        balance["available"][0]["amount"],
        -10_000 + 1000,
        "{balance}"
    );
}

#[tokio::test]
async fn manual_capture_partial_and_cancel() {
    let m = merchant().await;
    let auth = m
        .pay(
            5000,
            "pm_card_visa",
            &[
                ("capture_method", "manual"),
                ("application_fee_amount", "200"),
            ],
        )
        .await;
    assert_eq!(auth.status, 200, "{}", auth.body);
    assert_eq!(auth.body["status"], "requires_capture");
    assert_eq!(auth.body["amount_capturable"], 5000);
    assert_eq!(auth.body["amount_received"], 0);
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&auth.body["latest_charge"])))
        .await;
    assert_eq!(charge["captured"], false);
    assert_eq!(charge["balance_transaction"], Value::Null);
    let refund_uncaptured = m
        .post("/v1/refunds", &[("charge", &s(&charge["id"]))])
        .await;
    assert_eq!(refund_uncaptured.status, 400);

    let too_much = m
        .post(
            &format!("/v1/payment_intents/{}/capture", auth.id()),
            &[("amount_to_capture", "6000")],
        )
        .await;
    assert_eq!(too_much.status, 400);
    let captured = m
        .post(
            &format!("/v1/payment_intents/{}/capture", auth.id()),
            &[("amount_to_capture", "3000")],
        )
        .await;
    assert_eq!(captured.status, 200, "{}", captured.body);
    assert_eq!(captured.body["status"], "succeeded");
    assert_eq!(captured.body["amount_received"], 3000);
    assert_eq!(captured.body["amount_capturable"], 0);
    let charge = m.fetch(&format!("/v1/charges/{}", s(&charge["id"]))).await;
    assert_eq!(charge["captured"], true);
    assert_eq!(charge["amount_captured"], 3000);
    let txn = m
        .fetch(&format!(
            "/v1/balance_transactions/{}",
            s(&charge["balance_transaction"])
        ))
        .await;
    assert_eq!(txn["amount"], 3000);
    let types = m.event_types().await;
    for t in [
        "payment_intent.amount_capturable_updated",
        "charge.captured",
        "payment_intent.succeeded",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let captured_event = m.get("/v1/events", &[("type", "charge.captured")]).await;
    assert_eq!(
        captured_event.body["data"][0]["data"]["previous_attributes"]["captured"],
        false
    );
    let twice = m
        .post(&format!("/v1/payment_intents/{}/capture", auth.id()), &[])
        .await;
    assert_eq!(
        twice.body["error"]["code"],
        "payment_intent_unexpected_state"
    );
    let over_refund = m
        .post(
            "/v1/refunds",
            &[("charge", &s(&charge["id"])), ("amount", "3001")],
        )
        .await;
    assert_eq!(over_refund.body["error"]["code"], "amount_too_large");

    // Cancel an authorization: released with a refund and `charge.refunded`.
    let auth = m
        .pay(2000, "pm_card_visa", &[("capture_method", "manual")])
        .await;
    let canceled = m
        .post(
            &format!("/v1/payment_intents/{}/cancel", auth.id()),
            &[("cancellation_reason", "requested_by_customer")],
        )
        .await;
    assert_eq!(canceled.status, 200, "{}", canceled.body);
    assert_eq!(canceled.body["status"], "canceled");
    assert_eq!(
        canceled.body["cancellation_reason"],
        "requested_by_customer"
    );
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&auth.body["latest_charge"])))
        .await;
    assert_eq!(charge["refunded"], true);
    assert_eq!(charge["amount_refunded"], 2000);
    typed::<stripe_shared::PaymentIntent>(&canceled.body);

    // Cancel a fresh intent; succeeded ones cannot be canceled.
    let fresh = m
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method_types[]", "card"),
            ],
        )
        .await;
    let c = m
        .post(&format!("/v1/payment_intents/{}/cancel", fresh.id()), &[])
        .await;
    assert_eq!(c.body["status"], "canceled");
    let paid = m.pay(1000, "pm_card_visa", &[]).await;
    let c = m
        .post(&format!("/v1/payment_intents/{}/cancel", paid.id()), &[])
        .await;
    assert_eq!(c.status, 400);
    assert_eq!(c.body["error"]["code"], "payment_intent_unexpected_state");

    // Checkout-created intents are canceled by expiring the session.
    let session = m
        .session(
            1000,
            "usd",
            &[("payment_intent_data[capture_method]", "manual")],
        )
        .await;
    let declined = m
        .complete(&session, &[("payment_method", "pm_card_chargeDeclined")])
        .await;
    let pi = s(&declined.body["error"]["payment_intent"]["id"]);
    let c = m
        .post(&format!("/v1/payment_intents/{pi}/cancel"), &[])
        .await;
    assert_eq!(c.status, 400);
    let expired = m
        .post(
            &format!("/v1/checkout/sessions/{}/expire", s(&session["id"])),
            &[],
        )
        .await;
    assert_eq!(expired.body["status"], "expired");
    let pi = m.fetch(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(pi["status"], "canceled");
    assert_eq!(pi["cancellation_reason"], "abandoned");

    // A manual-capture Checkout payment completes the session unpaid until captured.
    let session = m
        .session(
            1500,
            "usd",
            &[("payment_intent_data[capture_method]", "manual")],
        )
        .await;
    let done = m
        .complete(&session, &[("payment_method", "pm_card_visa")])
        .await;
    assert_eq!(done.body["status"], "complete");
    assert_eq!(done.body["payment_status"], "unpaid");
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&done.body["payment_intent"])
        ))
        .await;
    assert_eq!(pi["status"], "requires_capture");
}
