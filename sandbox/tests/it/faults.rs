//! Fault injection: 429/500 before the handler, `/_sandbox` exempt, path filter.

use sandbox::FaultConfig;

use crate::helpers::spawn;

#[tokio::test]
async fn injected_429_creates_nothing() {
    let sb = spawn().await;
    sb.handle.set_faults(FaultConfig {
        rate_429: 1.0,
        ..FaultConfig::default()
    });
    let r = sb.post("/v1/accounts", &[("type", "express")]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("stripe-should-retry").as_deref(), Some("true"));
    assert_eq!(r.body["error"]["code"], "rate_limit");
    assert!(r.header("request-id").is_some());
    let control = sb
        .http
        .get(sb.url("/_sandbox/clock"))
        .send()
        .await
        .expect("control");
    assert_eq!(control.status(), 200, "/_sandbox is exempt");
    sb.handle.set_faults(FaultConfig::default());
    let list = sb.get("/v1/accounts", &[]).await;
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn injected_500_and_path_prefix() {
    let sb = spawn().await;
    let faults = FaultConfig {
        rate_500: 1.0,
        path_prefix: Some("/v1/accounts".into()),
        ..FaultConfig::default()
    };
    let set = sb
        .control(
            "/_sandbox/faults",
            serde_json::to_value(&faults).expect("json"),
        )
        .await;
    assert_eq!(set["rate_500"], 1.0);
    let r = sb.post("/v1/accounts", &[("type", "express")]).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body["error"]["type"], "api_error");
    let other = sb.get("/v1/events", &[]).await;
    assert_eq!(other.status, 200, "other paths are not affected");
    let key = [("Idempotency-Key", "retry-me")];
    let failed = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "express")],
        )
        .await;
    assert_eq!(failed.status, 500);
    sb.handle.set_faults(FaultConfig::default());
    let retried = sb
        .request(
            reqwest::Method::POST,
            "/v1/accounts",
            sb.key(),
            None,
            &key,
            &[("type", "express")],
        )
        .await;
    assert_eq!(
        retried.status, 200,
        "injected faults are not stored under the idempotency key"
    );
}
