//! The `comptoir` command line: `serve` (the default), `migrate`, `create-admin`, `sync`,
//! `sandbox`.

use std::{
    io::{BufRead, IsTerminal},
    net::SocketAddr,
    path::PathBuf,
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::{Clock, auth};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    startup::{Application, cancel_on_signal, open_database},
    telemetry,
};

#[derive(Debug, Parser)]
#[command(
    name = "comptoir",
    version,
    about = "Stripe Connect payments embedded in your SaaS"
)]
pub struct Cli {
    /// A TOML configuration file; environment variables override it.
    #[arg(long, global = true, env = "COMPTOIR_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a platform admin, or set a new password for an existing one. The password is read
    /// from standard input (one line), so it never appears in the process list.
    CreateAdmin {
        #[arg(long)]
        email: String,
    },
    /// Sync the commerce mirror now: backfill every connected account (an interrupted backfill
    /// resumes where it stopped), with a progress bar. Uses the settings stored by the admin; on
    /// the embedded sandbox the server must be running.
    Sync {
        /// Only this account (`acct_…`, or `platform` for the application fees).
        #[arg(long)]
        account: Option<String>,
        /// Read every list again from the start instead of resuming.
        #[arg(long)]
        full: bool,
        /// Then list the events since the last run and process those that never arrived.
        #[arg(long)]
        reconcile: bool,
        /// Print each account's sync status and exit.
        #[arg(long)]
        status: bool,
        /// Requests a second to Stripe, all accounts together (default: the configuration's).
        #[arg(long)]
        rps: Option<f64>,
        /// Accounts synced at once (default: the configuration's).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Run the Stripe Connect sandbox alone.
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:12111")]
        addr: SocketAddr,
        /// Keep the sandbox's state in this file across restarts.
        #[arg(long)]
        state_file: Option<PathBuf>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init(&config.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config.database_url).await?;
            println!("Migrations applied to {}", redact_url(&config.database_url));
            Ok(())
        }
        Command::CreateAdmin { email } => create_admin(config, &email).await,
        Command::Sync {
            account,
            full,
            reconcile,
            status,
            rps,
            concurrency,
        } => {
            crate::sync_command::run(
                config,
                crate::sync_command::SyncArgs {
                    account,
                    full,
                    reconcile,
                    status,
                    requests_per_second: rps,
                    concurrency,
                },
            )
            .await
        }
        Command::Sandbox { addr, state_file } => {
            crate::stripe_setup::run_sandbox_alone(addr, state_file).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let database = redact_url(&config.database_url);
    let app = Application::build(config).await?;
    println!("Comptoir is running at {}", app.url());
    match app.sandbox() {
        Some(sandbox) => println!(
            "  Stripe:   embedded sandbox at {} (no keys needed)",
            sandbox.handle.url()
        ),
        None => println!(
            "  Stripe:   {}",
            app.services().settings().endpoints.api_base
        ),
    }
    println!("  Database: {database}");
    if let Some(path) = &app.initial_admin_file {
        println!(
            "  Admin:    admin@comptoir.localhost (password in {})",
            path.display()
        );
    }
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    app.run(shutdown).await
}

async fn create_admin(config: Config, email: &str) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() {
        eprintln!("Password for {email} (input is shown; pipe it in to avoid that):");
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("could not read the password")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let db = open_database(&config.database_url).await?;
    let admin = auth::create_or_reset_admin(&db, &Clock::system(), email, password).await?;
    println!("Admin {} is ready.", admin.email);
    db.close().await;
    Ok(())
}

/// A database URL with any password replaced, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:[redacted]{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:pw@h/db"),
            "postgres://u:[redacted]@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
