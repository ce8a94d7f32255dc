//! Throttling of guesses, end to end on both databases with a manual clock: passwords per
//! account and per address (refused before the password is checked, the same for an email
//! nobody has), refused sign-ups, unknown client secrets and bad API keys per address, and
//! counters that two instances on one database share.

use serde_json::{Value, json};

use crate::{
    embed_support::{account_of, api_key, assert_error, claim, client_secret, rest_session},
    helpers::{
        ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, manual_clock, merchant_of, spawn_app_with,
        spawn_second_instance,
    },
};

const LOCK_OUT_SECS: i64 = 15 * 60;
const LOCKED: &str = "Too many attempts, try again in 15 minutes.";

/// Runs a test body on SQLite and Postgres with an app on a manual clock.
macro_rules! clock_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app_with(domain::Backend::Sqlite, manual_clock()).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = spawn_app_with(domain::Backend::Postgres, manual_clock()).await;
                ($body)(app).await;
            }
        }
    };
}

async fn who(app: &TestApp) -> Value {
    app.post_same_origin("/api/current_user")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn logged_in(response: reqwest::Response) {
    let status = response.status();
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {}",
        response.text().await.unwrap_or_default()
    );
}

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn retry_after(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

clock_test!(
    five_wrong_passwords_lock_the_account_even_for_the_right_one,
    |app: TestApp| async move {
        for _ in 0..5 {
            let wrong = app.log_in(ADMIN_EMAIL, "not the password").await;
            assert_eq!(wrong.status(), 422);
        }
        let right = app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(
            right.status(),
            429,
            "refused before the password is checked"
        );
        let refused: Value = right.json().await.unwrap();
        assert_eq!(refused["TooManyAttempts"], LOCKED, "{refused}");
        assert!(who(&app).await.is_null(), "nobody logged in");

        // An email nobody has gets the same answers, in the same order: nothing to enumerate.
        for _ in 0..5 {
            let wrong = app.log_in("nobody@example.com", "not the password").await;
            assert_eq!(wrong.status(), 422);
        }
        let unknown = app.log_in("Nobody@Example.com", "anything at all").await;
        assert_eq!(unknown.status(), 429);
        assert_eq!(unknown.json::<Value>().await.unwrap(), refused);

        // The lock is the account's: another account logs in from the same address.
        let signed_up = app
            .sign_up_merchant(
                "shop@example.com",
                "a long passphrase",
                "Boulangerie",
                false,
            )
            .await;
        assert!(signed_up.status().is_success(), "{}", signed_up.status());
        logged_in(app.log_in("shop@example.com", "a long passphrase").await).await;

        app.services.clock.advance(LOCK_OUT_SECS - 1);
        assert_eq!(app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(), 429);
        app.services.clock.advance(1);
        logged_in(app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
        assert_eq!(who(&app).await["email"], ADMIN_EMAIL);

        // The success reset the account's count: four more failures do not lock it.
        for _ in 0..4 {
            assert_eq!(app.log_in(ADMIN_EMAIL, "wrong").await.status(), 422);
        }
        logged_in(app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    }
);

clock_test!(
    twenty_failures_from_one_address_lock_it_for_every_account,
    |app: TestApp| async move {
        for i in 0..20 {
            let wrong = app
                .log_in(&format!("guess{i}@example.com"), "not the password")
                .await;
            assert_eq!(wrong.status(), 422, "attempt {i}");
        }
        let right = app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(right.status(), 429);
        assert_eq!(
            right.json::<Value>().await.unwrap()["TooManyAttempts"],
            LOCKED
        );
        app.services.clock.advance(LOCK_OUT_SECS);
        logged_in(app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    }
);

clock_test!(
    refused_sign_ups_lock_the_address,
    |app: TestApp| async move {
        let sign_up = |email: &'static str| {
            app.sign_up_merchant(email, "a long passphrase", "Boulangerie", false)
        };
        assert!(sign_up("taken@example.com").await.status().is_success());
        for i in 0..20 {
            assert_eq!(
                sign_up("taken@example.com").await.status(),
                422,
                "attempt {i}"
            );
        }
        let fresh = sign_up("fresh@example.com").await;
        assert_eq!(fresh.status(), 429);
        assert_eq!(
            fresh.json::<Value>().await.unwrap()["TooManyAttempts"],
            LOCKED
        );
        app.services.clock.advance(LOCK_OUT_SECS);
        assert!(sign_up("fresh@example.com").await.status().is_success());
    }
);

clock_test!(
    unknown_client_secrets_lock_the_address_for_claims,
    |app: TestApp| async move {
        let signed_up = app.sign_up("claims@example.com", "a long passphrase").await;
        assert!(signed_up.status().is_success());
        let account = account_of(&merchant_of(&app, "claims@example.com").await);
        let components = json!({"payments": {"enabled": true}});
        let secret = client_secret(&app, &account, components.clone()).await;

        // A secret claimed twice was a real one, not a guess: not counted.
        let used = client_secret(&app, &account, components).await;
        assert_eq!(claim(&app, &used).await.status(), 200);
        for _ in 0..25 {
            let again = status_and_json(claim(&app, &used).await).await;
            assert_error(&again, 401, "authentication_error", "secret_already_used");
        }

        for i in 0..20 {
            let guess = status_and_json(claim(&app, &format!("accs_secret__guess{i}")).await).await;
            assert_error(&guess, 401, "authentication_error", "secret_invalid");
        }
        let refused = claim(&app, &secret).await;
        assert_eq!(retry_after(&refused), LOCK_OUT_SECS.to_string());
        let refused = status_and_json(refused).await;
        assert_error(&refused, 429, "rate_limit_error", "too_many_attempts");
        assert_eq!(refused.1["error"]["message"], LOCKED);

        app.services.clock.advance(LOCK_OUT_SECS);
        assert_eq!(
            claim(&app, &secret).await.status(),
            200,
            "the secret was kept"
        );
    }
);

clock_test!(
    bad_api_keys_lock_the_address_with_a_stripe_rate_limit_error,
    |app: TestApp| async move {
        let key = api_key(&app).await;
        // A request without a key is a mistake, not a guess: not counted.
        for _ in 0..25 {
            let missing = reqwest::Client::new()
                .post(app.url("/api/v1/account_sessions"))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(missing.status(), 401);
        }
        // The key is good: the call gets past authentication (and stops at the missing account).
        assert_eq!(rest_session(&app, &key, json!({})).await.status(), 400);

        for i in 0..20 {
            let bad = rest_session(&app, &format!("cpk_{i:032}"), json!({})).await;
            assert_eq!(bad.status(), 401, "attempt {i}");
        }
        let refused = rest_session(&app, &key, json!({})).await;
        assert_eq!(retry_after(&refused), LOCK_OUT_SECS.to_string());
        let refused = status_and_json(refused).await;
        assert_error(&refused, 429, "invalid_request_error", "rate_limit");
        assert_eq!(refused.1["error"]["message"], LOCKED);

        app.services.clock.advance(LOCK_OUT_SECS);
        assert_eq!(rest_session(&app, &key, json!({})).await.status(), 400);
    }
);

clock_test!(
    a_lock_reached_on_one_instance_holds_on_another,
    |app: TestApp| async move {
        let other = spawn_second_instance(&app).await;
        logged_in(other.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;

        for _ in 0..5 {
            assert_eq!(
                app.log_in(ADMIN_EMAIL, "not the password").await.status(),
                422
            );
        }
        let right = other.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(
            right.status(),
            429,
            "the other instance counts the same failures"
        );
        assert_eq!(
            right.json::<Value>().await.unwrap()["TooManyAttempts"],
            LOCKED
        );

        // Failures spread over both instances add up too.
        let key = api_key(&app).await;
        for i in 0..20 {
            let on = if i % 2 == 0 { &app } else { &other };
            let bad = rest_session(on, &format!("cpk_{i:032}"), json!({})).await;
            assert_eq!(bad.status(), 401, "attempt {i}");
        }
        assert_eq!(rest_session(&app, &key, json!({})).await.status(), 429);
        assert_eq!(rest_session(&other, &key, json!({})).await.status(), 429);

        // One clock for both (the database's rows are the truth): the lock ends for both.
        app.services.clock.advance(LOCK_OUT_SECS);
        logged_in(other.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
        logged_in(app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await;
    }
);
