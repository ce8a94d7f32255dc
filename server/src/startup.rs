//! Turning a [`Config`] into a running server: database, domain services, Stripe (keys or the
//! embedded sandbox), router, listener, background workers, and one cancellation token that
//! stops them all.

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use anyhow::Context;
use axum::serve::ListenerExt;
use domain::{
    Clock, Db, Secret, Services, auth,
    crypto::SecretCipher,
    mirror::{SyncConfig, Syncer},
    sessions::DbSessionStore,
    stripe::RetryPolicy,
    webhooks::{WorkerConfig, spawn_worker},
};
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, sync::Notify};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    routes::{self, SESSION_CLEANUP_INTERVAL},
    state::AppState,
    stripe_setup::{self, EmbeddedSandbox},
};

/// How often a server re-reads the platform settings, so several processes sharing one
/// database agree after an admin changes them.
const SETTINGS_RELOAD_INTERVAL: Duration = Duration::from_secs(10);

/// The generated first admin's email on the embedded default.
pub const GENERATED_ADMIN_EMAIL: &str = "admin@comptoir.localhost";

/// Knobs tests turn; production uses the defaults.
pub struct Options {
    pub clock: Clock,
    /// Settings for the embedded sandbox (e.g. compressed webhook retries).
    pub sandbox: Option<sandbox::SandboxConfig>,
    pub retry: RetryPolicy,
    pub worker: WorkerConfig,
    /// Whether this process empties the webhook inbox.
    pub run_webhook_worker: bool,
    /// The commerce mirror's sync worker.
    pub sync: SyncWorker,
}

/// Whether and how this process runs the commerce mirror's sync worker.
#[derive(Debug, Clone, Default)]
pub enum SyncWorker {
    /// With the configuration's settings ([`crate::config::SyncSettings`]).
    #[default]
    FromConfig,
    Custom(SyncConfig),
    Off,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            clock: Clock::system(),
            sandbox: None,
            retry: RetryPolicy::default(),
            worker: WorkerConfig::default(),
            run_webhook_worker: true,
            sync: SyncWorker::FromConfig,
        }
    }
}

/// A server that is bound and ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    local_addr: SocketAddr,
    options: Options,
    /// Where the generated first admin's credentials were written, when they were.
    pub initial_admin_file: Option<std::path::PathBuf>,
}

impl Application {
    /// Connects and migrates the database, binds the listener, prepares Stripe and the
    /// services. Fails, with the reason, when any of it cannot be done.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, Options::default()).await
    }

    pub async fn build_with(config: Config, mut options: Options) -> anyhow::Result<Self> {
        if let SyncWorker::FromConfig = options.sync {
            options.sync = SyncWorker::Custom(config.sync.sync_config());
        }
        domain::private_files::create_private_dir(&config.data_dir).with_context(|| {
            format!(
                "could not create the data directory {}",
                config.data_dir.display()
            )
        })?;
        let db = open_database(&config.database_url).await?;
        let cipher = secrets_cipher(&config)?;
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("could not listen on {}", config.addr))?;
        let local_addr = listener.local_addr()?;
        let public_url = match &config.public_url {
            Some(_) => config.public_url(),
            None => format!("http://{local_addr}"),
        };
        let services = Services::load(
            db,
            options.clock.clone(),
            cipher,
            &public_url,
            options.retry,
        )
        .await
        .context("could not read the platform settings")?;
        let sandbox =
            stripe_setup::prepare(&config, &services, &public_url, options.sandbox.clone()).await?;
        bootstrap_admin(&config, &services).await?;
        let initial_admin_file = match &sandbox {
            Some(_) => generate_first_admin(&config, &services).await?,
            None => None,
        };

        let leptos_options = LeptosOptions::builder()
            .output_name("comptoir")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(local_addr)
            .build();
        let state = AppState {
            leptos_options,
            services,
            config: Arc::new(config),
            webhook_wake: Arc::new(Notify::new()),
            sandbox: sandbox.map(Arc::new),
        };
        Ok(Self {
            listener,
            state,
            local_addr,
            options,
            initial_admin_file,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where a browser reaches this server.
    pub fn url(&self) -> String {
        self.state.services.public_url.to_string()
    }

    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// The embedded sandbox, when running on it.
    pub fn sandbox(&self) -> Option<&EmbeddedSandbox> {
        self.state.sandbox.as_deref()
    }

    /// The embedded sandbox, shared (tests drive it while the server runs).
    pub fn sandbox_arc(&self) -> Option<Arc<EmbeddedSandbox>> {
        self.state.sandbox.clone()
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests finish and stops the
    /// background workers and the embedded sandbox.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let workers = spawn_workers(&self.state, &self.options, shutdown.clone());
        let app = routes::router(self.state.clone());
        // Without TCP_NODELAY, headers and body leave in separate segments and each static file
        // waits out delayed ACKs (measured: 95 req/s at 42 ms, against 12k req/s with it).
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .await
        .context("the HTTP server stopped with an error")?;
        shutdown.cancel();
        for worker in workers {
            let _ = worker.await;
        }
        let AppState {
            services, sandbox, ..
        } = self.state;
        if let Some(sandbox) = sandbox.and_then(|s| Arc::try_unwrap(s).ok()) {
            sandbox.handle.shutdown().await;
        }
        services.db.close().await;
        Ok(())
    }
}

/// Connects to the database and applies migrations; both failures stop start-up.
pub async fn open_database(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url)
        .await
        .context("could not open the database")?;
    db.migrate()
        .await
        .context("could not migrate the database")?;
    Ok(db)
}

/// Creates (or resets) the admin named in the config, if any.
async fn bootstrap_admin(config: &Config, services: &Services) -> anyhow::Result<()> {
    if let Some(admin) = &config.admin {
        auth::create_or_reset_admin(
            &services.db,
            &services.clock,
            &admin.email,
            admin.password.expose(),
        )
        .await
        .context("could not create the admin from the configuration")?;
    }
    Ok(())
}

/// On the embedded default, a platform admin is made when there is none, so the product can be
/// tried without a manual step. The password goes to a file only this user can read, never to
/// the logs.
async fn generate_first_admin(
    config: &Config,
    services: &Services,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    if auth::count_admins(&services.db).await? > 0 {
        return Ok(None);
    }
    let password = format!(
        "{}-{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    auth::create_or_reset_admin(
        &services.db,
        &services.clock,
        GENERATED_ADMIN_EMAIL,
        &password,
    )
    .await?;
    let path = config.data_dir.join("initial-admin.txt");
    let _ = std::fs::remove_file(&path);
    write_private(
        &path,
        &format!("email: {GENERATED_ADMIN_EMAIL}\npassword: {password}\n"),
    )
    .with_context(|| format!("could not write {}", path.display()))?;
    Ok(Some(path))
}

/// The key that encrypts secrets at rest: from the config, or generated once into the data
/// directory (readable by this user only).
pub(crate) fn secrets_cipher(config: &Config) -> anyhow::Result<SecretCipher> {
    let key = match &config.secrets_key {
        Some(key) => key.clone(),
        None => {
            let path = config.data_dir.join("secrets.key");
            match std::fs::read_to_string(&path) {
                Ok(text) => Secret::new(text.trim()),
                Err(_) => {
                    let key = SecretCipher::generate_key();
                    write_private(&path, key.expose()).with_context(|| {
                        format!("could not write the secrets key to {}", path.display())
                    })?;
                    key
                }
            }
        }
    };
    SecretCipher::from_base64(&key).context("the secrets key (COMPTOIR_SECRETS_KEY)")
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    domain::private_files::create_private_file(path)?.write_all(contents.as_bytes())
}

fn spawn_workers(
    state: &AppState,
    options: &Options,
    shutdown: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut workers = Vec::new();
    let sessions = DbSessionStore::new(state.services.db.clone(), state.services.clock.clone());
    workers.push(every(
        SESSION_CLEANUP_INTERVAL,
        shutdown.clone(),
        move || {
            let sessions = sessions.clone();
            async move {
                if let Err(e) = sessions.delete_expired().await {
                    tracing::warn!(error = %e, "could not delete expired sessions");
                }
            }
        },
    ));
    let services = state.services.clone();
    workers.push(every(
        SETTINGS_RELOAD_INTERVAL,
        shutdown.clone(),
        move || {
            let services = services.clone();
            async move {
                if let Err(e) = services.reload_settings().await {
                    tracing::warn!(error = %e, "could not reload the platform settings");
                }
            }
        },
    ));
    if let SyncWorker::Custom(sync) = &options.sync {
        let syncer = Syncer::new(state.services.clone(), sync.clone())
            .with_inbox_bell(state.webhook_wake.clone());
        workers.push(syncer.spawn(shutdown.clone()));
    }
    if options.run_webhook_worker {
        workers.push(spawn_worker(
            state.services.clone(),
            options.worker,
            state.webhook_wake.clone(),
            shutdown,
        ));
    }
    workers
}

/// Runs `task` every `period` until `shutdown`.
fn every<F, Fut>(
    period: Duration,
    shutdown: CancellationToken,
    task: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => task().await,
            }
        }
    })
}

/// Cancels `token` on Ctrl-C or SIGTERM.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = terminate => {},
        }
        tracing::info!("shutting down");
        token.cancel();
    });
}
