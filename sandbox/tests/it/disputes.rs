//! Disputes opened by the dispute test cards: funds, evidence, test-mode outcomes, closing.

use serde_json::Value;

use crate::helpers::assert_fixture_shape;
use crate::pay::{Merchant, count, merchant, s, typed};

async fn disputed(m: &Merchant, token: &str) -> (Value, Value) {
    let paid = m.pay(8000, token, &[]).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&paid.body["latest_charge"])))
        .await;
    let list = m
        .get("/v1/disputes", &[("charge", &s(&charge["id"]))])
        .await;
    assert_eq!(count(&list.body), 1, "{}", list.body);
    (charge, list.body["data"][0].clone())
}

#[tokio::test]
async fn fraudulent_dispute_won_with_winning_evidence() {
    let m = merchant().await;
    let (charge, dispute) = disputed(&m, "pm_card_createDispute").await;
    assert_eq!(charge["disputed"], true);
    assert_eq!(dispute["status"], "needs_response");
    assert_eq!(dispute["reason"], "fraudulent");
    assert_eq!(dispute["amount"], 8000);
    assert_eq!(dispute["evidence"]["uncategorized_text"], Value::Null);
    assert_eq!(dispute["evidence_details"]["has_evidence"], false);
    assert_eq!(dispute["evidence_details"]["submission_count"], 0);
    assert!(
        dispute["evidence_details"]["due_by"].as_i64().unwrap_or(0) > m.sb.handle.sandbox().now()
    );
    let withdrawal = &dispute["balance_transactions"][0];
    assert_eq!(withdrawal["amount"], -8000);
    assert_eq!(withdrawal["fee"], 1500);
    assert_eq!(withdrawal["net"], -9500);
    assert_fixture_shape("dispute", &dispute);
    typed::<stripe_shared::Dispute>(&dispute);
    let types = m.event_types().await;
    assert!(types.iter().any(|t| t == "charge.dispute.created"));
    assert!(types.iter().any(|t| t == "charge.dispute.funds_withdrawn"));
    let refund = m
        .post("/v1/refunds", &[("charge", &s(&charge["id"]))])
        .await;
    assert_eq!(refund.body["error"]["code"], "charge_disputed");

    let id = s(&dispute["id"]);
    let staged = m
        .post(
            &format!("/v1/disputes/{id}"),
            &[
                ("evidence[customer_name]", "Jenny Rosen"),
                ("submit", "false"),
                ("metadata[case]", "1"),
            ],
        )
        .await;
    assert_eq!(staged.status, 200, "{}", staged.body);
    assert_eq!(staged.body["status"], "needs_response");
    assert_eq!(staged.body["evidence_details"]["has_evidence"], true);
    assert_eq!(staged.body["evidence"]["customer_name"], "Jenny Rosen");
    let submitted = m
        .post(
            &format!("/v1/disputes/{id}"),
            &[("evidence[uncategorized_text]", "winning_evidence")],
        )
        .await;
    assert_eq!(submitted.body["status"], "under_review");
    assert_eq!(submitted.body["evidence_details"]["submission_count"], 1);
    let locked = m
        .post(
            &format!("/v1/disputes/{id}"),
            &[("evidence[uncategorized_text]", "more")],
        )
        .await;
    assert_eq!(locked.status, 400);

    m.advance(120);
    let won = m.fetch(&format!("/v1/disputes/{id}")).await;
    assert_eq!(won["status"], "won");
    assert_eq!(
        won["balance_transactions"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(won["balance_transactions"][1]["net"], 9500);
    typed::<stripe_shared::Dispute>(&won);
    let types = m.event_types().await;
    for t in [
        "charge.dispute.updated",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let updated = m
        .get("/v1/events", &[("type", "charge.dispute.updated")])
        .await;
    assert_eq!(
        updated.body["data"][0]["data"]["previous_attributes"]["status"],
        "needs_response"
    );
    // Funds: charge net, withdrawn, then reinstated.
    let balance = m.fetch("/v1/balance").await;
    let pending = balance["pending"][0]["amount"].as_i64().unwrap_or(0);
    let available = balance["available"][0]["amount"].as_i64().unwrap_or(0);
    assert_eq!(pending, 8000 - 262);
    assert_eq!(available, 0);
}

#[tokio::test]
async fn losing_evidence_and_close_lose_the_dispute() {
    let m = merchant().await;
    let (_, dispute) = disputed(&m, "pm_card_createDisputeProductNotReceived").await;
    assert_eq!(dispute["reason"], "product_not_received");
    let id = s(&dispute["id"]);
    let r = m
        .post(
            &format!("/v1/disputes/{id}"),
            &[
                ("evidence[uncategorized_text]", "losing_evidence"),
                ("submit", "true"),
            ],
        )
        .await;
    assert_eq!(r.body["status"], "under_review");
    m.advance(120);
    let lost = m.fetch(&format!("/v1/disputes/{id}")).await;
    assert_eq!(lost["status"], "lost");
    assert_eq!(
        lost["balance_transactions"].as_array().map(Vec::len),
        Some(1)
    );

    let (_, dispute) = disputed(&m, "pm_card_createDispute").await;
    let closed = m
        .post(&format!("/v1/disputes/{}/close", s(&dispute["id"])), &[])
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "lost");
    let again = m
        .post(&format!("/v1/disputes/{}/close", s(&dispute["id"])), &[])
        .await;
    assert_eq!(again.status, 400);
    let closed_events = m
        .get("/v1/events", &[("type", "charge.dispute.closed")])
        .await;
    assert_eq!(count(&closed_events.body), 2);
    let balance = m.fetch("/v1/balance").await;
    assert_eq!(balance["available"][0]["amount"], -19_000, "{balance}");

    // Inquiry: no funds withdrawn, warning statuses.
    let (_, inquiry) = disputed(&m, "pm_card_createDisputeInquiry").await;
    assert_eq!(inquiry["status"], "warning_needs_response");
    assert_eq!(
        inquiry["balance_transactions"].as_array().map(Vec::len),
        Some(0)
    );
    let r = m
        .post(
            &format!("/v1/disputes/{}", s(&inquiry["id"])),
            &[("evidence[uncategorized_text]", "winning_evidence")],
        )
        .await;
    assert_eq!(r.body["status"], "warning_under_review");
    m.advance(120);
    assert_eq!(
        m.fetch(&format!("/v1/disputes/{}", s(&inquiry["id"])))
            .await["status"],
        "warning_closed"
    );
    let by_pi = m
        .get(
            "/v1/disputes",
            &[("payment_intent", &s(&inquiry["payment_intent"]))],
        )
        .await;
    assert_eq!(count(&by_pi.body), 1);
    let all = m.get("/v1/disputes", &[("limit", "2")]).await;
    assert_eq!(all.body["has_more"], true);
}
