//! Logging in and out. A login answers a bearer token for API clients and sets the same token as
//! the session cookie for the web, with the CSRF token the web's changes must carry.

use axum::Extension;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::routing::post;
use serde::{Deserialize, Serialize};

use crate::http::session::{self, CookiePolicy};
use crate::http::{AppState, Json, Result, Routes, SignedIn};
use crate::http::{CurrentUser, secure_cookie, sign_in};

pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
}

/// A response's `Set-Cookie` header.
type SetCookie = [(HeaderName, HeaderValue); 1];

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    login: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    token: String,
    /// What a change made with the session cookie sends in `X-CSRF-Token` (or a form's `_csrf`).
    csrf_token: String,
    expires_at: String,
    user: UserView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    id: i64,
    login: String,
    name: String,
    role: String,
    department: Option<String>,
}

/// Exchange a login and password for a bearer token, also set as the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse, headers(("Set-Cookie" = String,
            description = "yiwang_session: the token, HttpOnly, SameSite=Lax, Secure over TLS"))),
        (status = 401, description = "invalid_credentials"),
        (status = 429, description = "login_locked: too many failures; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<(SetCookie, Json<LoginResponse>)> {
    let SignedIn {
        token,
        expires_at,
        user,
    } = sign_in(&state, &request.login, request.password).await?;
    let cookie = session::session_cookie(
        &token,
        state.token_ttl_hours.saturating_mul(3600),
        secure_cookie(policy, &headers),
    );
    let csrf_token = session::csrf_token(&token);
    let body = Json(LoginResponse {
        token,
        csrf_token,
        expires_at,
        user: UserView {
            id: user.id,
            login: user.login,
            name: user.name,
            role: user.role,
            department: user.department,
        },
    });
    Ok(([(SET_COOKIE, cookie)], body))
}

/// Revoke the token this request carries, the session cookie's too (it is the same token), and
/// clear the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401), (status = 403, description = "csrf_failed")))]
async fn logout(
    State(state): State<AppState>,
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    user: CurrentUser,
) -> Result<(SetCookie, StatusCode)> {
    state.storage.revoke_token(&user.token_hash).await?;
    let cleared = session::cleared_cookie(secure_cookie(policy, &headers));
    Ok(([(SET_COOKIE, cleared)], StatusCode::NO_CONTENT))
}
