//! What every page shares: the layout's header (who is signed in, with the CSRF token its forms
//! carry, and the large-text switch), the extractors that find the visitor, the error pages and
//! the stylesheet.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::preferences::Preferences;
use crate::domain::error::DomainError;
use crate::http::CurrentUser;
use crate::http::session;
use crate::http::{AppState, Error, Gate};
use crate::model::actor::{Actor, Role};

/// The one stylesheet, compiled in: no CDN, nothing to deploy beside the binary.
const STYLESHEET: &str = include_str!("../../../assets/site.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// The signed-in visitor.
pub struct Session {
    pub actor: Actor,
    pub token_hash: String,
    /// The CSRF token of the session cookie (empty for a bearer token, which needs none).
    pub csrf: String,
}

impl Session {
    fn from_user(user: CurrentUser, parts: &Parts) -> Session {
        let csrf = session::session_token(&parts.headers)
            .map(session::csrf_token)
            .unwrap_or_default();
        Session {
            actor: user.actor,
            token_hash: user.token_hash,
            csrf,
        }
    }

    /// The visitor's actor if the API's gate `G` (`Citizen`, `Staff`, `Admin` …) lets it in,
    /// else the 403 page with the gate's refusal.
    pub fn require<G: Gate>(&self) -> PageResult<&Actor> {
        Ok(G::admit(&self.actor)?)
    }

    pub fn layout(&self, title: impl Into<String>) -> Layout {
        Layout::new(
            title,
            Some(UserBar {
                name: self.actor.name.clone(),
                role: self.actor.role,
                csrf: self.csrf.clone(),
            }),
        )
    }
}

/// A visitor who may or may not be signed in (public pages).
pub struct Visitor(pub Option<Session>);

impl Visitor {
    pub fn layout(&self, title: impl Into<String>) -> Layout {
        match &self.0 {
            Some(session) => session.layout(title),
            None => Layout::anonymous(title),
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) => Ok(Visitor(Some(Session::from_user(user, parts)))),
            Err(Error::Unauthenticated) => Ok(Visitor(None)),
            Err(other) => Err(other.into()),
        }
    }
}

/// A page that needs a login: an anonymous visitor is sent to `/login?next=…` (back to this page
/// afterwards when it is one to GET).
impl FromRequestParts<AppState> for Session {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) => Ok(Session::from_user(user, parts)),
            Err(Error::Unauthenticated) => {
                let next = if parts.method == Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_else(|| "/".into())
                } else {
                    "/".into()
                };
                Err(PageError::Login(next))
            }
            Err(other) => Err(other.into()),
        }
    }
}

/// What the layout shows of the visitor.
pub struct UserBar {
    pub name: String,
    pub role: Role,
    pub csrf: String,
}

impl UserBar {
    pub fn is_citizen(&self) -> bool {
        self.role == Role::Citizen
    }
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Reviewer | Role::Developer | Role::Admin)
    }
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The page's title, the header's user, and the text size the visitor asked for (with the page
/// the large-text switch comes back to).
pub struct Layout {
    pub title: String,
    pub user: Option<UserBar>,
    pub prefs: Preferences,
}

impl Layout {
    fn new(title: impl Into<String>, user: Option<UserBar>) -> Layout {
        Layout {
            title: title.into(),
            user,
            prefs: Preferences::current(),
        }
    }

    pub fn anonymous(title: impl Into<String>) -> Layout {
        Layout::new(title, None)
    }
}

/// A page rendered with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        // Pages show personal data: no shared cache keeps them, nor the browser's after logout.
        Ok(html) => (status, [(CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering a page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

pub type PageResult<T, E = PageError> = std::result::Result<T, E>;

/// Why a page cannot be shown: a login is needed, or the API's error, shown as a page.
#[derive(Debug)]
pub enum PageError {
    Login(String),
    Http(Error),
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        PageError::Http(error)
    }
}

impl From<DomainError> for PageError {
    fn from(error: DomainError) -> Self {
        PageError::Http(error.into())
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        PageError::Http(error.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login(next) => login_redirect(&next),
            PageError::Http(error) => {
                // The API's own mapping decides the status (and logs internal causes).
                let message = error.to_string();
                let status = error.into_response().status();
                let (heading, message) = match status {
                    StatusCode::NOT_FOUND => {
                        ("页面不存在", "您要找的内容不存在或您无权查看。".to_string())
                    }
                    StatusCode::FORBIDDEN => ("无权访问", message),
                    s if s.is_server_error() => (
                        "暂时无法办理",
                        "服务器暂时无法处理此请求，请稍后再试。".to_string(),
                    ),
                    _ => ("请求未能完成", message),
                };
                let page = ErrorPage {
                    layout: Layout::anonymous(heading),
                    status: status.as_u16(),
                    heading,
                    message,
                };
                render(status, &page)
            }
        }
    }
}

/// 303 to the login page, which comes back to `next`.
pub fn login_redirect(next: &str) -> Response {
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    Redirect::to(&format!("/login?{query}")).into_response()
}

/// `next` if it is a path on this site, else the home page: a login must not send the visitor to
/// another site.
pub fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if local { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_followed_after_login() {
        assert_eq!(local_path("/items/x/apply?a=1"), "/items/x/apply?a=1");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
    }
}
