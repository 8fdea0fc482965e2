//! The login form and logging out. The login is the API's (`http::sign_in`: throttling, Argon2,
//! a stored token); the page sets that token as the session cookie. Before there is a session, the
//! form's CSRF token comes from a login cookie of its own ([`session::LOGIN_COOKIE`]).

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::header::{HeaderValue, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{Layout, PageResult, Visitor, local_path, render};
use crate::auth::new_token;
use crate::http::session::{self, CookiePolicy, CsrfField};
use crate::http::{AppState, Error, secure_cookie, sign_in};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    /// The form's CSRF token, from the login cookie's nonce.
    csrf: String,
    login: String,
    next: String,
    error: Option<String>,
}

/// The login form's nonce: the browser's own while its cookie lasts (so two open tabs both
/// work), else a new one, with the `Set-Cookie` that gives it to the browser.
fn nonce(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    match session::login_nonce(headers) {
        Some(nonce) => (nonce.to_string(), None),
        None => {
            let nonce = new_token();
            let cookie = session::login_cookie(&nonce, secure);
            (nonce, Some(cookie))
        }
    }
}

/// The login page for `nonce`, with the cookie to set if the nonce is new.
fn login_page(
    layout: Layout,
    status: StatusCode,
    (nonce, cookie): (String, Option<HeaderValue>),
    login: String,
    next: String,
    error: Option<String>,
) -> Response {
    let page = LoginPage {
        layout,
        csrf: session::csrf_token(&nonce),
        login,
        next,
        error,
    };
    let mut response = render(status, &page);
    if let Some(cookie) = cookie {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(
    visitor: Visitor,
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/")).to_string();
    login_page(
        visitor.layout("登录"),
        StatusCode::OK,
        nonce(&headers, secure_cookie(policy, &headers)),
        String::new(),
        next,
        None,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Sign in: the form's token must be the one of the browser's login cookie (else the form comes
/// back, with a fresh cookie, and nobody is signed in); then the API's sign-in.
pub async fn login(
    State(state): State<AppState>,
    policy: Option<Extension<CookiePolicy>>,
    field: Option<Extension<CsrfField>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let next = local_path(form.next.as_deref().unwrap_or("/")).to_string();
    let secure = secure_cookie(policy, &headers);
    let presented = field.map(|Extension(CsrfField(token))| token);
    let nonce = session::login_nonce(&headers).map(str::to_string);
    let genuine = match (&nonce, &presented) {
        (Some(nonce), Some(presented)) => session::csrf_matches(nonce, presented),
        _ => false,
    };
    if !genuine {
        let fresh = new_token();
        let cookie = session::login_cookie(&fresh, secure);
        return Ok(login_page(
            Layout::anonymous("登录"),
            StatusCode::FORBIDDEN,
            (fresh, Some(cookie)),
            form.login,
            next,
            Some("登录页面已过期，请重新输入密码后登录。".into()),
        ));
    }
    let nonce = (nonce.unwrap_or_default(), None);
    match sign_in(&state, &form.login, form.password.clone()).await {
        Ok(signed_in) => {
            let cookie = session::session_cookie(
                &signed_in.token,
                state.token_ttl_hours.saturating_mul(3600),
                secure,
            );
            Ok(([(SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(error @ Error::InvalidCredentials) => Ok(login_page(
            Layout::anonymous("登录"),
            StatusCode::OK,
            nonce,
            form.login,
            next,
            Some(error.to_string()),
        )),
        Err(error @ Error::LoginLocked { .. }) => Ok(login_page(
            Layout::anonymous("登录"),
            StatusCode::TOO_MANY_REQUESTS,
            nonce,
            form.login,
            next,
            Some(error.to_string()),
        )),
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
