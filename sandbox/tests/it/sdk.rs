//! Stripe's official SDKs against the sandbox: each script in `tests/sdk/node/*.mjs` (stripe-node
//! from `end2end/node_modules`) and `tests/sdk/python/test_*.py` (stripe-python from the
//! `target/sdk-venv` virtualenv) runs against its own sandbox and must exit 0. Both are installed
//! by `cargo xtask setup test`; a missing one fails the test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::helpers::spawn;

/// How long one script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scripts_dir(lang: &str) -> PathBuf {
    manifest_dir().join("tests/sdk").join(lang)
}

fn node_modules() -> PathBuf {
    manifest_dir().join("../end2end/node_modules")
}

fn venv_python() -> PathBuf {
    manifest_dir().join("../target/sdk-venv/bin/python")
}

fn setup_hint(what: &str) -> String {
    format!(
        "{what} is missing: run `cargo xtask setup test` (it installs the SDKs these tests drive)"
    )
}

/// Runs one SDK script against a fresh sandbox and fails with its output unless it exits 0.
async fn run_script(lang: &str, script: &str) {
    let path = scripts_dir(lang).join(script);
    assert!(path.is_file(), "no script {}", path.display());
    let (program, extra_env): (PathBuf, Vec<(&str, String)>) = match lang {
        "node" => {
            let modules = node_modules();
            assert!(
                modules.join("stripe/package.json").is_file(),
                "{}",
                setup_hint(&format!("the stripe npm package ({})", modules.display()))
            );
            let node = PathBuf::from("node");
            (
                node,
                vec![("NODE_PATH", modules.to_string_lossy().into_owned())],
            )
        }
        _ => {
            let python = venv_python();
            assert!(
                python.is_file(),
                "{}",
                setup_hint(&format!("the SDK virtualenv ({})", python.display()))
            );
            (python, vec![("PYTHONDONTWRITEBYTECODE", "1".to_owned())])
        }
    };
    let sb = spawn().await;
    // The SDKs keep a telemetry id under $XDG_CONFIG_HOME; keep it out of the user's home.
    let config_home = std::env::temp_dir().join(format!("sandbox-sdk-{}", std::process::id()));
    let mut command = tokio::process::Command::new(&program);
    command
        .arg(&path)
        .current_dir(scripts_dir(lang))
        .env("SANDBOX_URL", sb.handle.url())
        .env("SANDBOX_SECRET_KEY", sb.key())
        .env("XDG_CONFIG_HOME", &config_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "could not start {} for {script}: {e}. {}",
            program.display(),
            setup_hint("the SDK runtime")
        )
    });
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{lang} {script} timed out after {SCRIPT_TIMEOUT:?}"))
        .expect("script output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{lang} {script} failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status
    );
    println!("{lang} {script}:\n{stdout}{stderr}");
}

/// Every script in the folder is listed below, so none is silently left out.
fn assert_all_listed(lang: &str, listed: &[&str], wanted: impl Fn(&str) -> bool) {
    let mut found: Vec<String> = std::fs::read_dir(scripts_dir(lang))
        .expect("scripts dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| wanted(name))
        .collect();
    found.sort();
    let mut listed: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "tests/it/sdk.rs must run every {lang} script"
    );
}

const NODE_SCRIPTS: &[&str] = &[
    "accounts.mjs",
    "oauth.mjs",
    "payment_methods.mjs",
    "payments.mjs",
    "webhooks.mjs",
];
const PYTHON_SCRIPTS: &[&str] = &[
    "test_accounts.py",
    "test_oauth.py",
    "test_payment_methods.py",
    "test_payments.py",
    "test_webhooks.py",
];

#[test]
fn every_script_has_a_test() {
    assert_all_listed("node", NODE_SCRIPTS, |n| {
        n.ends_with(".mjs") && !n.starts_with('_')
    });
    assert_all_listed("python", PYTHON_SCRIPTS, |n| {
        n.starts_with("test_") && n.ends_with(".py")
    });
}

#[tokio::test]
async fn node_accounts() {
    run_script("node", "accounts.mjs").await;
}

#[tokio::test]
async fn node_oauth() {
    run_script("node", "oauth.mjs").await;
}

#[tokio::test]
async fn node_payment_methods() {
    run_script("node", "payment_methods.mjs").await;
}

#[tokio::test]
async fn node_payments() {
    run_script("node", "payments.mjs").await;
}

#[tokio::test]
async fn node_webhooks() {
    run_script("node", "webhooks.mjs").await;
}

#[tokio::test]
async fn python_accounts() {
    run_script("python", "test_accounts.py").await;
}

#[tokio::test]
async fn python_oauth() {
    run_script("python", "test_oauth.py").await;
}

#[tokio::test]
async fn python_payment_methods() {
    run_script("python", "test_payment_methods.py").await;
}

#[tokio::test]
async fn python_payments() {
    run_script("python", "test_payments.py").await;
}

#[tokio::test]
async fn python_webhooks() {
    run_script("python", "test_webhooks.py").await;
}
