//! Idempotency-Key: replay, mismatch, concurrency, expiry, validation failures.

use std::time::Duration;

use sandbox::FaultConfig;

use crate::helpers::spawn;

#[tokio::test]
async fn same_key_replays_the_first_response() {
    let sb = spawn().await;
    let key = [("Idempotency-Key", "key-1")];
    let params = [("url", "https://example.com/a"), ("enabled_events[0]", "*")];
    let first = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            sb.key(),
            None,
            &key,
            &params,
        )
        .await;
    let again = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            sb.key(),
            None,
            &key,
            &params,
        )
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(again.status, 200);
    assert_eq!(first.id(), again.id());
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(again.header("idempotency-key").as_deref(), Some("key-1"));
    assert_eq!(again.header("original-request"), first.header("request-id"));
    assert_ne!(again.header("request-id"), first.header("request-id"));
    let list = sb.get("/v1/webhook_endpoints", &[]).await;
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn same_key_other_params_is_an_idempotency_error() {
    let sb = spawn().await;
    let key = [("Idempotency-Key", "key-2")];
    sb.request(
        reqwest::Method::POST,
        "/v1/accounts",
        sb.key(),
        None,
        &key,
        &[("type", "express")],
    )
    .await;
    let other = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "custom")],
        )
        .await;
    assert_eq!(other.status, 400);
    assert_eq!(other.body["error"]["type"], "idempotency_error");
    assert!(
        other.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("key-2")
    );
}

#[tokio::test]
async fn concurrent_same_key_gets_409() {
    let sb = spawn().await;
    sb.handle.set_faults(FaultConfig {
        latency_ms: 400,
        ..FaultConfig::default()
    });
    let key = [("Idempotency-Key", "key-3")];
    let params = [("type", "express")];
    let (a, b) = tokio::join!(
        sb.request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &params
        ),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sb.request(
                reqwest::Method::POST,
                "/v1/accounts",
                sb.key(),
                None,
                &key,
                &params,
            )
            .await
        }
    );
    assert_eq!(a.status, 200);
    assert_eq!(b.status, 409);
    assert_eq!(b.body["error"]["code"], "idempotency_key_in_use");
    assert_eq!(b.header("stripe-should-retry").as_deref(), Some("true"));
    sb.handle.set_faults(FaultConfig::default());
    let replay = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &params,
        )
        .await;
    assert_eq!(replay.id(), a.id());
}

#[tokio::test]
async fn keys_expire_after_the_ttl() {
    let sb = spawn().await;
    let key = [("Idempotency-Key", "key-4")];
    let first = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "express")],
        )
        .await;
    sb.handle.advance_clock(Duration::from_secs(24 * 3600 + 1));
    let later = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "custom")],
        )
        .await;
    assert_eq!(later.status, 200);
    assert_ne!(later.id(), first.id());
}

#[tokio::test]
async fn validation_failures_are_not_stored() {
    let sb = spawn().await;
    let key = [("Idempotency-Key", "key-5")];
    let bad = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "nope")],
        )
        .await;
    assert_eq!(bad.status, 400);
    let good = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "express")],
        )
        .await;
    assert_eq!(good.status, 200, "{}", good.body);
}
