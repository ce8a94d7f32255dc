//! The commerce mirror against the sandbox, on both databases: a backfill reads every list of an
//! account; a crash in the middle resumes without duplicates or gaps; 429s only slow it down;
//! webhooks and backfill, in either order, reach the same state; reconciliation repairs a
//! webhook that never arrived; the worker backfills an account when it connects.

use std::{collections::BTreeSet, time::Duration};

use domain::{
    Db,
    merchants::Merchant,
    mirror::{self, Syncer, payments::PaymentStatus},
    orders::OrderStatus,
    settings::SyncMode,
    webhooks,
};
use serde_json::{Value, json};
use server::startup::{Options, SyncWorker};

use crate::helpers::{
    TestApp, fast_options, fast_sync, onboarded_merchant, spawn_app_with, wait_for,
};

const WAIT: Duration = Duration::from_secs(30);

/// Runs a test body on SQLite and Postgres with an app built from `options`.
macro_rules! mirror_test {
    ($name:ident, $options:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = spawn_app_with(domain::Backend::Sqlite, $options).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = spawn_app_with(domain::Backend::Postgres, $options).await;
                ($body)(app).await;
            }
        }
    };
}

/// No sync worker: the tests drive their own [`Syncer`].
fn manual_sync() -> Options {
    Options {
        sync: SyncWorker::Off,
        ..fast_options()
    }
}

/// Neither sync nor inbox workers: events wait in the inbox until the test processes them.
fn nothing_in_the_background() -> Options {
    Options {
        sync: SyncWorker::Off,
        run_webhook_worker: false,
        ..fast_options()
    }
}

fn syncer(app: &TestApp) -> Syncer {
    Syncer::new(app.services.clone(), fast_sync())
}

fn account_of(merchant: &Merchant) -> String {
    merchant
        .stripe_account_id
        .clone()
        .expect("a connected account")
}

/// Makes `count` card payments on `account` through the sandbox's seed endpoint.
pub async fn seed(app: &TestApp, account: &str, body: Value) -> Value {
    let mut body = body;
    body["account"] = json!(account);
    let response = reqwest::Client::new()
        .post(format!("{}_sandbox/seed/charges", app.sandbox_url))
        .bearer_auth(app.platform_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "seeding");
    response.json().await.unwrap()
}

/// A card payment made directly on the account, as an integration would.
pub async fn pay_directly(
    app: &TestApp,
    account: &str,
    amount: i64,
    email: &str,
    card: &str,
) -> Value {
    app.stripe_post(
        "/payment_intents",
        Some(account),
        &[
            ("amount", &amount.to_string()),
            ("currency", "eur"),
            ("confirm", "true"),
            ("payment_method", card),
            ("payment_method_types[0]", "card"),
            ("application_fee_amount", &(amount / 20).to_string()),
            ("receipt_email", email),
        ],
    )
    .await
}

/// Every id of a Stripe list, read from the sandbox page by page.
async fn stripe_ids(app: &TestApp, path: &str, account: Option<&str>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit=100");
        if let Some(a) = &after {
            url.push_str(&format!("&starting_after={a}"));
        }
        let page = app.stripe_get(&url, account).await;
        let data = page["data"].as_array().expect("a list").clone();
        for item in &data {
            ids.insert(item["id"].as_str().unwrap().to_string());
        }
        after = data.last().map(|i| i["id"].as_str().unwrap().to_string());
        if page["has_more"] != true {
            return ids;
        }
    }
}

async fn mirror_ids(db: &Db, table: &str, account: &str) -> BTreeSet<String> {
    let rows: Vec<(String,)> =
        sqlx::query_as(&format!("SELECT id FROM {table} WHERE account_id = $1"))
            .bind(account)
            .fetch_all(db.pool())
            .await
            .unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

/// Asserts the mirror holds exactly the account's objects at Stripe, list by list.
async fn assert_mirrors(app: &TestApp, account: &str) {
    for (path, table) in [
        ("/payment_intents", "mirror_payment_intents"),
        ("/charges", "mirror_charges"),
        ("/refunds", "mirror_refunds"),
        ("/disputes", "mirror_disputes"),
        ("/payouts", "mirror_payouts"),
        ("/balance_transactions", "mirror_balance_transactions"),
        ("/customers", "mirror_customers"),
        ("/checkout/sessions", "mirror_checkout_sessions"),
    ] {
        let at_stripe = stripe_ids(app, path, Some(account)).await;
        let mirrored = mirror_ids(&app.services.db, table, account).await;
        assert_same(&mirrored, &at_stripe, path);
    }
    let fees: BTreeSet<String> = stripe_ids(app, "/application_fees", None).await;
    let mirrored_fees: Vec<(String,)> = sqlx::query_as("SELECT id FROM mirror_application_fees")
        .fetch_all(app.services.db.pool())
        .await
        .unwrap();
    let mirrored_fees: BTreeSet<String> = mirrored_fees.into_iter().map(|(id,)| id).collect();
    assert_same(&mirrored_fees, &fees, "application fees");
}

/// Equal sets, or a failure that names what differs (not thousands of ids).
fn assert_same(mirrored: &BTreeSet<String>, at_stripe: &BTreeSet<String>, what: &str) {
    let missing: Vec<_> = at_stripe.difference(mirrored).take(5).collect();
    let extra: Vec<_> = mirrored.difference(at_stripe).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} mirrored, {} at Stripe; missing {missing:?}…, extra {extra:?}…",
        mirrored.len(),
        at_stripe.len()
    );
}

async fn count(db: &Db, sql: &str, account: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(account)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn by_status(db: &Db, account: &str, status: PaymentStatus) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mirror_payments WHERE account_id = $1 AND status = $2")
        .bind(account)
        .bind(status.as_str())
        .fetch_one(db.pool())
        .await
        .unwrap()
}

mirror_test!(
    a_backfill_reads_every_list_of_an_account,
    manual_sync(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        seed(
            &app,
            &account,
            json!({ "count": 230, "customers": 12, "refund_every": 7, "dispute_every": 11 }),
        )
        .await;
        let paid = pay_directly(&app, &account, 2500, "Direct@Example.com", "pm_card_visa").await;
        assert_eq!(paid["status"], "succeeded", "{paid}");
        let sync = syncer(&app);
        let report = sync
            .backfill(&account)
            .await
            .expect("the account's backfill");
        assert!(!report.resumed);
        assert!(
            report.pages >= 16,
            "pages of 100, at least two a list: {report:?}"
        );
        assert_eq!(report.objects, 793, "{report:?}");
        sync.backfill(mirror::PLATFORM)
            .await
            .expect("the platform's backfill");
        assert_mirrors(&app, &account).await;

        let db = &app.services.db;
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM mirror_payments WHERE account_id = $1",
                &account
            )
            .await,
            231,
            "one payment per payment intent"
        );
        // Every 7th of 230 partially refunded (32), every 11th not refunded disputed (18).
        assert_eq!(
            by_status(db, &account, PaymentStatus::PartiallyRefunded).await,
            32
        );
        assert_eq!(by_status(db, &account, PaymentStatus::Disputed).await, 18);
        assert_eq!(
            by_status(db, &account, PaymentStatus::Successful).await,
            231 - 32 - 18
        );
        let direct = mirror::payments::detail(db, Some(&account), paid["id"].as_str().unwrap())
            .await
            .unwrap()
            .expect("the direct payment");
        assert_eq!(
            direct.payment.customer_email.as_deref(),
            Some("direct@example.com")
        );
        assert_eq!(direct.payment.amount, 2500);
        assert_eq!(direct.payment.application_fee_amount, Some(125));
        assert_eq!(direct.charges.len(), 1);
        assert!(direct.application_fee.is_some());
        let balance = mirror::balances::get(db, &account)
            .await
            .unwrap()
            .expect("a balance");
        assert!(
            balance
                .available
                .iter()
                .any(|f| f.currency == "eur" && f.amount > 0),
            "{balance:?}"
        );

        let status = mirror::status::overview(db, app.services.clock.now())
            .await
            .unwrap();
        let row = status
            .iter()
            .find(|s| s.account_id == account)
            .expect("a status row");
        assert_eq!(row.backfill, mirror::status::BackfillStatus::Done);
        assert_eq!(row.steps_done, row.steps_total);
        assert!(
            row.counts.contains(&(mirror::Kind::Charge, 231)),
            "{:?}",
            row.counts
        );
    }
);

mirror_test!(
    a_crash_in_the_middle_of_a_backfill_resumes_without_duplicates_or_gaps,
    manual_sync(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        seed(&app, &account, json!({ "count": 420, "refund_every": 9 })).await;
        // Slow answers, so the crash lands in the middle.
        app.sandbox().set_faults(sandbox::FaultConfig {
            latency_ms: 40,
            ..Default::default()
        });
        let first = syncer(&app);
        let running = {
            let first = first.clone();
            let account = account.clone();
            tokio::spawn(async move { first.backfill(&account).await })
        };
        let db = app.services.db.clone();
        wait_for("the backfill to be half-way", WAIT, || {
            let db = db.clone();
            let account = account.clone();
            async move {
                let synced: Option<i64> = sqlx::query_scalar(
                    "SELECT objects_synced FROM sync_accounts WHERE account_id = $1",
                )
                .bind(&account)
                .fetch_optional(db.pool())
                .await
                .unwrap();
                (synced.unwrap_or(0) >= 700).then_some(())
            }
        })
        .await;
        // The process dies: the task is dropped wherever it is, a transaction possibly open.
        running.abort();
        let _ = running.await;
        let saved = count(
            &db,
            "SELECT COUNT(*) FROM sync_cursors WHERE account_id = $1",
            &account,
        )
        .await;
        assert!(saved >= 2, "cursors were saved along the way");
        let partial = count(
            &db,
            "SELECT COUNT(*) FROM mirror_charges WHERE account_id = $1",
            &account,
        )
        .await;
        // Payments keep coming while nothing syncs.
        seed(&app, &account, json!({ "count": 15 })).await;
        app.sandbox().set_faults(sandbox::FaultConfig::default());

        // The next start: another worker, once the dead one's lease has run out.
        let second = syncer(&app);
        let report = wait_for("the lease of the dead worker to run out", WAIT, || {
            let second = second.clone();
            let account = account.clone();
            async move {
                match second.backfill(&account).await {
                    Ok(report) => Some(report),
                    Err(mirror::MirrorError::Busy) => None,
                    Err(e) => panic!("the resumed backfill failed: {e}"),
                }
            }
        })
        .await;
        assert!(report.resumed, "{report:?}");
        second
            .backfill(mirror::PLATFORM)
            .await
            .expect("the platform's backfill");
        let total: i64 = count(
            &db,
            "SELECT COALESCE(CAST(SUM(objects) AS BIGINT), 0) FROM sync_cursors WHERE account_id = $1",
            &account,
        )
        .await;
        assert!(
            (report.objects as i64) < total,
            "the second run read only what was left: {} of {total}",
            report.objects
        );
        assert!(partial < 435);
        assert_mirrors(&app, &account).await;
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM mirror_payments WHERE account_id = $1",
                &account
            )
            .await,
            435
        );
    }
);

mirror_test!(
    rate_limits_slow_a_backfill_down_but_it_completes,
    manual_sync(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        seed(&app, &account, json!({ "count": 260, "refund_every": 5 })).await;
        app.sandbox().set_faults(sandbox::FaultConfig {
            rate_429: 0.5,
            path_prefix: Some("/v1/".into()),
            ..Default::default()
        });
        let sync = syncer(&app);
        let report = sync
            .backfill(&account)
            .await
            .expect("a backfill through 429s");
        sync.backfill(mirror::PLATFORM)
            .await
            .expect("the platform's backfill through 429s");
        app.sandbox().set_faults(sandbox::FaultConfig::default());
        assert!(report.objects > 0);
        assert_mirrors(&app, &account).await;
    }
);

/// The mirror's content without what records *when* it was read.
async fn snapshot(db: &Db) -> Vec<String> {
    let mut rows = Vec::new();
    for kind in mirror::Kind::ALL {
        let table = match kind {
            mirror::Kind::PaymentIntent => "mirror_payment_intents",
            mirror::Kind::Charge => "mirror_charges",
            mirror::Kind::Refund => "mirror_refunds",
            mirror::Kind::Dispute => "mirror_disputes",
            mirror::Kind::Payout => "mirror_payouts",
            mirror::Kind::BalanceTransaction => "mirror_balance_transactions",
            mirror::Kind::Customer => "mirror_customers",
            mirror::Kind::ApplicationFee => "mirror_application_fees",
            mirror::Kind::CheckoutSession => "mirror_checkout_sessions",
        };
        let found: Vec<(String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, account_id, data FROM {table} ORDER BY id"
        ))
        .fetch_all(db.pool())
        .await
        .unwrap();
        rows.extend(
            found
                .into_iter()
                .map(|(id, account, data)| format!("{table} {id} {account} {data}")),
        );
    }
    type PaymentRow = (
        String,
        String,
        String,
        i64,
        i64,
        Option<String>,
        Option<String>,
    );
    let payments: Vec<PaymentRow> = sqlx::query_as(
        "SELECT id, account_id, status, amount, amount_refunded, customer_email, charge_id FROM mirror_payments ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    rows.extend(payments.into_iter().map(|p| format!("payment {p:?}")));
    rows
}

async fn forget_the_mirror(db: &Db) {
    for table in [
        "mirror_payment_intents",
        "mirror_charges",
        "mirror_refunds",
        "mirror_disputes",
        "mirror_payouts",
        "mirror_balance_transactions",
        "mirror_customers",
        "mirror_application_fees",
        "mirror_checkout_sessions",
        "mirror_balances",
        "mirror_payments",
        "sync_cursors",
        "sync_accounts",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(db.pool())
            .await
            .unwrap();
    }
}

/// Processes every stored event again, as if each were delivered now.
async fn process_every_event(app: &TestApp) -> usize {
    sqlx::query(
        "UPDATE webhook_events SET status = 'pending', next_attempt_at = 0, locked_until = NULL",
    )
    .execute(app.services.db.pool())
    .await
    .unwrap();
    let events = webhooks::claim_due(&app.services.db, app.services.clock.now() + 1, 60, 10_000)
        .await
        .unwrap();
    for event in &events {
        webhooks::process(&app.services, event)
            .await
            .expect("an event handler");
    }
    events.len()
}

async fn events_stored(app: &TestApp, types: &[&str]) {
    wait_for("the webhooks to arrive", WAIT, || async {
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
}

mirror_test!(
    webhooks_then_backfill_and_backfill_then_webhooks_reach_the_same_state,
    nothing_in_the_background(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        let kept = pay_directly(&app, &account, 4200, "kept@example.com", "pm_card_visa").await;
        let refunded =
            pay_directly(&app, &account, 3000, "refunded@example.com", "pm_card_visa").await;
        let disputed = pay_directly(
            &app,
            &account,
            1800,
            "disputed@example.com",
            "pm_card_createDispute",
        )
        .await;
        let declined = pay_directly(
            &app,
            &account,
            900,
            "declined@example.com",
            "pm_card_chargeDeclined",
        )
        .await;
        assert_eq!(kept["status"], "succeeded");
        assert_eq!(disputed["status"], "succeeded");
        assert!(declined["error"].is_object(), "{declined}");
        let refund = app
            .stripe_post(
                "/refunds",
                Some(&account),
                &[
                    ("payment_intent", refunded["id"].as_str().unwrap()),
                    ("amount", "1000"),
                ],
            )
            .await;
        assert_eq!(refund["status"], "succeeded", "{refund}");
        events_stored(
            &app,
            &[
                "charge.refunded",
                "charge.dispute.created",
                "charge.failed",
                "application_fee.created",
            ],
        )
        .await;
        let sync = syncer(&app);

        // Webhooks first, then a backfill.
        assert!(process_every_event(&app).await > 10);
        let from_webhooks = snapshot(&app.services.db).await;
        assert!(
            from_webhooks
                .iter()
                .any(|r| r.contains("PartiallyRefunded") || r.contains("partially_refunded"))
        );
        sync.backfill(&account).await.unwrap();
        sync.backfill(mirror::PLATFORM).await.unwrap();
        let webhooks_then_backfill = snapshot(&app.services.db).await;
        assert_eq!(webhooks_then_backfill, from_webhooks);

        // From nothing: a backfill, then the same webhooks again, late and in their order.
        forget_the_mirror(&app.services.db).await;
        sync.backfill(&account).await.unwrap();
        sync.backfill(mirror::PLATFORM).await.unwrap();
        let from_backfill = snapshot(&app.services.db).await;
        process_every_event(&app).await;
        let backfill_then_webhooks = snapshot(&app.services.db).await;
        assert_eq!(from_backfill, from_webhooks);
        assert_eq!(backfill_then_webhooks, from_webhooks);

        let statuses: Vec<(String, String)> =
            sqlx::query_as("SELECT id, status FROM mirror_payments ORDER BY id")
                .fetch_all(app.services.db.pool())
                .await
                .unwrap();
        let status_of = |pi: &Value| {
            statuses
                .iter()
                .find(|(id, _)| id == pi["id"].as_str().unwrap())
                .map(|(_, s)| s.clone())
        };
        assert_eq!(status_of(&kept).as_deref(), Some("successful"));
        assert_eq!(status_of(&refunded).as_deref(), Some("partially_refunded"));
        assert_eq!(status_of(&disputed).as_deref(), Some("disputed"));
        let declined_pi = &declined["error"]["payment_intent"];
        assert_eq!(status_of(declined_pi).as_deref(), Some("failed"));
    }
);

mirror_test!(
    reconciliation_repairs_a_dropped_webhook,
    manual_sync(),
    |app: TestApp| async move {
        let mut settings = (*app.services.settings()).clone();
        settings.sync_mode = SyncMode::Continuous;
        app.services.update_settings(settings).await.unwrap();
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        let sync = syncer(&app);
        sync.backfill(&account).await.unwrap();
        sync.backfill(mirror::PLATFORM).await.unwrap();

        // Every delivery from now on is lost for good.
        app.sandbox().set_delivery(sandbox::DeliveryKnobs {
            drop_rate: 1.0,
            drop_is_permanent: true,
            ..Default::default()
        });
        let order = crate::checkout::hosted_order(&app, &merchant).await;
        assert_eq!(
            crate::checkout::pay(&app, &merchant, &order, "pm_card_visa")
                .await
                .status(),
            200
        );
        wait_for("a dropped delivery", WAIT, || async {
            let log: Value = reqwest::get(format!("{}_sandbox/deliveries", app.sandbox_url))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            log["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["outcome"] == "dropped")
                .then_some(())
        })
        .await;
        let db = &app.services.db;
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM mirror_charges WHERE account_id = $1",
                &account
            )
            .await,
            0
        );

        let report = sync.reconcile(&account).await.expect("a reconciliation");
        assert!(
            report.missing >= 3,
            "the dropped events were found: {report:?}"
        );
        let again = sync.reconcile(&account).await.unwrap();
        assert_eq!(again.missing, 0, "a second run finds nothing new");
        crate::checkout::wait_status(&app, &order.id, OrderStatus::Fulfilled).await;
        let paid = wait_for("the payment in the mirror", WAIT, || async {
            let page = mirror::payments::list(
                &app.services.db,
                &mirror::payments::PaymentQuery {
                    account: Some(account.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            page.payments
                .into_iter()
                .find(|p| p.status == PaymentStatus::Successful)
        })
        .await;
        assert_eq!(paid.amount, 690);
        assert_eq!(paid.customer_email.as_deref(), Some("customer@example.com"));
        let fee_events = sync.reconcile(mirror::PLATFORM).await.unwrap();
        assert!(
            fee_events.missing >= 1,
            "the platform's application_fee.created too"
        );
        let status = mirror::status::overview(db, app.services.clock.now())
            .await
            .unwrap();
        let row = status.iter().find(|s| s.account_id == account).unwrap();
        assert_eq!(row.repaired_last, 0, "the last run repaired nothing");
        assert!(row.reconciled_at.is_some());
    }
);

mirror_test!(
    the_worker_backfills_an_account_when_it_connects,
    fast_options(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        let paid = pay_directly(&app, &account, 1234, "someone@example.com", "pm_card_visa").await;
        assert_eq!(paid["status"], "succeeded");
        let db = app.services.db.clone();
        wait_for("the account's backfill", WAIT, || {
            let db = db.clone();
            let account = account.clone();
            async move {
                let done: Option<String> = sqlx::query_scalar(
                    "SELECT backfill_status FROM sync_accounts WHERE account_id = $1",
                )
                .bind(&account)
                .fetch_optional(db.pool())
                .await
                .unwrap();
                (done.as_deref() == Some("done")).then_some(())
            }
        })
        .await;
        // The payment is there, from the webhooks or the backfill.
        wait_for("the payment in the mirror", WAIT, || async {
            mirror::payments::detail(&app.services.db, None, paid["id"].as_str().unwrap())
                .await
                .unwrap()
                .filter(|d| d.payment.status == PaymentStatus::Successful)
        })
        .await;
        let progress = mirror::status::progress(&app.services.db).await.unwrap();
        assert!(
            progress.accounts >= 2,
            "the account and the platform: {progress:?}"
        );
    }
);

/// `comptoir sync …` on the app's database and data directory.
fn comptoir_sync(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .arg("sync")
        .args(args)
        .env("COMPTOIR_DATABASE_URL", app.database_url())
        .env("COMPTOIR_DATA_DIR", app.data_dir())
        .env("COMPTOIR_LOG", "warn")
        .output()
        .unwrap()
}

mirror_test!(
    the_sync_command_backfills_with_a_progress_bar,
    manual_sync(),
    |app: TestApp| async move {
        let merchant = onboarded_merchant(&app, "shop@example.com").await;
        let account = account_of(&merchant);
        seed(&app, &account, json!({ "count": 150 })).await;
        let synced = tokio::task::spawn_blocking({
            let app_url = app.database_url().to_string();
            let data_dir = app.data_dir().to_path_buf();
            move || {
                std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
                    .args(["sync", "--rps", "100"])
                    .env("COMPTOIR_DATABASE_URL", app_url)
                    .env("COMPTOIR_DATA_DIR", data_dir)
                    .env("COMPTOIR_LOG", "warn")
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&synced.stdout);
        let stderr = String::from_utf8_lossy(&synced.stderr);
        assert!(synced.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("Syncing 2 account(s)"), "{stdout}");
        assert!(stdout.contains("objects/s"), "{stdout}");
        assert!(
            stderr.contains("100%") && stderr.contains("2/2 accounts"),
            "{stderr}"
        );
        assert_mirrors(&app, &account).await;

        let status = comptoir_sync(&app, &["--status"]);
        let table = String::from_utf8_lossy(&status.stdout);
        assert!(status.status.success());
        assert!(
            table.contains(&account) && table.contains("Boulangerie Test"),
            "{table}"
        );
        assert!(table.contains("done"), "{table}");

        let unknown = comptoir_sync(&app, &["--account", "acct_nobody"]);
        assert!(!unknown.status.success());
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such account"));
    }
);
