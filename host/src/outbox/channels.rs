//! The ways a notification leaves the platform: the log (for development and for deployments
//! without a gateway) and a signed webhook to the city's SMS / app-message gateway.

use futures::future::BoxFuture;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Notification;

pub trait Channel: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Delivers one notification; `Err` carries a short reason for the retry log.
    fn send<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<(), String>>;
}

/// Writes each notification's key, recipient and subject to the log (never the body: it may
/// hold personal details).
pub struct LogChannel;

impl Channel for LogChannel {
    fn name(&self) -> &'static str {
        "log"
    }

    fn send<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            tracing::info!(key = %n.idempotency_key, recipient = n.recipient.id, subject = %n.subject, "notification");
            Ok(())
        })
    }
}

/// POSTs the notification as JSON. Headers: `Idempotency-Key`, and `Yiwang-Signature:
/// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the shared secret>` so the gateway
/// can check the sender and refuse replays.
pub struct WebhookChannel {
    client: reqwest::Client,
    url: String,
    secret: String,
}

/// The longest one send may take; the dispatcher stops a batch before its lease would run out.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl WebhookChannel {
    pub fn new(url: String, secret: String) -> anyhow::Result<WebhookChannel> {
        if secret.len() < 16 {
            anyhow::bail!("the webhook secret must have at least 16 characters");
        }
        let client = reqwest::Client::builder().timeout(SEND_TIMEOUT).build()?;
        Ok(WebhookChannel {
            client,
            url,
            secret,
        })
    }
}

/// The `v1` signature of a webhook body sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

impl Channel for WebhookChannel {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let body = serde_json::to_vec(n).map_err(|e| e.to_string())?;
            let timestamp = chrono::Utc::now().timestamp();
            let response = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("idempotency-key", &n.idempotency_key)
                .header(
                    "yiwang-signature",
                    format!(
                        "t={timestamp},v1={}",
                        signature(&self.secret, timestamp, &body)
                    ),
                )
                .body(body)
                .send()
                .await
                // Without the URL: reqwest's message names it, and it may carry credentials.
                .map_err(|e| format!("request failed: {}", e.without_url()))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("gateway answered HTTP {}", status.as_u16()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_depend_on_secret_time_and_body() {
        let a = signature("0123456789abcdef", 1, b"{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, signature("0123456789abcdeX", 1, b"{}"));
        assert_ne!(a, signature("0123456789abcdef", 2, b"{}"));
        assert_ne!(a, signature("0123456789abcdef", 1, b"{ }"));
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(WebhookChannel::new("http://127.0.0.1:9/".into(), "short".into()).is_err());
    }
}
