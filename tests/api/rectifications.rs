//! 好差评 as GB/T 39734 describes it: five levels with the service-evaluation indicators, a bad
//! rating opening a rectification for the case's department due in 15 working days, the
//! department closing it with its measures and the callback to the applicant, and the public
//! statistics page showing the rectification rate. Every refusal changes nothing.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    CITIZEN, DEPARTMENT, PASSWORD, REVIEWER, TestApp, error_body, field_errors, json_body,
    spawn_app,
};

/// Another department's reviewer (the education bureau's).
const OTHER_REVIEWER: &str = "education";

/// A completed vehicle case of the citizen; its number.
async fn completed(app: &TestApp, citizen: &str) -> String {
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(citizen, false).await;
    assert_eq!(
        app.act_ok(&reviewer, &number, "approve", None).await,
        "completed"
    );
    number
}

async fn rate(app: &TestApp, citizen: &str, number: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/applications/{number}/rating"),
        Some(citizen),
        &body,
    )
    .await
}

/// `(ratings, rectifications)` stored.
async fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("ratings").await,
        app.count("rectifications").await,
    )
}

#[tokio::test]
async fn a_bad_rating_opens_a_rectification_that_the_department_closes_with_its_callback() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let other = app.login(OTHER_REVIEWER, PASSWORD).await;
    let number = completed(&app, &citizen).await;

    // Act: 非常不满意, with two indicators
    let rated = json_body(
        rate(
            &app,
            &citizen,
            &number,
            json!({"score": 1, "comment": "等了很久", "indicators": {"attitude": 2, "efficiency": 1}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Assert: stored with its indicators, and a rectification due in 15 working days
    let due = rated["rectification_due"].as_str().expect("a due date");
    let due = NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap();
    let today = chrono::Utc::now().date_naive();
    let days = (due - today).num_days();
    assert!((19..=40).contains(&days), "15 working days is {days} days");
    let (indicators,): (String,) = sqlx::query_as("SELECT indicators FROM ratings")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&indicators).unwrap(),
        json!({"attitude": 2, "efficiency": 1})
    );
    let listed = app.get_json("/api/v1/dept/rectifications", &reviewer).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let task = &listed[0];
    assert_eq!(task["number"], number.as_str());
    assert_eq!(task["department"], DEPARTMENT);
    assert_eq!(task["score"], 1);
    assert!(task["closed_at"].is_null());
    let id = task["id"].as_i64().unwrap();
    let others = app.get_json("/api/v1/dept/rectifications", &other).await;
    assert_eq!(others, json!([]), "another department sees none");

    // Act + Assert: refusals change nothing
    let close = |token: String, body: Value| {
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/dept/rectifications/{id}"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let done = json!({"measures": "增派窗口人员，审核时限压缩至3个工作日", "callback": "12月8日电话回访申请人，表示满意"});
    error_body(
        close(other.clone(), done.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    error_body(
        close(citizen.clone(), done.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let error = error_body(
        close(
            reviewer.clone(),
            json!({"measures": "已整改", "callback": " "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    )
    .await;
    assert_eq!(
        field_errors(&error),
        [("callback".to_owned(), "required".to_owned())]
    );
    let open: Option<String> =
        sqlx::query_scalar("SELECT closed_at FROM rectifications WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(open, None, "still open after the refusals");

    // Act: the department closes it
    let closed = json_body(close(reviewer.clone(), done.clone()).await, StatusCode::OK).await;
    let again = close(reviewer.clone(), done).await;

    // Assert: stored with who closed it; once only; the public rate shows it
    assert!(closed["closed_at"].is_string(), "{closed}");
    error_body(again, StatusCode::CONFLICT, "already_closed").await;
    let (measures, callback, closed_by): (String, String, i64) =
        sqlx::query_as("SELECT measures, callback, closed_by FROM rectifications WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(measures.starts_with("增派窗口人员"));
    assert!(callback.contains("电话回访"));
    let reviewer_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
        .bind(REVIEWER)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(closed_by, reviewer_id);
    let page = app.get("/stats", None).await.text().await.unwrap();
    assert!(
        page.contains("差评整改率：<strong>100.0%</strong>"),
        "the public rate"
    );
}

#[tokio::test]
async fn a_good_rating_opens_nothing_and_a_bad_indicator_is_refused_storing_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = completed(&app, &citizen).await;

    // Act + Assert: an unknown indicator and one out of range are refused, naming them
    for (indicators, field, code) in [
        (json!({"speed": 5}), "indicators/speed", "unknown_indicator"),
        (json!({"result": 6}), "indicators/result", "out_of_range"),
    ] {
        let error = error_body(
            rate(
                &app,
                &citizen,
                &number,
                json!({"score": 5, "indicators": indicators}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        )
        .await;
        assert_eq!(field_errors(&error), [(field.to_owned(), code.to_owned())]);
        assert_eq!(counts(&app).await, (0, 0));
    }

    // Act: 满意 (4) opens no rectification
    let rated = json_body(
        rate(
            &app,
            &citizen,
            &number,
            json!({"score": 4, "indicators": {"result": 5}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Assert
    assert!(rated["rectification_due"].is_null());
    assert_eq!(counts(&app).await, (1, 0));
    let page = app.get("/stats", None).await.text().await.unwrap();
    assert!(
        page.contains("差评整改率：<strong>—</strong>"),
        "no bad rating yet"
    );
}

#[tokio::test]
async fn the_case_pages_rating_form_takes_the_indicators_and_a_bad_rating_opens_a_rectification() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = completed(&app, &citizen).await;
    let browser = crate::web::Browser::login(&app, CITIZEN).await;
    let path = format!("/applications/{number}");
    let page = browser.page(&app, &path, StatusCode::OK).await;
    for indicator in ["服务态度", "办理效率", "办事便利", "公开透明", "办理结果"]
    {
        assert!(page.contains(indicator), "{indicator} on the rating form");
    }
    let csrf = browser.csrf(&app, &path).await;

    // Act: 不满意, two indicators scored, the others left 不评
    let posted = browser
        .post(
            &app,
            &format!("{path}/rating"),
            &[
                ("_csrf", csrf.as_str()),
                ("score", "2"),
                ("attitude", "1"),
                ("result", "3"),
                ("efficiency", ""),
                ("comment", "材料退回两次"),
            ],
        )
        .await;

    // Assert
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let (score, indicators): (i64, String) =
        sqlx::query_as("SELECT score, indicators FROM ratings")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(score, 2);
    assert_eq!(
        serde_json::from_str::<Value>(&indicators).unwrap(),
        json!({"attitude": 1, "result": 3})
    );
    assert_eq!(counts(&app).await, (1, 1));
}
