//! Looking at a database without changing it, for `yiwang doctor`: which migrations it has
//! against the ones this build carries, and the newest time written into it (a clock that now
//! reads earlier than that went backwards).

use anyhow::Context;

use super::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, looking_pool};

/// What `inspect` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Migrations this build has that the database has not applied yet (`serve` applies them).
    pub pending: Vec<i64>,
    /// Migrations the database has that this build does not know: it was used by a newer build.
    pub unknown: Vec<i64>,
    /// The newest instant written to the audit log or a case, RFC 3339 UTC.
    pub newest_write: Option<String>,
}

/// Connects to `url` (an SQLite URL should be read-only, `?mode=ro`) and reads, never writes.
pub async fn inspect(url: &str) -> anyhow::Result<Inspection> {
    let migrator = if url.starts_with("sqlite:") {
        &SQLITE_MIGRATIONS
    } else {
        &POSTGRES_MIGRATIONS
    };
    let pool = looking_pool(url)
        .await
        .context("connecting to the database")?;
    // No migrations table (a database nothing was applied to yet) reads as none applied.
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    let newest_write = if applied.is_empty() {
        None
    } else {
        sqlx::query_scalar(
            "SELECT MAX(at) FROM (SELECT MAX(at) AS at FROM audit_log
                                  UNION ALL SELECT MAX(updated_at) FROM cases) AS writes",
        )
        .fetch_one(&pool)
        .await
        .context("reading the newest write")?
    };
    pool.close().await;
    Ok(Inspection {
        pending: known
            .iter()
            .filter(|v| !applied.contains(v))
            .copied()
            .collect(),
        unknown: applied
            .iter()
            .filter(|v| !known.contains(v))
            .copied()
            .collect(),
        newest_write,
    })
}
