//! Comptoir's one typed configuration: built-in defaults, then an optional TOML file, then
//! `COMPTOIR_…` environment variables (plus the conventional `DATABASE_URL`, `STRIPE_SECRET_KEY`,
//! `RUST_LOG`). Validated once at start; nothing else reads the environment.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use domain::Secret;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the HTTP server listens. Port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// The URL people reach the server at; decides whether cookies are `Secure`.
    /// Defaults to `http://{addr}`.
    pub public_url: Option<String>,
    /// `sqlite://path` (default, created if missing) or `postgres://…`.
    pub database_url: String,
    /// Where the built site lives: `pkg/` (WASM, JS, CSS) and static assets.
    pub site_root: PathBuf,
    /// Where Comptoir keeps files it makes itself: the default SQLite file, the generated
    /// encryption key, the sandbox's state, the first admin's password.
    pub data_dir: PathBuf,
    /// A `tracing` filter, e.g. `info,server=debug`.
    pub log: String,
    /// Encrypts secrets at rest (base64 of 32 bytes). Generated into `data_dir` when absent.
    pub secrets_key: Option<Secret>,
    /// The first platform admin, created at start when no admin exists yet.
    pub admin: Option<AdminConfig>,
    pub stripe: StripeConfig,
    pub sandbox: SandboxConfig,
    pub sync: SyncSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    pub email: String,
    pub password: Secret,
}

/// Real Stripe when `secret_key` is set; the embedded sandbox otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeConfig {
    pub secret_key: Option<Secret>,
    pub publishable_key: Option<String>,
    pub webhook_secret: Option<Secret>,
    pub client_id: Option<String>,
    /// Stripe's API; ends with `/`.
    pub api_base: String,
    /// Stripe's OAuth host (connect.stripe.com); ends with `/`.
    pub connect_base: String,
    /// The stripe-js script the embedded checkout loads.
    pub js_url: String,
}

/// The embedded sandbox, used when no Stripe key is configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Where the in-process sandbox listens (loopback; port 0 picks one).
    pub addr: SocketAddr,
    /// Keep the sandbox's state across restarts (defaults to `data_dir/sandbox.json`).
    pub persist: bool,
}

/// The commerce mirror's sync (the mode itself is a platform setting, chosen by the admin).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSettings {
    /// Requests a second to Stripe for all syncs together (Stripe allows 25 in test mode).
    pub requests_per_second: f64,
    /// Accounts synced at once.
    pub concurrency: usize,
    /// Seconds between two reconciliations of an account, in continuous mode.
    pub reconcile_interval_secs: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        let defaults = domain::mirror::SyncConfig::default();
        Self {
            requests_per_second: defaults.requests_per_second,
            concurrency: defaults.concurrency,
            reconcile_interval_secs: defaults.reconcile_interval.as_secs(),
        }
    }
}

impl SyncSettings {
    /// The domain's sync configuration with these settings.
    pub fn sync_config(&self) -> domain::mirror::SyncConfig {
        domain::mirror::SyncConfig {
            requests_per_second: self.requests_per_second,
            concurrency: self.concurrency,
            reconcile_interval: std::time::Duration::from_secs(self.reconcile_interval_secs),
            ..domain::mirror::SyncConfig::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            database_url: "sqlite://data/comptoir.db".to_string(),
            site_root: PathBuf::from("target/site"),
            data_dir: PathBuf::from("data"),
            log: "info".to_string(),
            secrets_key: None,
            admin: None,
            stripe: StripeConfig::default(),
            sandbox: SandboxConfig::default(),
            sync: SyncSettings::default(),
        }
    }
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            publishable_key: None,
            webhook_secret: None,
            client_id: None,
            api_base: "https://api.stripe.com/".to_string(),
            connect_base: "https://connect.stripe.com/".to_string(),
            js_url: "https://js.stripe.com/dahlia/stripe.js".to_string(),
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            persist: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        let env: HashMap<String, String> = std::env::vars().collect();
        config.apply_env(&env)?;
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: display.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: display,
            source,
        })
    }

    /// Applies the environment variables Comptoir knows. Unknown `COMPTOIR_` names are ignored
    /// rather than refused, so tooling may set its own.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        if let Some(v) = get("COMPTOIR_ADDR") {
            self.addr = parse_addr("COMPTOIR_ADDR", &v)?;
        }
        if let Some(v) = get("COMPTOIR_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = get("COMPTOIR_DATABASE_URL").or_else(|| get("DATABASE_URL")) {
            self.database_url = v;
        }
        if let Some(v) = get("COMPTOIR_SITE_ROOT") {
            self.site_root = v.into();
        }
        if let Some(v) = get("COMPTOIR_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("COMPTOIR_LOG").or_else(|| get("RUST_LOG")) {
            self.log = v;
        }
        if let Some(v) = get("COMPTOIR_SECRETS_KEY") {
            self.secrets_key = Some(Secret::new(v));
        }
        match (get("COMPTOIR_ADMIN_EMAIL"), get("COMPTOIR_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => {
                self.admin = Some(AdminConfig {
                    email,
                    password: Secret::new(password),
                })
            }
            (None, None) => {}
            _ => {
                return Err(ConfigError::Invalid {
                    name: "COMPTOIR_ADMIN_EMAIL / COMPTOIR_ADMIN_PASSWORD",
                    reason: "set both or neither".into(),
                });
            }
        }
        if let Some(v) = get("COMPTOIR_STRIPE_SECRET_KEY").or_else(|| get("STRIPE_SECRET_KEY")) {
            self.stripe.secret_key = Some(Secret::new(v));
        }
        if let Some(v) =
            get("COMPTOIR_STRIPE_PUBLISHABLE_KEY").or_else(|| get("STRIPE_PUBLISHABLE_KEY"))
        {
            self.stripe.publishable_key = Some(v);
        }
        if let Some(v) =
            get("COMPTOIR_STRIPE_WEBHOOK_SECRET").or_else(|| get("STRIPE_WEBHOOK_SECRET"))
        {
            self.stripe.webhook_secret = Some(Secret::new(v));
        }
        if let Some(v) = get("COMPTOIR_STRIPE_CLIENT_ID").or_else(|| get("STRIPE_CLIENT_ID")) {
            self.stripe.client_id = Some(v);
        }
        if let Some(v) = get("COMPTOIR_STRIPE_API_BASE") {
            self.stripe.api_base = v;
        }
        if let Some(v) = get("COMPTOIR_STRIPE_CONNECT_BASE") {
            self.stripe.connect_base = v;
        }
        if let Some(v) = get("COMPTOIR_STRIPE_JS_URL") {
            self.stripe.js_url = v;
        }
        if let Some(v) = get("COMPTOIR_SANDBOX_ADDR") {
            self.sandbox.addr = parse_addr("COMPTOIR_SANDBOX_ADDR", &v)?;
        }
        if let Some(v) = get("COMPTOIR_SANDBOX_PERSIST") {
            self.sandbox.persist = parse_bool("COMPTOIR_SANDBOX_PERSIST", &v)?;
        }
        if let Some(v) = get("COMPTOIR_SYNC_RPS") {
            self.sync.requests_per_second = parse_number("COMPTOIR_SYNC_RPS", &v)?;
        }
        if let Some(v) = get("COMPTOIR_SYNC_CONCURRENCY") {
            self.sync.concurrency = parse_number("COMPTOIR_SYNC_CONCURRENCY", &v)?;
        }
        if let Some(v) = get("COMPTOIR_SYNC_RECONCILE_SECS") {
            self.sync.reconcile_interval_secs = parse_number("COMPTOIR_SYNC_RECONCILE_SECS", &v)?;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database_url
            .parse::<domain::Backend>()
            .map_err(|e| ConfigError::Invalid {
                name: "database_url",
                reason: e.to_string(),
            })?;
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: "public_url",
                reason: "must start with http:// or https://".into(),
            });
        }
        for (name, base) in [
            ("stripe.api_base", &self.stripe.api_base),
            ("stripe.connect_base", &self.stripe.connect_base),
        ] {
            if !base.ends_with('/') {
                return Err(ConfigError::Invalid {
                    name,
                    reason: "must end with /".into(),
                });
            }
        }
        let rate_ok =
            self.sync.requests_per_second.is_finite() && self.sync.requests_per_second > 0.0;
        if !rate_ok || self.sync.concurrency == 0 {
            return Err(ConfigError::Invalid {
                name: "sync",
                reason: "requests_per_second and concurrency must be above zero".into(),
            });
        }
        if let Some(key) = &self.stripe.secret_key
            && !(key.expose().starts_with("sk_") || key.expose().starts_with("rk_"))
        {
            return Err(ConfigError::Invalid {
                name: "STRIPE_SECRET_KEY",
                reason: "must start with sk_ or rk_".into(),
            });
        }
        Ok(())
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }

    /// Cookies are `Secure` (and `__Host-` prefixed) unless the site is served over plain http.
    pub fn serves_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

fn parse_addr(name: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("expected host:port, got {value}"),
    })
}

fn parse_number<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        name,
        reason: format!("expected a number, got {value}"),
    })
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, got {value}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let mut config: Config = toml::from_str(
            r#"
            addr = "127.0.0.1:4000"
            database_url = "sqlite://file.db"
            [stripe]
            publishable_key = "pk_test_file"
            "#,
        )
        .unwrap();
        assert_eq!(config.log, "info", "unset keys keep their defaults");
        config
            .apply_env(&env(&[
                ("DATABASE_URL", "postgres://u@h/db"),
                ("COMPTOIR_ADDR", "0.0.0.0:5000"),
            ]))
            .unwrap();
        assert_eq!(config.addr, "0.0.0.0:5000".parse().unwrap());
        assert_eq!(config.database_url, "postgres://u@h/db");
        assert_eq!(
            config.stripe.publishable_key.as_deref(),
            Some("pk_test_file")
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut config = Config::default();
        config
            .apply_env(&env(&[
                ("STRIPE_SECRET_KEY", "sk_test_supersecretvalue"),
                ("COMPTOIR_ADMIN_EMAIL", "a@example.com"),
                ("COMPTOIR_ADMIN_PASSWORD", "hunter2hunter2"),
            ]))
            .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("supersecretvalue"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        let mut config = Config::default();
        let err = config
            .apply_env(&env(&[("COMPTOIR_ADDR", "nope")]))
            .unwrap_err();
        assert!(err.to_string().contains("COMPTOIR_ADDR"));
        let err = config
            .apply_env(&env(&[("COMPTOIR_ADMIN_EMAIL", "a@b.c")]))
            .unwrap_err();
        assert!(err.to_string().contains("set both"));

        let config = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.stripe.secret_key = Some(Secret::new("pk_test_wrong"));
        assert!(config.validate().unwrap_err().to_string().contains("sk_"));
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<Config>("adress = \"127.0.0.1:1\"").is_err());
    }

    #[test]
    fn cookies_are_secure_only_over_https() {
        let config = Config::default();
        assert!(!config.serves_https());
        let config = Config {
            public_url: Some("https://pay.example.com/".into()),
            ..Config::default()
        };
        assert!(config.serves_https());
        assert_eq!(config.public_url(), "https://pay.example.com");
    }
}
