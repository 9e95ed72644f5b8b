//! The database: one `AnyPool` over SQLite (default, a file, zero setup) or PostgreSQL (when
//! several server instances share one database), with the same SQL for both (`$1` parameters,
//! 64-bit integers, `ON CONFLICT`, `RETURNING`). Migrations are numbered SQL files, one folder
//! per backend.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Wakes this process's live streams when an event's admissions or manifest move
    /// (`crate::live`); on PostgreSQL the other instances hear it through `LISTEN`.
    pub live: crate::live::Hub,
    /// The address, for the `LISTEN` connection (it may hold a password: never printed).
    url: std::sync::Arc<str>,
    /// SQLite has one writer at a time; queueing writers here is fairer and faster than
    /// SQLite's busy handler, which polls with growing sleeps (p99 of 750 ms at 4 writers).
    sqlite_writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Db {
    /// Connects and migrates. `url` is `sqlite://FILE` or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::BadRequest("DATABASE_URL must start with sqlite:// or postgres://".into()));
        };
        if backend == Backend::Sqlite {
            private_file(url)?;
        }
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|_| Error::BadRequest("DATABASE_URL is not a valid database address".into()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Freed pages are zeroed: values replaced (secrets sealed in place, say)
                        // leave no trace in the file.
                        conn.execute("PRAGMA secure_delete = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "database connection failed");
                Error::BadRequest("cannot open the database (is DATABASE_URL right and the server running?)".into())
            })?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.map_err(|e| Error::Internal(format!("migration failed: {e}")))?;
        Ok(Db { pool, backend, live: Default::default(), url: url.as_str().into(), sqlite_writer: Default::default() })
    }

    /// The database address (for the live streams' `LISTEN` connection).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file, where the database is one.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        sqlite_path(&self.url).map(std::path::PathBuf::from)
    }

    /// Held around a write transaction: serializes writers within this process on SQLite; a
    /// no-op on PostgreSQL, whose row locks do the work.
    pub async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().await),
            Backend::Postgres => None,
        }
    }
}

/// The SQLite file (and so its -wal and -shm files, which SQLite creates with the same mode)
/// readable by its owner only: created 0600, or narrowed to 0600 if it exists.
fn private_file(url: &str) -> Result<()> {
    let Some(path) = sqlite_path(url) else { return Ok(()) };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let denied = |e: std::io::Error| Error::BadRequest(format!("cannot open the database file {path}: {e}"));
        std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(path).map_err(denied)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            if std::path::Path::new(&file).exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(denied)?;
            }
        }
    }
    Ok(())
}

/// The file of a `sqlite://FILE` address (none for PostgreSQL or an in-memory database).
pub fn sqlite_path(url: &str) -> Option<&str> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// ids and flags are stored as signed 64-bit integers.
pub fn event_key(id: ingia_core::EventId) -> i64 {
    id.0 as i64
}
