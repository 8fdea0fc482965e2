//! Extractors: a handler that takes `Citizen` only runs for an authenticated citizen; the rest
//! get 401 (no or bad token) or 403 (wrong kind of account) before the handler is called.
//!
//! A request authenticates with `Authorization: Bearer <token>` (the API, the CLI) or, without
//! that header, with the session cookie (the web). A change made with the cookie must also carry
//! the session's CSRF token, or it is refused with 403 `csrf_failed` before the handler runs.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::session::{self, CSRF_HEADER, CsrfField};
use super::{AppState, Error};
use crate::auth::{actor_of, token_hash};
use crate::model::actor::{Actor, Role};

/// How a request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer …`: a cross-site request cannot send it, so it needs no CSRF token.
    Bearer,
    /// The session cookie, which the browser sends with any request.
    SessionCookie,
}

/// Any authenticated user, with the token it came with.
pub struct CurrentUser {
    pub actor: Actor,
    pub token_hash: String,
    pub credential: Credential,
}

pub struct Citizen(pub Actor);
/// Reviewers, developers and admins.
pub struct Staff(pub Actor);
pub struct Courier(pub Actor);
/// Platform admins only.
pub struct Admin(pub Actor);

/// The token the request carries and how: the bearer header if there is one (a bad one is not
/// made good by a cookie), else the session cookie.
fn credential(headers: &HeaderMap) -> Result<(&str, Credential), Error> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return session::session_token(headers)
            .map(|token| (token, Credential::SessionCookie))
            .ok_or(Error::Unauthenticated);
    };
    header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|token| (token, Credential::Bearer))
        .ok_or(Error::Unauthenticated)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (token, credential) = credential(&parts.headers)?;
        let hash = token_hash(token);
        let user = state
            .storage
            .user_by_token(&hash)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if credential == Credential::SessionCookie && !parts.method.is_safe() {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .or_else(|| parts.extensions.get::<CsrfField>().map(|f| f.0.as_str()));
            if !presented.is_some_and(|p| session::csrf_matches(token, p)) {
                tracing::warn!(method = %parts.method, path = parts.uri.path(), "change by session cookie without its CSRF token refused");
                return Err(Error::CsrfFailed);
            }
        }
        Ok(CurrentUser {
            actor: actor_of(&user)?,
            token_hash: hash,
            credential,
        })
    }
}

/// A kind of account a handler may require, as an extractor (the API) or through
/// [`Gate::admit`] on a page's session (the web): one rule, one refusal, for both.
pub trait Gate: Sized {
    /// The roles let in.
    const ROLES: &'static [Role];
    /// What the 403 says to anyone else.
    const REFUSAL: &'static str;

    fn wrap(actor: Actor) -> Self;

    /// `actor`, if its role is let in; else the 403 with [`Gate::REFUSAL`].
    fn admit(actor: &Actor) -> Result<&Actor, Error> {
        if Self::ROLES.contains(&actor.role) {
            Ok(actor)
        } else {
            Err(Error::Forbidden(Self::REFUSAL.to_string()))
        }
    }
}

/// Each gate: its roles, its refusal, and the extractor that applies them.
macro_rules! gates {
    ($($gate:ident: [$($role:ident),+], $refusal:literal;)+) => {$(
        impl Gate for $gate {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
            const REFUSAL: &'static str = $refusal;

            fn wrap(actor: Actor) -> Self {
                $gate(actor)
            }
        }

        impl FromRequestParts<AppState> for $gate {
            type Rejection = Error;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let user = CurrentUser::from_request_parts(parts, state).await?;
                Self::admit(&user.actor)?;
                Ok(Self::wrap(user.actor))
            }
        }
    )+};
}

gates! {
    Citizen: [Citizen], "此功能仅限群众或企业账号";
    Staff: [Reviewer, Developer, Admin], "此功能仅限部门工作人员";
    Courier: [Courier], "此接口仅限寄递企业";
    Admin: [Admin], "此功能仅限平台管理员";
}
