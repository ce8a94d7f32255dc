//! async-stripe's typed client against the sandbox.

use stripe_connect::account::{CreateAccount, CreateAccountType};
use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
use stripe_connect::account_session::{
    AccountConfigParam, CreateAccountSession, CreateAccountSessionComponents,
};

use crate::helpers::spawn;

#[tokio::test]
async fn typed_client_creates_account_link_and_session() {
    let sb = spawn().await;
    let client = stripe::ClientBuilder::new(sb.key())
        .url(sb.handle.url())
        .build()
        .expect("client");
    let account = CreateAccount::new()
        .type_(CreateAccountType::Express)
        .country("US")
        .email("typed@example.com")
        .send(&client)
        .await
        .expect("account");
    assert!(account.id.as_str().starts_with("acct_"));
    assert_eq!(account.email.as_deref(), Some("typed@example.com"));
    assert_eq!(account.charges_enabled, Some(false));

    let link = CreateAccountLink::new(
        account.id.as_str(),
        CreateAccountLinkType::AccountOnboarding,
    )
    .refresh_url("https://platform.example/refresh")
    .return_url("https://platform.example/return")
    .send(&client)
    .await
    .expect("link");
    assert!(link.url.starts_with(&sb.handle.url()));

    let mut components = CreateAccountSessionComponents::new();
    components.account_onboarding = Some(AccountConfigParam {
        enabled: true,
        features: None,
    });
    let session = CreateAccountSession::new(account.id.as_str(), components)
        .send(&client)
        .await
        .expect("session");
    assert!(session.client_secret.starts_with("accs_secret__"));
    assert!(session.components.account_onboarding.enabled);
    assert!(!session.components.payments.enabled);

    let err = CreateAccountLink::new("acct_missing", CreateAccountLinkType::AccountOnboarding)
        .refresh_url("https://platform.example/refresh")
        .return_url("https://platform.example/return")
        .send(&client)
        .await
        .expect_err("forbidden");
    match err {
        stripe::StripeError::Stripe(e, status) => {
            assert_eq!(status, 403);
            assert!(e.message.unwrap_or_default().contains("acct_missing"));
        }
        other => panic!("unexpected error {other:?}"),
    }
}
