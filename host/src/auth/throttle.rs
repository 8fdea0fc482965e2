//! Slowing down and locking out password guessing, per login name (known or not, so the answer
//! does not tell which logins exist). The counts live in the database, so every host behind a
//! load balancer sees the same ones.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::storage::Storage;

/// Failures answered at full speed.
pub const FREE_FAILURES: i64 = 3;
/// The failure that locks the login.
pub const LOCK_AFTER: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;

/// What a login attempt may do.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Locked until then; not even the right password gets in.
    Locked(DateTime<Utc>),
}

pub async fn gate(storage: &Storage, login: &str) -> anyhow::Result<Gate> {
    let Some((_, Some(until))) = storage.login_attempts(login).await? else {
        return Ok(Gate::Open);
    };
    match DateTime::parse_from_rfc3339(&until) {
        Ok(until) if until > Utc::now() => Ok(Gate::Locked(until.with_timezone(&Utc))),
        _ => Ok(Gate::Open),
    }
}

/// Counts a failure; returns how long to hold the answer back, and locks the login on the
/// `LOCK_AFTER`th failure.
pub async fn failed(storage: &Storage, login: &str) -> anyhow::Result<Duration> {
    let failures = storage.record_login_failure(login).await?;
    if failures >= LOCK_AFTER {
        let until = Utc::now() + chrono::Duration::minutes(LOCK_MINUTES);
        storage
            .lock_login(login, &until.to_rfc3339_opts(SecondsFormat::Millis, true))
            .await?;
        tracing::warn!(failures, "login locked after repeated failures");
    }
    Ok(delay(failures))
}

pub async fn succeeded(storage: &Storage, login: &str) -> anyhow::Result<()> {
    storage.clear_login_failures(login).await
}

/// One second more for each failure past the free ones, at most four.
pub fn delay(failures: i64) -> Duration {
    Duration::from_secs(failures.saturating_sub(FREE_FAILURES).clamp(0, 4) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failures_are_free_then_each_costs_a_second_more() {
        let delays: Vec<u64> = (1..=9).map(|n| delay(n).as_secs()).collect();
        assert_eq!(delays, vec![0, 0, 0, 1, 2, 3, 4, 4, 4]);
    }

    #[tokio::test]
    async fn the_fifth_failure_locks_and_a_success_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let storage = Storage::connect(&url).await.unwrap();
        for _ in 1..LOCK_AFTER {
            failed(&storage, "someone").await.unwrap();
            assert_eq!(gate(&storage, "someone").await.unwrap(), Gate::Open);
        }
        failed(&storage, "someone").await.unwrap();
        assert!(matches!(
            gate(&storage, "someone").await.unwrap(),
            Gate::Locked(_)
        ));
        assert_eq!(gate(&storage, "someone-else").await.unwrap(), Gate::Open);
        succeeded(&storage, "someone").await.unwrap();
        assert_eq!(gate(&storage, "someone").await.unwrap(), Gate::Open);
    }
}
