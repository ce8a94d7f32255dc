//! The widget API end to end, on both databases, with real charges through the sandbox: claims
//! and token expiry (a manual clock), every endpoint's happy path, every feature flag on and
//! off, components refused, another merchant's objects answered 404, mutations visible in the
//! very next read, blocked payment methods, onboarding link origins, and CORS.

use app::widgets::model;
use domain::{
    embed::payment_methods::{self, DefaultSetting},
    settings::PlatformSettings,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    app_test,
    embed_support::{
        account_of, all_components, api_key, assert_error, claim, client_secret,
        detail_with_dispute, listed_intent, pay, pay_with, rest_session, token, widget, widget_get,
        widget_post, widgets_read,
    },
    helpers::{TestApp, manual_clock, merchant_of, onboarded_merchant, spawn_app_with},
};

/// Runs a test body on SQLite and Postgres with an app built from `options`.
macro_rules! embed_test {
    ($name:ident, $options:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app_with(domain::Backend::Sqlite, $options).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = spawn_app_with(domain::Backend::Postgres, $options).await;
                ($body)(app).await;
            }
        }
    };
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

async fn allow_origins(app: &TestApp, origins: &[&str]) {
    let settings = PlatformSettings {
        allowed_embed_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..(*app.services.settings()).clone()
    };
    app.services.update_settings(settings).await.unwrap();
}

embed_test!(
    client_secrets_are_claimed_once_and_tokens_expire,
    manual_clock(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "claims@example.com").await;
        let account = account_of(&merchant);
        let components =
            json!({"payments": {"enabled": true, "features": {"refund_management": false}}});
        let clock = app.services.clock.clone();

        let unknown = claim(&app, "accs_secret__not_a_secret").await;
        let unknown = (
            unknown.status().as_u16(),
            unknown.json::<Value>().await.unwrap(),
        );
        assert_error(&unknown, 401, "authentication_error", "secret_invalid");

        let secret = client_secret(&app, &account, components.clone()).await;
        let first = claim(&app, &secret).await;
        assert_eq!(first.status(), 200);
        let claimed: Value = first.json().await.unwrap();
        widgets_read::<model::Claimed>(&claimed);
        let token = claimed["token"].as_str().unwrap().to_string();
        assert!(token.starts_with("wtk_"), "{claimed}");
        assert_eq!(claimed["account"], account);
        assert_eq!(
            claimed["expires_at"],
            clock.now() + 600,
            "WIDGET_TOKEN_TTL_SECS"
        );
        assert_eq!(claimed["components"]["payments"]["enabled"], true);
        assert_eq!(
            claimed["components"]["payments"]["features"]["refund_management"],
            false
        );
        assert_eq!(claimed["components"]["payouts"]["enabled"], false);
        // Only hashes are kept.
        let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM widget_tokens")
            .fetch_all(app.services.db.pool())
            .await
            .unwrap();
        assert_eq!(stored, [(domain::embed::hash_secret(&token),)]);

        let again = claim(&app, &secret).await;
        let again = (
            again.status().as_u16(),
            again.json::<Value>().await.unwrap(),
        );
        assert_error(&again, 401, "authentication_error", "secret_already_used");

        assert_eq!(widget_get(&app, &token, "/payments").await.0, 200);
        let missing = reqwest::get(app.url("/widget/v1/payments")).await.unwrap();
        let missing = (
            missing.status().as_u16(),
            missing.json::<Value>().await.unwrap(),
        );
        assert_error(&missing, 401, "authentication_error", "token_missing");
        assert_error(
            &widget_get(&app, "wtk_unknown", "/payments").await,
            401,
            "authentication_error",
            "token_invalid",
        );

        // logout() revokes the token.
        let (status, _) = widget(&app, &token, Method::POST, "/logout", None).await;
        assert_eq!(status, 204);
        assert_error(
            &widget_get(&app, &token, "/payments").await,
            401,
            "authentication_error",
            "token_invalid",
        );

        // A token expires after WIDGET_TOKEN_TTL_SECS.
        let second = client_secret(&app, &account, components.clone()).await;
        let body: Value = claim(&app, &second).await.json().await.unwrap();
        let short_lived = body["token"].as_str().unwrap().to_string();
        clock.advance(599);
        assert_eq!(widget_get(&app, &short_lived, "/payments").await.0, 200);
        clock.advance(1);
        assert_error(
            &widget_get(&app, &short_lived, "/payments").await,
            401,
            "authentication_error",
            "token_expired",
        );

        // A token never outlives its AccountSession.
        let key = api_key(&app).await;
        let session: Value = rest_session(
            &app,
            &key,
            json!({"account": account, "components": components}),
        )
        .await
        .json()
        .await
        .unwrap();
        let expires_at = session["expires_at"].as_i64().unwrap();
        let late_secret = session["client_secret"].as_str().unwrap().to_string();
        let expired_secret = client_secret(&app, &account, components.clone()).await;
        clock.advance(expires_at - 100 - clock.now());
        let late: Value = claim(&app, &late_secret).await.json().await.unwrap();
        assert_eq!(
            late["expires_at"], expires_at,
            "capped at the session's expiry"
        );

        // A secret cannot be claimed once its session expired.
        clock.advance(200);
        let expired = claim(&app, &expired_secret).await;
        let expired = (
            expired.status().as_u16(),
            expired.json::<Value>().await.unwrap(),
        );
        assert_error(&expired, 401, "authentication_error", "secret_expired");
    }
);

embed_test!(
    an_expired_token_is_answered_so_the_widget_renews_through_a_fresh_secret,
    manual_clock(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "renew@example.com").await;
        let account = account_of(&merchant);
        let components =
            json!({"payments": {"enabled": true, "features": {"refund_management": true}}});
        let clock = app.services.clock.clone();
        let first = client_secret(&app, &account, components.clone()).await;
        let claimed: Value = claim(&app, &first).await.json().await.unwrap();
        let old = claimed["token"].as_str().unwrap().to_string();
        assert_eq!(widget_get(&app, &old, "/payments").await.0, 200);

        // Past WIDGET_TOKEN_TTL_SECS, reads and writes answer 401 `token_expired`: on a 401 the
        // widget's connection forgets its token and claims a fresh secret from
        // `fetchClientSecret` (app/src/widgets/connection.rs).
        clock.advance(600);
        assert_error(
            &widget_get(&app, &old, "/payments").await,
            401,
            "authentication_error",
            "token_expired",
        );
        assert_error(
            &widget_post(&app, &old, "/payments/ch_unknown/refunds", json!({})).await,
            401,
            "authentication_error",
            "token_expired",
        );
        let fresh = client_secret(&app, &account, components.clone()).await;
        let renewed = claim(&app, &fresh).await;
        assert_eq!(renewed.status(), 200);
        let renewed: Value = renewed.json().await.unwrap();
        let new = renewed["token"].as_str().unwrap().to_string();
        assert_eq!(renewed["expires_at"], clock.now() + 600);
        assert_eq!(widget_get(&app, &new, "/payments").await.0, 200);
        assert_error(
            &widget_get(&app, &old, "/payments").await,
            401,
            "authentication_error",
            "token_expired",
        );

        // A client secret past its session's expiry cannot be claimed, however often it is
        // tried; those tries are not counted as guesses, so the address is not locked.
        let session: Value = rest_session(
            &app,
            &api_key(&app).await,
            json!({"account": account, "components": components}),
        )
        .await
        .json()
        .await
        .unwrap();
        let late = session["client_secret"].as_str().unwrap().to_string();
        clock.advance(session["expires_at"].as_i64().unwrap() - clock.now());
        for _ in 0..25 {
            let expired = claim(&app, &late).await;
            let expired = (
                expired.status().as_u16(),
                expired.json::<Value>().await.unwrap(),
            );
            assert_error(&expired, 401, "authentication_error", "secret_expired");
        }
        let unknown = claim(&app, "accs_secret__not_a_secret").await;
        let unknown = (
            unknown.status().as_u16(),
            unknown.json::<Value>().await.unwrap(),
        );
        assert_error(&unknown, 401, "authentication_error", "secret_invalid");
    }
);

app_test!(
    payments_are_listed_filtered_paged_and_detailed_from_the_mirror,
    |app: TestApp| async move {
        let other = onboarded_merchant(&app, "other@example.com").await;
        let other_account = account_of(&other);
        let other_pi = pay(&app, &other_account, 777, "x@other.example", "pm_card_visa").await;
        let other_token = token(&app, &other_account, all_components()).await;
        let other_payment = listed_intent(
            &app,
            &other_token,
            other_pi["id"].as_str().unwrap(),
            "successful",
        )
        .await;
        let other_charge = other_payment["id"].as_str().unwrap().to_string();

        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        let token = token(&app, &account, all_components()).await;
        let a = pay(&app, &account, 1000, "ada@example.com", "pm_card_visa").await;
        let b = pay(
            &app,
            &account,
            2500,
            "Bob@Example.com",
            "pm_card_mastercard",
        )
        .await;
        let declined = pay(
            &app,
            &account,
            1500,
            "eve@example.com",
            "pm_card_chargeDeclined",
        )
        .await;
        let c = declined["error"]["payment_intent"]["id"]
            .as_str()
            .expect("a declined intent")
            .to_string();
        let a_pi = a["id"].as_str().unwrap();
        let a_row = listed_intent(&app, &token, a_pi, "successful").await;
        listed_intent(&app, &token, b["id"].as_str().unwrap(), "successful").await;
        listed_intent(&app, &token, &c, "failed").await;

        let (status, all) = widget_get(&app, &token, "/payments").await;
        assert_eq!(status, 200);
        assert_eq!(all["has_more"], false);
        widgets_read::<model::Page<model::Payment>>(&all);
        let rows = all["data"].as_array().unwrap();
        assert_eq!(rows.len(), 3, "{all}");
        assert!(
            !ids(&all).contains(&other_charge),
            "only the session's account"
        );
        let created: Vec<i64> = rows
            .iter()
            .map(|p| p["created"].as_i64().unwrap())
            .collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
        let a_charge = a_row["id"].as_str().unwrap().to_string();
        assert!(a_charge.starts_with("ch_"), "{a_row}");
        assert_eq!(a_row["payment_intent"], a_pi);
        assert_eq!(a_row["amount"], 1000);
        assert_eq!(a_row["amount_captured"], 1000);
        assert_eq!(a_row["currency"], "eur");
        assert_eq!(a_row["customer_email"], "ada@example.com");
        assert_eq!(a_row["application_fee_amount"], 50);
        assert_eq!(
            a_row["payment_method"],
            json!({"type": "card", "brand": "visa", "last4": "4242"})
        );

        let filtered = |query: &'static str| {
            let app = &app;
            let token = token.clone();
            async move {
                let (status, page) = widget_get(app, &token, &format!("/payments?{query}")).await;
                assert_eq!(status, 200, "{query}: {page}");
                let mut amounts: Vec<i64> = page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["amount"].as_i64().unwrap())
                    .collect();
                amounts.sort_unstable();
                amounts
            }
        };
        assert_eq!(filtered("status=failed").await, [1500]);
        assert_eq!(
            filtered("status=successful,failed").await,
            [1000, 1500, 2500]
        );
        assert_eq!(filtered("status=refunded").await, Vec::<i64>::new());
        assert_eq!(filtered("amount_gte=1000").await, [1000, 1500, 2500]);
        assert_eq!(filtered("amount_gte=1001").await, [1500, 2500]);
        assert_eq!(filtered("amount_lte=1500").await, [1000, 1500]);
        assert_eq!(filtered("amount_gte=1200&amount_lte=2000").await, [1500]);
        assert_eq!(filtered("amount_eq=2500").await, [2500]);
        assert_eq!(filtered("payment_method=card").await, [1000, 1500, 2500]);
        assert_eq!(
            filtered("payment_method=sepa_debit").await,
            Vec::<i64>::new()
        );
        assert_eq!(filtered("query=bob@example.com").await, [2500]);
        assert_eq!(filtered("query=BOB%40EXAMPLE.COM").await, [2500]);
        assert_eq!(
            filtered("query=nobody@example.com").await,
            Vec::<i64>::new()
        );
        assert_eq!(filtered("query=croissant").await, Vec::<i64>::new());
        let newest = created[0];
        let oldest = *created.last().unwrap();
        for (query, expected) in [
            (format!("created_gte={}", newest + 1), 0),
            (format!("created_lte={}", oldest - 1), 0),
            (format!("created_gte={oldest}&created_lte={newest}"), 3),
        ] {
            let (status, page) = widget_get(&app, &token, &format!("/payments?{query}")).await;
            assert_eq!(status, 200);
            assert_eq!(page["data"].as_array().unwrap().len(), expected, "{query}");
        }
        for id in [a_charge.as_str(), a_pi] {
            let (status, page) = widget_get(&app, &token, &format!("/payments?query={id}")).await;
            assert_eq!(status, 200);
            assert_eq!(
                ids(&page),
                std::slice::from_ref(&a_charge),
                "search by {id}"
            );
        }
        let (_, foreign) =
            widget_get(&app, &token, &format!("/payments?query={other_charge}")).await;
        assert_eq!(
            ids(&foreign),
            Vec::<String>::new(),
            "another account's id finds nothing"
        );

        // Keyset paging.
        let (_, first) = widget_get(&app, &token, "/payments?limit=2").await;
        assert_eq!(first["has_more"], true);
        let mut seen = ids(&first);
        let (_, second) = widget_get(
            &app,
            &token,
            &format!("/payments?limit=2&starting_after={}", seen[1]),
        )
        .await;
        assert_eq!(second["has_more"], false);
        seen.extend(ids(&second));
        assert_eq!(seen, ids(&all));
        assert_error(
            &widget_get(&app, &token, "/payments?starting_after=ch_nope").await,
            400,
            "invalid_request_error",
            "resource_missing",
        );
        assert_error(
            &widget_get(
                &app,
                &token,
                &format!("/payments?starting_after={other_charge}"),
            )
            .await,
            400,
            "invalid_request_error",
            "resource_missing",
        );
        for bad in [
            "limit=0",
            "limit=101",
            "limit=ten",
            "amount_gte=lots",
            "status=lost",
        ] {
            let answer = widget_get(&app, &token, &format!("/payments?{bad}")).await;
            assert_eq!(answer.0, 400, "{bad}: {}", answer.1);
            assert_eq!(answer.1["error"]["type"], "invalid_request_error");
        }

        // Details, by charge or by intent.
        let (status, detail) = widget_get(&app, &token, &format!("/payments/{a_charge}")).await;
        assert_eq!(status, 200, "{detail}");
        widgets_read::<model::PaymentDetail>(&detail);
        assert_eq!(detail["id"], a_charge.as_str());
        assert_eq!(detail["status"], "successful");
        assert_eq!(detail["refundable_amount"], 1000);
        assert_eq!(detail["capturable"], false);
        assert_eq!(detail["refunds"], json!([]));
        assert_eq!(detail["disputes"], json!([]));
        let (fee, net) = (
            detail["fee"].as_i64().unwrap(),
            detail["net"].as_i64().unwrap(),
        );
        assert!(fee >= 50, "Stripe's fee and the platform's: {fee}");
        assert_eq!(fee + net, 1000);
        let (_, by_intent) = widget_get(&app, &token, &format!("/payments/{a_pi}")).await;
        assert_eq!(by_intent, detail);
        let (_, failed) = widget_get(&app, &token, &format!("/payments/{c}")).await;
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["refundable_amount"], 0);

        // Another merchant's payment does not exist for this session.
        for id in [
            other_charge.as_str(),
            other_pi["id"].as_str().unwrap(),
            "ch_unknown",
        ] {
            assert_error(
                &widget_get(&app, &token, &format!("/payments/{id}")).await,
                404,
                "invalid_request_error",
                "resource_missing",
            );
        }
        // The other merchant still sees its own.
        assert_eq!(
            widget_get(&app, &other_token, &format!("/payments/{other_charge}"))
                .await
                .0,
            200
        );

        // Without a payments component, nothing.
        let payouts_only =
            crate::embed_support::token(&app, &account, json!({"payouts": {"enabled": true}}))
                .await;
        for path in ["/payments".to_string(), format!("/payments/{a_charge}")] {
            assert_error(
                &widget_get(&app, &payouts_only, &path).await,
                403,
                "permission_error",
                "component_disabled",
            );
        }
    }
);

app_test!(
    refunds_and_captures_show_in_the_next_read,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "refunds@example.com").await;
        let account = account_of(&merchant);
        let full = token(&app, &account, all_components()).await;
        let restricted = token(
            &app,
            &account,
            json!({"payments": {"enabled": true, "features": {"refund_management": false, "capture_payments": false}}}),
        )
        .await;
        let paid = pay(&app, &account, 2000, "r@example.com", "pm_card_visa").await;
        let row = listed_intent(&app, &full, paid["id"].as_str().unwrap(), "successful").await;
        let charge = row["id"].as_str().unwrap().to_string();
        let refunds = format!("/payments/{charge}/refunds");

        assert_error(
            &widget_post(&app, &restricted, &refunds, json!({"amount": 300})).await,
            403,
            "permission_error",
            "feature_disabled",
        );

        let (status, detail) = widget_post(
            &app,
            &full,
            &refunds,
            json!({"amount": 300, "reason": "requested_by_customer"}),
        )
        .await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["status"], "partially_refunded");
        assert_eq!(detail["amount_refunded"], 300);
        assert_eq!(detail["refundable_amount"], 1700);
        assert_eq!(detail["refunds"][0]["amount"], 300);
        assert_eq!(detail["refunds"][0]["reason"], "requested_by_customer");
        assert!(
            detail["refunds"][0]["id"]
                .as_str()
                .unwrap()
                .starts_with("re_")
        );
        // The very next read, without waiting for any webhook.
        let (_, listed_now) = widget_get(&app, &full, &format!("/payments?query={charge}")).await;
        assert_eq!(listed_now["data"][0]["status"], "partially_refunded");
        assert_eq!(listed_now["data"][0]["amount_refunded"], 300);

        let over = widget_post(&app, &full, &refunds, json!({"amount": 5000})).await;
        assert_eq!(over.0, 400, "{}", over.1);
        assert_eq!(over.1["error"]["type"], "invalid_request_error");
        assert!(
            over.1["error"]["message"].as_str().unwrap().len() > 10,
            "Stripe's message"
        );
        let bad_reason = widget_post(&app, &full, &refunds, json!({"reason": "bored"})).await;
        assert_eq!(bad_reason.0, 400);
        assert_eq!(bad_reason.1["error"]["param"], "reason");

        let (status, detail) = widget_post(&app, &full, &refunds, json!({})).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["status"], "refunded");
        assert_eq!(detail["amount_refunded"], 2000);
        assert_eq!(detail["refundable_amount"], 0);
        assert_eq!(detail["refunds"].as_array().unwrap().len(), 2);

        // Captures.
        let authorized = pay_with(
            &app,
            &account,
            1200,
            "c@example.com",
            "pm_card_visa",
            &[("capture_method", "manual")],
        )
        .await;
        let pi = authorized["id"].as_str().unwrap().to_string();
        let row = listed_intent(&app, &full, &pi, "uncaptured").await;
        let (_, before) = widget_get(&app, &full, &format!("/payments/{pi}")).await;
        assert_eq!(before["capturable"], true);
        assert_eq!(before["refundable_amount"], 0);
        let capture = format!("/payments/{}/capture", row["id"].as_str().unwrap());
        assert_error(
            &widget_post(&app, &restricted, &capture, json!({})).await,
            403,
            "permission_error",
            "feature_disabled",
        );
        let (status, captured) = widget_post(&app, &full, &capture, json!({"amount": 1000})).await;
        assert_eq!(status, 200, "{captured}");
        assert_eq!(captured["status"], "successful");
        assert_eq!(captured["amount_captured"], 1000);
        assert_eq!(captured["capturable"], false);
        let (_, listed_now) = widget_get(&app, &full, &format!("/payments?query={pi}")).await;
        assert_eq!(listed_now["data"][0]["status"], "successful");
        assert_error(
            &widget_post(&app, &full, &capture, json!({})).await,
            400,
            "invalid_request_error",
            "payment_intent_unexpected_state",
        );
    }
);

app_test!(
    disputes_take_evidence_and_can_be_accepted,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "disputes@example.com").await;
        let account = account_of(&merchant);
        let full = token(&app, &account, all_components()).await;
        let off = token(
            &app,
            &account,
            json!({"payment_details": {"enabled": true, "features": {"dispute_management": false}}}),
        )
        .await;
        let first = pay(
            &app,
            &account,
            1500,
            "d1@example.com",
            "pm_card_createDispute",
        )
        .await;
        let second = pay(
            &app,
            &account,
            1600,
            "d2@example.com",
            "pm_card_createDispute",
        )
        .await;
        let first = listed_intent(&app, &full, first["id"].as_str().unwrap(), "disputed").await;
        let second = listed_intent(&app, &full, second["id"].as_str().unwrap(), "disputed").await;
        let dispute_of = |detail: &Value| detail["disputes"][0]["id"].as_str().unwrap().to_string();
        let detail = detail_with_dispute(&app, &full, first["id"].as_str().unwrap()).await;
        widgets_read::<model::PaymentDetail>(&detail);
        assert_eq!(
            detail["disputes"][0]["status"], "needs_response",
            "{detail}"
        );
        assert!(detail["disputes"][0]["evidence_due_by"].as_i64().is_some());
        assert_eq!(detail["disputes"][0]["evidence_submitted"], false);
        assert_eq!(
            detail["refundable_amount"], 0,
            "a disputed charge is not refunded"
        );
        let dispute = dispute_of(&detail);
        assert!(dispute.starts_with("dp_"));

        let evidence = format!("/disputes/{dispute}/evidence");
        assert_error(
            &widget_post(
                &app,
                &off,
                &evidence,
                json!({"evidence": {"uncategorized_text": "x"}}),
            )
            .await,
            403,
            "permission_error",
            "feature_disabled",
        );
        assert_error(
            &widget_post(
                &app,
                &off,
                &format!("/disputes/{dispute}/accept"),
                json!({}),
            )
            .await,
            403,
            "permission_error",
            "feature_disabled",
        );

        let (status, saved) = widget_post(
            &app,
            &full,
            &evidence,
            json!({"evidence": {"uncategorized_text": "Handed over in the shop", "customer_email_address": "d1@example.com"}, "submit": false}),
        )
        .await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(
            saved["disputes"][0]["evidence"]["uncategorized_text"],
            "Handed over in the shop"
        );
        assert_eq!(saved["disputes"][0]["evidence_submitted"], false);
        let (_, reread) = widget_get(
            &app,
            &full,
            &format!("/payments/{}", first["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(
            reread["disputes"], saved["disputes"],
            "the mirror has it at once"
        );

        let (status, submitted) = widget_post(
            &app,
            &full,
            &evidence,
            json!({"evidence": {"product_description": "Two croissants"}, "submit": true}),
        )
        .await;
        assert_eq!(status, 200, "{submitted}");
        widgets_read::<model::PaymentDetail>(&submitted);
        assert_eq!(submitted["disputes"][0]["evidence_submitted"], true);
        assert_eq!(submitted["disputes"][0]["status"], "under_review");
        assert_eq!(
            submitted["disputes"][0]["evidence"]["product_description"],
            "Two croissants"
        );

        let unknown = widget_post(
            &app,
            &full,
            &evidence,
            json!({"evidence": {"bribe": "yes"}}),
        )
        .await;
        assert_error(&unknown, 400, "invalid_request_error", "parameter_unknown");

        let detail = detail_with_dispute(&app, &full, second["id"].as_str().unwrap()).await;
        let to_accept = dispute_of(&detail);
        let (status, accepted) = widget_post(
            &app,
            &full,
            &format!("/disputes/{to_accept}/accept"),
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{accepted}");
        assert_eq!(accepted["disputes"][0]["status"], "lost");
        assert_eq!(accepted["status"], "disputed");

        assert_error(
            &widget_post(&app, &full, "/disputes/dp_unknown/accept", json!({})).await,
            404,
            "invalid_request_error",
            "resource_missing",
        );
    }
);

app_test!(balance_payouts_and_schedule, |app: TestApp| async move {
    let merchant = onboarded_merchant(&app, "payouts@example.com").await;
    let account = account_of(&merchant);
    let full = token(&app, &account, all_components()).await;
    let off = token(
            &app,
            &account,
            json!({"balances": {"enabled": true, "features": {"standard_payouts": false, "edit_payout_schedule": false}}}),
        )
        .await;
    let list_only = token(&app, &account, json!({"payouts_list": {"enabled": true}})).await;
    pay(
        &app,
        &account,
        5000,
        "p@example.com",
        "pm_card_bypassPending",
    )
    .await;

    let stripe_available = || async {
        let balance = app.stripe_get("/balance", Some(&account)).await;
        balance["available"][0]["amount"].as_i64().unwrap_or(0)
    };
    // Funds available at once (`pm_card_bypassPending`) raise no `balance.available` event, so
    // the mirrored balance may still be the one read at connection: compare with Stripe's
    // after a payout, which writes Stripe's new balance into the mirror.
    let (status, balance) = widget_get(&app, &full, "/balance").await;
    assert_eq!(status, 200, "{balance}");
    assert!(balance["available"].is_array() && balance["pending"].is_array());
    widgets_read::<model::Balance>(&balance);
    let before = stripe_available().await;
    assert!(before >= 1500, "the payment is available: {before}");

    assert_error(
        &widget_post(
            &app,
            &off,
            "/payouts",
            json!({"amount": 1000, "currency": "eur"}),
        )
        .await,
        403,
        "permission_error",
        "feature_disabled",
    );
    let (status, payout) = widget_post(
        &app,
        &full,
        "/payouts",
        json!({"amount": 1000, "currency": "eur"}),
    )
    .await;
    assert_eq!(status, 200, "{payout}");
    let payout_id = payout["id"].as_str().unwrap().to_string();
    assert!(payout_id.starts_with("po_"));
    assert_eq!(payout["amount"], 1000);
    assert_eq!(payout["status"], "pending");
    assert_eq!(payout["method"], "standard");
    widgets_read::<model::Payout>(&payout);
    // Visible at once: the payouts list and the balance.
    let (_, payouts) = widget_get(&app, &list_only, "/payouts").await;
    widgets_read::<model::Page<model::Payout>>(&payouts);
    assert_eq!(payouts["data"][0]["id"], payout_id.as_str());
    assert_eq!(payouts["data"][0]["arrival_date"], payout["arrival_date"]);
    let (_, after) = widget_get(&app, &full, "/balance").await;
    assert_eq!(after["available"][0]["amount"], before - 1000);
    assert_eq!(after["available"][0]["currency"], "eur");
    assert_eq!(stripe_available().await, before - 1000);

    let too_much = widget_post(
        &app,
        &full,
        "/payouts",
        json!({"amount": 10_000_000, "currency": "eur"}),
    )
    .await;
    assert_eq!(too_much.0, 400, "{}", too_much.1);
    assert_eq!(too_much.1["error"]["type"], "invalid_request_error");

    let (status, second) = widget_post(
        &app,
        &full,
        "/payouts",
        json!({"amount": 500, "currency": "eur"}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let (_, page) = widget_get(&app, &full, "/payouts?limit=1").await;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let first_id = page["data"][0]["id"].as_str().unwrap().to_string();
    let (_, rest) = widget_get(
        &app,
        &full,
        &format!("/payouts?limit=1&starting_after={first_id}"),
    )
    .await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_ne!(rest["data"][0]["id"], first_id.as_str());

    // payouts_list lists, and nothing more.
    assert_error(
        &widget_get(&app, &list_only, "/balance").await,
        403,
        "permission_error",
        "component_disabled",
    );
    assert_error(
        &widget_post(
            &app,
            &list_only,
            "/payouts",
            json!({"amount": 100, "currency": "eur"}),
        )
        .await,
        403,
        "permission_error",
        "component_disabled",
    );

    // The payout schedule.
    let (status, schedule) = widget_get(&app, &full, "/payout_schedule").await;
    assert_eq!(status, 200, "{schedule}");
    assert_eq!(schedule["interval"], "daily");
    widgets_read::<model::PayoutSchedule>(&schedule);
    let weekly = json!({"interval": "weekly", "weekly_anchor": "friday", "delay_days": 3});
    assert_error(
        &widget_post(&app, &off, "/payout_schedule", weekly.clone()).await,
        403,
        "permission_error",
        "feature_disabled",
    );
    let (status, changed) = widget_post(&app, &full, "/payout_schedule", weekly).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed,
        json!({"interval": "weekly", "delay_days": 3, "weekly_anchor": "friday", "monthly_anchor": null})
    );
    assert_eq!(widget_get(&app, &off, "/payout_schedule").await.1, changed);
    let incomplete = widget_post(
        &app,
        &full,
        "/payout_schedule",
        json!({"interval": "monthly"}),
    )
    .await;
    assert_eq!(incomplete.0, 400);
    assert_eq!(incomplete.1["error"]["param"], "monthly_anchor");
});

app_test!(
    the_account_its_requirements_and_onboarding_links,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "account@example.com").await;
        let account = account_of(&merchant);
        let payments = token(&app, &account, json!({"payments": {"enabled": true}})).await;
        let onboarding = token(
            &app,
            &account,
            json!({"account_onboarding": {"enabled": true}}),
        )
        .await;
        let list_only = token(&app, &account, json!({"payouts_list": {"enabled": true}})).await;

        let (status, view) = widget_get(&app, &payments, "/account").await;
        assert_eq!(status, 200, "{view}");
        widgets_read::<model::Account>(&view);
        assert_eq!(view["id"], account.as_str());
        assert_eq!(view["country"], "FR");
        assert_eq!(view["default_currency"], "eur");
        assert_eq!(view["charges_enabled"], true);
        assert_eq!(view["details_submitted"], true);
        assert_eq!(view["requirement_collection"], "stripe");
        assert!(view["requirements"]["currently_due"].is_array());
        assert!(view["requirements"]["errors"].is_array());
        assert_error(
            &widget_get(&app, &list_only, "/account").await,
            403,
            "permission_error",
            "component_disabled",
        );

        assert_error(
            &widget_post(
                &app,
                &onboarding,
                "/account/requirements",
                json!({"fields": {"individual.first_name": "Ada"}}),
            )
            .await,
            409,
            "invalid_request_error",
            "collected_by_stripe",
        );

        // Onboarding links only return to allowed origins (or Comptoir's own).
        let link = |return_url: &str, refresh_url: &str| json!({"return_url": return_url, "refresh_url": refresh_url});
        let evil = widget_post(
            &app,
            &onboarding,
            "/account/onboarding_link",
            link("https://evil.example/back", &app.url("/x")),
        )
        .await;
        assert_error(&evil, 400, "invalid_request_error", "invalid_return_url");
        assert_eq!(evil.1["error"]["param"], "return_url");
        let evil_refresh = widget_post(
            &app,
            &onboarding,
            "/account/onboarding_link",
            link(&app.url("/x"), "javascript:alert(1)"),
        )
        .await;
        assert_eq!(evil_refresh.1["error"]["param"], "refresh_url");
        let (status, own) = widget_post(
            &app,
            &onboarding,
            "/account/onboarding_link",
            link(&app.url("/back"), &app.url("/again")),
        )
        .await;
        assert_eq!(status, 200, "{own}");
        assert!(
            own["url"].as_str().unwrap().starts_with(&app.sandbox_url),
            "{own}"
        );
        let host = widget_post(
            &app,
            &onboarding,
            "/account/onboarding_link",
            link("https://host.example/back", "https://host.example/again"),
        )
        .await;
        assert_error(&host, 400, "invalid_request_error", "invalid_return_url");
        allow_origins(&app, &["https://host.example"]).await;
        let (status, hosted) = widget_post(
            &app,
            &onboarding,
            "/account/onboarding_link",
            link("https://host.example/back", "https://host.example/again"),
        )
        .await;
        assert_eq!(status, 200, "{hosted}");
        let banner = token(
            &app,
            &account,
            json!({"notification_banner": {"enabled": true}}),
        )
        .await;
        assert_eq!(
            widget_post(
                &app,
                &banner,
                "/account/onboarding_link",
                link(&app.url("/b"), &app.url("/r"))
            )
            .await
            .0,
            200
        );
        assert_error(
            &widget_post(
                &app,
                &payments,
                "/account/onboarding_link",
                link(&app.url("/b"), &app.url("/r")),
            )
            .await,
            403,
            "permission_error",
            "component_disabled",
        );

        // An account whose requirements the platform collects, through the API.
        let created = app
            .stripe_post(
                "/accounts",
                None,
                &[
                    ("country", "FR"),
                    ("business_type", "individual"),
                    ("email", "custom@example.com"),
                    ("controller[requirement_collection]", "application"),
                    ("controller[losses][payments]", "application"),
                    ("controller[fees][payer]", "application"),
                    ("controller[stripe_dashboard][type]", "none"),
                    ("capabilities[card_payments][requested]", "true"),
                    ("capabilities[transfers][requested]", "true"),
                ],
            )
            .await;
        let custom = created["id"].as_str().expect("an account").to_string();
        app.sign_up_merchant(
            "custom@example.com",
            "a long passphrase",
            "Custom Co",
            false,
        )
        .await;
        let custom_merchant = merchant_of(&app, "custom@example.com").await;
        sqlx::query("UPDATE merchants SET stripe_account_id = $1, connection = 'account_link', connected_at = $2 WHERE id = $3")
            .bind(&custom)
            .bind(app.services.clock.now())
            .bind(&custom_merchant.id)
            .execute(app.services.db.pool())
            .await
            .unwrap();
        let collector = token(&app, &custom, json!({"account_onboarding": {"enabled": true}, "notification_banner": {"enabled": true}})).await;
        let (_, before) = widget_get(&app, &collector, "/account").await;
        assert_eq!(before["requirement_collection"], "application");
        let due: Vec<String> =
            serde_json::from_value(before["requirements"]["currently_due"].clone()).unwrap();
        widgets_read::<model::Account>(&before);
        assert!(
            due.contains(&"individual.first_name".to_string()),
            "{before}"
        );

        let (status, after) = widget(
            &app,
            &collector,
            Method::POST,
            "/account/requirements",
            Some(json!({"fields": {
                "individual.first_name": "Ada", "individual.last_name": "Lovelace",
                "individual.dob.day": "10", "individual.dob.month": 12, "individual.dob.year": "1990",
                "tos_acceptance.date": "now",
            }})),
        )
        .await;
        assert_eq!(status, 200, "{after}");
        let due: Vec<String> =
            serde_json::from_value(after["requirements"]["currently_due"].clone()).unwrap();
        for provided in [
            "individual.first_name",
            "individual.last_name",
            "individual.dob.day",
            "tos_acceptance.date",
        ] {
            assert!(
                !due.contains(&provided.to_string()),
                "{provided} still due: {after}"
            );
        }
        let at_stripe = app.stripe_get(&format!("/accounts/{custom}"), None).await;
        assert_eq!(at_stripe["individual"]["first_name"], "Ada");
        assert_eq!(
            at_stripe["tos_acceptance"]["ip"], "127.0.0.1",
            "filled from the request"
        );
        assert!(at_stripe["tos_acceptance"]["date"].as_i64().is_some());

        let unknown = widget_post(
            &app,
            &collector,
            "/account/requirements",
            json!({"fields": {"individual.shoe_size": "42"}}),
        )
        .await;
        assert_error(&unknown, 400, "invalid_request_error", "invalid_field");
        let banner_only = token(
            &app,
            &custom,
            json!({"notification_banner": {"enabled": true}}),
        )
        .await;
        assert_error(
            &widget_post(
                &app,
                &banner_only,
                "/account/requirements",
                json!({"fields": {"individual.phone": "+33600000000"}}),
            )
            .await,
            403,
            "permission_error",
            "component_disabled",
        );
    }
);

app_test!(
    payment_method_settings_respect_the_platform_s_blocks,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "methods@example.com").await;
        let account = account_of(&merchant);
        let settings_token = token(
            &app,
            &account,
            json!({"payment_method_settings": {"enabled": true}}),
        )
        .await;
        let (status, settings) =
            widget_get(&app, &settings_token, "/payment_method_settings").await;
        assert_eq!(status, 200, "{settings}");
        widgets_read::<model::PaymentMethodSettings>(&settings);
        assert!(
            settings["configuration"]
                .as_str()
                .unwrap()
                .starts_with("pmc_")
        );
        let method = |settings: &Value, kind: &str| {
            settings["methods"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["type"] == kind)
                .cloned()
                .unwrap_or_else(|| panic!("{kind} in {settings}"))
        };
        assert_eq!(method(&settings, "card")["value"], "on");
        assert_eq!(
            method(&settings, "sepa_debit")["value"],
            "on",
            "the sandbox platform's default"
        );
        assert_eq!(method(&settings, "sepa_debit")["overridable"], true);

        let (status, changed) = widget_post(
            &app,
            &settings_token,
            "/payment_method_settings",
            json!({"type": "sepa_debit", "preference": "off"}),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(method(&changed, "sepa_debit")["value"], "off");
        assert_eq!(method(&changed, "sepa_debit")["preference"], "off");
        let (_, reread) = widget_get(&app, &settings_token, "/payment_method_settings").await;
        assert_eq!(method(&reread, "sepa_debit")["value"], "off");

        payment_methods::set_platform_defaults(
            &app.services,
            &[("klarna".into(), DefaultSetting::Blocked)],
        )
        .await
        .unwrap();
        let (_, blocked) = widget_get(&app, &settings_token, "/payment_method_settings").await;
        assert_eq!(method(&blocked, "klarna")["overridable"], false);
        assert_error(
            &widget_post(
                &app,
                &settings_token,
                "/payment_method_settings",
                json!({"type": "klarna", "preference": "on"}),
            )
            .await,
            403,
            "permission_error",
            "blocked_by_platform",
        );
        let (_, unchanged) = widget_get(&app, &settings_token, "/payment_method_settings").await;
        assert_eq!(method(&unchanged, "klarna")["value"], "off");
        let unknown = widget_post(
            &app,
            &settings_token,
            "/payment_method_settings",
            json!({"type": "seashells", "preference": "on"}),
        )
        .await;
        assert_eq!(unknown.0, 400);
        let payments_only = token(&app, &account, json!({"payments": {"enabled": true}})).await;
        assert_error(
            &widget_get(&app, &payments_only, "/payment_method_settings").await,
            403,
            "permission_error",
            "component_disabled",
        );
    }
);

app_test!(
    every_feature_flag_is_enforced_by_the_server,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "flags@example.com").await;
        let account = account_of(&merchant);
        // A session whose components none of the widget endpoints serve.
        let unrelated = token(&app, &account, json!({"documents": {"enabled": true}})).await;

        // (components that carry the feature, feature, the call)
        let mutations: [(&[&str], &str, &str, Value); 6] = [
            (
                &["payments", "payment_details"],
                "refund_management",
                "/payments/ch_unknown/refunds",
                json!({}),
            ),
            (
                &["payments", "payment_details"],
                "capture_payments",
                "/payments/ch_unknown/capture",
                json!({}),
            ),
            (
                &["payments", "payment_details"],
                "dispute_management",
                "/disputes/dp_unknown/evidence",
                json!({"evidence": {}}),
            ),
            (
                &["payments", "payment_details"],
                "dispute_management",
                "/disputes/dp_unknown/accept",
                json!({}),
            ),
            (
                &["balances", "payouts"],
                "standard_payouts",
                "/payouts",
                json!({"amount": 100, "currency": "not a currency"}),
            ),
            (
                &["balances", "payouts"],
                "edit_payout_schedule",
                "/payout_schedule",
                json!({"interval": "hourly"}),
            ),
        ];
        for (components, feature, path, body) in mutations {
            for component in components {
                let off = token(
                    &app,
                    &account,
                    json!({ *component: {"enabled": true, "features": { feature: false }}}),
                )
                .await;
                assert_error(
                    &widget_post(&app, &off, path, body.clone()).await,
                    403,
                    "permission_error",
                    "feature_disabled",
                );
                let on = token(
                    &app,
                    &account,
                    json!({ *component: {"enabled": true, "features": { feature: true }}}),
                )
                .await;
                let passed = widget_post(&app, &on, path, body.clone()).await;
                // Past the scope check: the (made-up) object or input is what is refused now.
                assert!(
                    matches!(passed.0, 400 | 404),
                    "{component}.{feature} on, {path}: {} {}",
                    passed.0,
                    passed.1
                );
                assert_ne!(passed.1["error"]["type"], "permission_error");
                // A disabled component's features count for nothing.
                let disabled = token(
                    &app,
                    &account,
                    json!({ *component: {"enabled": false, "features": { feature: true }}}),
                )
                .await;
                assert_error(
                    &widget_post(&app, &disabled, path, body.clone()).await,
                    403,
                    "permission_error",
                    "component_disabled",
                );
            }
            assert_error(
                &widget_post(&app, &unrelated, path, body.clone()).await,
                403,
                "permission_error",
                "component_disabled",
            );
            let off = token(
                &app,
                &account,
                json!({ components[0]: {"enabled": true, "features": { feature: false }}}),
            )
            .await;
            let error = widget_post(&app, &off, path, body).await;
            assert!(
                error.1["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(feature),
                "the message names the feature"
            );
        }

        for path in [
            "/account",
            "/payments",
            "/payments/ch_unknown",
            "/balance",
            "/payouts",
            "/payout_schedule",
            "/payment_method_settings",
        ] {
            assert_error(
                &widget_get(&app, &unrelated, path).await,
                403,
                "permission_error",
                "component_disabled",
            );
        }
        for (path, body) in [
            (
                "/account/requirements",
                json!({"fields": {"individual.first_name": "A"}}),
            ),
            (
                "/account/onboarding_link",
                json!({"return_url": app.url("/r"), "refresh_url": app.url("/r")}),
            ),
            (
                "/payment_method_settings",
                json!({"type": "card", "preference": "on"}),
            ),
        ] {
            assert_error(
                &widget_post(&app, &unrelated, path, body).await,
                403,
                "permission_error",
                "component_disabled",
            );
        }
        // Unknown endpoints answer in the contract's envelope too.
        assert_error(
            &widget_get(&app, &unrelated, "/refunds").await,
            404,
            "invalid_request_error",
            "resource_missing",
        );
    }
);

app_test!(
    cors_answers_allowed_origins_only,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "cors@example.com").await;
        let token = token(
            &app,
            &account_of(&merchant),
            json!({"payments": {"enabled": true}}),
        )
        .await;
        allow_origins(&app, &["https://host.example"]).await;
        let client = reqwest::Client::new();
        let own_origin = app.url.trim_end_matches('/').to_string();
        let header = |r: &reqwest::Response, name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let preflight = |origin: &str, path: &str| {
            client
                .request(Method::OPTIONS, app.url(path))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .send()
        };

        for origin in ["https://host.example", own_origin.as_str()] {
            for path in [
                "/widget/v1/payments",
                "/widget/v1/claim",
                "/widget/v1/payments/ch_x/refunds",
            ] {
                let ok = preflight(origin, path).await.unwrap();
                assert_eq!(ok.status(), 204, "{origin} {path}");
                assert_eq!(
                    header(&ok, "access-control-allow-origin").as_deref(),
                    Some(origin)
                );
                assert_eq!(
                    header(&ok, "access-control-allow-methods").as_deref(),
                    Some("GET, POST, OPTIONS")
                );
                assert_eq!(
                    header(&ok, "access-control-allow-headers").as_deref(),
                    Some("Authorization, Content-Type")
                );
                assert!(header(&ok, "vary").unwrap().contains("Origin"));
                assert_eq!(header(&ok, "access-control-allow-credentials"), None);
            }
            let read = client
                .get(app.url("/widget/v1/payments"))
                .header("Origin", origin)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(read.status(), 200);
            assert_eq!(
                header(&read, "access-control-allow-origin").as_deref(),
                Some(origin)
            );
            assert!(header(&read, "vary").unwrap().contains("Origin"));
            assert_eq!(header(&read, "access-control-allow-credentials"), None);
        }

        for origin in ["https://evil.example", "https://host.example:8443", "null"] {
            let refused = preflight(origin, "/widget/v1/payments").await.unwrap();
            assert_eq!(refused.status(), 403, "{origin}");
            assert_eq!(header(&refused, "access-control-allow-origin"), None);
            assert_eq!(header(&refused, "access-control-allow-methods"), None);
            let read = client
                .get(app.url("/widget/v1/payments"))
                .header("Origin", origin)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(read.status(), 403, "{origin}");
            assert_eq!(header(&read, "access-control-allow-origin"), None);
            let body: Value = read.json().await.unwrap();
            assert_eq!(body["error"]["code"], "origin_not_allowed");
            let claim = client
                .post(app.url("/widget/v1/claim"))
                .header("Origin", origin)
                .json(&json!({"client_secret": "x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(claim.status(), 403);
            assert_eq!(header(&claim, "access-control-allow-origin"), None);
        }

        // Server-to-server calls carry no Origin and get no CORS headers.
        let plain = client
            .get(app.url("/widget/v1/payments"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 200);
        assert_eq!(header(&plain, "access-control-allow-origin"), None);
        // The REST API is for backends: no CORS at all.
        let rest = preflight("https://host.example", "/api/v1/account_sessions")
            .await
            .unwrap();
        assert_eq!(header(&rest, "access-control-allow-origin"), None);
    }
);
