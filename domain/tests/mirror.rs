//! The mirror's storage on both databases: the versioning rule, derived payments and their
//! statuses whatever order objects arrive in, keyset pages and filters, search by any id,
//! customers by email, revenue per day and merchant.

use domain::{
    Db, db_test,
    mirror::{
        self, Kind,
        payments::{AmountFilter, Cursor, DateFilter, PaymentQuery, PaymentStatus},
        revenue::{DAY_SECS, RevenueQuery},
    },
};
use serde_json::{Value, json};

const ACCT: &str = "acct_shop1";
const OTHER: &str = "acct_shop2";
const T0: i64 = 1_760_000_000 - 1_760_000_000 % DAY_SECS;

fn intent(id: &str, created: i64, status: &str, amount: i64, latest: Option<&str>) -> Value {
    json!({
        "id": id, "object": "payment_intent", "created": created, "status": status,
        "amount": amount, "currency": "eur", "customer": null, "latest_charge": latest,
        "receipt_email": "Buyer@Example.com", "description": "Order", "application_fee_amount": amount / 20,
        "payment_method_types": ["card"], "last_payment_error": null, "metadata": {}
    })
}

fn charge(
    id: &str,
    pi: &str,
    created: i64,
    status: &str,
    amount: i64,
    refunded: i64,
    disputed: bool,
) -> Value {
    json!({
        "id": id, "object": "charge", "created": created, "payment_intent": pi, "status": status,
        "amount": amount, "amount_captured": if status == "succeeded" { amount } else { 0 },
        "amount_refunded": refunded, "currency": "eur", "captured": status == "succeeded",
        "disputed": disputed, "customer": null, "receipt_email": null,
        "billing_details": { "email": "buyer@example.com", "name": "Buyer" },
        "payment_method_details": { "type": "card", "card": { "brand": "visa", "last4": "4242" } },
        "balance_transaction": null, "metadata": {}
    })
}

async fn apply(db: &Db, object: Value, version: i64) -> Vec<mirror::Applied> {
    mirror::apply_object(db, ACCT, &object, version)
        .await
        .unwrap()
}

async fn status_of(db: &Db, id: &str) -> Option<PaymentStatus> {
    mirror::payments::detail(db, None, id)
        .await
        .unwrap()
        .map(|d| d.payment.status)
}

db_test!(
    an_older_read_never_overwrites_a_newer_one,
    |db: Db| async move {
        let newer = intent("pi_1", T0, "succeeded", 1000, Some("ch_1"));
        let older = intent("pi_1", T0, "requires_payment_method", 1000, None);
        let applied = apply(&db, newer.clone(), 200).await;
        assert!(applied[0].changed);
        assert!(!apply(&db, older.clone(), 100).await[0].changed, "older");
        assert!(!apply(&db, older, 200).await[0].changed, "same version");
        let stored: String =
            sqlx::query_scalar("SELECT status FROM mirror_payment_intents WHERE id = 'pi_1'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(stored, "succeeded");
        let mut refunded = charge("ch_1", "pi_1", T0, "succeeded", 1000, 1000, false);
        refunded["refunded"] = json!(true);
        apply(&db, refunded, 300).await;
        assert_eq!(status_of(&db, "pi_1").await, Some(PaymentStatus::Refunded));
        apply(
            &db,
            charge("ch_1", "pi_1", T0, "succeeded", 1000, 0, false),
            250,
        )
        .await;
        assert_eq!(
            status_of(&db, "pi_1").await,
            Some(PaymentStatus::Refunded),
            "a stale charge changes nothing"
        );
    }
);

db_test!(
    a_payment_is_the_same_whichever_object_arrives_first,
    |db: Db| async move {
        // Charge, refund and session before their payment intent…
        apply(
            &db,
            charge("ch_a", "pi_a", T0, "succeeded", 2000, 500, false),
            10,
        )
        .await;
        apply(
            &db,
            json!({ "id": "re_a", "object": "refund", "created": T0 + 5, "charge": "ch_a", "payment_intent": "pi_a",
                    "amount": 500, "currency": "eur", "status": "succeeded", "balance_transaction": null }),
            10,
        )
        .await;
        apply(
            &db,
            json!({ "id": "cs_a", "object": "checkout.session", "created": T0 - 5, "payment_intent": "pi_a",
                    "status": "complete", "customer_details": { "email": "Other@Example.com" }, "customer_email": null }),
            10,
        )
        .await;
        apply(
            &db,
            intent("pi_a", T0 - 1, "succeeded", 2000, Some("ch_a")),
            10,
        )
        .await;
        // …and the same objects the other way round on another payment.
        apply(
            &db,
            intent("pi_b", T0 - 1, "succeeded", 2000, Some("ch_b")),
            10,
        )
        .await;
        apply(
            &db,
            charge("ch_b", "pi_b", T0, "succeeded", 2000, 500, false),
            10,
        )
        .await;
        let a = mirror::payments::detail(&db, None, "pi_a")
            .await
            .unwrap()
            .unwrap();
        let b = mirror::payments::detail(&db, None, "pi_b")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.payment.status, PaymentStatus::PartiallyRefunded);
        assert_eq!(b.payment.status, a.payment.status);
        assert_eq!((a.payment.amount, a.payment.amount_refunded), (2000, 500));
        assert_eq!(a.payment.created, T0 - 1, "the intent's creation");
        assert_eq!(
            a.payment.customer_email.as_deref(),
            Some("buyer@example.com")
        );
        assert_eq!(a.payment.application_fee_amount, Some(100));
        assert_eq!(a.refunds.len(), 1);
        assert!(a.checkout_session.is_some());
        // Every id of the payment finds it.
        for id in ["pi_a", "ch_a", "re_a", "cs_a"] {
            assert_eq!(
                mirror::payments::resolve_id(&db, None, id)
                    .await
                    .unwrap()
                    .as_deref(),
                Some("pi_a"),
                "{id}"
            );
        }
        assert_eq!(
            mirror::payments::resolve_id(&db, Some(OTHER), "ch_a")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            mirror::payments::resolve_id(&db, None, "ch_unknown")
                .await
                .unwrap(),
            None
        );
    }
);

db_test!(
    statuses_follow_the_connect_payments_component,
    |db: Db| async move {
        let cases: Vec<(&str, Vec<Value>, PaymentStatus)> = vec![
            (
                "pi_ok",
                vec![charge("ch_ok", "pi_ok", T0, "succeeded", 100, 0, false)],
                PaymentStatus::Successful,
            ),
            (
                "pi_dp",
                vec![charge("ch_dp", "pi_dp", T0, "succeeded", 100, 0, true)],
                PaymentStatus::Disputed,
            ),
            (
                "pi_fl",
                vec![charge("ch_fl", "pi_fl", T0, "failed", 100, 0, false)],
                PaymentStatus::Failed,
            ),
            (
                "pi_pd",
                vec![charge("ch_pd", "pi_pd", T0, "pending", 100, 0, false)],
                PaymentStatus::Pending,
            ),
        ];
        for (pi, charges, _) in &cases {
            let latest = charges[0]["id"].as_str();
            let status = if charges[0]["status"] == "failed" {
                "requires_payment_method"
            } else if charges[0]["status"] == "pending" {
                "processing"
            } else {
                "succeeded"
            };
            apply(&db, intent(pi, T0, status, 100, latest), 1).await;
            for c in charges {
                apply(&db, c.clone(), 1).await;
            }
        }
        let mut uncaptured = charge("ch_uc", "pi_uc", T0, "succeeded", 100, 0, false);
        uncaptured["captured"] = json!(false);
        apply(
            &db,
            intent("pi_uc", T0, "requires_capture", 100, Some("ch_uc")),
            1,
        )
        .await;
        apply(&db, uncaptured, 1).await;
        apply(&db, intent("pi_cn", T0, "canceled", 100, None), 1).await;
        apply(
            &db,
            intent("pi_in", T0, "requires_payment_method", 100, None),
            1,
        )
        .await;
        for (pi, _, expected) in cases {
            assert_eq!(status_of(&db, pi).await, Some(expected), "{pi}");
        }
        assert_eq!(
            status_of(&db, "pi_uc").await,
            Some(PaymentStatus::Uncaptured)
        );
        assert_eq!(status_of(&db, "pi_cn").await, Some(PaymentStatus::Canceled));
        assert_eq!(
            status_of(&db, "pi_in").await,
            Some(PaymentStatus::Incomplete)
        );
        // A dispute arriving before the charge says so marks the payment disputed too.
        apply(
        &db,
        json!({ "id": "dp_1", "object": "dispute", "created": T0, "charge": "ch_ok", "payment_intent": "pi_ok",
                "status": "needs_response", "reason": "fraudulent", "amount": 100, "currency": "eur",
                "balance_transactions": [{ "id": "txn_dp", "object": "balance_transaction", "created": T0, "type": "adjustment",
                  "status": "available", "amount": -100, "fee": 1500, "net": -1600, "currency": "eur", "available_on": T0, "source": "dp_1" }] }),
        2,
    )
    .await;
        assert_eq!(status_of(&db, "pi_ok").await, Some(PaymentStatus::Disputed));
        assert_eq!(
            status_of(&db, "dp_1").await,
            Some(PaymentStatus::Disputed),
            "found by the dispute's id"
        );
        let txns: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mirror_balance_transactions WHERE source_id = 'dp_1'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(txns, 1, "the dispute's balance transactions are kept");
    }
);

db_test!(
    expanded_objects_are_stored_apart_and_collapsed_to_ids,
    |db: Db| async move {
        let mut c = charge("ch_x", "pi_x", T0, "succeeded", 700, 0, false);
        c["balance_transaction"] = json!({ "id": "txn_x", "object": "balance_transaction", "created": T0, "type": "charge",
            "status": "pending", "amount": 700, "fee": 35, "net": 665, "currency": "eur", "available_on": T0 + DAY_SECS, "source": "ch_x" });
        let applied = apply(&db, c, 5).await;
        let kinds: Vec<Kind> = applied.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, [Kind::BalanceTransaction, Kind::Charge]);
        let data: String = sqlx::query_scalar("SELECT data FROM mirror_charges WHERE id = 'ch_x'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let data: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(data["balance_transaction"], "txn_x");
        assert!(
            mirror::apply_object(
                &db,
                ACCT,
                &json!({ "id": "acct_1", "object": "account" }),
                1
            )
            .await
            .is_err()
        );
    }
);

db_test!(a_deleted_customer_is_kept_and_marked, |db: Db| async move {
    let customer = json!({ "id": "cus_1", "object": "customer", "created": T0, "email": "Ann@Example.com", "name": "Ann" });
    apply(&db, customer, 1).await;
    let summary = mirror::customers::summary(&db, "ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.records.len(), 1);
    apply(
        &db,
        json!({ "id": "cus_1", "object": "customer", "deleted": true }),
        2,
    )
    .await;
    assert_eq!(
        mirror::customers::summary(&db, "ann@example.com")
            .await
            .unwrap(),
        None
    );
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mirror_customers WHERE id = 'cus_1' AND deleted = 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(kept, 1);
});

/// `n` successful payments on `account`, one an hour from `T0`, amounts 100, 200, …
async fn payments(db: &Db, account: &str, prefix: &str, n: i64) {
    for i in 0..n {
        let pi = format!("pi_{prefix}{i:04}");
        let ch = format!("ch_{prefix}{i:04}");
        let created = T0 + i * 3600;
        let mut c = charge(&ch, &pi, created, "succeeded", (i + 1) * 100, 0, false);
        c["billing_details"]["email"] = json!(format!("c{}@example.com", i % 3));
        mirror::apply_object(
            db,
            account,
            &intent(&pi, created, "succeeded", (i + 1) * 100, Some(&ch)),
            1,
        )
        .await
        .unwrap();
        mirror::apply_object(db, account, &c, 1).await.unwrap();
        mirror::apply_object(
            db,
            account,
            &json!({ "id": format!("fee_{prefix}{i:04}"), "object": "application_fee", "account": account,
                     "created": created, "charge": ch, "amount": (i + 1) * 5, "amount_refunded": 0, "currency": "eur" }),
            1,
        )
        .await
        .unwrap();
    }
}

db_test!(
    keyset_pages_cover_every_payment_once_with_filters,
    |db: Db| async move {
        payments(&db, ACCT, "a", 120).await;
        payments(&db, OTHER, "b", 30).await;
        let mut seen = Vec::new();
        let mut query = PaymentQuery {
            limit: 50,
            ..PaymentQuery::default()
        };
        loop {
            let page = mirror::payments::list(&db, &query).await.unwrap();
            assert!(page.payments.len() <= 50);
            seen.extend(page.payments.iter().map(|p| (p.created, p.id.clone())));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 150);
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(seen, sorted, "newest first, no duplicate");

        let count = |q: PaymentQuery| {
            let db = db.clone();
            async move {
                mirror::payments::list(&db, &PaymentQuery { limit: 500, ..q })
                    .await
                    .unwrap()
                    .payments
                    .len()
            }
        };
        assert_eq!(
            count(PaymentQuery {
                account: Some(OTHER.into()),
                ..Default::default()
            })
            .await,
            30
        );
        assert_eq!(
            count(PaymentQuery {
                amount: Some(AmountFilter::Between(1000, 2000)),
                ..Default::default()
            })
            .await,
            11 + 11
        );
        assert_eq!(
            count(PaymentQuery {
                amount: Some(AmountFilter::Equals(500)),
                ..Default::default()
            })
            .await,
            2
        );
        assert_eq!(
            count(PaymentQuery {
                created: Some(DateFilter::Before(T0 + 10 * 3600)),
                ..Default::default()
            })
            .await,
            20
        );
        assert_eq!(
            count(PaymentQuery {
                created: Some(DateFilter::Between(T0, T0 + 3600)),
                account: Some(ACCT.into()),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            count(PaymentQuery {
                customer_email: Some(" C1@example.com".into()),
                ..Default::default()
            })
            .await,
            40 + 10
        );
        assert_eq!(
            count(PaymentQuery {
                statuses: vec![PaymentStatus::Refunded, PaymentStatus::Failed],
                ..Default::default()
            })
            .await,
            0
        );
        assert_eq!(
            count(PaymentQuery {
                payment_method_type: Some("card".into()),
                ..Default::default()
            })
            .await,
            150
        );
        let after = Cursor::decode(
            &Cursor {
                created: T0 + 3600,
                id: "pi_a0001".into(),
            }
            .encode(),
        )
        .unwrap();
        assert_eq!(
            count(PaymentQuery {
                after: Some(after),
                account: Some(ACCT.into()),
                ..Default::default()
            })
            .await,
            1,
            "only the oldest is older than the second"
        );

        let customer = mirror::customers::summary(&db, "c0@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(customer.merchants, 2);
        assert_eq!(customer.spent[0].payments, 40 + 10);
    }
);

db_test!(
    revenue_adds_up_per_day_and_per_merchant,
    |db: Db| async move {
        payments(&db, ACCT, "a", 30).await;
        payments(&db, OTHER, "b", 5).await;
        let report = mirror::revenue::report(
            &db,
            &RevenueQuery {
                from: T0,
                to: T0 + 2 * DAY_SECS,
                currency: "EUR".into(),
                account: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(report.days.len(), 3);
        // Day one: shop1 hours 0..23 (100..2400) and shop2 hours 0..4 (100..500).
        let day_one: i64 =
            (1..=24).map(|i| i * 100).sum::<i64>() + (1..=5).map(|i| i * 100).sum::<i64>();
        assert_eq!(report.days[0].gross, day_one);
        assert_eq!(report.days[0].payments, 29);
        assert_eq!(report.days[0].fees, day_one / 20);
        assert_eq!(
            report.days[1].gross,
            (25..=30).map(|i| i * 100).sum::<i64>()
        );
        assert_eq!(report.days[2].gross, 0);
        assert_eq!(report.total_payments, 35);
        assert_eq!(report.merchants.len(), 2);
        assert_eq!(report.merchants[0].account_id, ACCT, "largest first");
        assert_eq!(
            report.merchants[0].gross + report.merchants[1].gross,
            report.total_gross
        );
        let one = mirror::revenue::report(
            &db,
            &RevenueQuery {
                from: T0 + 2 * DAY_SECS,
                to: T0,
                currency: "eur".into(),
                account: Some(OTHER.into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(one.from, T0, "a reversed range is put right");
        assert_eq!(one.total_gross, 1500);
        assert_eq!(mirror::revenue::currencies(&db).await.unwrap(), ["eur"]);
    }
);

db_test!(balances_keep_the_newest_read, |db: Db| async move {
    let balance = |amount: i64| json!({ "object": "balance", "available": [{ "amount": amount, "currency": "eur" }], "pending": [] });
    assert!(
        mirror::balances::store(&db, ACCT, &balance(500), 2)
            .await
            .unwrap()
    );
    assert!(
        !mirror::balances::store(&db, ACCT, &balance(100), 1)
            .await
            .unwrap()
    );
    let stored = mirror::balances::get(&db, ACCT).await.unwrap().unwrap();
    assert_eq!(stored.available[0].amount, 500);
    assert_eq!(mirror::balances::get(&db, OTHER).await.unwrap(), None);
});
