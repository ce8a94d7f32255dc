//! The `comptoir` binary itself: exit codes and messages people see.

use std::process::Command;

fn comptoir() -> Command {
    Command::new(env!("CARGO_BIN_EXE_comptoir"))
}

#[test]
fn a_database_that_cannot_be_opened_stops_start_up_with_a_clear_message() {
    let output = comptoir()
        .arg("migrate")
        .env(
            "COMPTOIR_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not open the database"), "{stderr}");
}

#[test]
fn an_invalid_setting_is_named_in_the_error() {
    let output = comptoir()
        .arg("migrate")
        .env("COMPTOIR_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("COMPTOIR_ADDR"));
}

#[test]
fn create_admin_reads_the_password_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/c.db", dir.path().display());
    let mut child = comptoir()
        .args(["create-admin", "--email", "ops@example.com"])
        .env("COMPTOIR_DATABASE_URL", &url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a strong admin password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Admin ops@example.com is ready."));

    let weak = comptoir()
        .args(["create-admin", "--email", "ops2@example.com"])
        .env("COMPTOIR_DATABASE_URL", &url)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = weak.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));
}
