//! The large-text switch (适老化) over plain HTTP: `GET /preferences/text-size` sets or clears the
//! `yiwang_large_text` cookie and goes back to the page it came from, never to another site; a
//! page drawn with the cookie carries the large-text class and offers 标准模式 as the way back,
//! and one without it the standard class and 大字模式. It works before a login too.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{CITIZEN, TestApp, spawn_app};
use crate::web::{Browser, attribute_after, count};

const LARGE: &str = "yiwang_large_text=1";

/// `GET /preferences/text-size` with `query`, as an anonymous visitor's browser sends it.
async fn switch(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .get(app.url("/preferences/text-size"))
        .query(query)
        .send()
        .await
        .unwrap()
}

/// The page at `path` as a visitor with `cookie` (or none) gets it.
async fn page_with(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.unwrap()
}

/// The switch's button: its text, between its opening tag and `</button>`.
fn switch_label(html: &str) -> String {
    let start = html
        .find(r#"id="text-size-switch""#)
        .expect("the page has the text-size switch");
    let after = &html[start..];
    let open = after.find('>').unwrap() + 1;
    let close = after.find("</button>").unwrap();
    after[open..close].trim().to_string()
}

#[tokio::test]
async fn the_switch_sets_the_cookie_for_a_year_and_goes_back_to_the_page() {
    // Arrange
    let app = spawn_app().await;
    let users_before = count(&app, "users").await;

    // Act
    let response = switch(&app, &[("large", "1"), ("next", "/items/x?q=%E5%85%8D")]).await;

    // Assert
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/items/x?q=%E5%85%8D");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("yiwang_large_text=1;"), "{cookie}");
    for part in ["Path=/", "Max-Age=31536000", "SameSite=Lax", "HttpOnly"] {
        assert!(cookie.split("; ").any(|p| p == part), "{part} in {cookie}");
    }
    assert_eq!(count(&app, "users").await, users_before, "nothing stored");
}

#[tokio::test]
async fn switching_back_to_the_standard_size_forgets_the_cookie() {
    let app = spawn_app().await;

    let response = switch(&app, &[("large", "0"), ("next", "/stats")]).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/stats");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("yiwang_large_text=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
}

#[tokio::test]
async fn an_off_site_or_absolute_next_is_replaced_by_the_home_page() {
    let app = spawn_app().await;

    for next in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "evil.example",
        "javascript:alert(1)",
        "",
    ] {
        let response = switch(&app, &[("large", "1"), ("next", next)]).await;

        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(response.headers()[LOCATION], "/", "{next:?}");
    }
    let without_next = switch(&app, &[("large", "1")]).await;
    assert_eq!(without_next.headers()[LOCATION], "/");
}

#[tokio::test]
async fn a_page_with_the_cookie_is_drawn_large_and_offers_the_standard_size_back() {
    let app = spawn_app().await;

    let standard = page_with(&app, "/stats", None).await;
    let large = page_with(&app, "/stats", Some(LARGE)).await;
    let off = page_with(&app, "/stats", Some("yiwang_large_text=0")).await;

    assert!(standard.contains(r#"<body class="text-standard">"#));
    assert_eq!(switch_label(&standard), "大字模式");
    assert!(standard.contains(r#"<input type="hidden" name="large" value="1">"#));
    assert!(large.contains(r#"<body class="text-large">"#));
    assert_eq!(switch_label(&large), "标准模式");
    assert!(large.contains(r#"<input type="hidden" name="large" value="0">"#));
    assert!(large.contains("当前：大字模式") && standard.contains("当前：标准模式"));
    assert!(large.contains(r#"aria-describedby="text-size-state""#));
    assert!(off.contains(r#"<body class="text-standard">"#));
    // The switch comes back to the page it is on, query and all.
    assert_eq!(
        attribute_after(&large, r#"name="next" value=""#).as_deref(),
        Some("/stats")
    );
    let searched = page_with(&app, "/?q=abc", Some(LARGE)).await;
    assert_eq!(
        attribute_after(&searched, r#"name="next" value=""#).as_deref(),
        Some("/?q=abc")
    );
    // The skip link comes before the switch, the first thing a keyboard reaches.
    let skip = large.find(r#"class="skip-link""#).unwrap();
    assert!(skip < large.find(r#"id="text-size-switch""#).unwrap());
}

#[tokio::test]
async fn a_signed_in_citizen_and_the_error_pages_keep_the_large_text_too() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::login(&app, CITIZEN).await;
    let both = format!("{}; {LARGE}", browser.cookie);

    // Act
    let mine = page_with(&app, "/me/applications", Some(&both)).await;
    let standard = page_with(&app, "/me/applications", Some(&browser.cookie)).await;
    let missing = app
        .client
        .get(app.url("/items/no-such-item"))
        .header(COOKIE, &both)
        .send()
        .await
        .unwrap();

    // Assert
    assert!(mine.contains(r#"<body class="text-large">"#));
    assert_eq!(switch_label(&mine), "标准模式");
    assert!(mine.contains(r#"id="logout""#), "still signed in");
    assert!(standard.contains(r#"<body class="text-standard">"#));
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing = missing.text().await.unwrap();
    assert!(missing.contains("页面不存在"));
    assert!(missing.contains(r#"<body class="text-large">"#));
    // The login page, drawn before there is a session, too.
    let login = page_with(&app, "/login", Some(LARGE)).await;
    assert!(login.contains(r#"<body class="text-large">"#));
}
