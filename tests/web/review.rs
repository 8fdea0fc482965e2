//! A reviewer of the vehicle office at a desk: finds the case in the inbox once the courier has
//! collected the papers, and approves it on the case page.

use crate::browser::{Browser, Window};
use crate::helpers::{CITIZEN, PASSWORD, REVIEWER, spawn_app};

#[tokio::test]
async fn a_reviewer_approves_the_application_on_the_case_page() {
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    // Submitted, and the courier has reported the pick-up (through the API): under review.
    let number = app.case_under_review(&citizen, true).await;
    let mut browser = Browser::open(&app, "reviewer-approves", Window::Desktop).await;

    browser.log_in(REVIEWER, PASSWORD, "/dept/cases").await;
    browser.find("#inbox").await;
    browser.screenshot("inbox").await;
    browser
        .click_and_wait(&format!("#inbox a[href='/applications/{number}']"))
        .await;
    assert_eq!(browser.text("#application-number").await, number);
    assert!(browser.text("#state").await.contains("审核中"));
    browser.screenshot("case-under-review").await;
    browser.click_and_wait("#action-approve").await;

    browser.screenshot("approved").await;
    assert_eq!(browser.path().await, format!("/applications/{number}"));
    // Approved, and the paper mark now waits to be mailed: 待寄递.
    let state = browser.text("#state").await;
    assert!(
        state.contains("待寄递"),
        "the page shows the new state: {state}"
    );
    assert!(!browser.has("#action-approve").await, "approve is done");
    assert_eq!(app.case_state(&number).await, "approved");
    let last = app.events(&number).await.pop().expect("events");
    assert_eq!(
        (last.action.as_str(), last.actor_role.as_str()),
        ("approve", "reviewer")
    );
    browser.close().await;
}
