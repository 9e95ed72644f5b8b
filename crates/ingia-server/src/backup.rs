//! Backups and restores. `backup` writes a consistent copy of a running server's SQLite file
//! (`VACUUM INTO`: one read transaction, so the gates keep syncing while it runs). `restore`
//! puts such a copy in place of a stopped server's file and marks the database restored, so the
//! gates, whose data may be newer than the copy, carry on without losing or doubling anything:
//!
//! - every event's admission sequence and manifest revision jump ahead by [`GAP`], past anything
//!   a gate can have seen, so gates keep their cursors and still learn everything new;
//! - every ticket's revision moves to the new revision, so each gate downloads the ticket list
//!   once and takes the server's word for every ticket again (an organizer's change made after
//!   the backup is gone from the server, and from the gates too);
//! - the server's epoch changes: a gate that sees a new epoch sends again every record the
//!   server had settled for it (`ingia_core::sync`); the server keeps the ones it has (by device
//!   and scan id) and decides the others as late offline records, first wins as always.
//!
//! PostgreSQL is backed up and restored with its own tools (`pg_dump`, `pg_restore`); after a
//! `pg_restore`, `ingia-server restore` without a file marks that database restored.

use std::path::{Path, PathBuf};

use sqlx::Row;

use crate::db::Backend;
use crate::error::{Error, Result};
use crate::Db;

/// How far a restore moves the sequences on: more admissions and manifest changes than any event
/// has between a backup and a restore.
pub const GAP: i64 = 1 << 32;

/// The answer header that carries the server's epoch (0: never restored).
pub const EPOCH_HEADER: &str = "x-ingia-epoch";

/// This database's epoch: 0 until it is first restored, then a new random value per restore.
pub async fn epoch(db: &Db) -> Result<u64> {
    let row = sqlx::query("SELECT epoch FROM server_epoch WHERE id = 1").fetch_optional(&db.pool).await?;
    Ok(row.map(|r| r.try_get::<i64, _>("epoch")).transpose()?.map_or(0, |e| e as u64))
}

/// Writes a consistent copy of the (SQLite) database to `to`, readable by its owner only; `to`
/// must not exist. Returns its size in bytes.
pub async fn backup(db: &Db, to: &Path) -> Result<u64> {
    if db.backend != Backend::Sqlite {
        return Err(Error::BadRequest(
            "a PostgreSQL database is backed up with pg_dump (see docs/deploy.md, Backups)".into(),
        ));
    }
    if to.exists() {
        return Err(Error::BadRequest(format!("{} exists already: choose a new file", to.display())));
    }
    let target = to.to_str().ok_or_else(|| Error::BadRequest("the backup path must be UTF-8".into()))?;
    // Created empty and private first: VACUUM INTO writes into an empty file, keeping its mode.
    create_private(to)?;
    let done = sqlx::query("VACUUM INTO $1").bind(target).execute(&db.pool).await;
    done.map_err(|e| {
        let _ = std::fs::remove_file(to);
        Error::BadRequest(format!("cannot write the backup to {}: {e}", to.display()))
    })?;
    set_private(to)?;
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub epoch: u64,
    pub events: u64,
}

/// Puts the backup `from` in place of the SQLite database at `database_url` and marks it
/// restored. The server must be stopped (a running one holds a [`ServingLock`]); the old file is
/// replaced only once the copy is complete and marked.
pub async fn restore_file(from: &Path, database_url: &str) -> Result<Restored> {
    let target = crate::db::sqlite_path(database_url)
        .ok_or_else(|| Error::BadRequest("restore FILE needs a SQLite database (sqlite://FILE)".into()))?;
    let target = PathBuf::from(target);
    let mut head = [0u8; 16];
    let ok = std::fs::File::open(from).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok();
    if !ok || &head != b"SQLite format 3\0" {
        return Err(Error::BadRequest(format!("{} is not an Ingia backup (not a SQLite file)", from.display())));
    }
    let _lock = ServingLock::exclusive(&target)?;
    let staging = sibling(&target, ".restoring");
    for f in [staging.clone(), sibling(&staging, "-wal"), sibling(&staging, "-shm")] {
        let _ = std::fs::remove_file(f);
    }
    create_private(&staging)?;
    std::fs::copy(from, &staging)
        .map_err(|e| Error::BadRequest(format!("cannot copy {} to {}: {e}", from.display(), staging.display())))?;
    set_private(&staging)?;
    let restored = {
        let db = Db::connect(&format!("sqlite://{}", staging.display())).await?;
        let done = mark_restored(&db).await;
        // Everything into the main file before it moves: the write-ahead log stays behind.
        let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await;
        db.pool.close().await;
        let restored = done?;
        checkpoint.map_err(|e| Error::Internal(format!("restore: checkpoint: {e}")))?;
        restored
    };
    if std::fs::metadata(sibling(&staging, "-wal")).is_ok_and(|m| m.len() > 0) {
        return Err(Error::Internal("restore: the copy's write-ahead log was not emptied; nothing replaced".into()));
    }
    // The old file's log and index must not be applied to the restored file.
    for f in [sibling(&target, "-wal"), sibling(&target, "-shm")] {
        let _ = std::fs::remove_file(f);
    }
    std::fs::rename(&staging, &target)
        .map_err(|e| Error::BadRequest(format!("cannot move the copy to {}: {e}", target.display())))?;
    for f in [sibling(&staging, "-wal"), sibling(&staging, "-shm")] {
        let _ = std::fs::remove_file(f);
    }
    Ok(restored)
}

/// Marks the database restored (in one transaction): sequences and revisions on by [`GAP`],
/// every ticket at the new revision, a new epoch. Also what `restore` does after `pg_restore`.
pub async fn mark_restored(db: &Db) -> Result<Restored> {
    let epoch = loop {
        let e = u64::from_le_bytes(crate::util::random_bytes::<8>()) >> 1;
        if e != 0 {
            break e as i64;
        }
    };
    let now = crate::util::now_ms() as i64;
    let _guard = db.write_guard().await;
    let mut tx = db.pool.begin().await?;
    let events = sqlx::query("UPDATE events SET last_seq = last_seq + $1, revision = revision + $1")
        .bind(GAP)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE tickets SET revision = (SELECT revision FROM events WHERE events.id = tickets.event_id)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO server_epoch (id, epoch, restored_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, restored_at = excluded.restored_at",
    )
    .bind(epoch)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    drop(_guard);
    crate::audit::record(db, None, "cli", "server.restored", &format!("epoch {epoch:016x}, {events} events")).await?;
    Ok(Restored { epoch: epoch as u64, events })
}

/// Held by each serving process on a SQLite database (a shared lock on a `.serving` file next
/// to it; several servers may share one file): a restore takes it exclusively, so it refuses to
/// replace the file under a running server.
pub struct ServingLock {
    _file: std::fs::File,
}

impl ServingLock {
    /// A serving process's (shared) lock of the SQLite file at `db_path`.
    pub fn serving(db_path: &Path) -> Result<ServingLock> {
        Self::take(db_path, true)
    }

    /// The restore's (exclusive) lock, or an error saying a server is running.
    pub fn exclusive(db_path: &Path) -> Result<ServingLock> {
        Self::take(db_path, false)
    }

    fn take(db_path: &Path, shared: bool) -> Result<ServingLock> {
        let path = sibling(db_path, ".serving");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::BadRequest(format!("cannot open {}: {e}", path.display())))?;
        let locked = if shared { file.try_lock_shared() } else { file.try_lock() };
        match locked {
            Ok(()) => Ok(ServingLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::BadRequest(if shared {
                format!("{} is being restored: start the server when that is done", db_path.display())
            } else {
                format!("a server is running on {}: stop it first", db_path.display())
            })),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::BadRequest(format!("cannot lock {}: {e}", path.display())))
            }
        }
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn create_private(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map(drop).map_err(|e| Error::BadRequest(format!("cannot create {}: {e}", path.display())))
}

fn set_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::BadRequest(format!("cannot restrict {}: {e}", path.display())))?;
    }
    Ok(())
}
