//! Delivering the outbox: a background dispatcher claims due notifications under a lease, sends
//! each through the deployment's channel, and marks it sent or schedules a retry with exponential
//! backoff. Delivery is at least once; every attempt carries the row's idempotency key, so a
//! receiver can tell a retry after a crash from a new message.
//!
//! Knows storage's outbox methods and the channels; knows nothing of items or cases.

mod channels;

pub use channels::{Channel, LogChannel, SEND_TIMEOUT, WebhookChannel, signature};

use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use tokio::sync::watch;

use crate::storage::{DeliveryOutcome, OutboxRow, Storage};

/// One message as a channel sends it.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    pub idempotency_key: String,
    pub recipient: RecipientView,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    /// 1 for the first attempt.
    pub attempt: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecipientView {
    pub id: i64,
    pub login: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubled after each further one, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Attempts before a notification is given up as `failed`.
    pub max_attempts: i64,
    /// How often the dispatcher looks for due notifications.
    pub poll: Duration,
    /// How long a claimed notification is held before another dispatcher may take it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(3600),
            max_attempts: 10,
            poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt, after `attempts` failed ones.
    pub fn delay_after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(20);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

/// Notifications claimed per round.
const BATCH: i64 = 32;

pub struct Dispatcher {
    storage: Storage,
    channel: Arc<dyn Channel>,
    policy: RetryPolicy,
}

impl Dispatcher {
    pub fn new(storage: Storage, channel: Arc<dyn Channel>, policy: RetryPolicy) -> Dispatcher {
        Dispatcher {
            storage,
            channel,
            policy,
        }
    }

    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(
            channel = self.channel.name(),
            "notification dispatcher started"
        );
        loop {
            match self.run_once().await {
                // A full batch: there may be more waiting.
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "notification dispatch failed")
                }
            }
            tokio::select! {
                _ = stop.changed() => break,
                _ = tokio::time::sleep(self.policy.poll) => {}
            }
            if *stop.borrow() {
                break;
            }
        }
    }

    /// Claims what is due and tries each once, while the lease lasts: a row whose send could
    /// outlast it is left for the next round (any host's), so that no other dispatcher takes a
    /// row this one is still sending. What came of the attempts is recorded once for the claim,
    /// and also when an attempt could not be made. Returns how many were tried.
    ///
    /// A host that stops between a send and that record sends the row again once its lease runs
    /// out: at least once, always with the same idempotency key, as after any crash.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.policy.lease)?;
        let claimed = self
            .storage
            .claim_notifications(&stamp(now), &stamp(lease_until), BATCH)
            .await?;
        let send_timeout = chrono::Duration::from_std(SEND_TIMEOUT)?;
        let mut outcomes = Vec::with_capacity(claimed.len());
        let mut stopped = Ok(());
        for row in &claimed {
            if Utc::now() + send_timeout >= lease_until {
                tracing::debug!(
                    left = claimed.len() - outcomes.len(),
                    "lease running out; the rest waits for the next round"
                );
                break;
            }
            match self.deliver(row).await {
                Ok(outcome) => outcomes.push(outcome),
                Err(err) => {
                    stopped = Err(err);
                    break;
                }
            }
        }
        let tried = outcomes.len();
        self.storage.record_deliveries(outcomes).await?;
        stopped.map(|()| tried)
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<DeliveryOutcome> {
        let recipient = self.storage.recipient(row.recipient_id).await?;
        let Some(recipient) = recipient else {
            return Ok(DeliveryOutcome::Failed {
                id: row.id,
                error: "the recipient no longer exists".into(),
                retry_at: None,
            });
        };
        let notification = Notification {
            idempotency_key: row.idempotency_key.clone(),
            recipient: RecipientView {
                id: recipient.id,
                login: recipient.login,
                name: recipient.name,
            },
            subject: row.subject.clone(),
            body: row.body.clone(),
            created_at: row.created_at.clone(),
            attempt: row.attempts,
        };
        let sent = self.channel.send(&notification).await;
        metrics::counter!(
            "yiwang_notifications_total",
            "channel" => self.channel.name(),
            "outcome" => if sent.is_ok() { "sent" } else { "failed" }
        )
        .increment(1);
        Ok(match sent {
            Ok(()) => DeliveryOutcome::Sent {
                id: row.id,
                at: stamp(Utc::now()),
            },
            Err(error) => {
                let retry = (row.attempts < self.policy.max_attempts).then(|| {
                    Utc::now()
                        + chrono::Duration::from_std(self.policy.delay_after(row.attempts))
                            .unwrap_or_default()
                });
                tracing::warn!(
                    key = %row.idempotency_key, attempt = row.attempts, %error,
                    gives_up = retry.is_none(), "notification not delivered"
                );
                DeliveryOutcome::Failed {
                    id: row.id,
                    error: error.to_string(),
                    retry_at: retry.map(stamp),
                }
            }
        })
    }
}

fn stamp(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
            ..Default::default()
        };
        let delays: Vec<u64> = (1..=6).map(|n| policy.delay_after(n).as_secs()).collect();
        assert_eq!(delays, vec![5, 10, 20, 40, 60, 60]);
        assert_eq!(policy.delay_after(i64::MAX).as_secs(), 60);
    }
}
