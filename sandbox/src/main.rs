//! The standalone sandbox server: `sandbox --addr 127.0.0.1:12111 [--state-file PATH] [--public-url URL]`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use sandbox::{Sandbox, SandboxConfig};

/// An offline, stateful Stripe Connect sandbox.
#[derive(Debug, Parser)]
#[command(name = "sandbox", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "SANDBOX_ADDR", default_value = "127.0.0.1:12111")]
    addr: SocketAddr,
    /// Persist state to this JSON file so it survives restarts.
    #[arg(long, env = "SANDBOX_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Base URL of hosted pages when it differs from the bound address.
    #[arg(long, env = "SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = SandboxConfig {
        state_file: args.state_file,
        public_url: args.public_url,
        ..SandboxConfig::default()
    };
    let handle = Sandbox::start(config, args.addr).await?;
    let keys = match handle.sandbox().first_platform() {
        Some(keys) => keys,
        None => handle.create_platform("Sandbox Platform"),
    };
    println!("Stripe sandbox listening on {}", handle.url());
    println!("  secret key:      {}", keys.secret_key);
    println!("  publishable key: {}", keys.publishable_key);
    println!("  platform:        {}", keys.account_id);
    println!("  client id:       {}", keys.client_id);
    tracing::info!(url = %handle.url(), "sandbox ready");
    wait_for_signal().await?;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what `docker stop` and service managers send).
async fn wait_for_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
