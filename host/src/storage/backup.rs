//! Backups of the SQLite database, taken while the server runs, and the check of a backup file
//! before it is restored. The database holds everything a deployment cannot rebuild: cases,
//! certificates, the audit log, the item versions' component bytes (`components`) and the
//! applicants' materials (`attachment_blobs`); the data directory's compiled artifacts are a
//! cache, built again from those bytes. PostgreSQL deployments use `pg_dump`
//! (docs/operations.md).

use std::path::Path;

use anyhow::{Context, bail};
use sqlx::Row;

use super::{Backend, Storage, looking_pool};

/// What a backup file holds, as counted in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub cases: i64,
    pub components: i64,
    pub attachments: i64,
    pub audit_entries: i64,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases, {} component versions, {} attachments, {} audit entries",
            self.cases, self.components, self.attachments, self.audit_entries
        )
    }
}

impl Storage {
    /// A consistent copy of the whole database into the new file `to`, while others keep
    /// writing: `VACUUM INTO` copies one read snapshot (WAL mode lets writers go on), so every
    /// change committed before the backup began is in it, and no half of a later one.
    pub async fn backup_to(&self, to: &Path) -> anyhow::Result<BackupSummary> {
        if self.backend != Backend::Sqlite {
            bail!(
                "this deployment's database is PostgreSQL: back it up with pg_dump (docs/operations.md)"
            );
        }
        if to.exists() {
            bail!(
                "{} already exists; a backup is written to a new file",
                to.display()
            );
        }
        let target = to
            .to_str()
            .with_context(|| format!("{} is not UTF-8", to.display()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&mut *self.reader().await?)
            .await
            .with_context(|| format!("writing the backup to {}", to.display()))?;
        check_backup(to).await
    }
}

/// Opens `file` read-only as a Yiwang SQLite database: it must pass SQLite's integrity check and
/// have been migrated; returns what it holds.
pub async fn check_backup(file: &Path) -> anyhow::Result<BackupSummary> {
    if !file.is_file() {
        bail!("no backup file at {}", file.display());
    }
    let url = format!("sqlite://{}?mode=ro", file.display());
    let pool = looking_pool(&url)
        .await
        .with_context(|| format!("opening {} as an SQLite database", file.display()))?;
    let checked = summarize(&pool).await;
    pool.close().await;
    checked.with_context(|| format!("{} is not a usable Yiwang backup", file.display()))
}

async fn summarize(pool: &sqlx::AnyPool) -> anyhow::Result<BackupSummary> {
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    if integrity != "ok" {
        bail!("integrity check: {integrity}");
    }
    let count = |table: &'static str| async move {
        let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .with_context(|| format!("no `{table}` table"))?;
        anyhow::Ok(row.try_get::<i64, _>(0)?)
    };
    Ok(BackupSummary {
        cases: count("cases").await?,
        components: count("components").await?,
        attachments: count("attachments").await?,
        audit_entries: count("audit_log").await?,
    })
}
