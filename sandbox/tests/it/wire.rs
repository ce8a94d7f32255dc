//! Authentication, Request-Id, error envelopes, unknown routes and parameters.

use base64::Engine;

use crate::helpers::{TestSandbox, spawn};

#[tokio::test]
async fn every_response_has_a_request_id() {
    let sb = spawn().await;
    let ok = sb.get("/v1/account", &[]).await;
    assert_eq!(ok.status, 200);
    let err = sb.get("/v1/accounts/acct_nope", &[]).await;
    let unknown = sb.get("/v1/nothing_here", &[]).await;
    let clock = sb
        .http
        .get(sb.url("/_sandbox/clock"))
        .send()
        .await
        .expect("clock");
    let page = sb
        .http
        .get(sb.url("/oauth/authorize?client_id=ca_nope"))
        .send()
        .await
        .expect("page");
    for id in [
        ok.header("request-id"),
        err.header("request-id"),
        unknown.header("request-id"),
    ] {
        assert!(id.is_some_and(|id| id.starts_with("req_")));
    }
    assert!(clock.headers().get("request-id").is_some());
    assert!(page.headers().get("request-id").is_some());
    assert_eq!(
        ok.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Unrecognized request URL (GET: /v1/nothing_here)")
    );
}

#[tokio::test]
async fn bearer_basic_and_bad_keys() {
    let sb = spawn().await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:", sb.key()));
    let r = sb
        .http
        .get(sb.url("/v1/account"))
        .header("authorization", format!("Basic {basic}"))
        .send()
        .await
        .expect("basic");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["id"], sb.keys.account_id.as_str());

    let none = sb
        .http
        .get(sb.url("/v1/account"))
        .send()
        .await
        .expect("none");
    assert_eq!(none.status(), 401);
    let body: serde_json::Value = none.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("You did not provide an API key")
    );

    let live = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            // A made-up live-mode key, assembled so it never looks like a leaked one.
            concat!("sk_", "live_", "abcdefghijklmnop1234"),
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(live.status, 401);
    assert_eq!(live.body["error"]["type"], "invalid_request_error");
    let message = live.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Invalid API Key provided: sk_live_"),
        "{message}"
    );
    assert!(
        message.contains("1234") && message.contains("test mode"),
        "{message}"
    );

    let publishable = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            &sb.keys.publishable_key.clone(),
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(publishable.status, 401);

    let fresh = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            "sk_test_brandnewplatformkey0001",
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(
        fresh.status, 200,
        "an unknown sk_test_ key becomes a platform"
    );
    assert_ne!(fresh.id(), sb.keys.account_id);
}

#[tokio::test]
async fn error_envelopes_match_stripe() {
    let sb = spawn().await;
    let unknown = sb
        .post("/v1/accounts", &[("type", "express"), ("foo", "1")])
        .await;
    assert_eq!(unknown.status, 400);
    let e = &unknown.body["error"];
    assert_eq!(e["code"], "parameter_unknown");
    assert_eq!(e["param"], "foo");
    assert_eq!(e["message"], "Received unknown parameter: foo");
    assert_eq!(
        e["doc_url"],
        "https://stripe.com/docs/error-codes/parameter-unknown"
    );
    assert!(
        e["request_log_url"]
            .as_str()
            .is_some_and(|u| u.contains("req_"))
    );

    let nested = sb
        .post("/v1/accounts", &[("business_profile[nope]", "1")])
        .await;
    assert_eq!(nested.body["error"]["param"], "business_profile[nope]");

    let missing = sb
        .post("/v1/account_links", &[("type", "account_onboarding")])
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body["error"]["message"],
        "Missing required param: account."
    );
    assert_eq!(missing.body["error"]["code"], "parameter_missing");

    let bad_enum = sb.post("/v1/accounts", &[("type", "weird")]).await;
    assert_eq!(
        bad_enum.body["error"]["message"],
        "Invalid type: must be one of custom, express, or standard"
    );

    let forbidden = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some("acct_doesnotexist"),
            &[],
            &[],
        )
        .await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.body["error"]["code"], "account_invalid");
    let message = forbidden.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains(
            "does not have access to account 'acct_doesnotexist' (or that account does not exist)"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn stripe_version_and_account_are_echoed() {
    let sb: TestSandbox = spawn().await;
    let account = sb.create_account(&[("type", "express")]).await;
    let id = account["id"].as_str().unwrap_or_default();
    let r = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some(id),
            &[("Stripe-Version", "2024-06-20")],
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("stripe-version").as_deref(), Some("2024-06-20"));
    assert_eq!(r.header("stripe-account").as_deref(), Some(id));
    assert_eq!(r.body["id"], id);
}
