//! The visitor's reading preference (适老化): large text or the standard size, kept in a cookie of
//! its own so that it works for anonymous visitors too, and switched without JavaScript by a GET
//! that sets the cookie and goes back to the page. Knows the cookie and the page being drawn;
//! nothing of sessions or of who the visitor is.
//!
//! The switch only changes how pages look, so it needs no CSRF token: another site that makes a
//! browser follow it changes that browser's text size and nothing else.

use axum::Extension;
use axum::extract::{Query, Request};
use axum::http::header::{CACHE_CONTROL, HeaderValue, SET_COOKIE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::local_path;
use crate::http::secure_cookie;
use crate::http::session::{CookiePolicy, cookie_value};

/// The cookie that asks for large text: `1`, or absent for the standard size.
pub const LARGE_TEXT_COOKIE: &str = "yiwang_large_text";
/// How long the browser keeps the choice: a year.
const KEEP_SECS: i64 = 365 * 24 * 3600;

/// What the layout needs to draw the page as the visitor asked and to offer the switch.
#[derive(Clone, Debug)]
pub struct Preferences {
    pub large_text: bool,
    /// The page being drawn (a path on this site), where the switch comes back to.
    pub back_to: String,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            large_text: false,
            back_to: "/".into(),
        }
    }
}

impl Preferences {
    fn of(request: &Request) -> Preferences {
        let uri = request.uri();
        // A form's POST page is come back to by GET, without the form's body.
        let back_to = if request.method() == Method::GET {
            uri.path_and_query()
                .map_or_else(|| uri.path(), |p| p.as_str())
        } else {
            uri.path()
        };
        Preferences {
            large_text: large_text(request.headers()),
            back_to: local_path(back_to).to_string(),
        }
    }

    /// The preferences of the page being drawn; the standard ones outside a page request.
    pub fn current() -> Preferences {
        CURRENT.try_with(Preferences::clone).unwrap_or_default()
    }
}

tokio::task_local! {
    /// Set around each page request, so that every layout (also an error page's, or the login
    /// page's drawn before there is a visitor) is drawn with the visitor's text size.
    static CURRENT: Preferences;
}

/// The layer of every page route: runs the request with its [`Preferences`] at hand.
pub async fn with_preferences(request: Request, next: Next) -> Response {
    let preferences = Preferences::of(&request);
    CURRENT.scope(preferences, next.run(request)).await
}

/// Whether the request's cookies ask for large text.
fn large_text(headers: &HeaderMap) -> bool {
    cookie_value(headers, LARGE_TEXT_COOKIE) == Some("1")
}

/// `Set-Cookie` for the choice: kept a year for large text, forgotten for the standard size.
/// Not for scripts (`HttpOnly`; the site has none) and sent with top-level navigation only.
fn preference_cookie(large: bool, secure: bool) -> HeaderValue {
    let (value, max_age) = if large { ("1", KEEP_SECS) } else { ("", 0) };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LARGE_TEXT_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("the cookie is plain ASCII")
}

#[derive(Deserialize)]
pub struct TextSize {
    /// `1` for large text; anything else for the standard size.
    large: Option<String>,
    next: Option<String>,
}

/// `GET /preferences/text-size?large=1&next=/path`: sets or clears the cookie and goes back to
/// `next` if it is a path of this site, else to the home page.
pub async fn text_size(
    policy: Option<Extension<CookiePolicy>>,
    headers: HeaderMap,
    Query(query): Query<TextSize>,
) -> Response {
    let large = query.large.as_deref() == Some("1");
    let next = local_path(query.next.as_deref().unwrap_or("/"));
    let cookie = preference_cookie(large, secure_cookie(policy, &headers));
    (
        [
            (SET_COOKIE, cookie),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Redirect::to(next),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    #[test]
    fn large_text_is_read_from_its_own_cookie_among_others() {
        let mut headers = HeaderMap::new();
        assert!(!large_text(&headers));
        headers.append(COOKIE, HeaderValue::from_static("yiwang_session=abc"));
        assert!(!large_text(&headers));
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; yiwang_large_text=1 ; b=2"),
        );
        assert!(large_text(&headers));
        let mut off = HeaderMap::new();
        off.insert(COOKIE, HeaderValue::from_static("yiwang_large_text=0"));
        assert!(!large_text(&off));
    }

    #[test]
    fn the_cookie_is_kept_a_year_on_every_path_or_forgotten() {
        assert_eq!(
            preference_cookie(true, false),
            "yiwang_large_text=1; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            preference_cookie(false, true),
            "yiwang_large_text=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
