//! `cargo xtask test`: everything CI runs, in the order that fails fastest.
//!
//! Flags: `--no-browser` skips the Playwright suite, `--browser-only` runs only it; arguments
//! after `--` go to Playwright (e.g. a test file or `-g "pattern"`).

use crate::{
    build::{self, Profile},
    setup::{self, TEST_POSTGRES_URL},
    shell::{self, Result, cmd, on_path, root, step},
};

pub fn run(args: &[String]) -> Result {
    let (flags, playwright_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let browser = !flags.iter().any(|f| f == "--no-browser");
    let rust = !flags.iter().any(|f| f == "--browser-only");

    setup::for_tests()?;
    if rust {
        step("Checking formatting");
        shell::run(shell::cargo().args(["fmt", "--all", "--check"]))?;
    }
    let server = if browser {
        build::build_site()?;
        Some(build::build_server(Profile::Dev)?)
    } else {
        None
    };
    if rust {
        step("Unit and integration tests, on SQLite and Postgres");
        let mut tests = shell::cargo();
        if has_nextest() {
            tests.args([
                "nextest",
                "run",
                "--workspace",
                "--exclude",
                "frontend",
                "--no-fail-fast",
            ]);
        } else {
            tests.args([
                "test",
                "--workspace",
                "--exclude",
                "frontend",
                "--no-fail-fast",
            ]);
        }
        shell::run(tests.env("COMPTOIR_TEST_POSTGRES_URL", TEST_POSTGRES_URL))?;
    }
    if let Some(server) = server {
        step("Browser tests in Chromium");
        shell::run(
            cmd("npx")
                .args(["playwright", "test"])
                .args(playwright_args)
                .current_dir(root().join("end2end"))
                .env("COMPTOIR_BIN", &server)
                .env("COMPTOIR_SITE_ROOT", build::site_root())
                .env("CI", "1"),
        )?;
    }
    Ok(())
}

fn has_nextest() -> bool {
    on_path("cargo-nextest")
        || shell::output(shell::cargo().args(["nextest", "--version"])).is_some()
}
