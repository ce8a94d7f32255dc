//! Pagination: limit bounds, cursors, has_more, created filters.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestSandbox, spawn};

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn endpoints(sb: &TestSandbox, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let url = format!("https://example.com/{i}");
        let r = sb
            .post(
                "/v1/webhook_endpoints",
                &[("url", url.as_str()), ("enabled_events[]", "*")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        out.push(r.id());
        sb.handle.advance_clock(Duration::from_secs(10));
    }
    out
}

#[tokio::test]
async fn cursors_walk_newest_first() {
    let sb = spawn().await;
    let created = endpoints(&sb, 5).await;
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let page1 = sb.get("/v1/webhook_endpoints", &[("limit", "2")]).await;
    assert_eq!(page1.body["object"], "list");
    assert_eq!(page1.body["url"], "/v1/webhook_endpoints");
    assert_eq!(ids(&page1.body), newest_first[..2]);
    assert_eq!(page1.body["has_more"], true);
    let page2 = sb
        .get(
            "/v1/webhook_endpoints",
            &[("limit", "2"), ("starting_after", &newest_first[1])],
        )
        .await;
    assert_eq!(ids(&page2.body), newest_first[2..4]);
    let page3 = sb
        .get(
            "/v1/webhook_endpoints",
            &[("limit", "2"), ("starting_after", &newest_first[3])],
        )
        .await;
    assert_eq!(ids(&page3.body), newest_first[4..]);
    assert_eq!(page3.body["has_more"], false);
    let back = sb
        .get(
            "/v1/webhook_endpoints",
            &[("limit", "2"), ("ending_before", &newest_first[4])],
        )
        .await;
    assert_eq!(ids(&back.body), newest_first[2..4]);
    assert_eq!(back.body["has_more"], true);
    let all = sb.get("/v1/webhook_endpoints", &[]).await;
    assert_eq!(ids(&all.body), newest_first);
}

#[tokio::test]
async fn limit_bounds_and_bad_cursor() {
    let sb = spawn().await;
    let zero = sb.get("/v1/webhook_endpoints", &[("limit", "0")]).await;
    assert_eq!(zero.status, 400);
    assert_eq!(
        zero.body["error"]["message"],
        "This value must be greater than or equal to 1."
    );
    assert_eq!(zero.body["error"]["param"], "limit");
    let big = sb.get("/v1/webhook_endpoints", &[("limit", "101")]).await;
    assert_eq!(
        big.body["error"]["message"],
        "This value must be less than or equal to 100."
    );
    let word = sb.get("/v1/webhook_endpoints", &[("limit", "ten")]).await;
    assert_eq!(word.body["error"]["message"], "Invalid integer: ten");
    let cursor = sb
        .get("/v1/webhook_endpoints", &[("starting_after", "we_nope")])
        .await;
    assert_eq!(cursor.status, 400);
    assert_eq!(cursor.body["error"]["code"], "resource_missing");
    assert_eq!(cursor.body["error"]["param"], "starting_after");
}

#[tokio::test]
async fn created_filters() {
    let sb = spawn().await;
    let created = endpoints(&sb, 3).await;
    let middle = sb
        .get(&format!("/v1/webhook_endpoints/{}", created[1]), &[])
        .await;
    let t = middle.body["created"]
        .as_i64()
        .unwrap_or_default()
        .to_string();
    let gte = sb
        .get("/v1/webhook_endpoints", &[("created[gte]", t.as_str())])
        .await;
    assert_eq!(ids(&gte.body), [created[2].clone(), created[1].clone()]);
    let lt = sb
        .get("/v1/webhook_endpoints", &[("created[lt]", t.as_str())])
        .await;
    assert_eq!(ids(&lt.body), [created[0].clone()]);
    let exact = sb
        .get("/v1/webhook_endpoints", &[("created", t.as_str())])
        .await;
    assert_eq!(ids(&exact.body), [created[1].clone()]);
}
