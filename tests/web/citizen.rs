//! A citizen on a phone: logs in, finds the vehicle item, applies through the form rendered from the
//! item's schema and sees the number and the case's state; and a form with mistakes, answered with
//! each of the server's errors beside its field.

use serde_json::{Value, json};

use crate::browser::{Browser, Window};
use crate::helpers::{
    CITIZEN, PASSWORD, VEHICLE_ITEM, eligible_form, is_application_number, spawn_app,
};

/// Fills the application form field by field, as the schema's properties name them: a checkbox for
/// a boolean, typed text otherwise.
pub async fn fill_form(browser: &Browser, form: &Value) {
    for (field, value) in form.as_object().expect("a form is an object") {
        let css = format!("#field-{field}");
        match value {
            Value::Bool(checked) => browser.set_checked(&css, *checked).await,
            Value::String(text) => browser.fill(&css, text).await,
            other => browser.fill(&css, &other.to_string()).await,
        }
    }
}

/// Lets the form go to the server as it is: the server's own errors are under test, not the
/// browser's checks of `required` or `pattern`.
pub async fn skip_browser_validation(browser: &Browser) {
    browser
        .client
        .execute(
            "document.querySelectorAll('form').forEach(form => form.noValidate = true)",
            vec![],
        )
        .await
        .expect("turning the browser's form validation off");
}

#[tokio::test]
async fn a_citizen_logs_in_on_a_phone_and_applies_for_the_vehicle_exemption_through_the_pages() {
    let app = spawn_app().await;
    let mut browser = Browser::open(&app, "citizen-applies", Window::Phone).await;

    browser.log_in(CITIZEN, PASSWORD, "/").await;
    browser.screenshot("home").await;
    browser
        .click_and_wait(&format!(
            "#catalog a.item-link[href='/items/{VEHICLE_ITEM}']"
        ))
        .await;
    assert_eq!(browser.path().await, format!("/items/{VEHICLE_ITEM}"));
    browser.screenshot("item").await;
    browser.click_and_wait("#apply").await;
    assert_eq!(browser.path().await, format!("/items/{VEHICLE_ITEM}/apply"));
    fill_form(&browser, &eligible_form(true)).await;
    browser.screenshot("form-filled").await;
    browser.click_and_wait("#apply-submit").await;

    let number = browser.text("#application-number").await;
    assert!(is_application_number(&number), "{number}");
    assert_eq!(browser.path().await, format!("/applications/{number}"));
    let state = browser.text("#state").await;
    // Submitted, and the item at once asked the courier to collect the papers: 待揽收.
    assert!(
        state.contains("待揽收"),
        "the page shows the state: {state}"
    );
    assert!(!browser.find_all("#timeline li").await.is_empty());
    browser.screenshot("submitted").await;

    let row = app.case_row(&number).await;
    assert_eq!(row.state, "awaiting-pickup");
    assert_eq!(row.item_code, VEHICLE_ITEM);
    assert_eq!(row.applicant_id, app.user_id(CITIZEN).await);
    let stored: Value = serde_json::from_str(&row.form).expect("the stored form is JSON");
    assert_eq!(stored, eligible_form(true));
    browser.close().await;
}

#[tokio::test]
async fn a_form_with_errors_shows_each_error_beside_its_field_keeps_the_values_and_stores_nothing()
{
    let app = spawn_app().await;
    let mut browser = Browser::open(&app, "form-errors", Window::Phone).await;
    let apply = format!("/items/{VEHICLE_ITEM}/apply");
    browser.log_in(CITIZEN, PASSWORD, &apply).await;
    let mut form = eligible_form(false);
    form["plate_number"] = json!("粤S1234");
    form["phone"] = json!("12345");
    fill_form(&browser, &form).await;
    skip_browser_validation(&browser).await;

    browser.click_and_wait("#apply-submit").await;
    browser.screenshot("errors").await;

    assert_eq!(
        browser.attr("#form-errors", "role").await.as_deref(),
        Some("alert")
    );
    for field in ["plate_number", "phone"] {
        let error = browser.text(&format!("#error-{field}")).await;
        assert!(!error.is_empty(), "{field} has its error in words");
        let input = format!("#field-{field}");
        let described_by = browser
            .attr(&input, "aria-describedby")
            .await
            .unwrap_or_default();
        assert!(
            described_by
                .split_whitespace()
                .any(|id| id == format!("error-{field}")),
            "{field} is described by its error: {described_by:?}"
        );
        assert_eq!(
            browser.attr(&input, "aria-invalid").await.as_deref(),
            Some("true")
        );
        assert!(
            error_is_beside_its_field(&browser, field).await,
            "the error of {field} sits with its field, apart from the other fields"
        );
    }
    for field in [
        "vin_last6",
        "owner_name",
        "owner_id_number",
        "mailing_address",
    ] {
        assert!(
            !browser.has(&format!("#error-{field}")).await,
            "{field} is fine"
        );
        assert_ne!(
            browser
                .attr(&format!("#field-{field}"), "aria-invalid")
                .await
                .as_deref(),
            Some("true"),
        );
    }
    for field in ["plate_number", "phone", "owner_name", "mailing_address"] {
        let kept = browser
            .find(&format!("#field-{field}"))
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            kept.as_deref(),
            form[field].as_str(),
            "{field} keeps what was typed"
        );
    }
    assert_eq!(app.count("cases").await, 0);

    // Corrected, the same form goes through.
    fill_form(&browser, &eligible_form(false)).await;
    browser.click_and_wait("#apply-submit").await;
    let number = browser.text("#application-number").await;
    browser.screenshot("corrected").await;
    assert_eq!(app.case_state(&number).await, "awaiting-pickup");
}

/// Whether the error and its field share a container that holds no other field of the form.
async fn error_is_beside_its_field(browser: &Browser, field: &str) -> bool {
    browser
        .client
        .execute(
            r#"const [field] = arguments;
               const input = document.getElementById("field-" + field);
               const error = document.getElementById("error-" + field);
               let box = input.parentElement;
               while (box && !box.contains(error)) box = box.parentElement;
               if (!box || box.tagName === "FORM") return false;
               const fields = box.querySelectorAll("input:not([type=hidden]), select, textarea");
               return Array.from(fields).every(other => other === input);"#,
            vec![json!(field)],
        )
        .await
        .expect("comparing where the error and its field are")
        == json!(true)
}
