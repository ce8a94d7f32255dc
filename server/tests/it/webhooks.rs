//! `POST /webhooks/stripe` and the inbox behind it: refused signatures store nothing,
//! duplicates and reordering change nothing, and a server stopped between storing an event and
//! processing it finishes the work, once, after a restart.

use std::time::Duration;

use domain::{
    Backend, Secret,
    orders::{self, OrderStatus},
    outbox,
    stripe::signature::sign,
    testing::TestDb,
    webhooks,
};
use serde_json::json;
use server::startup::{Application, Options};
use tokio_util::sync::CancellationToken;

use crate::{
    app_test,
    helpers::{TestApp, fast_options, onboarded_merchant, test_config, wait_for},
};

const WAIT: Duration = Duration::from_secs(15);

fn event_body(id: &str) -> String {
    json!({
        "id": id, "object": "event", "type": "customer.created", "created": 1_750_000_000, "livemode": false,
        "pending_webhooks": 1, "data": { "object": { "id": "cus_1", "object": "customer" } }
    })
    .to_string()
}

async fn post_event(app: &TestApp, body: &str, signature: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/webhooks/stripe"))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

fn signing_secret(app: &TestApp) -> Secret {
    app.services.settings().webhook_secrets[0].clone()
}

async fn inbox_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
        .fetch_one(app.services.db.pool())
        .await
        .unwrap()
}

app_test!(
    bad_and_stale_signatures_are_refused_and_store_nothing,
    |app: TestApp| async move {
        let before = inbox_rows(&app).await;
        let body = event_body("evt_forged");
        let now = app.services.clock.now();
        let forged = sign(body.as_bytes(), &Secret::new("whsec_not_ours"), now);
        let stale = sign(body.as_bytes(), &signing_secret(&app), now - 600);
        for signature in [forged.as_str(), stale.as_str(), "t=1,v1=00", "garbage"] {
            let response = post_event(&app, &body, signature).await;
            assert_eq!(response.status(), 400, "{signature}");
        }
        let tampered = sign(body.as_bytes(), &signing_secret(&app), now);
        let response = post_event(&app, &body.replace("cus_1", "cus_2"), &tampered).await;
        assert_eq!(response.status(), 400);
        assert_eq!(inbox_rows(&app).await, before);

        let good = sign(body.as_bytes(), &signing_secret(&app), now);
        assert_eq!(post_event(&app, &body, &good).await.status(), 200);
        assert_eq!(inbox_rows(&app).await, before + 1);
    }
);

app_test!(
    a_duplicate_is_acknowledged_and_has_no_second_effect,
    |app: TestApp| async move {
        let body = event_body("evt_twice");
        let signature = sign(
            body.as_bytes(),
            &signing_secret(&app),
            app.services.clock.now(),
        );
        let first = post_event(&app, &body, &signature).await;
        let second = post_event(&app, &body, &signature).await;
        assert_eq!(first.status(), 200);
        assert_eq!(second.status(), 200);
        let second: serde_json::Value = second.json().await.unwrap();
        assert_eq!(second["duplicate"], true);
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_twice'")
                .fetch_one(app.services.db.pool())
                .await
                .unwrap();
        assert_eq!(rows, 1);
    }
);

app_test!(
    every_delivery_sent_twice_still_fulfils_once,
    |app: TestApp| async move {
        app.sandbox().set_delivery(sandbox::DeliveryKnobs {
            duplicate_rate: 1.0,
            ..Default::default()
        });
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = crate::checkout::hosted_order(&app, &merchant).await;
        crate::checkout::pay(&app, &merchant, &order, "pm_card_visa").await;
        crate::checkout::wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
        let messages = outbox::for_subject(&app.services.db, &order.id)
            .await
            .unwrap();
        assert_eq!(messages.len(), 1, "{messages:?}");
    }
);

/// Waits until the inbox holds every event of `types`, then processes all stored events with
/// those of `first` types before the rest (the worst order for the handlers).
async fn process_in_order(app: &TestApp, types: &[&str], first: &[&str]) {
    wait_for("the events to be stored", WAIT, || async {
        let stored: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT event_type FROM webhook_events")
                .fetch_all(app.services.db.pool())
                .await
                .unwrap();
        types
            .iter()
            .all(|t| stored.iter().any(|s| s == t))
            .then_some(())
    })
    .await;
    let mut events = webhooks::claim_due(&app.services.db, app.services.clock.now() + 1, 60, 100)
        .await
        .unwrap();
    events.sort_by_key(|e| !first.contains(&e.event_type.as_str()));
    assert!(first.contains(&events[0].event_type.as_str()));
    for event in events {
        webhooks::process(&app.services, &event).await.unwrap();
    }
}

async fn spawn_without_worker(backend: Backend) -> TestApp {
    crate::helpers::spawn_app_with(
        backend,
        Options {
            run_webhook_worker: false,
            ..fast_options()
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_processed_before_the_completion_still_reaches_the_order() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_without_worker(backend).await;
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = crate::checkout::hosted_order(&app, &merchant).await;
        crate::checkout::pay(&app, &merchant, &order, "pm_card_createDispute").await;
        process_in_order(
            &app,
            &["charge.dispute.created", "checkout.session.completed"],
            &["charge.dispute.created"],
        )
        .await;
        let order = orders::find(&app.services.db, &order.id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            order.disputed,
            "the dispute reached the order before the order knew its payment"
        );
        assert_eq!(order.status, OrderStatus::Fulfilled);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_success_processed_before_completion_never_moves_backwards() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_without_worker(backend).await;
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let order = crate::checkout::hosted_order(&app, &merchant).await;
        crate::checkout::pay(&app, &merchant, &order, "pm_success_de").await;
        process_in_order(
            &app,
            &[
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
            ],
            &["checkout.session.async_payment_succeeded"],
        )
        .await;
        let order = orders::find(&app.services.db, &order.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            order.status,
            OrderStatus::Fulfilled,
            "the later `completed` (unpaid) did not move it back"
        );
        let messages = outbox::for_subject(&app.services.db, &order.id)
            .await
            .unwrap();
        assert_eq!(messages.len(), 1);
    }
}

/// Starts a server on an existing database, with or without the webhook worker.
async fn start_on(
    db: &TestDb,
    data_dir: &std::path::Path,
    run_worker: bool,
) -> (Application, String) {
    let config = test_config(&db.url, data_dir);
    let options = Options {
        run_webhook_worker: run_worker,
        ..fast_options()
    };
    let app = Application::build_with(config, options).await.unwrap();
    let url = app.url();
    (app, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stored_before_a_crash_is_processed_once_after_restart() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let data_dir = tempfile::tempdir().unwrap();

        // First life: the route stores the event, then the process stops before any worker ran.
        let (first, url) = start_on(&db, data_dir.path(), false).await;
        let secret = first.services().settings().webhook_secrets[0].clone();
        let stop = CancellationToken::new();
        let running = tokio::spawn(first.run(stop.clone()));
        let body = json!({
            "id": "evt_crash", "object": "event", "type": "customer.created", "created": 1_750_000_000,
            "livemode": false, "pending_webhooks": 1, "data": { "object": { "id": "cus_1" } }
        })
        .to_string();
        let signature = sign(body.as_bytes(), &secret, domain::Clock::system().now());
        let stored = reqwest::Client::new()
            .post(format!("{url}/webhooks/stripe"))
            .header("Stripe-Signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200);
        stop.cancel();
        running.await.unwrap().unwrap();
        let counts = webhooks::counts(&db.db).await.unwrap();
        assert_eq!(counts.pending, 1, "stored, not processed");

        // Second life: the worker finds it and processes it once.
        let (second, _) = start_on(&db, data_dir.path(), true).await;
        let stop = CancellationToken::new();
        let running = tokio::spawn(second.run(stop.clone()));
        wait_for("the stored event to be processed", WAIT, || async {
            let counts = webhooks::counts(&db.db).await.unwrap();
            (counts.done == 1).then_some(())
        })
        .await;
        let attempts: i64 =
            sqlx::query_scalar("SELECT attempts FROM webhook_events WHERE event_id = 'evt_crash'")
                .fetch_one(db.db.pool())
                .await
                .unwrap();
        assert_eq!(attempts, 1, "processed exactly once");
        stop.cancel();
        running.await.unwrap().unwrap();
    }
}
