//! The admin's statistics dashboard (`/admin/stats`) over plain HTTP: a scripted week whose
//! figures are known in advance, read back to the number from the chart, its table and the table
//! per department and item, and from the API's `received_by_day`; the department filter; who may
//! see it; a bad date beside its field; and the public page's monthly chart from the same series.
//!
//! Every case is moved to a fixed instant of a week forty days back, so that nothing depends on
//! the hour the test runs at (China's midnight is 16:00 UTC).

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, CITIZEN, CITIZEN_ID, DEPARTMENT, ENTERPRISE_ITEM, PASSWORD, REVIEWER, TestApp,
    VEHICLE_ITEM, days_from_today, json_body, spawn_app,
};
use crate::stats::{apply, backdate, collect, rate_ok, resident};
use crate::web::{Browser, attribute_after};

const MARKET_REGULATION: &str = "dongguan-market-regulation";

/// The scripted week: `day(k)` is its k-th day (China dates), the range the dashboard is asked for.
struct Week {
    first: NaiveDate,
}

impl Week {
    /// Forty days back: far enough that a case completed two weeks after its submission is still
    /// in the past.
    fn new() -> Week {
        let today = NaiveDate::parse_from_str(&days_from_today(0), "%Y-%m-%d").unwrap();
        Week {
            first: today - Duration::days(40),
        }
    }

    fn day(&self, k: i64) -> NaiveDate {
        self.first + Duration::days(k)
    }

    /// `HH:MM:SS.mmm` UTC on the UTC date of day `k`, as stored.
    fn utc(&self, k: i64, time: &str) -> String {
        format!("{}T{time}Z", self.day(k))
    }

    fn range(&self) -> (String, String) {
        (self.day(0).to_string(), self.day(6).to_string())
    }
}

/// Moves a case's submission and every event to `submitted`, and its completion (if it has one)
/// to `completed`, with a read-write connection of the test's own.
async fn move_case(app: &TestApp, number: &str, submitted: &str, completed: Option<&str>) {
    backdate(app, number, submitted, 1..=99).await;
    let Some(completed) = completed else { return };
    let db = sqlx::AnyPool::connect(&app.database_url())
        .await
        .expect("opening the database read-write");
    sqlx::query(
        "UPDATE cases SET completed_at = $1 WHERE number = $2 AND completed_at IS NOT NULL",
    )
    .bind(completed)
    .bind(number)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
}

/// The expected counts of days 0..=6 of the script below.
const PER_DAY: [u64; 7] = [2, 0, 1, 1, 0, 1, 0];
const VEHICLE_PER_DAY: [u64; 7] = [2, 0, 1, 1, 0, 0, 0];
const MARKET_PER_DAY: [u64; 7] = [0, 0, 0, 0, 0, 1, 0];

/// The scripted week, China dates (UTC instants in brackets):
///   day 0  A web        10:00 (02:00Z), approved at once: 0 days, on time, rated 5
///   day 0  B mobile     11:00 (03:00Z), awaiting the courier: open
///   day 2  C wechat     23:59:59.999 (day 2 15:59:59.999Z), open
///   day 3  D alipay     00:00 (day 2 16:00Z), approved 14 days later: 10 working days > 5,
///                       overdue, rated 2
///   day 5  E            an enterprise registration to market regulation (web), under review
///   day -1 G            23:59:59.999 the day before the range (day -1 15:59:59.999Z): not counted
///   day 7  H            00:00 the day after the range (day 6 16:00Z): not counted
/// So the vehicle office: received 4, completed 2, on time 1, overdue 1, open 2, average
/// (0 + 10) / 2 = 5.00 days, satisfaction (5 + 2) / 2 = 3.50 over 2, channels web 1, mobile 1,
/// wechat 1, alipay 1; market regulation: received 1, open 1, web 1.
/// Returns the China dates of every case submitted, inside the range or not.
async fn scripted_week(app: &TestApp, week: &Week) -> Vec<NaiveDate> {
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let mut residents = Vec::new();
    for n in 0..6 {
        residents.push(resident(app, n).await);
    }
    let mut numbers = Vec::new();
    for ((token, form), channel) in residents
        .iter()
        .zip(["web", "mobile", "wechat", "alipay", "web", "web"])
    {
        numbers.push(apply(app, token, form, channel).await);
    }
    let [a, b, c, d, g, h] = &numbers[..] else {
        unreachable!()
    };
    for number in [a, d] {
        collect(app, number).await;
        assert_eq!(
            app.act_ok(&reviewer, number, "approve", None).await,
            "completed"
        );
    }
    rate_ok(app, &residents[0].0, a, 5).await;
    rate_ok(app, &residents[3].0, d, 2).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let enterprise = json_body(
        app.submit(&citizen, ENTERPRISE_ITEM, enterprise_form())
            .await,
        StatusCode::CREATED,
    )
    .await;
    let e = enterprise["number"].as_str().unwrap();

    let a_at = week.utc(0, "02:00:00.000");
    move_case(app, a, &a_at, Some(&a_at)).await;
    move_case(app, b, &week.utc(0, "03:00:00.000"), None).await;
    move_case(app, c, &week.utc(2, "15:59:59.999"), None).await;
    let d_done = format!("{}T16:00:00.000Z", week.day(16));
    move_case(app, d, &week.utc(2, "16:00:00.000"), Some(&d_done)).await;
    move_case(app, e, &week.utc(5, "04:00:00.000"), None).await;
    move_case(app, g, &week.utc(-1, "15:59:59.999"), None).await;
    move_case(app, h, &week.utc(6, "16:00:00.000"), None).await;
    [0, 0, 2, 3, 5, -1, 7].map(|k| week.day(k)).to_vec()
}

fn enterprise_form() -> Value {
    json!({
        "enterprise_name": "东莞市统计示范电子有限公司",
        "enterprise_type": "limited-company",
        "registered_capital_fen": 100000000,
        "legal_representative": "张三",
        "legal_representative_id_number": CITIZEN_ID,
        "address": "东莞市南城街道鸿福路99号",
        "business_scope": "电子产品研发、销售。",
        "phone": "0769-22222222",
        "employees": 5,
        "imports_exports": false,
    })
}

/// The part of `html` from `start` up to the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` is missing"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Every text between `open` and `close` in `html`, in order.
fn all_between(html: &str, open: &str, close: &str) -> Vec<String> {
    html.split(open)
        .skip(1)
        .map(|part| part.split(close).next().unwrap().trim().to_string())
        .collect()
}

/// The chart's per-column titles (`2026-10-18：2 件`) as (label, count).
fn chart_counts(html: &str) -> Vec<(String, u64)> {
    let svg = between(html, r#"<svg id="received-chart""#, "</svg>");
    all_between(svg, "<title>", "</title>")
        .into_iter()
        .map(|title| {
            let (label, count) = title.split_once('：').expect("`label：N 件`");
            (label.to_string(), count_of(count))
        })
        .collect()
}

/// The data table beside the chart as (label, count).
fn table_counts(html: &str) -> Vec<(String, u64)> {
    let table = between(html, r#"<table id="received-table">"#, "</table>");
    let labels = all_between(table, r#"<th scope="row">"#, "</th>");
    let counts = all_between(table, "<td>", "</td>");
    assert_eq!(labels.len(), counts.len(), "{table}");
    labels
        .into_iter()
        .zip(counts.iter().map(|c| count_of(c)))
        .collect()
}

fn count_of(text: &str) -> u64 {
    text.strip_suffix(" 件")
        .unwrap_or_else(|| panic!("`{text}` is not `N 件`"))
        .parse()
        .unwrap()
}

/// The cells of the dashboard table's row for `key` (`department` or `department/item`).
fn row(html: &str, key: &str) -> Vec<String> {
    let row = between(html, &format!(r#"<tr data-row="{key}">"#), "</tr>");
    all_between(row, "<td>", "</td>")
}

/// The rows of the dashboard table, by key.
fn row_keys(html: &str) -> Vec<String> {
    all_between(html, r#"<tr data-row=""#, r#"""#)
}

fn expected_days(week: &Week, counts: [u64; 7]) -> Vec<(String, u64)> {
    (0..7)
        .map(|k| (week.day(k).to_string(), counts[k as usize]))
        .collect()
}

/// What the API's `received_by_day` lists for `counts`: the days that received any.
fn expected_by_day(week: &Week, counts: [u64; 7]) -> Value {
    (0..7)
        .filter(|&k| counts[k as usize] > 0)
        .map(|k| json!({ "date": week.day(k).to_string(), "received": counts[k as usize] }))
        .collect()
}

fn dashboard_path(from: &str, to: &str, department: Option<&str>) -> String {
    match department {
        Some(d) => format!("/admin/stats?from={from}&to={to}&department={d}"),
        None => format!("/admin/stats?from={from}&to={to}"),
    }
}

const VEHICLE_FIGURES: [&str; 13] = [
    "4", "2", "1", "1", "2", "5.00", "3.50", "2", "1", "1", "1", "1", "0",
];
const MARKET_FIGURES: [&str; 13] = [
    "1", "0", "0", "0", "1", "—", "—", "0", "1", "0", "0", "0", "0",
];

#[tokio::test]
async fn the_admins_dashboard_shows_the_scripted_counts_per_day_in_the_chart_the_tables_and_the_api()
 {
    // Arrange
    let app = spawn_app().await;
    let week = Week::new();
    scripted_week(&app, &week).await;
    let (from, to) = week.range();
    let admin = Browser::login(&app, ADMIN).await;
    let token = app.login(ADMIN, PASSWORD).await;

    // Act
    let html = admin
        .page(&app, &dashboard_path(&from, &to, None), StatusCode::OK)
        .await;
    let api = json_body(
        app.get(&format!("/api/v1/stats?from={from}&to={to}"), Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert: the series, day by day with the empty days as 0, in the chart and its table
    let expected = expected_days(&week, PER_DAY);
    assert_eq!(chart_counts(&html), expected);
    assert_eq!(table_counts(&html), expected);
    assert!(
        html.contains(r#"<svg id="received-chart" role="img" aria-label="每日受理的申请数："#),
        "an image with its label"
    );
    assert!(html.contains(&format!("{from} 至 {to}，共 5 件，最多 2 件")));

    // Each department, then its items
    assert_eq!(
        row_keys(&html),
        [
            MARKET_REGULATION.to_string(),
            format!("{MARKET_REGULATION}/{ENTERPRISE_ITEM}"),
            DEPARTMENT.to_string(),
            format!("{DEPARTMENT}/{VEHICLE_ITEM}"),
        ]
    );
    assert_eq!(row(&html, DEPARTMENT), VEHICLE_FIGURES);
    assert_eq!(
        row(&html, &format!("{DEPARTMENT}/{VEHICLE_ITEM}")),
        VEHICLE_FIGURES
    );
    assert_eq!(row(&html, MARKET_REGULATION), MARKET_FIGURES);
    assert!(html.contains("东莞市市场监督管理局"), "departments by name");

    // The on-time rate of the one department that completed any
    let on_time = between(&html, r#"<svg id="on-time-chart""#, "</svg>");
    assert!(
        on_time.contains(">东莞市公安局交通警察支队车辆管理所</text>"),
        "by name: {on_time}"
    );
    assert!(on_time.contains(">50.0%</text>"), "{on_time}");
    assert!(
        !on_time.contains("东莞市市场监督管理局"),
        "nothing completed there"
    );

    // The API: its figures as before, and the series with only the days that received any
    assert_eq!(api["received_by_day"], expected_by_day(&week, PER_DAY));
    let departments = api["departments"].as_array().unwrap();
    let received: Vec<(&str, u64)> = departments
        .iter()
        .map(|d| {
            (
                d["department"].as_str().unwrap(),
                d["received"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(received, [(MARKET_REGULATION, 1), (DEPARTMENT, 4)]);
    assert_eq!(departments[1]["completed_overdue"], 1);

    // The CSV link: the API's CSV of the same range, read with the session
    let csv_link = attribute_after(&html, r#"id="dashboard-csv" href=""#)
        .expect("a CSV link")
        .replace("&#38;", "&");
    assert_eq!(
        csv_link,
        format!("/api/v1/stats?from={from}&to={to}&format=csv")
    );
    let csv = admin.get(&app, &csv_link).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains(&format!(
            "\r\n{DEPARTMENT},{VEHICLE_ITEM},4,2,1,1,2,5.00,3.50,2,1,1,1,1,0\r\n"
        )),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "a header and two rows: {csv}");

    // The admin's menu leads here
    let home = admin.page(&app, "/", StatusCode::OK).await;
    assert!(home.contains(r#"<a href="/admin/stats">"#));
}

#[tokio::test]
async fn the_department_filter_narrows_the_dashboard_and_the_api_series_to_one_department() {
    // Arrange
    let app = spawn_app().await;
    let week = Week::new();
    scripted_week(&app, &week).await;
    let (from, to) = week.range();
    let admin = Browser::login(&app, ADMIN).await;
    let token = app.login(ADMIN, PASSWORD).await;

    for (department, per_day, figures, other) in [
        (
            DEPARTMENT,
            VEHICLE_PER_DAY,
            VEHICLE_FIGURES,
            MARKET_REGULATION,
        ),
        (
            MARKET_REGULATION,
            MARKET_PER_DAY,
            MARKET_FIGURES,
            DEPARTMENT,
        ),
    ] {
        // Act
        let html = admin
            .page(
                &app,
                &dashboard_path(&from, &to, Some(department)),
                StatusCode::OK,
            )
            .await;
        let api = json_body(
            app.get(
                &format!("/api/v1/stats?from={from}&to={to}&department={department}"),
                Some(&token),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        // Assert
        let expected = expected_days(&week, per_day);
        assert_eq!(chart_counts(&html), expected, "{department}");
        assert_eq!(table_counts(&html), expected, "{department}");
        assert_eq!(row(&html, department), figures);
        assert!(
            !row_keys(&html).iter().any(|k| k.starts_with(other)),
            "{other} is filtered out"
        );
        assert!(html.contains(&format!(r#"<option value="{department}" selected>"#)));
        assert!(
            html.contains(&format!(r#"<option value="{other}">"#)),
            "the others stay offered"
        );
        assert_eq!(api["received_by_day"], expected_by_day(&week, per_day));
        let csv_link = attribute_after(&html, r#"id="dashboard-csv" href=""#).unwrap();
        assert!(
            csv_link.contains(&format!("department={department}")),
            "{csv_link}"
        );
    }

    // A department that does not exist is an error beside the filter, not an empty page
    let unknown = admin
        .page(
            &app,
            &dashboard_path(&from, &to, Some("no-such-department")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(unknown.contains(r#"id="error-department""#));
    assert!(unknown.contains(r#"aria-describedby="error-department""#));
    assert!(!unknown.contains(r#"id="dashboard-table""#));
}

#[tokio::test]
async fn only_admins_see_the_dashboard_a_reviewer_gets_403_and_the_anonymous_the_login() {
    // Arrange
    let app = spawn_app().await;
    let reviewer = Browser::login(&app, REVIEWER).await;
    let citizen = Browser::login(&app, CITIZEN).await;
    let path = "/admin/stats?from=2026-01-01&to=2026-01-31";

    // Act
    let as_reviewer = reviewer.page(&app, path, StatusCode::FORBIDDEN).await;
    let as_citizen = citizen.page(&app, path, StatusCode::FORBIDDEN).await;
    let anonymous = app.get(path, None).await;
    let reviewer_home = reviewer.page(&app, "/", StatusCode::OK).await;

    // Assert
    for page in [&as_reviewer, &as_citizen] {
        assert!(page.contains("此功能仅限平台管理员"), "{page}");
        assert!(!page.contains(r#"id="received-chart""#));
    }
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()[LOCATION],
        "/login?next=%2Fadmin%2Fstats%3Ffrom%3D2026-01-01%26to%3D2026-01-31"
    );
    assert!(
        !reviewer_home.contains(r#"href="/admin/stats""#),
        "not in a reviewer's menu"
    );
}

#[tokio::test]
async fn a_bad_date_comes_back_422_with_the_error_beside_its_field() {
    // Arrange
    let app = spawn_app().await;
    let admin = Browser::login(&app, ADMIN).await;

    // Act
    let malformed = admin
        .page(
            &app,
            "/admin/stats?from=2026-13-01&to=2026-12-31",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let reversed = admin
        .page(
            &app,
            "/admin/stats?from=2026-12-01&to=2026-11-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;

    // Assert: the message beside the field it is about, the field marked, the text kept
    assert!(malformed.contains(r#"id="form-errors""#));
    let field = between(&malformed, r#"<label for="field-from">"#, "</div>");
    assert!(
        field.contains(
            r#"<span class="field-error" id="error-from">日期格式应为 YYYY-MM-DD</span>"#
        ),
        "{field}"
    );
    assert!(field.contains(r#"value="2026-13-01""#));
    assert!(field.contains(r#"aria-invalid="true" aria-describedby="error-from""#));
    assert!(!malformed.contains(r#"id="error-to""#));
    let field = between(&reversed, r#"<label for="field-to">"#, "</div>");
    assert!(
        field.contains(r#"id="error-to">结束日期不能早于开始日期</span>"#),
        "{field}"
    );
    for page in [&malformed, &reversed] {
        assert!(
            !page.contains(r#"id="received-chart""#),
            "no figures for a bad range"
        );
        assert!(!page.contains(r#"id="dashboard-csv""#));
    }
}

#[tokio::test]
async fn the_public_monthly_chart_counts_each_month_of_the_last_year_from_one_series() {
    // Arrange
    let app = spawn_app().await;
    let week = Week::new();
    let days = scripted_week(&app, &week).await;
    let (from, to) = week.range();
    let last = week.day(6);
    let months = |first: NaiveDate| -> Vec<String> {
        (1..=last.month())
            .map(|month| {
                let count = days
                    .iter()
                    .filter(|d| *d >= &first && *d <= &last && d.year() == last.year())
                    .filter(|d| d.month() == month)
                    .count();
                format!("<li>{}年{month}月：{count} 件</li>", last.year())
            })
            .collect()
    };
    let year_start = NaiveDate::from_ymd_opt(last.year(), 1, 1).unwrap();

    // Act: the range from the year's first day, and one within it
    let whole = app
        .get(&format!("/stats?from={year_start}&to={to}"), None)
        .await;
    let part = app.get(&format!("/stats?from={from}&to={to}"), None).await;

    // Assert: every month of the year up to the range's last, whatever the range's first day
    for response in [whole, part] {
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        let list = between(&html, r#"<svg id="monthly-chart""#, "</section>");
        assert_eq!(
            all_between(list, "<li>", "</li>")
                .iter()
                .map(|li| format!("<li>{li}</li>"))
                .collect::<Vec<_>>(),
            months(year_start)
        );
        assert_eq!(
            all_between(list, "<title>", "</title>").len(),
            last.month() as usize,
            "a column per month"
        );
    }
}
