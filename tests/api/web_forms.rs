//! The web portal's application forms beyond flat fields, over plain HTTP: a nested object of the
//! item's schema drawn as a fieldset whose dotted fields come back as the nested object, with the
//! domain's errors beside the nested fields; and the department's preview form for a staged
//! version, which submits a preview case through the API's own call, for exactly those the API's
//! preview endpoint allows. Every submission is checked in the database, not only in the reply.
//!
//! No shipped item has a nested object in its form, so the tests upload the crafted test item's
//! `nested-form` variant (its form a nested object `c` of a required integer `n` and a free `s`),
//! signed by its department as any upload.

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    ADMIN, CITIZEN, CRAFTED_DEPARTMENT, CRAFTED_ITEM, DEPARTMENT, REVIEWER, TestApp, VEHICLE_ITEM,
    crafted, is_application_number, spawn_app,
};
use crate::web::{Browser, attribute_after, count};

const DEVELOPER: &str = "forms.developer";
const OWN_REVIEWER: &str = "forms.reviewer";
const OTHER_DEVELOPER: &str = "other.developer";

/// The crafted item registered for its department, with the nested version 1.0.0 staged by its
/// developer [`DEVELOPER`]; the department also has the reviewer [`OWN_REVIEWER`], and the
/// vehicle office the developer [`OTHER_DEVELOPER`].
async fn staged_nested_item(app: &TestApp) {
    let (developer, key) = app.crafted_item_for(DEVELOPER).await;
    app.add_user(
        OWN_REVIEWER,
        Role::Reviewer,
        Some(CRAFTED_DEPARTMENT),
        "上传测试审核员",
        None,
    )
    .await;
    app.add_user(
        OTHER_DEVELOPER,
        Role::Developer,
        Some(DEPARTMENT),
        "车管所开发员",
        None,
    )
    .await;
    let staged = app
        .upload_signed(&developer, CRAFTED_ITEM, &crafted("nested-form"), &key)
        .await;
    assert_eq!(
        (staged["version"].as_str(), staged["status"].as_str()),
        (Some("1.0.0"), Some("staged"))
    );
}

fn preview_path(version: &str) -> String {
    format!("/dept/items/{CRAFTED_ITEM}/versions/{version}/preview")
}

/// `(preview, item_version, channel, form)` of the stored case `number`.
async fn stored_case(app: &TestApp, number: &str) -> (i64, String, String, Value) {
    let (preview, version, channel, form): (i64, String, String, String) =
        sqlx::query_as("SELECT preview, item_version, channel, form FROM cases WHERE number = $1")
            .bind(number)
            .fetch_one(&app.db)
            .await
            .unwrap();
    (
        preview,
        version,
        channel,
        serde_json::from_str(&form).unwrap(),
    )
}

/// The case number a 303 to the case page names.
fn case_number(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    let number = location
        .strip_prefix("/applications/")
        .unwrap_or_else(|| panic!("redirected to the case page, not {location}"));
    assert!(is_application_number(number), "{number}");
    number.to_string()
}

#[tokio::test]
async fn a_developer_submits_a_staged_versions_nested_preview_form_and_a_preview_case_is_stored() {
    // Arrange
    let app = spawn_app().await;
    staged_nested_item(&app).await;
    let developer = Browser::login(&app, DEVELOPER).await;
    let versions = developer
        .page(
            &app,
            &format!("/dept/items/{CRAFTED_ITEM}/versions"),
            StatusCode::OK,
        )
        .await;
    let form_page = developer
        .page(&app, &preview_path("1.0.0"), StatusCode::OK)
        .await;
    let csrf = attribute_after(&form_page, r#"name="_csrf" value=""#).unwrap();

    // Act
    let submitted = developer
        .post(
            &app,
            &preview_path("1.0.0"),
            &[("_csrf", &csrf), ("c.n", "7"), ("c.s", "李四")],
        )
        .await;

    // Assert: the list links the staged version to its preview form, which says it is one and
    // draws the nested object as a fieldset of dotted fields.
    assert!(versions.contains(&format!(
        r#"class="preview-link" href="{}""#,
        preview_path("1.0.0")
    )));
    assert!(form_page.contains(r#"id="preview-notice""#));
    assert!(form_page.contains("预览") && form_page.contains("群众看不到此页面"));
    assert!(form_page.contains(&format!(r#"action="{}""#, preview_path("1.0.0"))));
    assert!(form_page.contains(r#"<fieldset class="field group" id="field-c">"#));
    assert!(form_page.contains("<legend>c</legend>"));
    assert!(form_page.contains(
        r#"<input type="number" id="field-c.n" name="c.n" value="" aria-required="true""#
    ));
    assert!(form_page.contains(r#"<input type="text" id="field-c.s" name="c.s" value="""#));
    // ... and the form comes back as the nested object, stored with a preview case.
    let number = case_number(&submitted);
    assert_eq!(
        stored_case(&app, &number).await,
        (
            1,
            "1.0.0".to_string(),
            "department".to_string(),
            json!({"c": {"n": 7, "s": "李四"}})
        )
    );
    let case_page = developer
        .page(&app, &format!("/applications/{number}"), StatusCode::OK)
        .await;
    assert!(case_page.contains(&number));
}

#[tokio::test]
async fn a_reviewer_gets_nested_field_errors_beside_their_fields_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app().await;
    staged_nested_item(&app).await;
    let reviewer = Browser::login(&app, OWN_REVIEWER).await;
    let csrf = reviewer.csrf(&app, &preview_path("1.0.0")).await;
    let cases = count(&app, "cases").await;

    // Act: `n` is not an integer; then it is missing while `s` is filled in.
    let not_a_number = reviewer
        .post(
            &app,
            &preview_path("1.0.0"),
            &[("_csrf", &csrf), ("c.n", "seven"), ("c.s", "李四")],
        )
        .await;
    let missing = reviewer
        .post(
            &app,
            &preview_path("1.0.0"),
            &[("_csrf", &csrf), ("c.n", ""), ("c.s", "李四")],
        )
        .await;
    let cases_after_errors = count(&app, "cases").await;
    let good = reviewer
        .post(
            &app,
            &preview_path("1.0.0"),
            &[("_csrf", &csrf), ("c.n", "3")],
        )
        .await;

    // Assert
    assert_eq!(not_a_number.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = not_a_number.text().await.unwrap();
    assert!(html.contains(r#"id="form-errors""#), "{html}");
    assert!(html.contains(r##"<a href="#field-c.n">c · n：格式不正确</a>"##));
    assert!(html.contains(r#"<span class="field-error" id="error-c.n">格式不正确</span>"#));
    assert!(html.contains(r#"id="field-c.n" name="c.n" value="seven""#));
    assert_eq!(
        html.matches(r#"aria-invalid="true" aria-describedby="error-c.n""#)
            .count(),
        1,
        "the nested field, and only it, is marked invalid"
    );
    assert!(
        html.contains(r#"name="c.s" value="李四""#),
        "what was entered is kept"
    );
    assert!(html.contains(r#"id="preview-notice""#));
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = missing.text().await.unwrap();
    assert!(html.contains(r#"<span class="field-error" id="error-c.n">此项为必填项</span>"#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="error-c.n""#));
    assert_eq!(cases_after_errors, cases, "a refused form stores nothing");
    let number = case_number(&good);
    let (preview, version, _, form) = stored_case(&app, &number).await;
    assert_eq!(
        (preview, version, form),
        (1, "1.0.0".into(), json!({"c": {"n": 3}}))
    );
}

#[tokio::test]
async fn the_preview_page_is_for_the_owning_departments_developers_and_reviewers_only() {
    // Arrange
    let app = spawn_app().await;
    staged_nested_item(&app).await;
    let path = preview_path("1.0.0");
    let own = Browser::login(&app, DEVELOPER).await;
    let own_csrf = own.csrf(&app, &path).await;
    let others = [
        (CITIZEN, StatusCode::FORBIDDEN),
        (REVIEWER, StatusCode::NOT_FOUND),
        (OTHER_DEVELOPER, StatusCode::NOT_FOUND),
        (ADMIN, StatusCode::FORBIDDEN),
    ];
    let cases = count(&app, "cases").await;

    // Act
    let anonymous = app.get(&path, None).await;
    let mut refused = Vec::new();
    for (login, _) in others {
        let browser = Browser::login(&app, login).await;
        let csrf = browser.csrf(&app, "/").await;
        let get = browser.get(&app, &path).await.status();
        let post = browser
            .post(&app, &path, &[("_csrf", &csrf), ("c.n", "1")])
            .await
            .status();
        refused.push((login, get, post));
    }
    let no_token = own.post(&app, &path, &[("c.n", "1")]).await;
    let no_version = own
        .post(
            &app,
            &preview_path("9.9.9"),
            &[("_csrf", &own_csrf), ("c.n", "1")],
        )
        .await;
    let admin_versions = Browser::login(&app, ADMIN)
        .await
        .page(
            &app,
            &format!("/dept/items/{CRAFTED_ITEM}/versions"),
            StatusCode::OK,
        )
        .await;

    // Assert
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()[LOCATION],
        format!("/login?next=%2Fdept%2Fitems%2F{CRAFTED_ITEM}%2Fversions%2F1.0.0%2Fpreview")
    );
    let expected: Vec<_> = others
        .iter()
        .map(|(login, status)| (*login, *status, *status))
        .collect();
    assert_eq!(refused, expected);
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(no_version.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        count(&app, "cases").await,
        cases,
        "nobody refused stored a case"
    );
    assert!(
        admin_versions.contains(r#"data-status="staged""#)
            && !admin_versions.contains("preview-link"),
        "an admin, who may not preview, gets no link"
    );
}

#[tokio::test]
async fn a_citizen_applies_through_the_nested_form_of_the_published_version() {
    // Arrange
    let app = spawn_app().await;
    staged_nested_item(&app).await;
    app.publish_and_enable(CRAFTED_ITEM, "1.0.0").await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let apply = format!("/items/{CRAFTED_ITEM}/apply");
    let form_page = citizen.page(&app, &apply, StatusCode::OK).await;
    let csrf = attribute_after(&form_page, r#"name="_csrf" value=""#).unwrap();

    // Act
    let refused = citizen
        .post(&app, &apply, &[("_csrf", &csrf), ("c.s", "王五")])
        .await;
    let submitted = citizen
        .post(
            &app,
            &apply,
            &[("_csrf", &csrf), ("c.n", "12"), ("c.s", "王五")],
        )
        .await;

    // Assert
    assert!(form_page.contains(r#"<fieldset class="field group" id="field-c">"#));
    assert!(form_page.contains(r#"name="c.n""#) && form_page.contains(r#"name="c.s""#));
    assert!(!form_page.contains("preview-notice"));
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"<span class="field-error" id="error-c.n">此项为必填项</span>"#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="error-c.n""#));
    let number = case_number(&submitted);
    assert_eq!(
        stored_case(&app, &number).await,
        (
            0,
            "1.0.0".to_string(),
            "web".to_string(),
            json!({"c": {"n": 12, "s": "王五"}})
        )
    );
}

#[tokio::test]
async fn the_owning_reviewer_previews_a_shipped_items_flat_form_and_an_empty_one_comes_back_with_its_errors()
 {
    // Arrange: the vehicle item as shipped, 1.0.0 published (the API previews any uploaded version)
    let app = spawn_app().await;
    let reviewer = Browser::login(&app, REVIEWER).await;
    let path = format!("/dept/items/{VEHICLE_ITEM}/versions/1.0.0/preview");
    let cases = count(&app, "cases").await;

    // Act
    let form_page = reviewer.page(&app, &path, StatusCode::OK).await;
    let csrf = attribute_after(&form_page, r#"name="_csrf" value=""#).unwrap();
    let empty = reviewer.post(&app, &path, &[("_csrf", &csrf)]).await;

    // Assert
    assert!(form_page.contains(r#"<label for="field-plate_number">号牌号码"#));
    assert!(
        !form_page.contains("<fieldset"),
        "a flat form has no groups"
    );
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = empty.text().await.unwrap();
    assert!(
        html.contains(r#"<span class="field-error" id="error-plate_number">此项为必填项</span>"#)
    );
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="error-plate_number""#));
    assert_eq!(count(&app, "cases").await, cases);
}
