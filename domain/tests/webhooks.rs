//! The webhook inbox on both databases: verification before storage, one row per event,
//! leases, retries.

use domain::{
    Db, Secret, db_test,
    stripe::signature::sign,
    webhooks::{self, IngestError, Ingested, MAX_ATTEMPTS},
};

const NOW: i64 = 1_750_000_000;

fn secret() -> Secret {
    Secret::new("whsec_test_inbox")
}

fn event(id: &str, kind: &str) -> String {
    serde_json::json!({
        "id": id, "object": "event", "type": kind, "created": NOW - 5, "livemode": false,
        "pending_webhooks": 1, "account": "acct_1", "data": { "object": { "id": "x" } }
    })
    .to_string()
}

async fn rows(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

db_test!(a_verified_event_is_stored_once, |db: Db| async move {
    let body = event("evt_1", "account.updated");
    let header = sign(body.as_bytes(), &secret(), NOW);
    let first = webhooks::ingest(&db, body.as_bytes(), Some(&header), &[secret()], NOW)
        .await
        .unwrap();
    let again = webhooks::ingest(&db, body.as_bytes(), Some(&header), &[secret()], NOW)
        .await
        .unwrap();
    assert_eq!(first, Ingested::Stored);
    assert_eq!(again, Ingested::Duplicate);
    assert_eq!(rows(&db).await, 1);
});

db_test!(bad_signatures_store_nothing, |db: Db| async move {
    let body = event("evt_2", "account.updated");
    let forged = sign(body.as_bytes(), &Secret::new("whsec_someone_else"), NOW);
    let stale = sign(body.as_bytes(), &secret(), NOW - 301);
    for header in [
        Some(forged.as_str()),
        Some(stale.as_str()),
        Some("t=1"),
        None,
    ] {
        let err = webhooks::ingest(&db, body.as_bytes(), header, &[secret()], NOW)
            .await
            .unwrap_err();
        assert!(matches!(err, IngestError::Signature(_)), "{err}");
    }
    let not_json = b"not json";
    let header = sign(not_json, &secret(), NOW);
    let err = webhooks::ingest(&db, not_json, Some(&header), &[secret()], NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Malformed(_)));
    assert_eq!(rows(&db).await, 0);
});

db_test!(
    a_claimed_event_is_leased_until_done_or_expired,
    |db: Db| async move {
        let body = event("evt_3", "customer.created");
        let header = sign(body.as_bytes(), &secret(), NOW);
        webhooks::ingest(&db, body.as_bytes(), Some(&header), &[secret()], NOW)
            .await
            .unwrap();

        let claimed = webhooks::claim_due(&db, NOW, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].attempts, 1);
        assert!(
            webhooks::claim_due(&db, NOW + 30, 60, 10)
                .await
                .unwrap()
                .is_empty(),
            "still leased"
        );

        // The worker died: once the lease is over the event is due again.
        let reclaimed = webhooks::claim_due(&db, NOW + 61, 60, 10).await.unwrap();
        assert_eq!(reclaimed.len(), 1);
        assert_eq!(reclaimed[0].attempts, 2);

        let mut tx = db.begin_write().await.unwrap();
        webhooks::complete(&mut tx, "evt_3", NOW + 62)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(
            webhooks::claim_due(&db, NOW + 1000, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(webhooks::counts(&db).await.unwrap().done, 1);
    }
);

db_test!(failed_events_back_off_then_park, |db: Db| async move {
    let body = event("evt_4", "account.updated");
    let header = sign(body.as_bytes(), &secret(), NOW);
    webhooks::ingest(&db, body.as_bytes(), Some(&header), &[secret()], NOW)
        .await
        .unwrap();
    let mut now = NOW;
    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = webhooks::claim_due(&db, now, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt} is due");
        assert_eq!(claimed[0].attempts, attempt);
        webhooks::release_for_retry(&db, &claimed[0], "stripe unavailable", false, now)
            .await
            .unwrap();
        assert!(
            webhooks::claim_due(&db, now + 1, 60, 10)
                .await
                .unwrap()
                .is_empty(),
            "backs off"
        );
        now += 3601;
    }
    let counts = webhooks::counts(&db).await.unwrap();
    assert_eq!(counts.failed, 1, "parked after {MAX_ATTEMPTS} attempts");
    assert!(
        webhooks::claim_due(&db, now + 100_000, 60, 10)
            .await
            .unwrap()
            .is_empty()
    );
});

db_test!(
    concurrent_claims_never_hand_out_an_event_twice,
    |db: Db| async move {
        for i in 0..40 {
            let body = event(&format!("evt_c{i}"), "customer.created");
            let header = sign(body.as_bytes(), &secret(), NOW);
            webhooks::ingest(&db, body.as_bytes(), Some(&header), &[secret()], NOW)
                .await
                .unwrap();
        }
        let claims = (0..4).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = webhooks::claim_due(&db, NOW, 60, 3).await.unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|e| e.event_id));
                }
            })
        });
        let mut all = Vec::new();
        for claim in claims {
            all.extend(claim.await.unwrap());
        }
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!(before, 40);
        assert_eq!(all.len(), 40, "no event claimed twice");
    }
);
