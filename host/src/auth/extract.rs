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
use super::{actor_of, token_hash};
use crate::http::{AppState, Error};
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

async fn with_role(
    parts: &mut Parts,
    state: &AppState,
    allowed: &[Role],
    why: &str,
) -> Result<Actor, Error> {
    let user = CurrentUser::from_request_parts(parts, state).await?;
    if allowed.contains(&user.actor.role) {
        Ok(user.actor)
    } else {
        Err(Error::Forbidden(why.to_string()).into())
    }
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        with_role(parts, state, &[Role::Citizen], "此功能仅限群众或企业账号")
            .await
            .map(Citizen)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        with_role(
            parts,
            state,
            &[Role::Reviewer, Role::Developer, Role::Admin],
            "此功能仅限部门工作人员",
        )
        .await
        .map(Staff)
    }
}

impl FromRequestParts<AppState> for Courier {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        with_role(parts, state, &[Role::Courier], "此接口仅限寄递企业")
            .await
            .map(Courier)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        with_role(parts, state, &[Role::Admin], "此功能仅限平台管理员")
            .await
            .map(Admin)
    }
}
