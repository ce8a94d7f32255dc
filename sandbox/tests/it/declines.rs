//! Test cards that decline, 3D Secure, and what a decline leaves behind.

use crate::helpers::assert_fixture_shape;
use crate::pay::{count, merchant, s, typed};

#[tokio::test]
async fn decline_tokens_answer_card_errors_and_leave_the_session_open() {
    let m = merchant().await;
    let cases = [
        (
            "pm_card_visa_chargeDeclined",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        (
            "pm_card_chargeDeclinedLostCard",
            "card_declined",
            "lost_card",
            "Your card was declined.",
        ),
        (
            "pm_card_chargeDeclinedStolenCard",
            "card_declined",
            "stolen_card",
            "Your card was declined.",
        ),
        (
            "pm_card_chargeDeclinedExpiredCard",
            "expired_card",
            "expired_card",
            "Your card has expired.",
        ),
        (
            "pm_card_chargeDeclinedIncorrectCvc",
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
        (
            "pm_card_chargeDeclinedProcessingError",
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        (
            "pm_card_chargeCustomerFail",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
        (
            "pm_card_radarBlock",
            "card_declined",
            "fraudulent",
            "Your card was declined.",
        ),
    ];
    let session = m.session(2500, "usd", &[]).await;
    let mut pi_id = String::new();
    for (token, code, decline_code, message) in cases {
        let r = m.complete(&session, &[("payment_method", token)]).await;
        assert_eq!(r.status, 402, "{token}: {}", r.body);
        let e = &r.body["error"];
        assert_eq!(e["type"], "card_error", "{token}");
        assert_eq!(e["code"], code, "{token}");
        assert_eq!(e["decline_code"], decline_code, "{token}");
        assert_eq!(e["message"], message, "{token}");
        assert_eq!(e["payment_intent"]["status"], "requires_payment_method");
        assert_eq!(
            e["payment_intent"]["last_payment_error"]["decline_code"],
            decline_code
        );
        assert!(s(&e["charge"]).starts_with("ch_"));
        typed::<stripe_shared::PaymentIntent>(&e["payment_intent"]);
        // The same payment intent is reused for every attempt of the session.
        let id = s(&e["payment_intent"]["id"]);
        if pi_id.is_empty() {
            pi_id = id;
        } else {
            assert_eq!(pi_id, id);
        }
        let charge = m.fetch(&format!("/v1/charges/{}", s(&e["charge"]))).await;
        assert_eq!(charge["status"], "failed");
        assert_eq!(charge["failure_code"], code);
        assert_eq!(charge["failure_message"], message);
        assert_eq!(charge["paid"], false);
        assert_eq!(charge["balance_transaction"], serde_json::Value::Null);
        typed::<stripe_shared::Charge>(&charge);
        if token == "pm_card_radarBlock" {
            assert_eq!(charge["outcome"]["type"], "blocked");
        }
    }
    let open = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(open["status"], "open");
    assert_eq!(open["payment_intent"], pi_id.as_str());
    let types = m.event_types().await;
    assert_eq!(
        types.iter().filter(|t| *t == "charge.failed").count(),
        cases.len()
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "payment_intent.payment_failed")
            .count(),
        cases.len()
    );
    assert!(!types.iter().any(|t| t == "checkout.session.completed"));

    // A good card afterwards completes the session with the same intent.
    let ok = m
        .complete(&session, &[("payment_method", "pm_card_visa")])
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["payment_intent"], pi_id.as_str());
    let charges = m
        .get(
            "/v1/charges",
            &[("payment_intent", &pi_id), ("limit", "100")],
        )
        .await;
    assert_eq!(count(&charges.body), cases.len() + 1);

    // Raw numbers through the helper: a bad Luhn number is refused before any charge.
    let other = m.session(2500, "usd", &[]).await;
    let luhn = m
        .complete(&other, &[("card_number", "4242424242424241")])
        .await;
    assert_eq!(luhn.status, 402);
    assert_eq!(luhn.body["error"]["code"], "incorrect_number");
    let declined = m
        .complete(
            &other,
            &[
                ("card_number", "4000 0000 0000 9995"),
                ("exp_month", "12"),
                ("exp_year", "40"),
                ("cvc", "123"),
            ],
        )
        .await;
    assert_eq!(declined.body["error"]["decline_code"], "insufficient_funds");
    let paid = m
        .complete(
            &other,
            &[("card_number", "5555555555554444"), ("cvc", "123")],
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let done_again = m
        .complete(&other, &[("payment_method", "pm_card_visa")])
        .await;
    assert_eq!(done_again.status, 400);
}

#[tokio::test]
async fn api_declines_are_402_with_the_payment_intent() {
    let m = merchant().await;
    let r = m.pay(1000, "pm_card_visa_chargeDeclined", &[]).await;
    assert_eq!(r.status, 402);
    assert_eq!(
        r.body["error"]["payment_intent"]["last_payment_error"]["type"],
        "card_error"
    );
    assert_eq!(
        r.body["error"]["payment_method"]["object"],
        "payment_method"
    );
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&r.body["error"]["payment_intent"]["id"])
        ))
        .await;
    assert_eq!(pi["status"], "requires_payment_method");
    assert_eq!(pi["payment_method"], serde_json::Value::Null);
    assert_fixture_shape("payment_intent", &pi);
    let retry = m
        .post(
            &format!("/v1/payment_intents/{}/confirm", s(&pi["id"])),
            &[("payment_method", "pm_card_visa")],
        )
        .await;
    assert_eq!(retry.body["status"], "succeeded", "{}", retry.body);
    let again = m
        .post(
            &format!("/v1/payment_intents/{}/confirm", s(&pi["id"])),
            &[("payment_method", "pm_card_visa")],
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.body["error"]["code"],
        "payment_intent_unexpected_state"
    );
    let missing = m.pay(1000, "pm_nope", &[]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["error"]["code"], "resource_missing");
    assert_eq!(missing.body["error"]["param"], "payment_method");
}

#[tokio::test]
async fn three_d_secure_by_helper_api_and_page() {
    let m = merchant().await;
    // Helper: challenge answered at once.
    let session = m.session(3000, "usd", &[]).await;
    let ok = m
        .complete(
            &session,
            &[
                ("payment_method", "pm_card_authenticationRequired"),
                ("three_d_secure", "complete"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["status"], "complete");
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&ok.body["payment_intent"])
        ))
        .await;
    let charge = m
        .fetch(&format!("/v1/charges/{}", s(&pi["latest_charge"])))
        .await;
    assert_eq!(
        charge["payment_method_details"]["card"]["three_d_secure"]["result"],
        "authenticated"
    );
    assert!(
        m.event_types()
            .await
            .iter()
            .any(|t| t == "payment_intent.requires_action")
    );

    // 3DS then insufficient funds.
    let session = m.session(3000, "usd", &[]).await;
    let declined = m
        .complete(
            &session,
            &[
                (
                    "payment_method",
                    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
                ),
                ("three_d_secure", "complete"),
            ],
        )
        .await;
    assert_eq!(declined.status, 402);
    assert_eq!(declined.body["error"]["decline_code"], "insufficient_funds");

    // Failed authentication.
    let failed = m
        .complete(
            &session,
            &[
                ("card_number", "4000002500003155"),
                ("three_d_secure", "fail"),
            ],
        )
        .await;
    assert_eq!(failed.status, 402);
    assert_eq!(
        failed.body["error"]["code"],
        "payment_intent_authentication_failure"
    );
    assert_eq!(
        failed.body["error"]["payment_intent"]["status"],
        "requires_payment_method"
    );

    // Without an answer the session waits, its intent in requires_action.
    let pending = m
        .complete(
            &session,
            &[("payment_method", "pm_card_authenticationRequired")],
        )
        .await;
    assert_eq!(pending.status, 200);
    assert_eq!(pending.body["status"], "open");
    let pi = m
        .fetch(&format!(
            "/v1/payment_intents/{}",
            s(&pending.body["payment_intent"])
        ))
        .await;
    assert_eq!(pi["status"], "requires_action");
    assert_eq!(pi["next_action"]["type"], "use_stripe_sdk");
    typed::<stripe_shared::PaymentIntent>(&pi);
    let answered = m
        .post(
            &format!(
                "/v1/test_helpers/payment_intents/{}/authenticate",
                s(&pi["id"])
            ),
            &[("result", "complete")],
        )
        .await;
    assert_eq!(answered.body["status"], "succeeded", "{}", answered.body);
    let session = m
        .fetch(&format!("/v1/checkout/sessions/{}", s(&session["id"])))
        .await;
    assert_eq!(session["status"], "complete");

    // API with return_url: redirect_to_url, answered on the sandbox's page.
    let r = m
        .pay(
            4000,
            "pm_card_authenticationRequired",
            &[("return_url", "https://shop.example/after")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "requires_action");
    let url = s(&r.body["next_action"]["redirect_to_url"]["url"]);
    assert!(url.starts_with(&m.sb.handle.url()), "{url}");
    let page =
        m.sb.http
            .get(&url)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
    assert!(page.contains("id=\"complete-authentication\""), "{page}");
    assert!(page.contains("Fail authentication"));
    let answer =
        m.sb.http
            .post(url.split('?').next().unwrap_or_default())
            .form(&[
                ("client_secret", s(&r.body["client_secret"]).as_str()),
                ("action", "complete"),
            ])
            .send()
            .await
            .expect("answer");
    assert_eq!(answer.status().as_u16(), 303);
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        location.starts_with("https://shop.example/after?payment_intent="),
        "{location}"
    );
    assert!(location.ends_with("redirect_status=succeeded"));
    let pi = m.fetch(&format!("/v1/payment_intents/{}", r.id())).await;
    assert_eq!(pi["status"], "succeeded");

    // Off-session use of a 3DS card declines with authentication_required.
    let off = m
        .pay(
            4000,
            "pm_card_authenticationRequired",
            &[("off_session", "true")],
        )
        .await;
    assert_eq!(off.status, 402);
    assert_eq!(off.body["error"]["code"], "authentication_required");
}
