//! Account Links: single use, expiry → refresh_url, and the hosted onboarding flow.

use std::time::Duration;

use crate::helpers::{TestSandbox, assert_fixture_shape, spawn};

const REFRESH: &str = "https://platform.example/refresh";
const RETURN: &str = "https://platform.example/return";

async fn link(sb: &TestSandbox, account: &str) -> String {
    let r = sb
        .post(
            "/v1/account_links",
            &[
                ("account", account),
                ("type", "account_onboarding"),
                ("refresh_url", REFRESH),
                ("return_url", RETURN),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_fixture_shape("account_link", &r.body);
    assert_eq!(
        r.body["expires_at"].as_i64(),
        r.body["created"].as_i64().map(|c| c + 300)
    );
    r.body["url"].as_str().unwrap_or_default().to_owned()
}

async fn location(sb: &TestSandbox, url: &str) -> String {
    let r = sb.http.get(url).send().await.expect("get");
    assert!(r.status().is_redirection(), "{} for {url}", r.status());
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if loc.starts_with('/') {
        sb.url(&loc)
    } else {
        loc
    }
}

async fn post_form(sb: &TestSandbox, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    sb.http.post(url).form(form).send().await.expect("post")
}

#[tokio::test]
async fn links_are_single_use_and_expire() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "express")]).await;
    let id = acct["id"].as_str().unwrap_or_default();
    let url = link(&sb, id).await;
    let first = location(&sb, &url).await;
    assert!(first.contains("/onboarding/"), "{first}");
    assert_eq!(
        location(&sb, &url).await,
        REFRESH,
        "a used link goes to refresh_url"
    );

    let expiring = link(&sb, id).await;
    sb.handle.advance_clock(Duration::from_secs(301));
    assert_eq!(
        location(&sb, &expiring).await,
        REFRESH,
        "an expired link goes to refresh_url"
    );

    let missing = sb
        .post(
            "/v1/account_links",
            &[
                ("account", id),
                ("type", "account_onboarding"),
                ("return_url", RETURN),
            ],
        )
        .await;
    assert_eq!(missing.body["error"]["param"], "refresh_url");
    let update = sb
        .post(
            "/v1/account_links",
            &[
                ("account", id),
                ("type", "account_update"),
                ("refresh_url", REFRESH),
                ("return_url", RETURN),
            ],
        )
        .await;
    assert_eq!(
        update.status, 400,
        "account_update is only for platform-collected accounts"
    );
}

#[tokio::test]
async fn hosted_onboarding_with_test_data_enables_the_account() {
    let sb = spawn().await;
    let acct = sb
        .create_account(&[
            ("type", "express"),
            ("capabilities[card_payments][requested]", "true"),
            ("capabilities[transfers][requested]", "true"),
        ])
        .await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    let url = link(&sb, &id).await;
    let session = location(&sb, &url).await;
    let business = location(&sb, &session).await;
    assert!(business.ends_with("/business"), "{business}");
    let page = sb
        .http
        .get(&business)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("id=\"use_test_data\"") && page.contains("name=\"mcc\""),
        "{page}"
    );
    let base = business.trim_end_matches("/business").to_owned();
    for step in ["business", "identity", "bank"] {
        let r = post_form(&sb, &format!("{base}/{step}"), &[("action", "test_data")]).await;
        assert!(r.status().is_redirection(), "{step}: {}", r.status());
    }
    let review = sb
        .http
        .get(format!("{base}/review"))
        .send()
        .await
        .expect("review")
        .text()
        .await
        .expect("html");
    assert!(review.contains("Everything needed is provided"), "{review}");
    let done = post_form(
        &sb,
        &format!("{base}/review"),
        &[("action", "submit"), ("tos", "accepted")],
    )
    .await;
    assert_eq!(
        done.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(RETURN)
    );

    let after = sb.get(&format!("/v1/accounts/{id}"), &[]).await.body;
    assert_eq!(after["details_submitted"], true, "{after}");
    assert_eq!(after["charges_enabled"], true);
    assert_eq!(after["payouts_enabled"], true);
    assert_eq!(
        after["requirements"]["currently_due"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let updated = sb
        .handle
        .events()
        .into_iter()
        .filter(|e| e["type"] == "account.updated")
        .count();
    assert!(updated >= 4, "each step emits account.updated ({updated})");
    assert_eq!(
        location(&sb, &format!("{base}/review")).await,
        REFRESH,
        "a finished session is over"
    );
}

#[tokio::test]
async fn leaving_returns_without_submitting() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "express")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    let session = location(&sb, &link(&sb, &id).await).await;
    let leave = location(&sb, &format!("{session}/leave")).await;
    assert_eq!(leave, RETURN);
    let after = sb.get(&format!("/v1/accounts/{id}"), &[]).await.body;
    assert_eq!(after["details_submitted"], false);
}
