//! Sign-up and log-in against both databases.

use domain::{
    Clock, Db,
    auth::{self, AuthError, Role},
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

    let logged_in = auth::log_in(&db, "ADA@example.com", "analytical engine")
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
        let wrong = auth::log_in(&db, "ada@example.com", "difference engine")
            .await
            .unwrap_err();
        let unknown = auth::log_in(&db, "nobody@example.com", "analytical engine")
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
        let err = auth::log_in(&db, "ada@example.com", "short")
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
        auth::log_in(&db, "ops@example.com", "first password!")
            .await
            .is_err()
    );
    assert!(
        auth::log_in(&db, "ops@example.com", "second password!")
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
