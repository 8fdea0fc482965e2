//! What `/metrics` reads from the database when it is scraped: the open cases past their due date,
//! per department (`yiwang_cases_overdue`), for the operators' SLA alerts.

use reqwest::StatusCode;

use crate::helpers::{DEPARTMENT, TestApp, days_from_today, spawn_app};
use crate::stats::{apply, resident};

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("a text body")
}

/// The value of `yiwang_cases_overdue{department="…"}`, if the series is there.
fn overdue_gauge<'a>(metrics: &'a str, department: &str) -> Option<&'a str> {
    let series = format!("yiwang_cases_overdue{{department=\"{department}\"}} ");
    metrics.lines().find_map(|line| line.strip_prefix(&series))
}

/// Submits an application for a fresh citizen's car and moves it to `department`, due on
/// `due_date`, behind the host's back; returns its number. The metrics recorder is the process's,
/// shared by the hosts of every test, so each test moves its cases to a department no shipped
/// item belongs to and no other test uses: no other scrape ever writes its series.
async fn case_due_on(app: &TestApp, department: &str, n: u32, due_date: &str) -> String {
    let (token, form) = resident(app, n).await;
    let number = apply(app, &token, &form, "web").await;
    app.write_behind_the_hosts_back(
        "UPDATE cases SET department = $1, due_date = $2 WHERE number = $3",
        &[department, due_date, &number],
    )
    .await;
    number
}

#[tokio::test]
async fn an_open_case_past_its_due_date_is_counted_in_its_departments_overdue_gauge() {
    // Arrange: three open cases of one department, due yesterday, today and yesterday; the last
    // one is then completed. Only the first is overdue.
    let app = spawn_app().await;
    let department = "metrics-test-overdue";
    let yesterday = days_from_today(-1);
    case_due_on(&app, department, 1, &yesterday).await;
    case_due_on(&app, department, 2, &days_from_today(0)).await;
    let completed = case_due_on(&app, department, 3, &yesterday).await;
    app.write_behind_the_hosts_back(
        "UPDATE cases SET completed_at = $1 WHERE number = $2",
        &["2026-01-05T00:00:00.000Z", &completed],
    )
    .await;

    // Act
    let metrics = scrape(&app).await;

    // Assert: one overdue case in that department, and a series for the live items' department
    // even though none of its cases is overdue.
    assert_eq!(
        overdue_gauge(&metrics, department),
        Some("1"),
        "in:\n{metrics}"
    );
    assert!(
        overdue_gauge(&metrics, DEPARTMENT).is_some(),
        "no series for {DEPARTMENT} in:\n{metrics}"
    );
    assert!(
        metrics.contains("# TYPE yiwang_cases_overdue gauge"),
        "in:\n{metrics}"
    );
}

#[tokio::test]
async fn the_overdue_gauge_falls_back_when_the_overdue_case_is_completed() {
    // Arrange: an overdue case, scraped once
    let app = spawn_app().await;
    let department = "metrics-test-overdue-then-done";
    let number = case_due_on(&app, department, 1, &days_from_today(-3)).await;
    assert_eq!(overdue_gauge(&scrape(&app).await, department), Some("1"));
    app.write_behind_the_hosts_back(
        "UPDATE cases SET completed_at = $1 WHERE number = $2",
        &["2026-01-05T00:00:00.000Z", &number],
    )
    .await;

    // Act
    let metrics = scrape(&app).await;

    // Assert
    assert_eq!(
        overdue_gauge(&metrics, department),
        Some("0"),
        "in:\n{metrics}"
    );
}
