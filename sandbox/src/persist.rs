//! The state file: loaded at start when it exists, saved (debounced) after changes and on
//! shutdown, written to a temporary file then renamed so a crash never leaves half a file.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::app::AppState;
use crate::store::State;

const DEBOUNCE: Duration = Duration::from_millis(250);

/// Reads a state file: the state and the clock offset. `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> std::io::Result<Option<(State, i64)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut doc: Value = serde_json::from_str(&text).map_err(std::io::Error::other)?;
    let offset = doc
        .get("clock_offset_ms")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut state: State =
        serde_json::from_value(doc["state"].take()).map_err(std::io::Error::other)?;
    // A request that was running when the file was written will never finish.
    state.idempotency.retain(|_, r| r.response.is_some());
    Ok(Some((state, offset)))
}

/// Writes the state file now (no-op without `state_file`).
pub fn save(app: &AppState) -> std::io::Result<()> {
    let Some(path) = app.config.state_file.clone() else {
        return Ok(());
    };
    let text = app.snapshot().map_err(std::io::Error::other)?;
    let tmp = path.with_extension("tmp");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_owner_only_dir(dir)?;
    }
    write_owner_only(&tmp, text.as_bytes())?;
    std::fs::rename(&tmp, &path)
}

/// The state holds every account's secret keys: its directory is made `0700` (when this
/// creates it) and the file `0600`, whatever the umask.
fn create_owner_only_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // `mode` applies only to a file this creates: a leftover temporary file is tightened.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)
}

/// Background saver: waits for changes, debounces, saves.
pub async fn run(app: AppState) {
    if app.config.state_file.is_none() {
        return;
    }
    loop {
        tokio::select! {
            () = app.wake_persist.notified() => {}
            () = app.shutdown.cancelled() => break,
        }
        tokio::select! {
            () = tokio::time::sleep(DEBOUNCE) => {}
            () = app.shutdown.cancelled() => break,
        }
        let app2 = app.clone();
        match tokio::task::spawn_blocking(move || save(&app2)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not save the sandbox state"),
            Err(e) => tracing::warn!(error = %e, "state saver panicked"),
        }
    }
}
