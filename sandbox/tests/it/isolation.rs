//! Objects of one account are invisible to others; other platforms cannot reach them.

use crate::helpers::spawn;

#[tokio::test]
async fn accounts_and_platforms_are_isolated() {
    let sb = spawn().await;
    let a = sb.create_account(&[("type", "express")]).await;
    let b = sb.create_account(&[("type", "express")]).await;
    let (a, b) = (
        a["id"].as_str().unwrap_or_default().to_owned(),
        b["id"].as_str().unwrap_or_default().to_owned(),
    );
    let params = [("url", "https://example.com/a"), ("enabled_events[0]", "*")];
    let on_a = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            sb.key(),
            Some(&a),
            &[],
            &params,
        )
        .await;
    assert_eq!(on_a.status, 200);
    let we = on_a.id();
    let path = format!("/v1/webhook_endpoints/{we}");

    let from_a = sb
        .request(reqwest::Method::GET, &path, sb.key(), Some(&a), &[], &[])
        .await;
    assert_eq!(from_a.status, 200);
    let from_b = sb
        .request(reqwest::Method::GET, &path, sb.key(), Some(&b), &[], &[])
        .await;
    assert_eq!(from_b.status, 404);
    assert_eq!(
        from_b.body["error"]["message"],
        format!("No such webhook endpoint: '{we}'")
    );
    let from_platform = sb.get(&path, &[]).await;
    assert_eq!(from_platform.status, 404);
    let list_b = sb
        .request(
            reqwest::Method::GET,
            "/v1/webhook_endpoints",
            sb.key(),
            Some(&b),
            &[],
            &[],
        )
        .await;
    assert_eq!(list_b.body["data"].as_array().map(Vec::len), Some(0));
    let list_platform = sb.get("/v1/webhook_endpoints", &[]).await;
    assert_eq!(list_platform.body["data"].as_array().map(Vec::len), Some(0));

    let other = sb.handle.create_platform("Other platform");
    let foreign = sb
        .request(
            reqwest::Method::GET,
            &path,
            &other.secret_key,
            Some(&a),
            &[],
            &[],
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.body["error"]["code"], "account_invalid");
    let foreign_account = sb
        .request(
            reqwest::Method::GET,
            &format!("/v1/accounts/{a}"),
            &other.secret_key,
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(foreign_account.status, 403);
    let foreign_update = sb
        .request(
            reqwest::Method::POST,
            &format!("/v1/accounts/{a}"),
            &other.secret_key,
            None,
            &[],
            &[("email", "x@example.com")],
        )
        .await;
    assert_eq!(foreign_update.status, 403);
    let foreign_list = sb
        .request(
            reqwest::Method::GET,
            "/v1/accounts",
            &other.secret_key,
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(foreign_list.body["data"].as_array().map(Vec::len), Some(0));
}
