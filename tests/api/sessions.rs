//! Web sessions: the login's token as an HttpOnly, SameSite=Lax cookie, and CSRF protection for
//! every change made with that cookie alone.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    CITIZEN, PASSWORD, TOKEN_TTL_HOURS, TestApp, VEHICLE_ITEM, eligible_form, error_body,
    json_body, spawn_app,
};

/// What a web login gets.
struct Session {
    token: String,
    csrf: String,
    /// The `Set-Cookie` header, as sent.
    set_cookie: String,
}

impl Session {
    /// The `Cookie` header a browser sends back.
    fn cookie(&self) -> String {
        format!("theme=light; yiwang_session={}", self.token)
    }
}

async fn web_login(app: &TestApp, forwarded_proto: Option<&str>) -> Session {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": CITIZEN, "password": PASSWORD }));
    if let Some(proto) = forwarded_proto {
        request = request.header("X-Forwarded-Proto", proto);
    }
    let response = request.send().await.expect("logging in");
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .expect("the login sets a cookie")
        .to_str()
        .expect("an ASCII cookie")
        .to_string();
    let body = json_body(response, StatusCode::OK).await;
    Session {
        token: body["token"].as_str().expect("a token").to_string(),
        csrf: body["csrf_token"]
            .as_str()
            .expect("a CSRF token")
            .to_string(),
        set_cookie,
    }
}

/// A request authenticated by the cookie only, with the CSRF token if given.
async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header(COOKIE, cookie);
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sending the request")
}

/// `GET /api/v1/me/applications` with the cookie only.
async fn my_applications(app: &TestApp, cookie: &str) -> Response {
    with_cookie(
        app,
        Method::GET,
        "/api/v1/me/applications",
        cookie,
        None,
        None,
    )
    .await
}

/// `POST /api/v1/auth/logout` with the cookie only, and the CSRF token if given.
async fn logout_with_cookie(app: &TestApp, session: &Session, csrf: Option<&str>) -> Response {
    with_cookie(
        app,
        Method::POST,
        "/api/v1/auth/logout",
        &session.cookie(),
        csrf,
        None,
    )
    .await
}

/// The attributes of a `Set-Cookie` header after its `name=value`, lower-cased.
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// `revoked_at` of each token of the user, oldest first.
async fn tokens_revoked_at(app: &TestApp, login: &str) -> Vec<Option<String>> {
    sqlx::query_scalar("SELECT revoked_at FROM tokens WHERE user_id = $1 ORDER BY created_at")
        .bind(app.user_id(login).await)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_login_sets_the_token_as_an_http_only_same_site_cookie_and_answers_a_csrf_token() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let plain = web_login(&app, None).await;
    let behind_tls = web_login(&app, Some("https")).await;

    // Assert: the cookie carries the login's token, out of scripts' reach, for as long as it lives …
    assert!(
        plain
            .set_cookie
            .starts_with(&format!("yiwang_session={};", plain.token)),
        "{}",
        plain.set_cookie
    );
    let mut flags = attributes(&plain.set_cookie);
    flags.sort();
    let max_age = format!("max-age={}", TOKEN_TTL_HOURS * 3600);
    assert_eq!(
        flags,
        ["httponly", max_age.as_str(), "path=/", "samesite=lax"],
        "{}",
        plain.set_cookie
    );
    // … and `Secure` when the request came over TLS.
    assert!(
        attributes(&behind_tls.set_cookie).contains(&"secure".to_string()),
        "{}",
        behind_tls.set_cookie
    );
    // The CSRF token is the session's own, and not the token itself.
    assert_eq!(plain.csrf.len(), 43);
    assert_ne!(plain.csrf, plain.token);
    assert_ne!(plain.csrf, behind_tls.csrf);
    assert_eq!(tokens_revoked_at(&app, CITIZEN).await, [None, None]);
}

#[tokio::test]
async fn the_session_cookie_alone_authenticates_a_get() {
    // Arrange
    let app = spawn_app().await;
    let session = web_login(&app, None).await;
    let number = app.apply_for_eligible_vehicle(&session.token, false).await;

    // Act
    let mine = my_applications(&app, &session.cookie()).await;
    let without = app.get("/api/v1/me/applications", None).await;
    let forged = my_applications(&app, "yiwang_session=not-a-session").await;

    // Assert
    let mine = json_body(mine, StatusCode::OK).await;
    assert_eq!(mine[0]["number"], number, "{mine}");
    error_body(without, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(forged, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_change_made_with_the_cookie_without_its_csrf_token_is_refused_403_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    let session = web_login(&app, None).await;
    let other = web_login(&app, None).await;
    let path = format!("/api/v1/items/{VEHICLE_ITEM}/applications");
    let body = json!({ "form": eligible_form(false) });
    let before = app.stored().await;

    // Act: no token, another session's token, the session token itself in its place
    let mut refusals = Vec::new();
    for csrf in [
        None,
        Some(other.csrf.as_str()),
        Some(session.token.as_str()),
    ] {
        refusals.push(
            with_cookie(
                &app,
                Method::POST,
                &path,
                &session.cookie(),
                csrf,
                Some(body.clone()),
            )
            .await,
        );
    }

    // Assert: refused before the item ran, so nothing was stored and no registry was read
    for refusal in refusals {
        error_body(refusal, StatusCode::FORBIDDEN, "csrf_failed").await;
    }
    assert_eq!(app.stored().await, before);
    assert_eq!(app.count("data_use_log").await, 0);
}

#[tokio::test]
async fn a_change_made_with_the_cookie_and_its_csrf_token_goes_through() {
    // Arrange
    let app = spawn_app().await;
    let session = web_login(&app, None).await;
    let path = format!("/api/v1/items/{VEHICLE_ITEM}/applications");

    // Act
    let response = with_cookie(
        &app,
        Method::POST,
        &path,
        &session.cookie(),
        Some(&session.csrf),
        Some(json!({ "form": eligible_form(false) })),
    )
    .await;

    // Assert
    let body = json_body(response, StatusCode::CREATED).await;
    let number = body["number"].as_str().expect("a number");
    let case = app.case_row(number).await;
    assert_eq!(case.applicant_id, app.user_id(CITIZEN).await);
    assert_eq!(case.state, "awaiting-pickup");
}

#[tokio::test]
async fn a_bearer_token_needs_no_csrf_token_even_with_a_cookie_beside_it() {
    // Arrange
    let app = spawn_app().await;
    let session = web_login(&app, None).await;

    // Act: the bearer header decides, whatever cookie comes with it
    let response = app
        .client
        .post(app.url(&format!("/api/v1/items/{VEHICLE_ITEM}/applications")))
        .bearer_auth(&session.token)
        .header(COOKIE, "yiwang_session=not-a-session")
        .json(&json!({ "form": eligible_form(false) }))
        .send()
        .await
        .unwrap();

    // Assert
    json_body(response, StatusCode::CREATED).await;
    assert_eq!(app.stored().await.cases, 1);
}

#[tokio::test]
async fn logging_out_with_the_cookie_revokes_the_session_and_clears_the_cookie() {
    // Arrange
    let app = spawn_app().await;
    let session = web_login(&app, None).await;

    // Act: without the CSRF token first (another site could send that), then with it
    let forged = logout_with_cookie(&app, &session, None).await;
    let still_in = tokens_revoked_at(&app, CITIZEN).await;
    let logout = logout_with_cookie(&app, &session, Some(&session.csrf)).await;

    // Assert
    error_body(forged, StatusCode::FORBIDDEN, "csrf_failed").await;
    assert_eq!(still_in, [None]);
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let cleared = logout.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cleared.starts_with("yiwang_session=;"), "{cleared}");
    assert!(
        attributes(&cleared).contains(&"max-age=0".to_string()),
        "{cleared}"
    );
    let revoked = tokens_revoked_at(&app, CITIZEN).await;
    assert!(matches!(revoked.as_slice(), [Some(_)]), "{revoked:?}");
    // The cookie, and the same token as a bearer, are both done.
    let cookie = my_applications(&app, &session.cookie()).await;
    error_body(cookie, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let bearer = app
        .get("/api/v1/me/applications", Some(&session.token))
        .await;
    error_body(bearer, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn an_expired_session_cookie_is_refused() {
    // Arrange: a session that works …
    let app = spawn_app().await;
    let session = web_login(&app, None).await;
    let fresh = my_applications(&app, &session.cookie()).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    // … until its time is up (moved into the past behind the host's back).
    app.write_behind_the_hosts_back(
        "UPDATE tokens SET expires_at = $1 WHERE user_id = (SELECT id FROM users WHERE login = $2)",
        &["2000-01-01T00:00:00.000Z", CITIZEN],
    )
    .await;

    // Act
    let expired = my_applications(&app, &session.cookie()).await;

    // Assert
    error_body(expired, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn with_secure_cookies_set_the_cookie_is_secure_without_any_proxy_header() {
    let app = crate::helpers::spawn_app_with(|s| s.secure_cookies = true).await;
    let session = web_login(&app, None).await;
    assert!(
        attributes(&session.set_cookie).contains(&"secure".to_string()),
        "{}",
        session.set_cookie
    );
}
