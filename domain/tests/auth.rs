//! Sign-up and log-in against both databases.

use std::net::IpAddr;

use domain::{
    Clock, Db,
    auth::{
        self, AuthError, Role,
        throttle::{self, Scope},
    },
    db_test,
};

fn clock() -> Clock {
    Clock::manual(1_750_000_000)
}

db_test!(sign_up_then_log_in, |db: Db| async move {
    let user = auth::sign_up(
        &db,
        &clock(),
        " Ada@Example.com",
        "analytical engine",
        Role::Merchant,
    )
    .await
    .unwrap();
    assert_eq!(user.email.as_str(), "ada@example.com");
    assert_eq!(user.role, Role::Merchant);

    let logged_in = auth::log_in(&db, &clock(), "ADA@example.com", "analytical engine", None)
        .await
        .unwrap();
    assert_eq!(logged_in.id, user.id);
});

db_test!(
    duplicate_email_is_refused_without_saying_it_exists,
    |db: Db| async move {
        auth::sign_up(
            &db,
            &clock(),
            "ada@example.com",
            "analytical engine",
            Role::Merchant,
        )
        .await
        .unwrap();
        let err = auth::sign_up(
            &db,
            &clock(),
            "ADA@example.com",
            "another long one",
            Role::Merchant,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AuthError::EmailUnavailable));
        assert!(!err.to_string().to_lowercase().contains("exists"));
    }
);

db_test!(
    wrong_password_and_unknown_email_read_the_same,
    |db: Db| async move {
        auth::sign_up(
            &db,
            &clock(),
            "ada@example.com",
            "analytical engine",
            Role::Merchant,
        )
        .await
        .unwrap();
        let wrong = auth::log_in(&db, &clock(), "ada@example.com", "difference engine", None)
            .await
            .unwrap_err();
        let unknown = auth::log_in(
            &db,
            &clock(),
            "nobody@example.com",
            "analytical engine",
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(wrong, AuthError::InvalidCredentials));
        assert_eq!(wrong.to_string(), unknown.to_string());
    }
);

db_test!(
    weak_password_is_refused_and_nothing_is_stored,
    |db: Db| async move {
        let err = auth::sign_up(&db, &clock(), "ada@example.com", "short", Role::Merchant)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::Password(_)));
        let err = auth::log_in(&db, &clock(), "ada@example.com", "short", None)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::InvalidCredentials));
    }
);

db_test!(create_admin_creates_then_resets, |db: Db| async move {
    assert_eq!(auth::count_admins(&db).await.unwrap(), 0);
    let admin = auth::create_or_reset_admin(&db, &clock(), "ops@example.com", "first password!")
        .await
        .unwrap();
    assert_eq!(admin.role, Role::Admin);
    auth::create_or_reset_admin(&db, &clock(), "ops@example.com", "second password!")
        .await
        .unwrap();
    assert!(
        auth::log_in(&db, &clock(), "ops@example.com", "first password!", None)
            .await
            .is_err()
    );
    assert!(
        auth::log_in(&db, &clock(), "ops@example.com", "second password!", None)
            .await
            .is_ok()
    );
    assert_eq!(auth::count_admins(&db).await.unwrap(), 1);

    auth::sign_up(
        &db,
        &clock(),
        "shop@example.com",
        "merchant password",
        Role::Merchant,
    )
    .await
    .unwrap();
    let err = auth::create_or_reset_admin(&db, &clock(), "shop@example.com", "a new password!")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::EmailUnavailable));
});

const ADDRESS: &str = "192.0.2.7";

fn address() -> Option<IpAddr> {
    Some(ADDRESS.parse().unwrap())
}

fn locked(result: Result<auth::User, AuthError>) -> i64 {
    match result {
        Err(AuthError::TooManyAttempts(t)) => t.retry_after_secs,
        other => panic!("expected a lock-out, got {other:?}"),
    }
}

db_test!(
    five_wrong_passwords_lock_the_email_even_for_the_right_one,
    |db: Db| async move {
        let clock = clock();
        auth::sign_up(
            &db,
            &clock,
            "ada@example.com",
            "analytical engine",
            Role::Merchant,
        )
        .await
        .unwrap();
        for _ in 0..5 {
            let wrong =
                auth::log_in(&db, &clock, "ada@example.com", "wrong guess", address()).await;
            assert!(
                matches!(wrong, Err(AuthError::InvalidCredentials)),
                "{wrong:?}"
            );
        }
        let right = auth::log_in(
            &db,
            &clock,
            "ADA@example.com",
            "analytical engine",
            address(),
        );
        assert_eq!(locked(right.await), 15 * 60);
        // The same from another address: the lock is the account's.
        let elsewhere = auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None);
        assert_eq!(locked(elsewhere.await), 15 * 60);
        assert_eq!(
            auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None)
                .await
                .unwrap_err()
                .to_string(),
            "Too many attempts, try again in 15 minutes."
        );

        // An email nobody has is locked the same way, with the same words.
        for _ in 0..5 {
            let _ = auth::log_in(&db, &clock, "nobody@example.com", "wrong guess", None).await;
        }
        let unknown = auth::log_in(&db, &clock, "nobody@example.com", "anything at all", None);
        assert_eq!(locked(unknown.await), 15 * 60);

        clock.advance(15 * 60 - 61);
        let later = auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None)
            .await
            .unwrap_err();
        assert_eq!(
            later.to_string(),
            "Too many attempts, try again in 2 minutes."
        );
        clock.advance(61);
        auth::log_in(
            &db,
            &clock,
            "ada@example.com",
            "analytical engine",
            address(),
        )
        .await
        .expect("the lock ended");
    }
);

db_test!(
    a_success_resets_the_email_and_old_failures_are_forgotten,
    |db: Db| async move {
        let clock = clock();
        auth::sign_up(
            &db,
            &clock,
            "ada@example.com",
            "analytical engine",
            Role::Merchant,
        )
        .await
        .unwrap();
        let wrong = || auth::log_in(&db, &clock, "ada@example.com", "wrong guess", None);
        for _ in 0..4 {
            assert!(matches!(wrong().await, Err(AuthError::InvalidCredentials)));
        }
        auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None)
            .await
            .unwrap();
        for _ in 0..4 {
            assert!(matches!(wrong().await, Err(AuthError::InvalidCredentials)));
        }
        // The window is 15 minutes: four failures long ago and four now make no lock.
        clock.advance(15 * 60);
        for _ in 0..4 {
            assert!(matches!(wrong().await, Err(AuthError::InvalidCredentials)));
        }
        auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None)
            .await
            .expect("not locked");
    }
);

db_test!(
    twenty_failures_from_one_address_lock_it_for_every_email,
    |db: Db| async move {
        let clock = clock();
        auth::sign_up(
            &db,
            &clock,
            "ada@example.com",
            "analytical engine",
            Role::Merchant,
        )
        .await
        .unwrap();
        for i in 0..20 {
            let email = format!("guess{i}@example.com");
            let wrong = auth::log_in(&db, &clock, &email, "wrong guess", address()).await;
            assert!(
                matches!(wrong, Err(AuthError::InvalidCredentials)),
                "{i}: {wrong:?}"
            );
        }
        let right = auth::log_in(
            &db,
            &clock,
            "ada@example.com",
            "analytical engine",
            address(),
        );
        assert_eq!(locked(right.await), 15 * 60);
        // Other addresses are not concerned, and the email itself is not locked.
        auth::log_in(&db, &clock, "ada@example.com", "analytical engine", None)
            .await
            .unwrap();
        // Successes from a shared address do not count against it.
        let office = Some("198.51.100.1".parse().unwrap());
        for _ in 0..30 {
            auth::log_in(&db, &clock, "ada@example.com", "analytical engine", office)
                .await
                .unwrap();
        }
    }
);

db_test!(
    cheap_checks_count_only_failures_and_lock_at_the_limit,
    |db: Db| async move {
        let clock = clock();
        let scope = Scope::ApiKeyAddress;
        for _ in 0..19 {
            throttle::check(&db, &clock, scope, ADDRESS).await.unwrap();
            throttle::record_failure(&db, &clock, scope, ADDRESS)
                .await
                .unwrap();
        }
        throttle::check(&db, &clock, scope, ADDRESS).await.unwrap();
        throttle::record_failure(&db, &clock, scope, ADDRESS)
            .await
            .unwrap();
        let refused = throttle::check(&db, &clock, scope, ADDRESS)
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Too many attempts, try again in 15 minutes."
        );
        // Each scope counts apart.
        throttle::check(&db, &clock, Scope::ClaimAddress, ADDRESS)
            .await
            .unwrap();
        clock.advance(15 * 60);
        throttle::check(&db, &clock, scope, ADDRESS).await.unwrap();
        // And after the lock the allowance is whole again.
        throttle::record_failure(&db, &clock, scope, ADDRESS)
            .await
            .unwrap();
        throttle::check(&db, &clock, scope, ADDRESS).await.unwrap();
        let stored: Vec<(String,)> = sqlx::query_as("SELECT key_hash FROM throttle_counters")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert!(
            stored
                .iter()
                .all(|(k,)| k.len() == 64 && !k.contains("192")),
            "{stored:?}"
        );
    }
);

db_test!(
    attempts_in_flight_count_before_they_are_checked,
    |db: Db| async move {
        let clock = clock();
        let scope = Scope::LogInEmail;
        for _ in 0..5 {
            throttle::begin(&db, &clock, scope, "ada@example.com")
                .await
                .unwrap();
        }
        // A sixth started before any of the five finished is refused, and locks.
        assert!(
            throttle::begin(&db, &clock, scope, "ada@example.com")
                .await
                .is_err()
        );
        assert!(
            throttle::check(&db, &clock, scope, "ada@example.com")
                .await
                .is_err()
        );
    }
);
