//! The state file survives a restart.

use std::time::Duration;

use sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn state_survives_restart() {
    let dir = std::env::temp_dir().join(format!("sandbox-it-{}", std::process::id()));
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let config = SandboxConfig {
        state_file: Some(file.clone()),
        ..SandboxConfig::default()
    };
    let first = Sandbox::start(config.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("start");
    let keys = first.create_platform("Persisted");
    first.advance_clock(Duration::from_secs(3600));
    let client = reqwest::Client::new();
    let created: serde_json::Value = client
        .post(format!("{}v1/accounts", first.url()))
        .bearer_auth(&keys.secret_key)
        .form(&[("type", "express"), ("email", "keep@example.com")])
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    let now = first.sandbox().now();
    first.shutdown().await;
    assert!(file.exists(), "state file written on shutdown");

    let second = Sandbox::start(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("restart");
    assert!(second.sandbox().now() >= now, "clock offset restored");
    assert_eq!(
        second.sandbox().first_platform().map(|p| p.secret_key),
        Some(keys.secret_key.clone())
    );
    let fetched: serde_json::Value = client
        .get(format!("{}v1/accounts/{id}", second.url()))
        .bearer_auth(&keys.secret_key)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["email"], "keep@example.com");
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
