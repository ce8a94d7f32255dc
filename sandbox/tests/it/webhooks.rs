//! Webhook endpoints and delivery: signatures (verified with async-stripe), retries, Connect
//! routing, and the duplicate / drop / reorder knobs.

use std::time::Duration;

use sandbox::DeliveryKnobs;
use serde_json::Value;

use crate::helpers::{Receiver, TestSandbox, assert_fixture_shape, spawn, wait_for};

async fn endpoint(sb: &TestSandbox, url: &str, connect: bool, account: Option<&str>) -> Value {
    let connect = if connect { "true" } else { "false" };
    let r = sb
        .request(
            reqwest::Method::POST,
            "/v1/webhook_endpoints",
            sb.key(),
            account,
            &[],
            &[
                ("url", url),
                ("enabled_events[0]", "account.updated"),
                ("enabled_events[1]", "account.application.deauthorized"),
                ("connect", connect),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn touch(sb: &TestSandbox, account: &str, n: usize) {
    let value = format!("v{n}");
    let r = sb
        .post(
            &format!("/v1/accounts/{account}"),
            &[("metadata[n]", value.as_str())],
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn endpoint_crud_and_secret_only_on_create() {
    let sb = spawn().await;
    let created = endpoint(&sb, "https://example.com/hook", true, None).await;
    assert_fixture_shape("webhook_endpoint", &created);
    assert!(
        created["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    let id = created["id"].as_str().unwrap_or_default();
    let fetched = sb.get(&format!("/v1/webhook_endpoints/{id}"), &[]).await;
    assert!(fetched.body.get("secret").is_none());
    let disabled = sb
        .post(
            &format!("/v1/webhook_endpoints/{id}"),
            &[("disabled", "true"), ("description", "d")],
        )
        .await;
    assert_eq!(disabled.body["status"], "disabled");
    assert_eq!(disabled.body["description"], "d");
    let bad = sb
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", "https://e.example"),
                ("enabled_events[0]", "nope.event"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["param"], "enabled_events[0]");
    let deleted = sb
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/webhook_endpoints/{id}"),
            sb.key(),
            None,
            &[],
            &[],
        )
        .await;
    assert_eq!(deleted.body["deleted"], true);
    assert_fixture_shape("deleted_webhook_endpoint", &deleted.body);
}

#[tokio::test]
async fn connect_endpoints_get_signed_connected_events() {
    let sb = spawn().await;
    let connect = Receiver::start(&[]).await;
    let own = Receiver::start(&[]).await;
    let ep = endpoint(&sb, &connect.url, true, None).await;
    endpoint(&sb, &own.url, false, None).await;
    let secret = ep["secret"].as_str().unwrap_or_default().to_owned();
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    touch(&sb, &id, 1).await;

    let hits = connect.wait_hits(1).await;
    let hit = &hits[0];
    assert_eq!(
        hit.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        hit.headers.get("user-agent").and_then(|v| v.to_str().ok()),
        Some("Stripe/1.0 (+https://stripe.com/docs/webhooks)")
    );
    let signature = hit
        .headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        signature.contains(",v1=") && signature.contains(",v0="),
        "{signature}"
    );
    let event = stripe_webhook::Webhook::construct_event(&hit.body, signature, &secret)
        .expect("async-stripe verifies the signature");
    assert_eq!(event.account.as_deref(), Some(id.as_str()));
    assert!(matches!(
        event.data.object,
        stripe_webhook::EventObject::AccountUpdated(_)
    ));
    assert!(stripe_webhook::Webhook::construct_event(&hit.body, signature, "whsec_wrong").is_err());
    assert_eq!(hit.json()["type"], "account.updated");

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        own.hits().is_empty(),
        "connect:false endpoints do not get connected-account events"
    );
    let pending = wait_for("pending_webhooks to drop", Duration::from_secs(5), || {
        let events = sb.handle.events();
        let e = events.iter().find(|e| e["type"] == "account.updated")?;
        (e["pending_webhooks"] == 0).then_some(())
    })
    .await;
    let _: () = pending;
}

#[tokio::test]
async fn failures_are_retried_on_the_schedule() {
    let sb = spawn().await;
    let receiver = Receiver::start(&[500, 503]).await;
    endpoint(&sb, &receiver.url, true, None).await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    touch(&sb, &id, 1).await;
    let hits = receiver.wait_hits(3).await;
    let ids: Vec<Value> = hits.iter().map(|h| h.json()["id"].clone()).collect();
    assert!(
        ids.iter().all(|e| *e == ids[0]),
        "the same event is retried"
    );
    let success = wait_for("delivery_success", Duration::from_secs(5), || {
        let events = sb.handle.events();
        let e = events.iter().find(|e| e["id"] == ids[0])?;
        (e["pending_webhooks"] == 0).then_some(true)
    })
    .await;
    assert!(success);
    let listed = sb
        .request(
            reqwest::Method::GET,
            "/v1/events",
            sb.key(),
            Some(&id),
            &[],
            &[("delivery_success", "true")],
        )
        .await;
    assert!(
        listed.body["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|e| e["id"] == ids[0]))
    );
}

#[tokio::test]
async fn gives_up_after_the_schedule() {
    let sb = spawn().await;
    let receiver = Receiver::start(&[500, 500, 500, 500, 500, 500]).await;
    endpoint(&sb, &receiver.url, true, None).await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    touch(&sb, acct["id"].as_str().unwrap_or_default(), 1).await;
    receiver.wait_hits(4).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.hits().len(), 4, "one attempt plus three retries");
    let failed = sb
        .handle
        .events()
        .into_iter()
        .find(|e| e["type"] == "account.updated")
        .expect("event");
    assert_eq!(failed["pending_webhooks"], 1);
}

#[tokio::test]
async fn duplicate_and_drop_knobs() {
    let sb = spawn().await;
    let receiver = Receiver::start(&[]).await;
    endpoint(&sb, &receiver.url, true, None).await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();

    sb.handle.set_delivery(DeliveryKnobs {
        duplicate_rate: 1.0,
        ..DeliveryKnobs::default()
    });
    touch(&sb, &id, 1).await;
    let hits = receiver.wait_hits(2).await;
    assert_eq!(
        hits[0].json()["id"],
        hits[1].json()["id"],
        "duplicated delivery"
    );

    sb.handle.set_delivery(DeliveryKnobs {
        drop_rate: 1.0,
        ..DeliveryKnobs::default()
    });
    touch(&sb, &id, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.hits().len(), 2, "dropped attempts never arrive");
    let _ = sb.handle.events();

    sb.handle.set_delivery(DeliveryKnobs {
        drop_rate: 1.0,
        drop_is_permanent: true,
        ..DeliveryKnobs::default()
    });
    touch(&sb, &id, 3).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    sb.handle.set_delivery(DeliveryKnobs::default());
    sb.handle.sandbox().flush_webhooks();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.hits().len(),
        2,
        "a permanent drop is lost for good, and retries of the first drop are exhausted"
    );
}

#[tokio::test]
async fn dropped_first_attempt_is_retried() {
    let mut config = crate::helpers::fast_config();
    config.webhook_retry_schedule = vec![Duration::from_secs(3600)];
    let sb = crate::helpers::spawn_with(config).await;
    let receiver = Receiver::start(&[]).await;
    endpoint(&sb, &receiver.url, true, None).await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    sb.handle.set_delivery(DeliveryKnobs {
        drop_rate: 1.0,
        ..DeliveryKnobs::default()
    });
    touch(&sb, acct["id"].as_str().unwrap_or_default(), 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.hits().is_empty());
    sb.handle.set_delivery(DeliveryKnobs::default());
    sb.handle.advance_clock(Duration::from_secs(3600));
    receiver.wait_hits(1).await;
}

#[tokio::test]
async fn reorder_window_reverses_a_batch() {
    let sb = spawn().await;
    let receiver = Receiver::start(&[]).await;
    endpoint(&sb, &receiver.url, true, None).await;
    let acct = sb.create_account(&[("type", "custom")]).await;
    let id = acct["id"].as_str().unwrap_or_default().to_owned();
    sb.handle.set_delivery(DeliveryKnobs {
        reorder_window_ms: 500,
        reorder_reverse: true,
        ..DeliveryKnobs::default()
    });
    for n in 1..=3 {
        touch(&sb, &id, n).await;
    }
    let hits = receiver.wait_hits(3).await;
    let order: Vec<Value> = hits
        .iter()
        .map(|h| h.json()["data"]["object"]["metadata"]["n"].clone())
        .collect();
    assert_eq!(order, ["v3", "v2", "v1"]);
}
