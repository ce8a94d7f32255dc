//! Installing what the build and the tests need, only when it is missing, so a second run costs
//! a few checks.

use std::path::Path;

use crate::shell::{self, Result, as_root, cmd, on_path, output, root, run, step};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The Postgres the tests use. Local servers here trust loopback; on a machine where we install
/// Postgres ourselves, we give this user this password, so the same URL works on both.
pub const TEST_POSTGRES_URL: &str = "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/// The WASM target, wasm-bindgen at the locked version, and the npm packages (for `wasm-opt`).
pub fn for_running() -> Result {
    wasm_target()?;
    wasm_bindgen_cli()?;
    npm_packages()
}

/// Everything for running, plus Chromium, a Postgres server and the Python SDK virtualenv.
pub fn for_tests() -> Result {
    for_running()?;
    chromium()?;
    postgres()?;
    sdk_venv()
}

fn wasm_target() -> Result {
    let installed =
        output(cmd("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    step("Adding the wasm32-unknown-unknown target");
    run(cmd("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of the `wasm-bindgen` crate in Cargo.lock; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("could not read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn wasm_bindgen_cli() -> Result {
    let wanted = locked_wasm_bindgen_version()?;
    let installed = output(cmd("wasm-bindgen").arg("--version")).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(wanted.as_str()) {
        return Ok(());
    }
    step(&format!(
        "Installing wasm-bindgen-cli {wanted} from crates.io (a few minutes, once)"
    ));
    // Not `--locked`: the CLI's own lockfile pins a crate version the index no longer has.
    run(shell::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

fn npm_packages() -> Result {
    let dir = root().join("end2end");
    let installed = dir.join("node_modules/.package-lock.json");
    if is_newer(&installed, &dir.join("package-lock.json"))
        && is_newer(&installed, &dir.join("package.json"))
    {
        return Ok(());
    }
    if !on_path("npm") {
        return Err(
            "npm is needed (Node 20 or newer) to install the browser-test and wasm-opt packages"
                .into(),
        );
    }
    step("Installing npm packages in end2end/ (no browser download)");
    run(cmd("npm")
        .arg("ci")
        .arg("--no-audit")
        .arg("--no-fund")
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

/// The stripe-python version the sandbox's SDK tests drive (`sandbox/tests/sdk/python`).
pub const PYTHON_STRIPE_VERSION: &str = "16.1.0";

/// `target/sdk-venv`: a virtualenv with stripe-python at [`PYTHON_STRIPE_VERSION`]. (stripe-node
/// comes with the npm packages of end2end/.)
fn sdk_venv() -> Result {
    let venv = root().join("target/sdk-venv");
    let python = venv.join("bin/python");
    let installed = output(cmd(&python).args(["-c", "import stripe; print(stripe.VERSION)"]))
        .unwrap_or_default();
    if installed.trim() == PYTHON_STRIPE_VERSION {
        return Ok(());
    }
    if !python.is_file() {
        if !on_path("python3") {
            return Err(
                "python3 (with its venv module) is needed for the stripe-python SDK tests".into(),
            );
        }
        step("Creating the Python virtualenv target/sdk-venv for the SDK tests");
        if run(cmd("python3").args(["-m", "venv"]).arg(&venv)).is_err() {
            // Debian ships venv's pip bootstrap separately.
            apt_install(&["python3-venv"])?;
            run(cmd("python3").args(["-m", "venv", "--clear"]).arg(&venv))?;
        }
    }
    step(&format!(
        "Installing stripe=={PYTHON_STRIPE_VERSION} from PyPI into target/sdk-venv"
    ));
    run(cmd(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("stripe=={PYTHON_STRIPE_VERSION}"),
    ]))
}

fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}

fn chromium() -> Result {
    if on_path("chromium") {
        return Ok(());
    }
    step("Installing Debian's chromium for the browser tests");
    apt_install(&["chromium"])
}

fn apt_install(packages: &[&str]) -> Result {
    run(&mut as_root("apt-get", &["update", "-qq"]))?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(as_root("apt-get", &args).env("DEBIAN_FRONTEND", "noninteractive"))
}

fn postgres_ready() -> bool {
    output(cmd("pg_isready").args(["-h", "127.0.0.1", "-p", "5432"])).is_some()
}

/// A Postgres server on 127.0.0.1:5432 that accepts [`TEST_POSTGRES_URL`].
fn postgres() -> Result {
    if postgres_ready() {
        return Ok(());
    }
    if !on_path("pg_ctlcluster") {
        step("Installing PostgreSQL for the database tests");
        apt_install(&["postgresql"])?;
    }
    step("Starting PostgreSQL");
    let clusters = std::fs::read_dir("/etc/postgresql")
        .map_err(|e| format!("PostgreSQL is installed but /etc/postgresql is unreadable: {e}"))?;
    for version in clusters.flatten() {
        let version = version.file_name().to_string_lossy().into_owned();
        run(&mut as_root(
            "pg_ctlcluster",
            &["--skip-systemctl-redirect", &version, "main", "start"],
        ))
        .or_else(|e| if postgres_ready() { Ok(()) } else { Err(e) })?;
    }
    for _ in 0..30 {
        if postgres_ready() {
            // A fresh Debian cluster asks for a password over TCP; give the test user one.
            let _ = output(&mut as_root(
                "su",
                &[
                    "postgres",
                    "-c",
                    "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"",
                ],
            ));
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    Err("PostgreSQL did not become ready on 127.0.0.1:5432".into())
}
