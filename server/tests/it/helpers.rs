//! `spawn_app()`: a running Comptoir on a free port with a database of its own.

use std::time::Duration;

use domain::{
    Backend, Clock, Services, stripe::RetryPolicy, testing::TestDb, webhooks::WorkerConfig,
};
use sandbox::SandboxHandle;
use server::{
    config::Config,
    startup::{Application, Options},
};
use tokio_util::sync::CancellationToken;

pub const ADMIN_EMAIL: &str = "admin@comptoir.test";
pub const ADMIN_PASSWORD: &str = "admin password for tests";

pub struct TestApp {
    pub url: String,
    pub services: Services,
    /// The app's embedded sandbox (its own platform, its own state).
    pub sandbox_url: String,
    sandbox: Option<std::sync::Arc<server::stripe_setup::EmbeddedSandbox>>,
    /// A client that keeps cookies, like a browser would, and follows no redirects.
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    database_url: String,
    /// The database, dropped with the app that made it (a second instance borrows it).
    _db: Option<TestDb>,
    _data_dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The app's database, for the `comptoir` binary to use it too.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Where the app keeps its generated files (the secrets key among them).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    /// A POST as the app's own pages send it (same origin).
    pub fn post_same_origin(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(path))
            .header("Origin", &self.url)
            .header("Sec-Fetch-Site", "same-origin")
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_same_origin("/api/log_in")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("log-in request")
    }

    /// Signs a merchant up; with `new_account` a connected account is created in the sandbox.
    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.sign_up_merchant(email, password, "Boulangerie Test", true)
            .await
    }

    pub async fn sign_up_merchant(
        &self,
        email: &str,
        password: &str,
        business_name: &str,
        new_account: bool,
    ) -> reqwest::Response {
        self.post_same_origin("/api/sign_up")
            .form(&[
                ("email", email),
                ("password", password),
                ("business_name", business_name),
                ("website", "https://boulangerie.example.com"),
                ("country", "FR"),
                ("onboarding", if new_account { "new" } else { "existing" }),
            ])
            .send()
            .await
            .expect("sign-up request")
    }

    pub fn sandbox(&self) -> &SandboxHandle {
        &self
            .sandbox
            .as_ref()
            .expect("the app runs on the embedded sandbox")
            .handle
    }

    /// The platform's secret key in the sandbox.
    pub fn platform_key(&self) -> String {
        self.services
            .settings()
            .secret_key
            .as_ref()
            .expect("a key")
            .expose()
            .to_string()
    }

    /// A GET on the sandbox's API as the platform (optionally as a connected account).
    pub async fn stripe_get(&self, path: &str, account: Option<&str>) -> serde_json::Value {
        let mut request = reqwest::Client::new()
            .get(format!("{}v1{path}", self.sandbox_url))
            .bearer_auth(self.platform_key());
        if let Some(account) = account {
            request = request.header("Stripe-Account", account);
        }
        request
            .send()
            .await
            .expect("sandbox request")
            .json()
            .await
            .expect("sandbox JSON")
    }

    /// A POST on the sandbox's API as the platform (optionally as a connected account).
    pub async fn stripe_post(
        &self,
        path: &str,
        account: Option<&str>,
        form: &[(&str, &str)],
    ) -> serde_json::Value {
        let mut request = reqwest::Client::new()
            .post(format!("{}v1{path}", self.sandbox_url))
            .bearer_auth(self.platform_key())
            .form(form);
        if let Some(account) = account {
            request = request.header("Stripe-Account", account);
        }
        request
            .send()
            .await
            .expect("sandbox request")
            .json()
            .await
            .expect("sandbox JSON")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Sandbox settings for tests: webhook retries and SEPA settlement in milliseconds.
pub fn fast_sandbox() -> sandbox::SandboxConfig {
    sandbox::SandboxConfig {
        webhook_retry_schedule: vec![
            Duration::from_millis(100),
            Duration::from_millis(300),
            Duration::from_secs(1),
        ],
        async_payment_delay: Duration::from_millis(300),
        ..Default::default()
    }
}

pub fn fast_options() -> Options {
    Options {
        clock: Clock::system(),
        sandbox: Some(fast_sandbox()),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
        },
        worker: WorkerConfig {
            lease_secs: 60,
            poll_interval: Duration::from_millis(50),
            batch: 20,
        },
        run_webhook_worker: true,
        sync: server::startup::SyncWorker::Custom(fast_sync()),
    }
}

/// The mirror's sync for tests: quick polls, waits and leases, a generous budget.
pub fn fast_sync() -> domain::mirror::SyncConfig {
    domain::mirror::SyncConfig {
        requests_per_second: 200.0,
        poll_interval: Duration::from_millis(100),
        lease_secs: 5,
        retry_failed_after: Duration::from_secs(1),
        patience: domain::mirror::Patience {
            attempts: 8,
            first_wait: Duration::from_millis(20),
            max_wait: Duration::from_millis(200),
        },
        ..Default::default()
    }
}

pub fn test_config(database_url: &str, data_dir: &std::path::Path) -> Config {
    let mut config = Config {
        addr: "127.0.0.1:0".parse().expect("loopback address"),
        database_url: database_url.to_string(),
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    config.sandbox.persist = false;
    config.admin = Some(server::config::AdminConfig {
        email: ADMIN_EMAIL.into(),
        password: ADMIN_PASSWORD.into(),
    });
    config
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, fast_options()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    spawn_app_configured(backend, options, |_| {}).await
}

/// An app whose test configuration `configure` changed first (a setting an operator sets).
pub async fn spawn_app_configured(
    backend: Backend,
    options: Options,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let db = TestDb::new(backend).await;
    let data_dir = tempfile::tempdir().expect("data dir");
    let mut config = test_config(&db.url, data_dir.path());
    configure(&mut config);
    start(config, options, Some(db), data_dir).await
}

/// A second Comptoir on `first`'s database (and its secrets key and clock), as another
/// instance behind the same load balancer would be. It runs no background workers.
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    let data_dir = tempfile::tempdir().expect("data dir");
    let mut config = test_config(first.database_url(), data_dir.path());
    let key = std::fs::read_to_string(first.data_dir().join("secrets.key")).expect("secrets key");
    config.secrets_key = Some(key.trim().into());
    let options = Options {
        clock: first.services.clock.clone(),
        run_webhook_worker: false,
        sync: server::startup::SyncWorker::Off,
        ..fast_options()
    };
    start(config, options, None, data_dir).await
}

/// A domain clock that only moves when the test says, starting now (Stripe's — the sandbox's —
/// expiry times are real times).
pub fn manual_clock() -> Options {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Options {
        clock: Clock::manual(now),
        ..fast_options()
    }
}

async fn start(
    config: Config,
    options: Options,
    db: Option<TestDb>,
    data_dir: tempfile::TempDir,
) -> TestApp {
    let database_url = config.database_url.clone();
    let app = Application::build_with(config, options)
        .await
        .expect("build the app");
    let url = app.url();
    let services = app.services().clone();
    let sandbox = app.sandbox_arc();
    let sandbox_url = sandbox.as_ref().map(|s| s.handle.url()).unwrap_or_default();
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        url,
        services,
        sandbox_url,
        sandbox,
        client,
        shutdown,
        database_url,
        _db: db,
        _data_dir: data_dir,
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A browser of its own (cookies included) for the sandbox's pages.
pub fn sandbox_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Fills Stripe's (the sandbox's) hosted onboarding with its test data and submits it; returns
/// where the browser is sent back to.
pub async fn complete_hosted_onboarding(link: &str) -> String {
    let browser = sandbox_browser();
    let landed = browser.get(link).send().await.unwrap();
    assert_eq!(
        landed.status(),
        303,
        "the link lands on the onboarding session"
    );
    let base = link.split("/setup/").next().unwrap().to_string();
    let session_path = location(&landed);
    let sid = session_path
        .trim_start_matches("/onboarding/")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    for step in ["business", "identity", "bank"] {
        let saved = browser
            .post(format!("{base}/onboarding/{sid}/{step}"))
            .form(&[("action", "test_data")])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303, "step {step} saved");
    }
    let submitted = browser
        .post(format!("{base}/onboarding/{sid}/review"))
        .form(&[("action", "submit"), ("tos", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 303, "submitted");
    location(&submitted)
}

pub async fn merchant_of(app: &TestApp, email: &str) -> domain::merchants::Merchant {
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.services.db.pool())
        .await
        .unwrap();
    domain::merchants::find_by_user(&app.services.db, &user_id)
        .await
        .unwrap()
        .unwrap()
}

/// A merchant signed up, onboarded and able to charge, logged in on `app.client`, with two
/// products in eur. Returns the merchant.
pub async fn onboarded_merchant(app: &TestApp, email: &str) -> domain::merchants::Merchant {
    let signed_up = app.sign_up(email, "a long passphrase").await;
    assert!(
        signed_up.status().is_success(),
        "sign-up: {}",
        signed_up.status()
    );
    let start = app
        .client
        .get(app.url("/dashboard/onboarding/start"))
        .send()
        .await
        .unwrap();
    complete_hosted_onboarding(&location(&start)).await;
    let status: serde_json::Value = app
        .post_same_origin("/api/merchant/refresh_status")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["charges_enabled"], true, "onboarded");
    for (name, price) in [("Croissant", "1.20"), ("Pain au levain", "4.50")] {
        let created = app
            .post_same_origin("/api/merchant/products/create")
            .form(&[
                ("name", name),
                ("description", ""),
                ("price", price),
                ("currency", "eur"),
            ])
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "product created");
    }
    merchant_of(app, email).await
}

/// Polls `check` every 25 ms until it returns `Some`, or panics after `timeout` saying `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Runs a test body against a fresh app on SQLite and on Postgres.
#[macro_export]
macro_rules! app_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app(domain::Backend::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::helpers::spawn_app(domain::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}
