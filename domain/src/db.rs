//! The database handle: one sqlx `Any` pool over SQLite (default) or Postgres, the migrations of
//! each, and transactions that take the write lock up front on SQLite.
//!
//! Queries are written once, with `$1`-style placeholders that both backends accept, and checked
//! at run time by the repository tests, which run on both databases. Flags are `BIGINT` 0/1:
//! the `Any` driver cannot decode SQLite's `BOOLEAN`. Where the dialects differ
//! (row claiming, upserts returning rows) a module branches on [`Db::backend`].
//!
//! Migrations are written once too, in `migrations/`, and both databases run the same files.
//! A migration that must differ by dialect gets a file with the same version number in
//! `migrations/sqlite/` or `migrations/postgres/`, which replaces the shared one on that backend
//! only; a test checks that both databases end at the same tables and columns.

use std::{borrow::Cow, path::Path, str::FromStr, sync::LazyLock, time::Duration};

use sqlx::{
    Any, AnyPool, Transaction,
    any::{AnyPoolOptions, install_default_drivers},
    migrate::{Migration, Migrator},
};

static SHARED_MIGRATIONS: Migrator = sqlx::migrate!("./migrations");
static SQLITE_OVERRIDES: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_OVERRIDES: Migrator = sqlx::migrate!("./migrations/postgres");

static SQLITE_MIGRATIONS: LazyLock<Migrator> =
    LazyLock::new(|| with_overrides(&SHARED_MIGRATIONS, &SQLITE_OVERRIDES));
static POSTGRES_MIGRATIONS: LazyLock<Migrator> =
    LazyLock::new(|| with_overrides(&SHARED_MIGRATIONS, &POSTGRES_OVERRIDES));

/// The shared migrations, each replaced by the dialect's file of the same version where there
/// is one; a dialect file with a new version is added in version order.
fn with_overrides(shared: &Migrator, overrides: &Migrator) -> Migrator {
    let mut migrations: Vec<Migration> = shared
        .migrations
        .iter()
        .filter(|m| !overrides.migrations.iter().any(|o| o.version == m.version))
        .cloned()
        .chain(overrides.migrations.iter().cloned())
        .collect();
    migrations.sort_by_key(|m| m.version);
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl FromStr for Backend {
    type Err = DbError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("could not create the directory for the SQLite file {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl DbError {
    /// True when the failure is a uniqueness violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Query(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// A pooled connection to Comptoir's database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`). A SQLite file and its
    /// directory are created when missing; SQLite runs in WAL mode with a busy timeout.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        install_default_drivers();
        let backend: Backend = url.parse()?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(&url).await.map_err(DbError::Connect)?;
        Ok(Self { pool, backend })
    }

    /// Applies every pending migration of this backend. Start-up stops when this fails.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator: &Migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing when a
    /// read transaction tries to upgrade.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, DbError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// A trivial query: the database is reachable.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure the SQLite file can be created: its directory exists and `mode=rwc` is set.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && !path.is_empty()
        && let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        crate::private_files::create_private_dir(dir).map_err(|source| DbError::CreateDir {
            path: path.to_string(),
            source,
        })?;
    }
    if path != ":memory:" && !path.is_empty() && !query.contains("mode=memory") {
        make_private_sqlite_file(Path::new(path)).map_err(|source| DbError::CreateDir {
            path: path.to_string(),
            source,
        })?;
    }
    let query = if query.split('&').any(|p| p.starts_with("mode=")) {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Creates the database file empty and `0600` before SQLite opens it (SQLite would make it
/// with the umask's `0644`), or tightens one that exists. SQLite gives its `-wal` and `-shm`
/// files the database file's permissions.
fn make_private_sqlite_file(path: &Path) -> std::io::Result<()> {
    match crate::private_files::create_private_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            crate::private_files::restrict_to_owner(path)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(prepare_sqlite_url("sqlite:").unwrap(), "sqlite://?mode=rwc");
        assert_eq!(
            prepare_sqlite_url("sqlite://:memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
        assert_eq!(
            prepare_sqlite_url("sqlite://db.sqlite?mode=ro").unwrap(),
            "sqlite://db.sqlite?mode=ro"
        );
    }

    /// Tables with their columns, and the indexes made by `CREATE INDEX`, sorted.
    async fn schema_of(db: &Db) -> (Vec<(String, String)>, Vec<String>) {
        let (columns, indexes) = match db.backend() {
            Backend::Sqlite => (
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name <> '_sqlx_migrations' ORDER BY 1, 2",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 ORDER BY 1",
            ),
            Backend::Postgres => (
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
                 ORDER BY 1, 2",
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY 1",
            ),
        };
        let columns = sqlx::query_as(columns).fetch_all(db.pool()).await.unwrap();
        let indexes = sqlx::query_scalar(indexes)
            .fetch_all(db.pool())
            .await
            .unwrap();
        (columns, indexes)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_databases_end_at_the_same_schema() {
        let sqlite = crate::testing::TestDb::sqlite().await;
        let postgres = crate::testing::TestDb::postgres().await;
        let (sqlite_columns, sqlite_indexes) = schema_of(&sqlite.db).await;
        let (postgres_columns, postgres_indexes) = schema_of(&postgres.db).await;
        assert!(
            sqlite_columns
                .iter()
                .any(|(t, c)| t == "orders" && c == "status"),
            "the schema query sees the tables"
        );
        assert_eq!(sqlite_columns, postgres_columns, "tables and columns");
        assert_eq!(sqlite_indexes, postgres_indexes, "indexes");
    }

    #[test]
    fn dialect_files_replace_shared_ones_of_the_same_version() {
        let shared = &SHARED_MIGRATIONS;
        assert!(shared.migrations.len() >= 5);
        let mut replaced = shared.migrations[1].clone();
        replaced.sql = Cow::Borrowed("SELECT 'dialect'");
        let mut added = shared.migrations[0].clone();
        added.version = i64::MAX;
        let overrides = Migrator {
            migrations: Cow::Owned(vec![added, replaced]),
            ..Migrator::DEFAULT
        };
        let merged = with_overrides(shared, &overrides);
        assert_eq!(merged.migrations.len(), shared.migrations.len() + 1);
        assert_eq!(merged.migrations[1].sql, "SELECT 'dialect'");
        assert_eq!(merged.migrations[0].sql, shared.migrations[0].sql);
        assert_eq!(merged.migrations.last().unwrap().version, i64::MAX);
        assert!(
            merged
                .migrations
                .windows(2)
                .all(|w| w[0].version < w[1].version)
        );
    }

    #[test]
    fn backend_is_read_from_the_scheme() {
        assert_eq!("sqlite://x.db".parse::<Backend>().unwrap(), Backend::Sqlite);
        assert_eq!(
            "postgres://u@h/d".parse::<Backend>().unwrap(),
            Backend::Postgres
        );
        assert!("mysql://x".parse::<Backend>().is_err());
    }
}
