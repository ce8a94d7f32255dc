//! Connect OAuth: consent, token exchange, scopes, errors, deauthorization.

use crate::helpers::{TestSandbox, spawn};

const REDIRECT: &str = "https://platform.example/oauth/callback";

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn param(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Opens the consent page and returns the pending request id.
async fn consent(sb: &TestSandbox, scope: &str, express: bool) -> String {
    let path = if express {
        "express/oauth/authorize"
    } else {
        "oauth/authorize"
    };
    let url = format!(
        "{}?response_type=code&client_id={}&scope={scope}&redirect_uri={}&state=xyz&stripe_user[business_name]=Bistro",
        sb.url(path),
        sb.keys.client_id,
        REDIRECT
    );
    let page = sb.http.get(url).send().await.expect("authorize");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("Test Platform") && html.contains("value=\"Bistro\""),
        "{html}"
    );
    let start = html
        .find("name=\"request\" value=\"")
        .map(|i| i + 22)
        .expect("request id");
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn decide(sb: &TestSandbox, request: &str, decision: &str) -> Vec<(String, String)> {
    let r = sb
        .http
        .post(sb.url("/oauth/authorize/decision"))
        .form(&[
            ("request", request),
            ("decision", decision),
            ("account", "new"),
            ("business_name", "Bistro"),
            ("email", "b@example.com"),
            ("country", "FR"),
        ])
        .send()
        .await
        .expect("decision");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    query(&location)
}

async fn exchange(sb: &TestSandbox, code: &str) -> crate::helpers::Reply {
    sb.request(
        reqwest::Method::POST,
        "/oauth/token",
        sb.key(),
        None,
        &[],
        &[("grant_type", "authorization_code"), ("code", code)],
    )
    .await
}

#[tokio::test]
async fn code_flow_connects_a_standard_account() {
    let sb = spawn().await;
    let request = consent(&sb, "read_write", false).await;
    let back = decide(&sb, &request, "approve").await;
    assert_eq!(param(&back, "state").as_deref(), Some("xyz"));
    assert_eq!(param(&back, "scope").as_deref(), Some("read_write"));
    let code = param(&back, "code").expect("code");
    assert!(code.starts_with("ac_"));

    let token = exchange(&sb, &code).await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.body["token_type"], "bearer");
    assert_eq!(token.body["livemode"], false);
    assert_eq!(token.body["scope"], "read_write");
    let account = token.body["stripe_user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let access = token.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(access.starts_with("sk_test_"));
    assert!(
        token.body["stripe_publishable_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("pk_test_"))
    );
    assert!(
        token.body["refresh_token"]
            .as_str()
            .is_some_and(|k| k.starts_with("rt_"))
    );

    let me = sb
        .request(reqwest::Method::GET, "/v1/account", &access, None, &[], &[])
        .await;
    assert_eq!(
        me.id(),
        account,
        "the access token acts as the connected account"
    );
    assert_eq!(me.body["type"], "standard");
    assert_eq!(me.body["country"], "FR");
    assert_eq!(me.body["charges_enabled"], true);
    let via_header = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some(&account),
            &[],
            &[],
        )
        .await;
    assert_eq!(via_header.status, 200);

    let replay = exchange(&sb, &code).await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.body["error"], "invalid_grant");
    let revoked = sb
        .request(reqwest::Method::GET, "/v1/account", &access, None, &[], &[])
        .await;
    assert_eq!(revoked.status, 401, "reusing a code revokes its tokens");

    let refresh = sb
        .request(
            reqwest::Method::POST,
            "/oauth/token",
            sb.key(),
            None,
            &[],
            &[
                ("grant_type", "refresh_token"),
                (
                    "refresh_token",
                    token.body["refresh_token"].as_str().unwrap_or_default(),
                ),
            ],
        )
        .await;
    assert_eq!(refresh.status, 200, "{}", refresh.body);
    let fresh = refresh.body["access_token"].as_str().unwrap_or_default();
    assert_eq!(
        sb.request(reqwest::Method::GET, "/v1/account", fresh, None, &[], &[])
            .await
            .status,
        200
    );
    let events: Vec<String> = sb
        .handle
        .events()
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect();
    assert!(events.contains(&"account.application.authorized".to_owned()));
}

#[tokio::test]
async fn deny_and_bad_requests() {
    let sb = spawn().await;
    let request = consent(&sb, "read_only", false).await;
    let back = decide(&sb, &request, "deny").await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("xyz"));

    let bad_client = sb
        .http
        .get(sb.url("/oauth/authorize?response_type=code&client_id=ca_nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(bad_client.status(), 400);
    let bad_scope = sb
        .http
        .get(format!(
            "{}?response_type=code&client_id={}&scope=admin&redirect_uri={REDIRECT}",
            sb.url("oauth/authorize"),
            sb.keys.client_id
        ))
        .send()
        .await
        .expect("get");
    let location = bad_scope
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        param(&query(&location), "error").as_deref(),
        Some("invalid_scope")
    );

    let unknown = exchange(&sb, "ac_doesnotexist").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["error"], "invalid_grant");
    assert!(
        unknown.body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("ac_doesnotexist"))
    );
    let grant = sb
        .request(
            reqwest::Method::POST,
            "/oauth/token",
            sb.key(),
            None,
            &[],
            &[("grant_type", "password")],
        )
        .await;
    assert_eq!(grant.body["error"], "unsupported_grant_type");
    let noauth = sb
        .http
        .post(sb.url("/oauth/token"))
        .form(&[("grant_type", "authorization_code"), ("code", "ac_x")])
        .send()
        .await
        .expect("post");
    assert_eq!(noauth.status(), 401);

    let restricted = sb.handle.sandbox().app().clone();
    let platform_id = sb.keys.account_id.clone();
    restricted.write(|tx| {
        if let Some(p) = tx.platforms.get_mut(&platform_id) {
            p.redirect_uris = vec!["https://only.example/cb".into()];
        }
    });
    let mismatch = sb
        .http
        .get(format!(
            "{}?response_type=code&client_id={}&redirect_uri={REDIRECT}",
            sb.url("oauth/authorize"),
            sb.keys.client_id
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(
        mismatch.status(),
        400,
        "an unregistered redirect_uri gets an error page, not a redirect"
    );
}

#[tokio::test]
async fn read_only_tokens_cannot_write() {
    let sb = spawn().await;
    let request = consent(&sb, "read_only", false).await;
    let code = param(&decide(&sb, &request, "approve").await, "code").expect("code");
    let token = exchange(&sb, &code).await;
    let access = token.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let account = token.body["stripe_user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        sb.request(reqwest::Method::GET, "/v1/account", &access, None, &[], &[])
            .await
            .status,
        200
    );
    let write = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            &access,
            None,
            &[],
            &[("url", "https://e.example/h"), ("enabled_events[0]", "*")],
        )
        .await;
    assert_eq!(write.status, 403);
    let platform_write = sb
        .request(
            reqwest::Method::POST,
            &format!("/v1/accounts/{account}"),
            sb.key(),
            None,
            &[],
            &[("metadata[a]", "b")],
        )
        .await;
    assert_eq!(
        platform_write.status, 200,
        "the platform acting as itself is not scoped; Stripe-Account is"
    );
    let header_write = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            sb.key(),
            Some(&account),
            &[],
            &[("url", "https://e.example/h"), ("enabled_events[0]", "*")],
        )
        .await;
    assert_eq!(header_write.status, 403);
}

#[tokio::test]
async fn deauthorize_revokes_access_and_emits_the_event() {
    let sb = spawn().await;
    let request = consent(&sb, "read_write", false).await;
    let code = param(&decide(&sb, &request, "approve").await, "code").expect("code");
    let token = exchange(&sb, &code).await;
    let account = token.body["stripe_user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let access = token.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = sb
        .request(
            reqwest::Method::POST,
            "/oauth/deauthorize",
            sb.key(),
            None,
            &[],
            &[
                ("client_id", sb.keys.client_id.as_str()),
                ("stripe_user_id", account.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, serde_json::json!({ "stripe_user_id": account }));
    let event = sb
        .handle
        .events()
        .into_iter()
        .find(|e| e["type"] == "account.application.deauthorized")
        .expect("event");
    assert_eq!(event["account"], account.as_str());
    assert_eq!(event["data"]["object"]["object"], "application");
    assert_eq!(event["data"]["object"]["id"], sb.keys.client_id.as_str());
    assert_eq!(event["data"]["object"]["name"], "Test Platform");
    let header = sb
        .request(
            reqwest::Method::GET,
            "/v1/account",
            sb.key(),
            Some(&account),
            &[],
            &[],
        )
        .await;
    assert_eq!(header.status, 403);
    let token_use = sb
        .request(reqwest::Method::GET, "/v1/account", &access, None, &[], &[])
        .await;
    assert_eq!(token_use.status, 401);
    assert_eq!(token_use.body["error"]["code"], "api_key_expired");
    let again = sb
        .request(
            reqwest::Method::POST,
            "/oauth/deauthorize",
            sb.key(),
            None,
            &[],
            &[
                ("client_id", sb.keys.client_id.as_str()),
                ("stripe_user_id", account.as_str()),
            ],
        )
        .await;
    assert_eq!(again.body["error"], "invalid_client");
}

#[tokio::test]
async fn merchant_side_deauthorization_and_express_oauth() {
    let sb = spawn().await;
    let request = consent(&sb, "read_write", true).await;
    let code = param(&decide(&sb, &request, "approve").await, "code").expect("code");
    let token = exchange(&sb, &code).await;
    let account = token.body["stripe_user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let acct = sb.get(&format!("/v1/accounts/{account}"), &[]).await;
    assert_eq!(acct.body["type"], "express");
    let login = sb
        .post(&format!("/v1/accounts/{account}/login_links"), &[])
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    crate::helpers::assert_fixture_shape("login_link", &login.body);
    let url = login.body["url"].as_str().unwrap_or_default();
    let page = sb.http.get(url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("Express Dashboard (sandbox)")
    );
    assert_eq!(
        sb.http.get(url).send().await.expect("again").status(),
        404,
        "login links work once"
    );

    let out = sb
        .control(
            &format!("/_sandbox/accounts/{account}/deauthorize"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        out["deauthorized_platforms"][0],
        sb.keys.account_id.as_str()
    );
    assert_eq!(
        sb.get(&format!("/v1/accounts/{account}"), &[]).await.status,
        403
    );
}
