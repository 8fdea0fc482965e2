//! Extractors: a handler that takes `Citizen` only runs for an authenticated citizen; the rest
//! get 401 (no or bad token) or 403 (wrong kind of account) before the handler is called.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{actor_of, token_hash};
use crate::domain::actor::{Actor, Role};
use crate::http::{AppState, Error};

/// Any authenticated user, with the token it came with.
pub struct CurrentUser {
    pub actor: Actor,
    pub token_hash: String,
}

pub struct Citizen(pub Actor);
/// Reviewers, developers and admins.
pub struct Staff(pub Actor);
pub struct Courier(pub Actor);
/// Platform admins only.
pub struct Admin(pub Actor);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Error::Unauthenticated)?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthenticated)?;
        let hash = token_hash(token);
        let user = state
            .storage
            .user_by_token(&hash)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok(CurrentUser {
            actor: actor_of(&user)?,
            token_hash: hash,
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
        Err(Error::Forbidden(why.to_string()))
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
