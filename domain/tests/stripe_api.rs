//! `StripeApi`'s rules for talking to Stripe: one idempotency key per create, kept across
//! retries; retries on 409/429/5xx with backoff, stopped by `Stripe-Should-Retry: false`;
//! giving up with the last error; Stripe's errors kept readable, with their request id.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::post,
};
use domain::{
    Secret,
    stripe::{RetryPolicy, StripeApi, StripeEndpoints, StripeError},
};
use stripe_connect::account::{CreateAccount, RetrieveAccount};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        timeout: Duration::from_secs(5),
    }
}

fn api(base: &str, key: &str) -> StripeApi {
    StripeApi::new(
        Secret::new(key),
        StripeEndpoints {
            api_base: base.to_string(),
            connect_base: base.to_string(),
        },
        fast_retries(),
    )
}

/// A stand-in that answers from a script of (status, Stripe-Should-Retry) and records the
/// Idempotency-Key of every request. Used only for what the sandbox cannot be asked to do.
async fn scripted(
    script: Vec<(u16, Option<&'static str>)>,
) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let script = Arc::new(Mutex::new(script.into_iter()));
    let record = seen.clone();
    let app = Router::new().route(
        "/v1/accounts",
        post(move |headers: HeaderMap| {
            let record = record.clone();
            let script = script.clone();
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
                record.lock().unwrap().push(key);
                let (status, should_retry) = script.lock().unwrap().next().unwrap_or((200, None));
                let mut response = if status == 200 {
                    (StatusCode::OK, r#"{"id":"acct_scripted","object":"account"}"#).into_response()
                } else {
                    let body = r#"{"error":{"type":"api_error","message":"Something broke on Stripe's side."}}"#;
                    (StatusCode::from_u16(status).unwrap(), body).into_response()
                };
                if let Some(value) = should_retry {
                    response.headers_mut().insert("stripe-should-retry", value.parse().unwrap());
                }
                response
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn a_retried_create_sends_the_same_idempotency_key_every_time() {
    let (url, seen) = scripted(vec![(500, None), (429, None), (200, None)]).await;
    let account = CreateAccount::new()
        .send(&api(&url, "sk_test_scripted"))
        .await
        .unwrap();
    assert_eq!(account.id.as_str(), "acct_scripted");
    let keys = seen.lock().unwrap().clone();
    assert_eq!(keys.len(), 3, "two retries");
    let first = keys[0].clone().expect("a key on the first attempt");
    assert!(
        keys.iter().all(|k| k.as_deref() == Some(first.as_str())),
        "{keys:?}"
    );

    // A second create is another operation: another key.
    let (url, seen) = scripted(vec![]).await;
    let stripe = api(&url, "sk_test_scripted");
    CreateAccount::new().send(&stripe).await.unwrap();
    CreateAccount::new().send(&stripe).await.unwrap();
    let keys = seen.lock().unwrap().clone();
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test]
async fn stripe_should_retry_false_stops_at_once_and_true_retries_a_409() {
    let (url, seen) = scripted(vec![(503, Some("false"))]).await;
    let error = CreateAccount::new()
        .send(&api(&url, "sk_test_scripted"))
        .await
        .unwrap_err();
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(error.status(), Some(503));
    assert!(!matches!(error, StripeError::GaveUp { .. }));

    let (url, seen) = scripted(vec![(409, Some("true")), (200, None)]).await;
    CreateAccount::new()
        .send(&api(&url, "sk_test_scripted"))
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn persistent_failures_give_up_with_a_clear_message_and_create_nothing() {
    let sandbox = sandbox::Sandbox::start(
        sandbox::SandboxConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let keys = sandbox.create_platform("Retry test");
    let stripe = api(&sandbox.url(), &keys.secret_key);
    sandbox.set_faults(sandbox::FaultConfig {
        rate_500: 1.0,
        ..Default::default()
    });
    let error = CreateAccount::new()
        .country("FR")
        .send(&stripe)
        .await
        .unwrap_err();
    match &error {
        StripeError::GaveUp { attempts, last } => {
            assert_eq!(*attempts, 4);
            assert_eq!(last.status(), Some(500));
        }
        other => panic!("expected to give up, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("after 4 attempts"), "{message}");
    assert!(!message.contains(&keys.secret_key), "no key in messages");

    sandbox.set_faults(sandbox::FaultConfig::default());
    let listed = stripe_connect::account::ListAccount::new()
        .send(&stripe)
        .await
        .unwrap();
    assert!(listed.data.is_empty(), "injected failures created nothing");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn stripe_errors_keep_their_code_and_request_id() {
    let sandbox = sandbox::Sandbox::start(
        sandbox::SandboxConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let keys = sandbox.create_platform("Error test");
    let stripe = api(&sandbox.url(), &keys.secret_key);
    let error = RetrieveAccount::new("acct_doesnotexist")
        .send(&stripe)
        .await
        .unwrap_err();
    match &error {
        StripeError::Api {
            status, request_id, ..
        } => {
            assert_eq!(*status, 403);
            assert!(
                request_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("req_"))
            );
        }
        other => panic!("expected a Stripe error, got {other:?}"),
    }
    let bad_key = api(&sandbox.url(), "sk_live_not_a_test_key_at_all");
    let error = RetrieveAccount::new("acct_x")
        .send(&bad_key)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert!(
        !error.to_string().contains("not_a_test_key_at_all"),
        "the key is masked: {error}"
    );
    sandbox.shutdown().await;
}
