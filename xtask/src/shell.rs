//! Running commands: each one echoed, its failure reported with what was run.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    command
}

/// `cargo` as the one running this xtask (same toolchain).
pub fn cargo() -> Command {
    cmd(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub fn step(message: &str) {
    eprintln!("\n==> {message}");
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command`, inheriting the terminal; fails when it exits non-zero.
pub fn run(command: &mut Command) -> Result {
    let text = describe(command);
    eprintln!("$ {text}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{text}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{text}` failed ({status})"))
    }
}

/// Runs `command` quietly and returns its standard output, or `None` if it failed to run.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Replaces this process with `command` (on Unix), so Ctrl-C reaches the server directly.
pub fn exec(command: &mut Command) -> Result {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let text = describe(command);
        eprintln!("$ {text}");
        Err(format!("could not start `{text}`: {}", command.exec()))
    }
    #[cfg(not(unix))]
    {
        run(command)
    }
}

/// Runs `command` as root: directly when we are root, through `sudo` otherwise.
pub fn as_root(program: &str, args: &[&str]) -> Command {
    let is_root = output(cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if is_root {
        let mut command = cmd(program);
        command.args(args);
        command
    } else {
        let mut command = cmd("sudo");
        command.arg(program).args(args);
        command
    }
}
