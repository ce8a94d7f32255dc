//! A throughput smoke test (ignored by default): `cargo test -p sandbox --release --test it perf -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use crate::helpers::spawn;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures throughput; run explicitly"]
async fn create_retrieve_mix_throughput() {
    let sb = spawn().await;
    let total = 4000usize;
    let workers = 16usize;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let http = sb.http.clone();
        let base = sb.handle.url();
        let key = sb.key().to_owned();
        tasks.push(tokio::spawn(async move {
            for i in 0..total / workers / 2 {
                let url = format!("https://example.com/{w}/{i}");
                let created: serde_json::Value = http
                    .post(format!("{base}v1/webhook_endpoints"))
                    .bearer_auth(&key)
                    .form(&[("url", url.as_str()), ("enabled_events[0]", "*")])
                    .send()
                    .await
                    .expect("create")
                    .json()
                    .await
                    .expect("json");
                let id = created["id"].as_str().unwrap_or_default();
                let r = http
                    .get(format!("{base}v1/webhook_endpoints/{id}"))
                    .bearer_auth(&key)
                    .send()
                    .await
                    .expect("get");
                assert_eq!(r.status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = start.elapsed();
    let rate = total as f64 / elapsed.as_secs_f64();
    println!("{total} requests in {elapsed:?}: {rate:.0} req/s");
    assert!(elapsed < Duration::from_secs(120));
}
