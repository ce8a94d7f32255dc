//! Merchant onboarding against the embedded sandbox: Account Links (return and refresh), OAuth
//! (approve, deny, replayed state) and deauthorization from either side.

use std::time::Duration;

use domain::merchants;

use crate::{
    app_test,
    helpers::{
        TestApp, complete_hosted_onboarding, location, merchant_of, sandbox_browser, wait_for,
    },
};

const PASSWORD: &str = "a long passphrase";

app_test!(
    sign_up_creates_a_prefilled_connected_account,
    |app: TestApp| async move {
        let response = app
            .sign_up_merchant("shop@example.com", PASSWORD, "Boulangerie Élise", true)
            .await;
        assert!(response.status().is_success(), "{}", response.status());
        let next: String = response.json().await.unwrap();
        assert_eq!(next, "/dashboard/onboarding/start");

        let merchant = merchant_of(&app, "shop@example.com").await;
        let account_id = merchant
            .stripe_account_id
            .clone()
            .expect("an account was created");
        let account = app
            .stripe_get(&format!("/accounts/{account_id}"), None)
            .await;
        assert_eq!(account["email"], "shop@example.com");
        assert_eq!(account["country"], "FR");
        assert_eq!(account["business_profile"]["name"], "Boulangerie Élise");
        assert_eq!(
            account["business_profile"]["url"],
            "https://boulangerie.example.com/"
        );
        // Stripe reports the platform paying fees as `application_express` for Express dashboards.
        assert!(
            account["controller"]["fees"]["payer"]
                .as_str()
                .unwrap()
                .starts_with("application")
        );
        assert_eq!(account["controller"]["stripe_dashboard"]["type"], "express");
        assert_eq!(account["metadata"]["comptoir_merchant_id"], merchant.id);
        assert!(!merchant.charges_enabled);
    }
);

app_test!(
    account_link_onboarding_returns_with_charges_enabled,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", PASSWORD).await;
        let start = app
            .client
            .get(app.url("/dashboard/onboarding/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 303);
        let link = location(&start);
        assert!(
            link.starts_with(&app.sandbox_url),
            "{link} goes to the sandbox's hosted onboarding"
        );

        let back = complete_hosted_onboarding(&link).await;
        assert_eq!(back, app.url("/dashboard/onboarding/return"));

        // The return page re-reads the account from Stripe.
        let status: serde_json::Value = app
            .post_same_origin("/api/merchant/refresh_status")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["details_submitted"], true);
        assert_eq!(status["charges_enabled"], true);
        assert_eq!(status["requirements_due"], serde_json::json!([]));
        let page = app
            .client
            .get(app.url("/dashboard/onboarding/return"))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(page.text().await.unwrap().contains("you can take payments"));
    }
);

app_test!(
    account_updated_webhooks_keep_the_status_current,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", PASSWORD).await;
        let link = location(
            &app.client
                .get(app.url("/dashboard/onboarding/start"))
                .send()
                .await
                .unwrap(),
        );
        complete_hosted_onboarding(&link).await;
        // No visit to the return page: only the webhooks move the stored status.
        wait_for(
            "account.updated to enable charges",
            Duration::from_secs(10),
            || async {
                merchant_of(&app, "shop@example.com")
                    .await
                    .charges_enabled
                    .then_some(())
            },
        )
        .await;
    }
);

app_test!(
    a_used_link_goes_to_refresh_url_which_mints_a_new_one,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", PASSWORD).await;
        let link = location(
            &app.client
                .get(app.url("/dashboard/onboarding/start"))
                .send()
                .await
                .unwrap(),
        );
        let browser = sandbox_browser();
        assert_eq!(browser.get(&link).send().await.unwrap().status(), 303);
        let reused = browser.get(&link).send().await.unwrap();
        assert_eq!(
            location(&reused),
            app.url("/dashboard/onboarding/refresh"),
            "a used link goes to refresh_url"
        );

        let refreshed = app
            .client
            .get(app.url("/dashboard/onboarding/refresh"))
            .send()
            .await
            .unwrap();
        assert_eq!(refreshed.status(), 303);
        let fresh = location(&refreshed);
        assert_ne!(fresh, link);
        assert!(
            complete_hosted_onboarding(&fresh)
                .await
                .ends_with("/dashboard/onboarding/return")
        );
    }
);

app_test!(
    leaving_onboarding_early_shows_it_is_not_finished,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", PASSWORD).await;
        let link = location(
            &app.client
                .get(app.url("/dashboard/onboarding/start"))
                .send()
                .await
                .unwrap(),
        );
        let browser = sandbox_browser();
        let landed = browser.get(&link).send().await.unwrap();
        let base = link.split("/setup/").next().unwrap();
        let left = browser
            .get(format!("{base}{}/leave", location(&landed)))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&left), app.url("/dashboard/onboarding/return"));
        let status: serde_json::Value = app
            .post_same_origin("/api/merchant/refresh_status")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["details_submitted"], false);
        assert_eq!(status["charges_enabled"], false);
        assert!(!status["requirements_due"].as_array().unwrap().is_empty());
    }
);

/// Starts the OAuth flow as the logged-in merchant; returns the consent page URL and its HTML.
async fn open_consent(app: &TestApp) -> (String, String) {
    let start = app
        .client
        .get(app.url("/connect/oauth/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let authorize = location(&start);
    assert!(
        authorize.starts_with(&format!("{}oauth/authorize?", app.sandbox_url)),
        "{authorize}"
    );
    assert!(authorize.contains("scope=read_only"));
    let html = sandbox_browser()
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (authorize, html)
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in the page"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn decide(app: &TestApp, request: &str, decision: &str) -> String {
    let decided = sandbox_browser()
        .post(format!("{}oauth/authorize/decision", app.sandbox_url))
        .form(&[
            ("request", request),
            ("decision", decision),
            ("account", "new"),
            ("business_name", "Existing Co"),
            ("email", "owner@existing.example"),
            ("country", "FR"),
        ])
        .send()
        .await
        .unwrap();
    location(&decided)
}

app_test!(
    oauth_connects_an_existing_account,
    |app: TestApp| async move {
        let response = app
            .sign_up_merchant("std@example.com", PASSWORD, "Existing Co", false)
            .await;
        let next: String = response.json().await.unwrap();
        assert_eq!(next, "/connect/oauth/start");
        assert!(
            merchant_of(&app, "std@example.com")
                .await
                .stripe_account_id
                .is_none()
        );

        let (_, html) = open_consent(&app).await;
        let callback = decide(&app, &hidden(&html, "request"), "approve").await;
        assert!(
            callback.starts_with(&app.url("/connect/oauth/callback?code=ac_")),
            "{callback}"
        );
        let done = app.client.get(&callback).send().await.unwrap();
        assert_eq!(location(&done), "/dashboard?connect=connected");
        let merchant = merchant_of(&app, "std@example.com").await;
        assert!(
            merchant
                .stripe_account_id
                .as_deref()
                .unwrap()
                .starts_with("acct_")
        );
        assert_eq!(merchant.connection, Some(merchants::Connection::OAuth));
        assert_eq!(merchant.oauth_scope.as_deref(), Some("read_only"));

        // The same callback (same code and state) cannot be replayed.
        let replay = app.client.get(&callback).send().await.unwrap();
        assert_eq!(location(&replay), "/dashboard?connect=expired");
    }
);

app_test!(oauth_denied_changes_nothing, |app: TestApp| async move {
    app.sign_up_merchant("std@example.com", PASSWORD, "Existing Co", false)
        .await;
    let (_, html) = open_consent(&app).await;
    let callback = decide(&app, &hidden(&html, "request"), "deny").await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let done = app.client.get(&callback).send().await.unwrap();
    assert_eq!(location(&done), "/dashboard?connect=denied");
    assert!(
        merchant_of(&app, "std@example.com")
            .await
            .stripe_account_id
            .is_none()
    );
});

app_test!(a_forged_state_is_refused, |app: TestApp| async move {
    app.sign_up_merchant("std@example.com", PASSWORD, "Existing Co", false)
        .await;
    let (_, html) = open_consent(&app).await;
    let callback = decide(&app, &hidden(&html, "request"), "approve").await;
    let forged = callback.replace("state=", "state=0");
    let done = app.client.get(&forged).send().await.unwrap();
    assert_eq!(location(&done), "/dashboard?connect=expired");
    assert!(
        merchant_of(&app, "std@example.com")
            .await
            .stripe_account_id
            .is_none()
    );
});

app_test!(
    deauthorization_from_the_merchant_side_disconnects,
    |app: TestApp| async move {
        app.sign_up_merchant("std@example.com", PASSWORD, "Existing Co", false)
            .await;
        let (_, html) = open_consent(&app).await;
        let callback = decide(&app, &hidden(&html, "request"), "approve").await;
        app.client.get(&callback).send().await.unwrap();
        let account = merchant_of(&app, "std@example.com")
            .await
            .stripe_account_id
            .unwrap();

        // The merchant revokes the platform in their own Stripe dashboard.
        let revoked = reqwest::Client::new()
            .post(format!(
                "{}_sandbox/accounts/{account}/deauthorize",
                app.sandbox_url
            ))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert!(
            revoked.status().is_success(),
            "{}",
            revoked.text().await.unwrap()
        );
        wait_for(
            "account.application.deauthorized",
            Duration::from_secs(10),
            || async {
                merchant_of(&app, "std@example.com")
                    .await
                    .disconnected_at
                    .map(|_| ())
            },
        )
        .await;
        assert!(!merchant_of(&app, "std@example.com").await.can_charge());
    }
);

app_test!(
    the_merchant_can_disconnect_from_the_dashboard,
    |app: TestApp| async move {
        app.sign_up_merchant("std@example.com", PASSWORD, "Existing Co", false)
            .await;
        let (_, html) = open_consent(&app).await;
        let callback = decide(&app, &hidden(&html, "request"), "approve").await;
        app.client.get(&callback).send().await.unwrap();
        let response = app
            .post_same_origin("/api/merchant/disconnect")
            .send()
            .await
            .unwrap();
        let overview: serde_json::Value = response.json().await.unwrap();
        assert_eq!(overview["disconnected"], true);
        let account = merchant_of(&app, "std@example.com")
            .await
            .stripe_account_id
            .unwrap();
        let after = reqwest::Client::new()
            .get(format!("{}v1/accounts/{account}", app.sandbox_url))
            .bearer_auth(app.platform_key())
            .send()
            .await
            .unwrap();
        assert_eq!(
            after.status(),
            403,
            "the platform lost access at Stripe too"
        );
    }
);
