//! Events API: visibility per account and filters.

use crate::helpers::{assert_fixture_shape, spawn};

#[tokio::test]
async fn events_list_and_filters() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    sb.post(
        &format!("/v1/accounts/{id}"),
        &[("business_type", "individual")],
    )
    .await;
    sb.post(
        &format!("/v1/accounts/{id}"),
        &[("external_account", "btok_us")],
    )
    .await;

    let platform_view = sb.get("/v1/events", &[]).await;
    assert_eq!(
        platform_view.body["data"].as_array().map(Vec::len),
        Some(0),
        "events live on the connected account"
    );
    let all = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[],
        )
        .await;
    let data = all.body["data"].as_array().cloned().unwrap_or_default();
    assert!(data.len() >= 3, "{}", all.body);
    assert_fixture_shape("event", &data[0]);
    assert_eq!(data[0]["account"], id.as_str());

    let wildcard = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[("type", "account.external_account.*")],
        )
        .await;
    let types: Vec<&str> = wildcard.body["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(types, ["account.external_account.created"]);
    let exact = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[
                ("types[0]", "account.updated"),
                ("types[1]", "nothing.here"),
            ],
        )
        .await;
    assert!(
        exact.body["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty() && d.iter().all(|e| e["type"] == "account.updated"))
    );
    let success = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[("delivery_success", "true")],
        )
        .await;
    assert_eq!(
        success.body["data"].as_array().map(Vec::len),
        Some(data.len()),
        "no endpoints: nothing pending"
    );
    let pending = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[("delivery_success", "false")],
        )
        .await;
    assert_eq!(pending.body["data"].as_array().map(Vec::len), Some(0));

    let event_id = data[0]["id"].as_str().unwrap_or_default();
    let one = sb
        .request(
            reqwest::Method::GET,
            &format!("/v1/events/{event_id}"),
            sb.key(),
            Some(&id),
            &[],
            &[],
        )
        .await;
    assert_eq!(one.body["id"], event_id);
    let hidden = sb.get(&format!("/v1/events/{event_id}"), &[]).await;
    assert_eq!(hidden.status, 404);
}

#[tokio::test]
async fn scheduled_actions_run_when_the_clock_reaches_them() {
    let sb = spawn().await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    let app = sb.handle.sandbox().app().clone();
    let due = sb.handle.sandbox().now() + 3600;
    app.write(|tx| {
        tx.schedule(due, "sandbox.emit_event", &id, serde_json::json!({"type": "account.updated", "object": {"id": id, "object": "account"}}))
    });
    let count = || {
        sb.handle
            .events()
            .iter()
            .filter(|e| e["type"] == "account.updated")
            .count()
    };
    assert_eq!(count(), 0);
    sb.handle
        .advance_clock(std::time::Duration::from_secs(3600));
    assert_eq!(count(), 1, "advancing the clock runs due actions at once");
}
