//! Comptoir's one typed configuration: built-in defaults, then an optional TOML file, then
//! `COMPTOIR_…` environment variables (plus the conventional `DATABASE_URL`, `STRIPE_SECRET_KEY`,
//! `RUST_LOG`), layered by the `config` crate. Validated once at start; nothing else reads the
//! environment.

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
    /// The proxies (addresses or networks) whose `X-Forwarded-For` names the client. Empty:
    /// the connection's peer is the client, whatever the request says.
    pub trusted_proxies: domain::client_ip::TrustedProxies,
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
            trusted_proxies: domain::client_ip::TrustedProxies::default(),
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
        source: config::ConfigError,
    },
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A TOML configuration file's text and where it came from (for messages).
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

/// How an environment variable's text becomes a value.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    /// `host:port`.
    Addr,
    /// `1`/`true`/`yes` or `0`/`false`/`no`.
    Flag,
    /// A number that may have a fraction.
    Decimal,
    /// A whole number, zero or more.
    Count,
}

/// One environment variable layer entry: the setting's key in the file (dotted for tables) and
/// the variables that set it, the first non-empty one winning.
struct EnvVar {
    key: &'static str,
    names: &'static [&'static str],
    kind: Kind,
}

const fn var(key: &'static str, names: &'static [&'static str], kind: Kind) -> EnvVar {
    EnvVar { key, names, kind }
}

/// Every environment variable Comptoir reads. A new setting is a field with its default, and
/// one line here. Unknown `COMPTOIR_` names are ignored rather than refused, so tooling may set
/// its own.
const ENVIRONMENT: &[EnvVar] = &[
    var("addr", &["COMPTOIR_ADDR"], Kind::Addr),
    var("public_url", &["COMPTOIR_PUBLIC_URL"], Kind::Text),
    var(
        "database_url",
        &["COMPTOIR_DATABASE_URL", "DATABASE_URL"],
        Kind::Text,
    ),
    var("site_root", &["COMPTOIR_SITE_ROOT"], Kind::Text),
    var("data_dir", &["COMPTOIR_DATA_DIR"], Kind::Text),
    var("log", &["COMPTOIR_LOG", "RUST_LOG"], Kind::Text),
    var("secrets_key", &["COMPTOIR_SECRETS_KEY"], Kind::Text),
    var("admin.email", &[ADMIN_EMAIL], Kind::Text),
    var("admin.password", &[ADMIN_PASSWORD], Kind::Text),
    var(
        "stripe.secret_key",
        &["COMPTOIR_STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY"],
        Kind::Text,
    ),
    var(
        "stripe.publishable_key",
        &["COMPTOIR_STRIPE_PUBLISHABLE_KEY", "STRIPE_PUBLISHABLE_KEY"],
        Kind::Text,
    ),
    var(
        "stripe.webhook_secret",
        &["COMPTOIR_STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET"],
        Kind::Text,
    ),
    var(
        "stripe.client_id",
        &["COMPTOIR_STRIPE_CLIENT_ID", "STRIPE_CLIENT_ID"],
        Kind::Text,
    ),
    var("stripe.api_base", &["COMPTOIR_STRIPE_API_BASE"], Kind::Text),
    var(
        "stripe.connect_base",
        &["COMPTOIR_STRIPE_CONNECT_BASE"],
        Kind::Text,
    ),
    var("stripe.js_url", &["COMPTOIR_STRIPE_JS_URL"], Kind::Text),
    var("trusted_proxies", &["COMPTOIR_TRUSTED_PROXIES"], Kind::Text),
    var("sandbox.addr", &["COMPTOIR_SANDBOX_ADDR"], Kind::Addr),
    var("sandbox.persist", &["COMPTOIR_SANDBOX_PERSIST"], Kind::Flag),
    var(
        "sync.requests_per_second",
        &["COMPTOIR_SYNC_RPS"],
        Kind::Decimal,
    ),
    var(
        "sync.concurrency",
        &["COMPTOIR_SYNC_CONCURRENCY"],
        Kind::Count,
    ),
    var(
        "sync.reconcile_interval_secs",
        &["COMPTOIR_SYNC_RECONCILE_SECS"],
        Kind::Count,
    ),
];

const ADMIN_EMAIL: &str = "COMPTOIR_ADMIN_EMAIL";
const ADMIN_PASSWORD: &str = "COMPTOIR_ADMIN_PASSWORD";

/// A value the environment gave, with the variable it came from.
struct FromEnv {
    key: &'static str,
    name: &'static str,
    value: config::ValueKind,
}

impl Config {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let Some(path) = file else {
            return Self::from_layers(None, &env);
        };
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: display.clone(),
            source,
        })?;
        let file = ConfigFile {
            path: &display,
            text: &text,
        };
        Self::from_layers(Some(file), &env)
    }

    /// The layers merged and validated: the defaults of each field, then `file`'s keys, then
    /// the variables of `env` that [`ENVIRONMENT`] names.
    pub fn from_layers(
        file: Option<ConfigFile<'_>>,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let from_env = read_env(env)?;
        let mut layers = config::Config::builder();
        if let Some(file) = file {
            layers = layers.add_source(config::File::from_str(file.text, config::FileFormat::Toml));
        }
        for entry in &from_env {
            layers = layers
                .set_override(entry.key, entry.value.clone())
                .map_err(|e| ConfigError::Invalid {
                    name: entry.name,
                    reason: e.to_string(),
                })?;
        }
        let blame = |error: config::ConfigError| match (error_key(&error), file) {
            (Some(key), _) if from_env.iter().any(|e| e.key == key) => {
                let name = from_env.iter().find(|e| e.key == key).map(|e| e.name);
                ConfigError::Invalid {
                    name: name.unwrap_or("environment"),
                    reason: error.to_string(),
                }
            }
            (_, Some(file)) => ConfigError::Parse {
                path: file.path.to_string(),
                source: error,
            },
            (_, None) => ConfigError::Invalid {
                name: "configuration",
                reason: error.to_string(),
            },
        };
        let config: Self = layers
            .build()
            .map_err(blame)?
            .try_deserialize()
            .map_err(blame)?;
        config.validate()?;
        Ok(config)
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

/// The environment's layer: each known variable's text parsed by its kind, so a bad value is
/// refused with the variable's name.
fn read_env(env: &HashMap<String, String>) -> Result<Vec<FromEnv>, ConfigError> {
    let get = |name: &str| env.get(name).filter(|v| !v.is_empty());
    if get(ADMIN_EMAIL).is_some() != get(ADMIN_PASSWORD).is_some() {
        return Err(ConfigError::Invalid {
            name: "COMPTOIR_ADMIN_EMAIL / COMPTOIR_ADMIN_PASSWORD",
            reason: "set both or neither".into(),
        });
    }
    let mut values = Vec::new();
    for var in ENVIRONMENT {
        let Some((name, text)) = var
            .names
            .iter()
            .find_map(|name| get(name).map(|text| (*name, text)))
        else {
            continue;
        };
        let value = match var.kind {
            Kind::Text => config::ValueKind::String(text.clone()),
            Kind::Addr => {
                parse_addr(name, text)?;
                config::ValueKind::String(text.clone())
            }
            Kind::Flag => config::ValueKind::Boolean(parse_bool(name, text)?),
            Kind::Decimal => config::ValueKind::Float(parse_number(name, text)?),
            Kind::Count => config::ValueKind::U64(parse_number(name, text)?),
        };
        values.push(FromEnv {
            key: var.key,
            name,
            value,
        });
    }
    Ok(values)
}

/// The setting a merge or deserialisation error is about, when it says.
fn error_key(error: &config::ConfigError) -> Option<&str> {
    match error {
        config::ConfigError::Type { key, .. } | config::ConfigError::At { key, .. } => {
            key.as_deref()
        }
        _ => None,
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

    fn file(text: &str) -> Option<ConfigFile<'_>> {
        Some(ConfigFile {
            path: "comptoir.toml",
            text,
        })
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let text = r#"
            addr = "127.0.0.1:4000"
            database_url = "sqlite://file.db"
            [stripe]
            publishable_key = "pk_test_file"
            "#;
        let config = Config::from_layers(file(text), &env(&[])).unwrap();
        assert_eq!(config.log, "info", "unset keys keep their defaults");
        assert_eq!(config.addr, "127.0.0.1:4000".parse().unwrap());
        let config = Config::from_layers(
            file(text),
            &env(&[
                ("DATABASE_URL", "postgres://u@h/db"),
                ("COMPTOIR_ADDR", "0.0.0.0:5000"),
            ]),
        )
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
        let config = Config::from_layers(
            None,
            &env(&[
                ("STRIPE_SECRET_KEY", "sk_test_supersecretvalue"),
                ("COMPTOIR_ADMIN_EMAIL", "a@example.com"),
                ("COMPTOIR_ADMIN_PASSWORD", "hunter2hunter2"),
            ]),
        )
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("supersecretvalue"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        let err = Config::from_layers(None, &env(&[("COMPTOIR_ADDR", "nope")])).unwrap_err();
        assert!(err.to_string().contains("COMPTOIR_ADDR"));
        let err =
            Config::from_layers(None, &env(&[("COMPTOIR_ADMIN_EMAIL", "a@b.c")])).unwrap_err();
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
        assert!(Config::from_layers(file("adress = \"127.0.0.1:1\""), &env(&[])).is_err());
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

    #[test]
    fn no_layer_at_all_gives_the_defaults() {
        let config = Config::from_layers(None, &env(&[])).unwrap();
        let defaults = Config::default();
        assert_eq!(format!("{config:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn every_variable_reaches_its_setting() {
        let values = [
            ("COMPTOIR_ADDR", "127.0.0.1:4100"),
            ("COMPTOIR_PUBLIC_URL", "https://pay.example.com"),
            ("COMPTOIR_DATABASE_URL", "postgres://u@h/comptoir"),
            ("COMPTOIR_SITE_ROOT", "/srv/site"),
            ("COMPTOIR_DATA_DIR", "/var/lib/comptoir"),
            ("COMPTOIR_LOG", "debug"),
            ("COMPTOIR_SECRETS_KEY", "a2V5"),
            ("COMPTOIR_ADMIN_EMAIL", "a@example.com"),
            ("COMPTOIR_ADMIN_PASSWORD", "pw-pw-pw-pw"),
            ("COMPTOIR_STRIPE_SECRET_KEY", "sk_test_env"),
            ("COMPTOIR_STRIPE_PUBLISHABLE_KEY", "pk_test_env"),
            ("COMPTOIR_STRIPE_WEBHOOK_SECRET", "whsec_env"),
            ("COMPTOIR_STRIPE_CLIENT_ID", "ca_env"),
            ("COMPTOIR_STRIPE_API_BASE", "http://127.0.0.1:1/"),
            ("COMPTOIR_STRIPE_CONNECT_BASE", "http://127.0.0.1:2/"),
            ("COMPTOIR_STRIPE_JS_URL", "http://127.0.0.1:3/v3/"),
            ("COMPTOIR_SANDBOX_ADDR", "127.0.0.1:4200"),
            ("COMPTOIR_SANDBOX_PERSIST", "no"),
            ("COMPTOIR_SYNC_RPS", "2.5"),
            ("COMPTOIR_SYNC_CONCURRENCY", " 3"),
            ("COMPTOIR_SYNC_RECONCILE_SECS", "60"),
            ("COMPTOIR_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"),
        ];
        assert_eq!(values.len(), ENVIRONMENT.len(), "one sample per variable");
        let c = Config::from_layers(None, &env(&values)).unwrap();
        assert_eq!(c.addr, "127.0.0.1:4100".parse().unwrap());
        assert_eq!(c.public_url.as_deref(), Some("https://pay.example.com"));
        assert_eq!(c.database_url, "postgres://u@h/comptoir");
        assert_eq!(c.site_root, PathBuf::from("/srv/site"));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/comptoir"));
        assert_eq!(c.log, "debug");
        assert_eq!(c.secrets_key.as_ref().map(Secret::expose), Some("a2V5"));
        let admin = c.admin.as_ref().unwrap();
        assert_eq!(
            (admin.email.as_str(), admin.password.expose()),
            ("a@example.com", "pw-pw-pw-pw")
        );
        let stripe = &c.stripe;
        assert_eq!(
            stripe.secret_key.as_ref().map(Secret::expose),
            Some("sk_test_env")
        );
        assert_eq!(stripe.publishable_key.as_deref(), Some("pk_test_env"));
        assert_eq!(
            stripe.webhook_secret.as_ref().map(Secret::expose),
            Some("whsec_env")
        );
        assert_eq!(stripe.client_id.as_deref(), Some("ca_env"));
        assert_eq!(stripe.api_base, "http://127.0.0.1:1/");
        assert_eq!(stripe.connect_base, "http://127.0.0.1:2/");
        assert_eq!(stripe.js_url, "http://127.0.0.1:3/v3/");
        assert_eq!(c.sandbox.addr, "127.0.0.1:4200".parse().unwrap());
        assert!(!c.sandbox.persist);
        assert_eq!(c.sync.requests_per_second, 2.5);
        assert_eq!(c.sync.concurrency, 3);
        assert_eq!(c.sync.reconcile_interval_secs, 60);
        assert_eq!(c.trusted_proxies.to_string(), "10.0.0.0/8, 192.0.2.1/32");
    }

    #[test]
    fn trusted_proxies_come_as_a_list_in_the_file_and_an_unknown_one_is_refused() {
        let c = Config::from_layers(
            file(r#"trusted_proxies = ["127.0.0.1", "fd00::/8"]"#),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(c.trusted_proxies.to_string(), "127.0.0.1/32, fd00::/8");
        let err = Config::from_layers(None, &env(&[("COMPTOIR_TRUSTED_PROXIES", "lb.internal")]))
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("COMPTOIR_TRUSTED_PROXIES") && message.contains("lb.internal"),
            "{message}"
        );
    }

    #[test]
    fn the_comptoir_name_wins_over_the_conventional_one_and_empty_values_are_unset() {
        let c = Config::from_layers(
            None,
            &env(&[
                ("COMPTOIR_DATABASE_URL", "sqlite://mine.db"),
                ("DATABASE_URL", "postgres://u@h/theirs"),
                ("COMPTOIR_LOG", ""),
                ("RUST_LOG", "warn"),
                ("COMPTOIR_PUBLIC_URL", ""),
            ]),
        )
        .unwrap();
        assert_eq!(c.database_url, "sqlite://mine.db");
        assert_eq!(c.log, "warn");
        assert_eq!(c.public_url, None);
    }

    #[test]
    fn values_keep_their_strict_syntax() {
        for (name, value) in [
            ("COMPTOIR_SANDBOX_PERSIST", "on"),
            ("COMPTOIR_SANDBOX_PERSIST", "TRUE"),
            ("COMPTOIR_SYNC_CONCURRENCY", "yes"),
            ("COMPTOIR_SYNC_CONCURRENCY", "-1"),
            ("COMPTOIR_SYNC_RPS", "fast"),
            ("COMPTOIR_SANDBOX_ADDR", "localhost"),
        ] {
            let err = Config::from_layers(None, &env(&[(name, value)])).unwrap_err();
            assert!(err.to_string().contains(name), "{name}={value}: {err}");
        }
        let err =
            Config::from_layers(None, &env(&[("COMPTOIR_SYNC_CONCURRENCY", "0")])).unwrap_err();
        assert!(err.to_string().contains("above zero"), "{err}");
    }

    #[test]
    fn a_bad_file_is_refused_with_its_path() {
        for text in [
            "addr = ",
            "addr = \"nowhere\"",
            "[sync]\nconcurrency = \"many\"",
            "[stripe]\nsecret = \"x\"",
        ] {
            let err = Config::from_layers(file(text), &env(&[])).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Parse { path, .. } if path == "comptoir.toml"),
                "{text}: {err}"
            );
        }
        let err = Config::from_layers(file("public_url = \"ftp://x\""), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("public_url"), "{err}");
    }

    #[test]
    fn the_file_sets_nested_tables_and_the_environment_one_key_inside_them() {
        let text = r#"
            [sync]
            concurrency = 7
            requests_per_second = 4
            [admin]
            email = "file@example.com"
            password = "from-the-file"
            "#;
        let c = Config::from_layers(file(text), &env(&[("COMPTOIR_SYNC_RPS", "9")])).unwrap();
        assert_eq!(c.sync.concurrency, 7);
        assert_eq!(c.sync.requests_per_second, 9.0);
        assert_eq!(
            c.sync.reconcile_interval_secs,
            SyncSettings::default().reconcile_interval_secs
        );
        assert_eq!(c.admin.unwrap().email, "file@example.com");
    }
}
