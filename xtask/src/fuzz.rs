//! `cargo xtask fuzz [--seconds N] [target…]`: runs each fuzz target of `fuzz/` with libFuzzer
//! for N seconds (default 60). New inputs go to `target/fuzz-corpus/{target}/`; the committed
//! seeds in `fuzz/corpus/{target}/` are read but not written; a crash is saved under
//! `fuzz/artifacts/{target}/` and fails the command. Add a crash you fixed to the committed
//! corpus: the normal tests replay it.
//!
//! libFuzzer needs nightly compiler flags: a nightly toolchain is used when rustup has one,
//! else the stable compiler with `RUSTC_BOOTSTRAP=1`. `cargo-fuzz` is installed from crates.io
//! when missing.

use crate::shell::{self, Result, cargo, on_path, output, root, step};

const TARGETS: &[&str] = &[
    "sandbox_form",
    "webhook_signature",
    "webhook_envelope",
    "account_session_form",
    "widget_json",
];

pub fn run(args: &[String]) -> Result {
    let mut seconds = 60u64;
    let mut chosen = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            seconds = args
                .next()
                .and_then(|s| s.parse().ok())
                .filter(|s| *s > 0)
                .ok_or("--seconds takes a positive whole number")?;
        } else if TARGETS.contains(&arg.as_str()) {
            chosen.push(arg.as_str());
        } else {
            return Err(format!(
                "unknown fuzz target `{arg}`; the targets are {}",
                TARGETS.join(", ")
            ));
        }
    }
    if chosen.is_empty() {
        chosen = TARGETS.to_vec();
    }
    if !on_path("cargo-fuzz") {
        step("Installing cargo-fuzz from crates.io");
        shell::run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let nightly = output(shell::cmd("rustup").args(["toolchain", "list"]))
        .is_some_and(|list| list.lines().any(|l| l.starts_with("nightly")));
    for target in &chosen {
        step(&format!("Fuzzing {target} for {seconds} s"));
        let scratch = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let mut fuzz = shell::cmd("cargo");
        if nightly {
            fuzz.arg("+nightly");
        } else {
            fuzz.env("RUSTC_BOOTSTRAP", "1");
        }
        fuzz.args(["fuzz", "run", "--features", "libfuzzer", target])
            .arg(&scratch)
            .arg(root().join("fuzz/corpus").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=2048")
            .arg("-timeout=10");
        shell::run(&mut fuzz)?;
    }
    step(&format!(
        "{} target(s) fuzzed for {seconds} s each, no crash",
        chosen.len()
    ));
    Ok(())
}
