//! axe-core on the main pages, on a phone and at a desk: home, the item page, login, the application
//! form with the server's errors, the case page as its applicant and as the reviewer who may act on
//! it, my applications, the notifications, the inbox, an item's versions and its preview form,
//! and the admin's items, an item's grants and limits, the departments and the statistics
//! dashboard. No serious or critical violation.

use serde_json::json;

use crate::axe::{FAILING, assert_accessible, violations};
use crate::browser::{Browser, Window};
use crate::citizen::{fill_form, skip_browser_validation};
use crate::helpers::{
    ADMIN, CITIZEN, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, eligible_form, spawn_app,
};

#[tokio::test]
async fn the_main_pages_have_no_serious_accessibility_violations_on_a_phone() {
    check_main_pages(Window::Phone).await;
}

#[tokio::test]
async fn the_main_pages_have_no_serious_accessibility_violations_on_a_desktop() {
    check_main_pages(Window::Desktop).await;
}

/// The check is not blind: an unlabelled field and an image without a text alternative, added to
/// the login page, are both found and both fail a page.
#[tokio::test]
async fn the_accessibility_check_finds_an_unlabelled_field_and_an_image_without_text() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "accessibility-self-check", Window::Desktop).await;
    browser.goto("/login").await;
    browser
        .client
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', \
             '<input type=text id=unlabelled><img src=/assets/site.css>')",
            vec![],
        )
        .await
        .expect("adding the faults");

    let found = violations(&browser, "self-check").await;

    for rule in ["label", "image-alt"] {
        let violation = found
            .iter()
            .find(|v| v["id"] == rule)
            .unwrap_or_else(|| panic!("axe-core finds {rule}: {found:?}"));
        assert!(FAILING.contains(&violation["impact"].as_str().unwrap_or_default()));
    }
    browser.close().await;
}

async fn check_main_pages(window: Window) {
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&token, true).await;

    let mut browser = Browser::open(&app, "accessibility", window).await;
    visit(&mut browser, "/login", "login").await;
    browser.log_in(CITIZEN, PASSWORD, "/").await;
    visit(&mut browser, "/", "home").await;
    visit(&mut browser, &format!("/items/{VEHICLE_ITEM}"), "item").await;
    form_with_errors(&mut browser).await;
    visit(
        &mut browser,
        &format!("/applications/{number}"),
        "case-applicant",
    )
    .await;
    visit(&mut browser, "/me/applications", "my-applications").await;
    visit(&mut browser, "/me/notifications", "notifications").await;
    browser.close().await;

    staff_pages(&app, window, &number).await;
}

/// Opens `path` and checks it, with a screenshot of what was checked.
async fn visit(browser: &mut Browser, path: &str, page: &str) {
    browser.goto(path).await;
    browser.find("main").await;
    browser.screenshot(page).await;
    assert_accessible(browser, page).await;
}

/// The form sent with a wrong phone number, re-rendered with the server's error beside it.
async fn form_with_errors(browser: &mut Browser) {
    browser.goto(&format!("/items/{VEHICLE_ITEM}/apply")).await;
    let mut form = eligible_form(true);
    form["phone"] = json!("12345");
    fill_form(browser, &form).await;
    skip_browser_validation(browser).await;
    browser.click_and_wait("#apply-submit").await;
    browser.find("#error-phone").await;
    browser.screenshot("form-with-errors").await;
    assert_accessible(browser, "form-with-errors").await;
}

/// The reviewer's inbox and case page (with the action forms), and the admin's items.
async fn staff_pages(app: &TestApp, window: Window, number: &str) {
    let mut reviewer = Browser::open(app, "accessibility-reviewer", window).await;
    reviewer.log_in(REVIEWER, PASSWORD, "/dept/cases").await;
    visit(&mut reviewer, "/dept/cases", "inbox").await;
    visit(
        &mut reviewer,
        &format!("/applications/{number}"),
        "case-reviewer",
    )
    .await;
    reviewer.find("#action-approve").await;
    visit(
        &mut reviewer,
        &format!("/dept/items/{VEHICLE_ITEM}/versions"),
        "versions",
    )
    .await;
    visit(
        &mut reviewer,
        &format!("/dept/items/{VEHICLE_ITEM}/versions/1.0.0/preview"),
        "preview",
    )
    .await;
    reviewer.close().await;

    let mut admin = Browser::open(app, "accessibility-admin", window).await;
    admin.log_in(ADMIN, PASSWORD, "/admin/items").await;
    visit(&mut admin, "/admin/items", "admin-items").await;
    visit(
        &mut admin,
        &format!("/admin/items/{VEHICLE_ITEM}"),
        "admin-item",
    )
    .await;
    visit(&mut admin, "/admin/departments", "admin-departments").await;
    visit(&mut admin, "/admin/stats", "admin-stats").await;
    admin.close().await;
}
