//! AccountSessions from the three doors, on both databases: the REST API with a platform API
//! key (form-encoded and JSON bodies, Stripe's answers and errors), the admin's API key pages
//! (shown once, stored hashed, revocable), and the merchant's server function (its own account
//! only). Also the admin's payment method defaults for all merchants.

use domain::{embed::hash_secret, settings::PlatformSettings, stripe::StripeEndpoints};
use serde_json::{Value, json};

use crate::{
    app_test,
    embed_support::{account_of, api_key, claim, rest_session, token, widget_get},
    helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, onboarded_merchant},
};

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assert_stripe_error(
    answer: &(u16, Value),
    status: u16,
    code: Option<&str>,
    param: Option<&str>,
) {
    assert_eq!(answer.0, status, "{}", answer.1);
    let error = &answer.1["error"];
    assert_eq!(error["type"], "invalid_request_error", "{}", answer.1);
    assert_eq!(error["code"].as_str(), code, "{}", answer.1);
    assert_eq!(error["param"].as_str(), param, "{}", answer.1);
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
}

async fn rest_form(app: &TestApp, key: &str, body: String) -> (u16, Value) {
    status_and_json(
        reqwest::Client::new()
            .post(app.url("/api/v1/account_sessions"))
            .bearer_auth(key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

app_test!(
    account_sessions_take_stripes_form_and_json_bodies,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "rest@example.com").await;
        let account = account_of(&merchant);
        let key = api_key(&app).await;

        let (status, session) = rest_form(
            &app,
            &key,
            format!(
                "account={account}&components[payments][enabled]=true\
                 &components[payments][features][refund_management]=false\
                 &components%5Bpayouts%5D%5Benabled%5D=true"
            ),
        )
        .await;
        assert_eq!(status, 200, "{session}");
        assert_eq!(session["object"], "account_session");
        assert_eq!(session["account"], account.as_str());
        assert_eq!(session["livemode"], false);
        assert!(session["expires_at"].as_i64().unwrap() > app.services.clock.now());
        let secret = session["client_secret"].as_str().unwrap().to_string();
        let components = session["components"].as_object().unwrap();
        assert_eq!(components.len(), 22, "every component, as Stripe answers");
        assert_eq!(components["payments"]["enabled"], true);
        assert_eq!(
            components["payments"]["features"]["refund_management"],
            false
        );
        assert_eq!(
            components["payments"]["features"]["capture_payments"], true,
            "Stripe's default"
        );
        assert_eq!(components["payouts"]["enabled"], true);
        assert_eq!(components["documents"]["enabled"], false);

        // Recorded by hash, with what Stripe resolved.
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT secret_hash, account_id, components, expires_at FROM account_sessions",
        )
        .fetch_all(app.services.db.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, hash_secret(&secret));
        assert_eq!(rows[0].1, account);
        assert_eq!(
            serde_json::from_str::<Value>(&rows[0].2).unwrap(),
            session["components"]
        );
        assert_eq!(rows[0].3, session["expires_at"].as_i64().unwrap());
        assert!(
            !format!("{rows:?}").contains(&secret),
            "the secret is never stored"
        );

        let claimed: Value = claim(&app, &secret).await.json().await.unwrap();
        assert_eq!(claimed["components"], session["components"]);

        let json_session = status_and_json(
            rest_session(
                &app,
                &key,
                json!({"account": account, "components": {"payment_method_settings": {"enabled": true}}}),
            )
            .await,
        )
        .await;
        assert_eq!(json_session.0, 200, "{}", json_session.1);
        assert_eq!(
            json_session.1["components"]["payment_method_settings"]["enabled"],
            true
        );
        assert_eq!(json_session.1["components"]["payments"]["enabled"], false);

        // Stripe's 400s, before Stripe is called.
        assert_stripe_error(
            &rest_form(
                &app,
                &key,
                format!("account={account}&components[paymnts][enabled]=true"),
            )
            .await,
            400,
            Some("parameter_unknown"),
            Some("components[paymnts]"),
        );
        assert_stripe_error(
            &status_and_json(
                rest_session(
                    &app,
                    &key,
                    json!({"account": account, "components": {"payments": {"enabled": true, "features": {"refunds": true}}}}),
                )
                .await,
            )
            .await,
            400,
            Some("parameter_unknown"),
            Some("components[payments][features][refunds]"),
        );
        assert_stripe_error(
            &rest_form(&app, &key, "components[payments][enabled]=true".into()).await,
            400,
            Some("parameter_missing"),
            Some("account"),
        );
        assert_stripe_error(
            &rest_form(&app, &key, format!("account={account}")).await,
            400,
            Some("parameter_missing"),
            Some("components"),
        );
        assert_stripe_error(
            &rest_form(
                &app,
                &key,
                format!("account={account}&components[payments][enabled]=true&colour=blue"),
            )
            .await,
            400,
            Some("parameter_unknown"),
            Some("colour"),
        );
        let bad_json = status_and_json(
            reqwest::Client::new()
                .post(app.url("/api/v1/account_sessions"))
                .bearer_auth(&key)
                .header("Content-Type", "application/json")
                .body("{\"account\": ")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(bad_json.0, 400);

        // Only accounts of this platform's merchants.
        let unknown = "account=acct_unknown&components[payments][enabled]=true".to_string();
        assert_stripe_error(
            &rest_form(&app, &key, unknown).await,
            400,
            Some("account_invalid"),
            Some("account"),
        );
        let elsewhere = app.sandbox().create_platform("Another platform");
        let foreign: Value = reqwest::Client::new()
            .post(format!("{}v1/accounts", app.sandbox_url))
            .bearer_auth(&elsewhere.secret_key)
            .form(&[("country", "FR"), ("type", "express")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let foreign = foreign["id"].as_str().unwrap();
        assert_stripe_error(
            &rest_form(
                &app,
                &key,
                format!("account={foreign}&components[payments][enabled]=true"),
            )
            .await,
            400,
            Some("account_invalid"),
            Some("account"),
        );
        let platform = app.stripe_get("/account", None).await;
        let platform = platform["id"].as_str().unwrap();
        assert_stripe_error(
            &rest_form(
                &app,
                &key,
                format!("account={platform}&components[payments][enabled]=true"),
            )
            .await,
            400,
            Some("account_invalid"),
            Some("account"),
        );

        let missing = status_and_json(
            reqwest::Client::new()
                .post(app.url("/api/v1/nothing_here"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(missing.0, 404);

        // A disconnected merchant gets no more sessions.
        sqlx::query("UPDATE merchants SET disconnected_at = $1 WHERE id = $2")
            .bind(app.services.clock.now())
            .bind(&merchant.id)
            .execute(app.services.db.pool())
            .await
            .unwrap();
        assert_stripe_error(
            &rest_form(
                &app,
                &key,
                format!("account={account}&components[payments][enabled]=true"),
            )
            .await,
            400,
            Some("account_invalid"),
            Some("account"),
        );
    }
);

app_test!(
    api_keys_are_shown_once_stored_hashed_and_revocable,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "keys@example.com").await;
        let account = account_of(&merchant);
        // A merchant may not manage keys.
        let refused = app
            .post_same_origin("/api/admin/api_keys/create")
            .form(&[("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);

        assert!(
            app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .status()
                .is_success()
        );
        let created: Value = app
            .post_same_origin("/api/admin/api_keys/create")
            .form(&[("name", "Host backend")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = created["secret"]
            .as_str()
            .expect("the key, once")
            .to_string();
        assert!(secret.starts_with("cpk_"), "{created}");
        let key_id = created["key"]["id"].as_str().unwrap().to_string();
        assert_eq!(created["key"]["prefix"], &secret[..10]);
        assert_eq!(created["key"]["revoked"], false);

        let listed_text = app
            .post_same_origin("/api/admin/api_keys")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let listed: Value = serde_json::from_str(&listed_text).unwrap();
        assert_eq!(listed[0]["name"], "Host backend");
        assert_eq!(listed[0]["last_used_at"], Value::Null);
        assert!(!listed_text.contains(&secret[10..]), "never shown again");
        let page = app
            .client
            .get(app.url("/admin/api-keys"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Host backend") && html.contains(&secret[..10]));
        assert!(!html.contains(&secret[10..]));
        let stored: Vec<(String, String)> = sqlx::query_as("SELECT key_hash, prefix FROM api_keys")
            .fetch_all(app.services.db.pool())
            .await
            .unwrap();
        assert_eq!(stored, [(hash_secret(&secret), secret[..10].to_string())]);

        let body = json!({"account": account, "components": {"payments": {"enabled": true}}});
        assert_eq!(
            rest_session(&app, &secret, body.clone()).await.status(),
            200
        );
        let listed: Value = app
            .post_same_origin("/api/admin/api_keys")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(listed[0]["last_used_at"].as_i64().is_some(), "{listed}");

        let revoked: Value = app
            .post_same_origin("/api/admin/api_keys/revoke")
            .form(&[("id", key_id.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(revoked["revoked"], true);
        let after = status_and_json(rest_session(&app, &secret, body.clone()).await).await;
        assert_eq!(after.0, 401, "{}", after.1);
        assert_eq!(after.1["error"]["code"], "api_key_expired");
        assert!(!after.1.to_string().contains(&secret[10..]));

        let unknown = status_and_json(
            rest_session(&app, "cpk_0000000000000000000000000000000", body.clone()).await,
        )
        .await;
        assert_eq!(unknown.0, 401);
        assert_eq!(unknown.1["error"]["type"], "invalid_request_error");
        let missing = status_and_json(
            reqwest::Client::new()
                .post(app.url("/api/v1/account_sessions"))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(missing.0, 401);
        let empty_name = app
            .post_same_origin("/api/admin/api_keys/create")
            .form(&[("name", " ")])
            .send()
            .await
            .unwrap();
        assert_eq!(empty_name.status(), 422);
    }
);

app_test!(
    a_merchant_gets_sessions_for_its_own_account_only,
    |app: TestApp| async move {
        let other = onboarded_merchant(&app, "neighbour@example.com").await;
        let merchant = onboarded_merchant(&app, "own@example.com").await;
        let own = account_of(&merchant);
        let call = |body: Value| {
            app.post_same_origin("/api/embed/account_session")
                .json(&body)
                .send()
        };
        let components = json!([
            {"name": "payments", "features": {"refund_management": false}},
            {"name": "payouts"},
        ]);
        let response = call(json!({"components": components})).await.unwrap();
        assert_eq!(response.status(), 200);
        let secret: String = response.json().await.unwrap();
        let claimed: Value = claim(&app, &secret).await.json().await.unwrap();
        assert_eq!(claimed["account"], own.as_str());
        assert_eq!(claimed["components"]["payments"]["enabled"], true);
        assert_eq!(
            claimed["components"]["payments"]["features"]["refund_management"],
            false
        );
        assert_eq!(claimed["components"]["payouts"]["enabled"], true);
        assert_eq!(claimed["components"]["balances"]["enabled"], false);

        let named = call(json!({"components": components, "account": own}))
            .await
            .unwrap();
        assert_eq!(named.status(), 200);
        let theirs = call(json!({"components": components, "account": account_of(&other)}))
            .await
            .unwrap();
        assert_eq!(theirs.status(), 403, "another merchant's account");
        let unknown = call(json!({"components": [{"name": "wallets"}]}))
            .await
            .unwrap();
        assert_eq!(unknown.status(), 422);
        let text = unknown.text().await.unwrap();
        assert!(text.contains("components[wallets]"), "{text}");
        let logged_out = reqwest::Client::new()
            .post(app.url("/api/embed/account_session"))
            .header("Origin", &app.url)
            .header("Sec-Fetch-Site", "same-origin")
            .json(&json!({"components": components}))
            .send()
            .await
            .unwrap();
        assert_eq!(logged_out.status(), 401);
        assert!(
            app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .status()
                .is_success()
        );
        assert_eq!(
            call(json!({"components": components}))
                .await
                .unwrap()
                .status(),
            403,
            "admins have no account"
        );
    }
);

app_test!(
    the_admin_sets_payment_method_defaults_on_the_sandbox_only,
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "defaults@example.com").await;
        let settings_token = token(
            &app,
            &account_of(&merchant),
            json!({"payment_method_settings": {"enabled": true}}),
        )
        .await;
        assert!(
            app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .status()
                .is_success()
        );
        let setting = |view: &Value, method: &str| {
            view["methods"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["method"] == method)
                .map(|m| m["setting"].as_str().unwrap().to_string())
                .unwrap_or_else(|| panic!("{method} in {view}"))
        };
        let current: Value = app
            .post_same_origin("/api/admin/payment_methods")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(current["editable"], true, "{current}");
        assert_eq!(setting(&current, "card"), "on_by_default");
        assert_eq!(setting(&current, "sepa_debit"), "on_by_default");
        assert_eq!(setting(&current, "klarna"), "off_by_default");

        let saved = app
            .post_same_origin("/api/admin/payment_methods/save")
            .form(&[
                ("defaults[klarna]", "blocked"),
                ("defaults[sepa_debit]", "off_by_default"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200);
        let saved: Value = saved.json().await.unwrap();
        assert_eq!(setting(&saved, "klarna"), "blocked");
        assert_eq!(setting(&saved, "sepa_debit"), "off_by_default");
        assert_eq!(setting(&saved, "card"), "on_by_default");
        let invalid = app
            .post_same_origin("/api/admin/payment_methods/save")
            .form(&[("defaults[card]", "sometimes")])
            .send()
            .await
            .unwrap();
        assert_eq!(invalid.status(), 422);

        // Merchants see the platform's choices.
        let (_, merchant_view) =
            widget_get(&app, &settings_token, "/payment_method_settings").await;
        let klarna = merchant_view["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["type"] == "klarna")
            .unwrap()
            .clone();
        assert_eq!(klarna["overridable"], false);
        let sepa = merchant_view["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["type"] == "sepa_debit")
            .unwrap()
            .clone();
        assert_eq!(sepa["value"], "off");

        let page = app
            .client
            .get(app.url("/admin/payment-methods"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("data-method=\"klarna\""),
            "one select per method"
        );
        assert!(html.contains("name=\"defaults[klarna]\""));

        // On Stripe itself the page is read-only and points to the Dashboard.
        let on_stripe = PlatformSettings {
            endpoints: StripeEndpoints::default(),
            ..(*app.services.settings()).clone()
        };
        app.services.update_settings(on_stripe).await.unwrap();
        let read_only: Value = app
            .post_same_origin("/api/admin/payment_methods")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read_only["editable"], false);
        assert!(
            read_only["dashboard_url"]
                .as_str()
                .unwrap()
                .starts_with("https://dashboard.stripe.com/")
        );
        let refused = app
            .post_same_origin("/api/admin/payment_methods/save")
            .form(&[("defaults[klarna]", "blocked")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let html = app
            .client
            .get(app.url("/admin/payment-methods"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Stripe Dashboard"), "read-only page");
        assert!(!html.contains("data-method="));
    }
);
