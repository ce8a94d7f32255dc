//! Replays every committed corpus input (seeds, and any input a fuzzing run found worth keeping)
//! through its target's checks, so a change that reopens a found crash fails the normal tests.

use std::{fs, path::Path};

#[test]
fn every_corpus_input_passes_its_target_s_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (name, check) in fuzz::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("corpus entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{name} has no corpus");
        for input in inputs {
            let bytes = fs::read(&input).expect("corpus file");
            if std::panic::catch_unwind(|| check(&bytes)).is_err() {
                panic!("{name}: {} fails its checks", input.display());
            }
        }
    }
}

#[test]
fn a_hostile_nesting_is_refused_not_walked() {
    let hostile = format!("account=acct_1&components{}=true", "[a]".repeat(100_000));
    fuzz::account_session_form(hostile.as_bytes());
    fuzz::sandbox_form(hostile.as_bytes());
}
