//! The admin's transactions, customer, revenue and sync views over HTTP, on both databases:
//! search by every kind of payment id and by email, filters, the CSV export of a filter (admins
//! only), a customer across merchants, revenue totals.

use std::time::Duration;

use domain::mirror::{self, payments::PaymentStatus};
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, onboarded_merchant, wait_for},
    mirror::pay_directly,
};

const WAIT: Duration = Duration::from_secs(30);

async fn transactions(app: &TestApp, filter: &[(&str, &str)]) -> reqwest::Response {
    let form: Vec<(String, String)> = filter
        .iter()
        .map(|(k, v)| (format!("filter[{k}]"), v.to_string()))
        .collect();
    app.post_same_origin("/api/admin/transactions")
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn ids(app: &TestApp, filter: &[(&str, &str)]) -> Vec<String> {
    let response = transactions(app, filter).await;
    assert!(
        response.status().is_success(),
        "{filter:?}: {}",
        response.status()
    );
    let page: Value = response.json().await.unwrap();
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Two shops, four payments (one refunded in part, one declined), all in the mirror; the admin
/// is logged in at the end.
async fn two_shops_with_payments(app: &TestApp) -> (String, String, Vec<Value>) {
    let bakery = onboarded_merchant(app, "bakery@example.com").await;
    let bakery = bakery.stripe_account_id.unwrap();
    // The second shop signs up on the same client (the first one is logged out by it).
    let signed = app
        .sign_up_merchant(
            "florist@example.com",
            "a long passphrase",
            "Fleurs Test",
            true,
        )
        .await;
    assert!(signed.status().is_success());
    let start = app
        .client
        .get(app.url("/dashboard/onboarding/start"))
        .send()
        .await
        .unwrap();
    crate::helpers::complete_hosted_onboarding(&crate::helpers::location(&start)).await;
    let florist = crate::helpers::merchant_of(app, "florist@example.com").await;
    let refreshed: Value = app
        .post_same_origin("/api/merchant/refresh_status")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["charges_enabled"], true);
    let florist = florist.stripe_account_id.unwrap();

    let paid = vec![
        pay_directly(app, &bakery, 1200, "Ann@Example.com", "pm_card_visa").await,
        pay_directly(app, &bakery, 3400, "bob@example.com", "pm_card_visa").await,
        pay_directly(app, &florist, 5600, "ann@example.com", "pm_card_visa").await,
    ];
    let refund = app
        .stripe_post(
            "/refunds",
            Some(&bakery),
            &[
                ("payment_intent", paid[1]["id"].as_str().unwrap()),
                ("amount", "400"),
            ],
        )
        .await;
    assert_eq!(refund["status"], "succeeded");
    let declined = pay_directly(
        app,
        &florist,
        999,
        "carl@example.com",
        "pm_card_chargeDeclined",
    )
    .await;
    assert!(declined["error"].is_object());
    wait_for("the payments in the mirror", WAIT, || async {
        let page = mirror::payments::list(&app.services.db, &Default::default())
            .await
            .unwrap();
        let refunded = page
            .payments
            .iter()
            .any(|p| p.status == PaymentStatus::PartiallyRefunded);
        let failed = page
            .payments
            .iter()
            .any(|p| p.status == PaymentStatus::Failed);
        (page.payments.len() == 4 && refunded && failed).then_some(())
    })
    .await;
    wait_for("the application fees in the mirror", WAIT, || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mirror_application_fees")
            .fetch_one(app.services.db.pool())
            .await
            .unwrap();
        (n == 3).then_some(())
    })
    .await;
    let logged_in = app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(logged_in.status().is_success());
    let mut paid = paid;
    paid.push(json!({ "refund": refund, "declined": declined }));
    (bakery, florist, paid)
}

app_test!(
    the_admin_finds_payments_by_id_and_email_and_filters_them,
    |app: TestApp| async move {
        let (bakery, florist, paid) = two_shops_with_payments(&app).await;
        let pi = |i: usize| paid[i]["id"].as_str().unwrap().to_string();
        assert_eq!(ids(&app, &[]).await.len(), 4);
        // Every id of a payment finds it.
        let charge = paid[1]["latest_charge"].as_str().unwrap().to_string();
        let refund = paid[3]["refund"]["id"].as_str().unwrap().to_string();
        for id in [pi(1), charge, refund] {
            assert_eq!(ids(&app, &[("q", &id)]).await, [pi(1)], "{id}");
        }
        // Made in the same second maybe: newest first, then by id.
        let mut ann = ids(&app, &[("q", "ANN@example.com")]).await;
        ann.sort();
        let mut expected = vec![pi(0), pi(2)];
        expected.sort();
        assert_eq!(ann, expected);
        assert_eq!(ids(&app, &[("merchant", &florist)]).await.len(), 2);
        assert_eq!(
            ids(
                &app,
                &[("merchant", &bakery), ("status", "partially_refunded")]
            )
            .await,
            [pi(1)]
        );
        assert_eq!(ids(&app, &[("status", "failed")]).await.len(), 1);
        let today = app::calendar::format_date(app.services.clock.now());
        assert_eq!(
            ids(&app, &[("from", &today), ("to", &today)]).await.len(),
            4
        );
        assert!(ids(&app, &[("to", "2020-01-01")]).await.is_empty());

        let unknown: Value = transactions(&app, &[("q", "pi_doesnotexist")])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            unknown["notice"]
                .as_str()
                .unwrap()
                .contains("pi_doesnotexist")
        );
        let bad = transactions(&app, &[("q", "croissant")]).await;
        assert_eq!(bad.status(), 422);
        assert!(bad.text().await.unwrap().contains("payment id"));
        assert_eq!(
            transactions(&app, &[("from", "31/01/2026")]).await.status(),
            422
        );

        // The pages render on the server with the results in them.
        let page = app
            .client
            .get(app.url(&format!("/admin/transactions?q={}", pi(0))))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&pi(0)) && page.contains("Boulangerie Test"),
            "{page}"
        );
        let detail = app
            .client
            .get(app.url(&format!("/admin/transactions/{}", pi(1))))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(detail.contains("Partially refunded") && detail.contains("Refund"));
    }
);

app_test!(
    the_csv_export_follows_the_filter_and_is_for_admins_only,
    |app: TestApp| async move {
        let (bakery, _, paid) = two_shops_with_payments(&app).await;
        let csv = app
            .client
            .get(app.url(&format!("/admin/transactions.csv?merchant={bakery}")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let body = csv.text().await.unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert!(lines[0].starts_with("created_utc,payment_id,charge_id,merchant"));
        assert_eq!(lines.len(), 3, "{body}");
        let refunded = lines
            .iter()
            .find(|l| l.contains(paid[1]["id"].as_str().unwrap()))
            .expect("the refunded payment");
        assert!(
            refunded.contains(",3400,400,170,eur,partially_refunded,card"),
            "{refunded}"
        );
        assert!(lines.iter().any(|l| l.contains("ann@example.com")));

        let bad = app
            .client
            .get(app.url("/admin/transactions.csv?status=lost"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);

        let stranger = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let anonymous = stranger
            .get(app.url("/admin/transactions.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 303);
        assert!(crate::helpers::location(&anonymous).starts_with("/login"));
        app.log_in("bakery@example.com", "a long passphrase").await;
        let merchant = app
            .client
            .get(app.url("/admin/transactions.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(merchant.status(), 403);
        let denied = transactions(&app, &[]).await;
        assert_eq!(denied.status(), 403);
    }
);

app_test!(
    a_customer_and_the_revenue_add_up_across_merchants,
    |app: TestApp| async move {
        let (bakery, florist, _) = two_shops_with_payments(&app).await;
        let customer: Value = app
            .post_same_origin("/api/admin/customer")
            .form(&[("email", "ann@example.com"), ("after", "")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(customer["merchants"], 2);
        assert_eq!(customer["page"]["rows"].as_array().unwrap().len(), 2);
        assert_eq!(customer["spent"][0]["net"], 1200 + 5600);

        let today = app::calendar::format_date(app.services.clock.now());
        let revenue: Value = app
            .post_same_origin("/api/admin/revenue")
            .form(&[
                ("filter[from]", today.as_str()),
                ("filter[to]", today.as_str()),
                ("filter[currency]", "eur"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(revenue["total_gross"], 1200 + 3400 + 5600, "{revenue}");
        assert_eq!(revenue["total_fees"], 60 + 170 + 280);
        assert_eq!(revenue["total_payments"], 3);
        let shops: Vec<&str> = revenue["by_merchant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["account_id"].as_str().unwrap())
            .collect();
        assert_eq!(shops, [florist.as_str(), bakery.as_str()], "largest first");
        let page = app
            .client
            .get(app.url(&format!("/admin/revenue?from={today}&to={today}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<svg") && page.contains("data-testid=\"revenue-chart\""));
        assert!(
            page.contains("€102.00"),
            "the total gross, rendered on the server"
        );

        let sync: Value = app
            .post_same_origin("/api/admin/sync")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let accounts = sync["accounts"].as_array().unwrap();
        assert!(accounts.iter().any(|a| a["account_id"] == bakery.as_str()));
        let asked: Value = app
            .post_same_origin("/api/admin/sync/request")
            .form(&[("account", bakery.as_str()), ("full", "true")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(asked, 1);
    }
);
