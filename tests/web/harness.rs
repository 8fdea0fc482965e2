//! The harness itself: Chromium starts through chromedriver at both window sizes, loads a page of
//! the app under test and writes a screenshot.

use crate::browser::{Browser, Window, artifacts_dir};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_browser_opens_the_apps_health_check_at_phone_and_desktop_size() {
    let app = spawn_app().await;
    for (window, width) in [(Window::Phone, 390), (Window::Desktop, 1280)] {
        let mut browser = Browser::open(&app, "harness", window).await;

        browser.goto("/healthz").await;
        browser.screenshot("healthz").await;

        let body = browser.text("body").await;
        assert!(body.contains(r#""status":"ok""#), "{body}");
        // A phone's page is as wide as its screen once the page asks for it (viewport meta tag);
        // this JSON does not, so the screen is what shows the emulated phone.
        let measured = match window {
            Window::Phone => "return screen.width",
            Window::Desktop => "return innerWidth",
        };
        let width_seen = browser
            .client
            .execute(measured, vec![])
            .await
            .expect("measuring the window");
        assert_eq!(width_seen, width, "{window:?}");
        let shot = artifacts_dir().join(format!(
            "screenshots/harness-{}/01-healthz.png",
            window.name()
        ));
        assert!(shot.is_file(), "{} is written", shot.display());
        browser.close().await;
    }
}
