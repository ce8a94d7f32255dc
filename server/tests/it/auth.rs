use crate::{
    app_test,
    helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp},
};

app_test!(
    signing_up_logs_in_with_a_fresh_http_only_cookie,
    |app: TestApp| async move {
        let response = app.sign_up("shop@example.com", "a long passphrase").await;
        assert!(response.status().is_success() || response.status().is_redirection());
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.starts_with("comptoir_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(cookie.contains("Path=/"));
        assert!(
            !cookie.contains("Secure"),
            "plain http on loopback cannot use Secure cookies"
        );

        let me: serde_json::Value = app
            .post_same_origin("/api/current_user")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["email"], "shop@example.com");
        assert_eq!(me["role"], "Merchant");
    }
);

app_test!(the_session_id_changes_at_login, |app: TestApp| async move {
    app.sign_up("shop@example.com", "a long passphrase").await;
    let first = app.log_in("shop@example.com", "a long passphrase").await;
    let second = app.log_in("shop@example.com", "a long passphrase").await;
    let id = |r: &reqwest::Response| {
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(id(&first), id(&second));
});

app_test!(logging_out_ends_the_session, |app: TestApp| async move {
    app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me: serde_json::Value = app
        .post_same_origin("/api/current_user")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "Admin");
    app.post_same_origin("/api/log_out").send().await.unwrap();
    let me: serde_json::Value = app
        .post_same_origin("/api/current_user")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(me.is_null());
});

app_test!(
    wrong_credentials_get_one_message,
    |app: TestApp| async move {
        let wrong = app.log_in(ADMIN_EMAIL, "not the password").await;
        assert_eq!(
            wrong.status(),
            422,
            "wrong credentials are a client error with the reason in the body"
        );
        let wrong: serde_json::Value = wrong.json().await.unwrap();
        let unknown: serde_json::Value = app
            .log_in("nobody@example.com", "not the password")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(wrong, unknown);
        assert_eq!(wrong["Invalid"], "Email or password is incorrect.");
    }
);

app_test!(
    cross_site_posts_are_refused_before_reaching_the_handler,
    |app: TestApp| async move {
        let by_fetch_metadata = app
            .client
            .post(app.url("/api/log_in"))
            .header("Sec-Fetch-Site", "cross-site")
            .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(by_fetch_metadata.status(), 403);
        assert!(by_fetch_metadata.headers().get("set-cookie").is_none());

        let by_origin = app
            .client
            .post(app.url("/api/log_in"))
            .header("Origin", "https://evil.example")
            .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(by_origin.status(), 403);
    }
);

app_test!(
    guarded_pages_refuse_the_other_role,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", "a long passphrase").await;
        let page = app
            .client
            .get(app.url("/admin"))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 403);
        let page = app
            .client
            .get(app.url("/dashboard"))
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
    }
);

app_test!(
    admin_functions_are_refused_to_merchants_and_merchant_ones_to_admins,
    |app: TestApp| async move {
        app.sign_up("shop@example.com", "a long passphrase").await;
        for path in [
            "/api/admin/settings",
            "/api/admin/merchants",
            "/api/admin/settings/test",
        ] {
            let response = app.post_same_origin(path).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} as a merchant");
            assert_eq!(
                response.json::<serde_json::Value>().await.unwrap(),
                serde_json::json!("Forbidden")
            );
        }
        let save = app
            .post_same_origin("/api/admin/settings/save")
            .form(&[
                ("secret_key", "sk_test_stolen"),
                ("publishable_key", ""),
                ("webhook_secrets", ""),
                ("connect_client_id", ""),
                ("fee_rules", "* 100%"),
                ("allowed_embed_origins", ""),
                ("oauth_scope", "read_write"),
                ("sync_mode", "one_off"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(save.status(), 403);
        assert_ne!(app.platform_key(), "sk_test_stolen", "nothing was saved");

        app.post_same_origin("/api/log_out").send().await.unwrap();
        app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        for path in [
            "/api/merchant/overview",
            "/api/merchant/products",
            "/api/merchant/orders",
        ] {
            let response = app.post_same_origin(path).send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} as an admin");
        }
        app.post_same_origin("/api/log_out").send().await.unwrap();
        let anonymous = app
            .post_same_origin("/api/admin/settings")
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
    }
);
