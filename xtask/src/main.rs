//! Comptoir's build driver, so a fresh machine needs nothing but `cargo`:
//!
//! - `cargo xtask run`   set up what running needs, build a release, serve on 127.0.0.1:3000
//! - `cargo xtask test`  set up what testing needs, then unit, integration and browser tests
//! - `cargo xtask build [--release]`, `cargo xtask setup [run|test]`, `cargo xtask lint`
//! - `cargo xtask bench-widgets`: the release build's widget timings in Chromium
//! - `cargo xtask fuzz [--seconds N] [target…]`: the parsers' fuzz targets with libFuzzer
//!
//! It never downloads binaries: `wasm-bindgen` comes from crates.io at the version in
//! `Cargo.lock`, `wasm-opt` from npm's `binaryen`, Chromium and Postgres from Debian.

mod build;
mod fuzz;
mod setup;
mod shell;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test::run(&args[1..]),
        Some("build") => build::build(if args.iter().any(|a| a == "--release") {
            build::Profile::Release
        } else {
            build::Profile::Dev
        })
        .map(|_| ()),
        Some("setup") => match args.get(1).map(String::as_str) {
            Some("test") => setup::for_tests(),
            _ => setup::for_running(),
        },
        Some("lint") => lint(),
        Some("bench-widgets") => bench_widgets(),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|build [--release]|setup [run|test]|lint|bench-widgets|fuzz [--seconds N] [target…]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds a release and serves it on the embedded sandbox and a SQLite file.
fn run() -> shell::Result {
    setup::for_running()?;
    let server = build::build(build::Profile::Release)?;
    shell::step("Starting Comptoir (Ctrl-C to stop)");
    shell::exec(shell::cmd(&server).arg("serve").current_dir(shell::root()))
}

/// The browser benchmarks of `end2end/bench` against a release build; they print figures.
fn bench_widgets() -> shell::Result {
    setup::for_tests()?;
    let server = build::build(build::Profile::Release)?;
    shell::step("Widget benchmarks in Chromium");
    shell::run(
        shell::cmd("npx")
            .args(["playwright", "test", "-c", "bench.config.ts"])
            .current_dir(shell::root().join("end2end"))
            .env("COMPTOIR_BIN", &server)
            .env("COMPTOIR_SITE_ROOT", build::site_root()),
    )
}

/// Formatting and clippy for both builds, warnings denied.
fn lint() -> shell::Result {
    shell::run(shell::cargo().args(["fmt", "--all", "--check"]))?;
    shell::run(shell::cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "frontend",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    shell::run(shell::cargo().args([
        "clippy",
        "-p",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--features",
        "hydrate,embed",
        "--",
        "-D",
        "warnings",
    ]))
}
