//! Signing in, shared by the API's login and the web's login form: the throttle, the password
//! check on the blocking pool, a new token stored; and whether the session cookie gets `Secure`.

use axum::Extension;
use axum::http::HeaderMap;
use chrono::{SecondsFormat, Utc};

use super::session::{self, CookiePolicy};
use super::{AppState, Error, Result};
use crate::auth;
use crate::auth::throttle::{self, Gate};

/// A login that succeeded: the new token (bearer and session cookie alike) and its user.
pub(crate) struct SignedIn {
    pub token: String,
    pub expires_at: String,
    pub user: crate::storage::UserRow,
}

/// Check a login and password (throttled, Argon2 on the blocking pool) and store a new token:
/// what the API's login and the web's login form share.
pub(crate) async fn sign_in(state: &AppState, login: &str, password: String) -> Result<SignedIn> {
    let login = login.trim().to_string();
    if let Gate::Locked(until) = throttle::gate(&state.storage, &login).await? {
        return Err(Error::LoginLocked {
            retry_after_secs: (until - Utc::now()).num_seconds(),
        });
    }
    let user = state.storage.user_by_login(&login).await?;
    // Argon2 runs on the blocking pool: it is meant to be slow.
    let user = tokio::task::spawn_blocking(move || match user {
        Some(user) if auth::verify_password(&password, &user.password_hash) => Some(user),
        Some(_) => None,
        None => {
            auth::verify_nothing(&password);
            None
        }
    })
    .await
    .map_err(anyhow::Error::from)?;
    let Some(user) = user else {
        // Held back a little longer with each failure, so guessing gets slow before it gets locked.
        let delay = throttle::failed(&state.storage, &login).await?;
        tokio::time::sleep(delay).await;
        return Err(Error::InvalidCredentials);
    };
    throttle::succeeded(&state.storage, &login).await?;
    let token = auth::new_token();
    let expires = Utc::now() + chrono::Duration::hours(state.token_ttl_hours);
    let expires_at = expires.to_rfc3339_opts(SecondsFormat::Millis, true);
    state
        .storage
        .insert_token(&auth::token_hash(&token), user.id, Some(&expires_at))
        .await?;
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}

/// Whether the cookie gets `Secure`: the server's policy, or a request that came over TLS.
pub(crate) fn secure_cookie(policy: Option<Extension<CookiePolicy>>, headers: &HeaderMap) -> bool {
    let policy = policy.map(|Extension(policy)| policy).unwrap_or_default();
    session::over_tls(headers, policy)
}
