//! Web sessions: the session cookie and the CSRF token that goes with it.
//!
//! The cookie carries the login's own token (the one the JSON body returns), so a session is a
//! row of `tokens` like any other: hashed, expiring, revoked by logout. A browser sends the cookie
//! with every request, also with one another site made it send; a change (anything but GET, HEAD,
//! OPTIONS) that comes with the cookie alone must therefore also carry the session's CSRF token.
//! That token is HMAC-SHA256 keyed by the session token: only someone who holds the token can
//! compute it, the server recomputes it from the cookie (no secret to keep, the same on every
//! host), and it does not give the token away. Knows HTTP headers; knows nothing of storage.

use axum::http::HeaderMap;
use axum::http::header::{COOKIE, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "yiwang_session";
/// The login form's cookie: a random value the form's CSRF token is computed from, so that
/// another site cannot sign a visitor in to an account of its choosing (login CSRF) while
/// there is no session yet.
pub const LOGIN_COOKIE: &str = "yiwang_login";
/// How long a login form stays usable, in seconds.
const LOGIN_FORM_SECS: i64 = 3600;
/// The header a cookie-authenticated change carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field an HTML form carries it in; see [`CsrfField`].
pub const CSRF_FORM_FIELD: &str = "_csrf";

/// Distinguishes the CSRF token from any other use of the session token as a key.
const CSRF_LABEL: &[u8] = b"yiwang csrf v1";

/// Whether session cookies get `Secure`, whatever the request says: for deployments whose TLS
/// proxy does not send `X-Forwarded-Proto`. Put in the router's extensions by the server.
#[derive(Clone, Copy, Debug, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// The `_csrf` field of an HTML form, for the forms' body layer to put in the request's
/// extensions after reading the form: the extractor accepts it in place of the header.
#[derive(Clone, Debug)]
pub struct CsrfField(pub String);

fn csrf_mac(token: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(CSRF_LABEL);
    mac
}

/// The CSRF token of the session `token`: 32 bytes, URL-safe base64.
pub fn csrf_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(csrf_mac(token).finalize().into_bytes())
}

/// Is `presented` the CSRF token of the session `token`? Compared in constant time.
pub fn csrf_matches(token: &str, presented: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(presented.trim())
        .is_ok_and(|tag| csrf_mac(token).verify_slice(&tag).is_ok())
}

/// The session token of the request's cookies, if it has one.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The login form's value of the request's cookies, if it has one.
pub fn login_nonce(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, LOGIN_COOKIE)
}

/// The value of the request's cookie named `cookie`, if it has a non-empty one.
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, cookie: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a login form's `nonce` (a [`crate::auth::new_token`]): sent back only to the
/// login page (`Path=/login`), never with another site's requests (`SameSite=Strict`).
pub fn login_cookie(nonce: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={nonce}; Path=/login; Max-Age={LOGIN_FORM_SECS}; HttpOnly; \
         SameSite=Strict{secure}"
    ))
    .expect("a nonce is URL-safe base64")
}

/// Did the request reach the server over TLS, as far as it can tell: the policy says so, or the
/// TLS proxy in front said `X-Forwarded-Proto: https` (the first proxy's word counts). A client
/// that sends the header itself only makes its own cookie stricter.
pub fn over_tls(headers: &HeaderMap, policy: CookiePolicy) -> bool {
    policy.secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for a new session: the token, for `max_age_secs`, out of scripts' reach
/// (`HttpOnly`), not sent with other sites' subrequests and form posts (`SameSite=Lax`).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    cookie(token, max_age_secs.max(0), secure)
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn cleared_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a token is URL-safe base64")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::new_token;

    #[test]
    fn the_csrf_token_belongs_to_its_session_only() {
        let (a, b) = (new_token(), new_token());
        let csrf = csrf_token(&a);
        assert_eq!(csrf.len(), 43);
        assert_ne!(csrf, a);
        assert!(csrf_matches(&a, &csrf));
        assert!(!csrf_matches(&b, &csrf));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert!(!csrf_matches(&a, "not base64!"));
        assert!(!csrf_matches(&a, &csrf[..40]));
    }

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_token(&headers), None);
        headers.append(COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; yiwang_session=abc-DEF_1 ; b=2"),
        );
        assert_eq!(session_token(&headers), Some("abc-DEF_1"));
        let mut empty = HeaderMap::new();
        empty.insert(COOKIE, HeaderValue::from_static("yiwang_session="));
        assert_eq!(session_token(&empty), None);
    }

    #[test]
    fn the_login_nonce_is_its_own_cookie_and_keyed_like_a_session() {
        let nonce = new_token();
        let cookie = login_cookie(&nonce, false);
        let text = cookie.to_str().unwrap();
        assert!(text.starts_with(&format!("yiwang_login={nonce}; Path=/login;")));
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict"));
        assert!(!text.contains("Secure"));
        assert!(
            login_cookie(&nonce, true)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("yiwang_session=s; yiwang_login={nonce}")).unwrap(),
        );
        assert_eq!(login_nonce(&headers), Some(nonce.as_str()));
        assert_eq!(session_token(&headers), Some("s"));
        assert!(csrf_matches(&nonce, &csrf_token(&nonce)));
    }

    #[test]
    fn secure_when_the_policy_or_the_proxy_says_tls() {
        let mut headers = HeaderMap::new();
        let plain = CookiePolicy::default();
        assert!(!over_tls(&headers, plain));
        assert!(over_tls(&headers, CookiePolicy { secure: true }));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS, http"));
        assert!(over_tls(&headers, plain));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert!(!over_tls(&headers, plain));
    }

    #[test]
    fn cookies_are_http_only_same_site_lax_on_every_path() {
        assert_eq!(
            session_cookie("tok", 3600, false),
            "yiwang_session=tok; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            cleared_cookie(true),
            "yiwang_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
