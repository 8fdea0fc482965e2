//! The login form and logging out. The login is the API's (`http::sign_in`: throttling, Argon2,
//! a stored token); the page sets that token as the session cookie.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{Layout, PageResult, Visitor, local_path, render};
use crate::auth::session::{self, CookiePolicy};
use crate::http::{AppState, Error, secure_cookie, sign_in};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(visitor: Visitor, Query(query): Query<Next>) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/")).to_string();
    let page = LoginPage {
        layout: visitor.layout("登录"),
        login: String::new(),
        next,
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let next = local_path(form.next.as_deref().unwrap_or("/")).to_string();
    let again = |status: StatusCode, error: String| {
        let page = LoginPage {
            layout: Layout::anonymous("登录"),
            login: form.login.clone(),
            next: next.clone(),
            error: Some(error),
        };
        render(status, &page)
    };
    match sign_in(&state, &form.login, form.password.clone()).await {
        Ok(signed_in) => {
            let cookie = session::session_cookie(
                &signed_in.token,
                state.token_ttl_hours.saturating_mul(3600),
                secure_cookie(policy, &headers),
            );
            Ok(([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(error @ Error::InvalidCredentials) => Ok(again(StatusCode::OK, error.to_string())),
        Err(error @ Error::LoginLocked { .. }) => {
            Ok(again(StatusCode::TOO_MANY_REQUESTS, error.to_string()))
        }
        Err(other) => Err(other.into()),
    }
}

/// Revoke the session's token and clear the cookie; an anonymous visitor just goes home.
pub async fn logout(
    State(state): State<AppState>,
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    visitor: Visitor,
) -> PageResult<Response> {
    let cleared = session::cleared_cookie(secure_cookie(policy, &headers));
    if let Some(session) = visitor.0 {
        state.storage.revoke_token(&session.token_hash).await?;
    }
    Ok(([(SET_COOKIE, cleared)], Redirect::to("/")).into_response())
}
