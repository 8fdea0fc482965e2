//! Statistics for performance assessment (绩效考核) and satisfaction ratings: a scripted scenario
//! whose figures are known in advance, checked to the number in JSON and CSV; who may see what;
//! and the rating's refusals.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, CITIZEN, DEPARTMENT, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, Vehicle,
    days_from_today, error_body, id_number, json_body, spawn_app,
};

/// A fresh citizen (`stats.<n>`) owning an eligible car of their own; returns their token and
/// the form for that car (no paper mark, so approval completes the case at once).
pub(crate) async fn resident(app: &TestApp, n: u32) -> (String, Value) {
    let login = format!("stats.{n}");
    let id = id_number(200 + n);
    app.add_citizen(&login, "李统计", &id).await;
    let vehicle = Vehicle::eligible(
        &format!("粤S7T{n:03}"),
        &format!("LSVAU2180N2{n:06}"),
        &id,
        "李统计",
    );
    app.register_vehicle(&vehicle).await;
    (app.login(&login, PASSWORD).await, vehicle.form(false))
}

/// Submits through `channel`; returns the application number.
pub(crate) async fn apply(app: &TestApp, token: &str, form: &Value, channel: &str) -> String {
    let body = json_body(
        app.submit_body(
            token,
            VEHICLE_ITEM,
            json!({ "form": form, "channel": channel }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    body["number"].as_str().unwrap().to_string()
}

/// The courier collects the materials: the case is under review.
pub(crate) async fn collect(app: &TestApp, number: &str) {
    let pickup = app.tracking_number(number, "pickup").await;
    json_body(
        app.courier_event(&pickup, "picked-up").await,
        StatusCode::OK,
    )
    .await;
}

async fn rate(app: &TestApp, token: &str, number: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/applications/{number}/rating"),
        Some(token),
        &body,
    )
    .await
}

pub(crate) async fn rate_ok(app: &TestApp, token: &str, number: &str, score: i64) {
    let body = json_body(
        rate(app, token, number, json!({ "score": score })).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (&body["number"], &body["score"]),
        (&json!(number), &json!(score))
    );
    // A bad rating (2 or less) opens a rectification and says when it is due.
    assert_eq!(body["rectification_due"].is_string(), score <= 2, "{body}");
}

/// RFC 3339 UTC, as stored, `days` ago from now.
fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Moves a case's submission, and its events with `seq` in `seqs`, to `at`, with a read-write
/// connection of the test's own (the host has no way to do this, on purpose).
pub(crate) async fn backdate(
    app: &TestApp,
    number: &str,
    at: &str,
    seqs: std::ops::RangeInclusive<i64>,
) {
    let db = sqlx::AnyPool::connect(&app.database_url())
        .await
        .expect("opening the database read-write");
    if *seqs.start() == 1 {
        sqlx::query("UPDATE cases SET submitted_at = $1 WHERE number = $2")
            .bind(at)
            .bind(number)
            .execute(&db)
            .await
            .unwrap();
    }
    sqlx::query(
        "UPDATE case_events SET at = $1
         WHERE case_id = (SELECT id FROM cases WHERE number = $2) AND seq >= $3 AND seq <= $4",
    )
    .bind(at)
    .bind(number)
    .bind(*seqs.start())
    .bind(*seqs.end())
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
}

fn stats_path(from: &str, to: &str, extra: &str) -> String {
    format!("/api/v1/stats?from={from}&to={to}{extra}")
}

#[tokio::test]
async fn a_scripted_month_gives_the_figures_known_in_advance_in_json_and_csv() {
    // Arrange: six applications to the vehicle office, one per citizen.
    //   A web        approved today                    0 days, on time, rated 5
    //   B mobile     approved today                    0 days, on time, rated 4
    //   C wechat     submitted 14 days ago, materials requested at once, resubmitted 7 days ago,
    //                approved today: 10 working days (any 14 consecutive days hold 10 weekdays;
    //                the test deployment has no holidays), 5 of them waiting on the applicant,
    //                so 5 count against the promised 5: on time, rated 3
    //   D alipay     rejected today                    0 days, on time (a refusal completes too)
    //   E wechat     awaiting the courier              open
    //   F department submitted 14 days ago, approved today: 10 working days > 5, overdue, rated 2
    // So: received 6, completed 5, on time 4, overdue 1, open 1, average handling days
    // (0+0+10+0+10)/5 = 4.00, satisfaction (5+4+3+2)/4 = 3.50 over 4 ratings, channels
    // web 1, mobile 1, wechat 2, alipay 1, department 1.
    let app = spawn_app().await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let mut numbers = Vec::new();
    let mut tokens = Vec::new();
    for (n, channel) in ["web", "mobile", "wechat", "alipay", "wechat", "department"]
        .into_iter()
        .enumerate()
    {
        let (token, form) = resident(&app, n as u32).await;
        numbers.push(apply(&app, &token, &form, channel).await);
        tokens.push(token);
    }
    let [a, b, c, d, _e, f] = &numbers[..] else {
        unreachable!()
    };
    for number in [a, b, c, d, f] {
        collect(&app, number).await;
    }
    for number in [a, b, f] {
        assert_eq!(
            app.act_ok(&reviewer, number, "approve", None).await,
            "completed"
        );
    }
    app.act_ok(&reviewer, c, "request-materials", Some("行驶证照片不清晰"))
        .await;
    app.act_ok(&tokens[2], c, "resubmit", None).await;
    assert_eq!(app.act_ok(&reviewer, c, "approve", None).await, "completed");
    app.act_ok(&reviewer, d, "reject", Some("车辆信息与登记不符"))
        .await;
    assert_eq!(
        app.event_actions(c).await,
        [
            "submit",
            "request-pickup",
            "picked-up",
            "request-materials",
            "resubmit",
            "approve"
        ]
    );
    backdate(&app, c, &days_ago(14), 1..=4).await;
    backdate(&app, c, &days_ago(7), 5..=5).await;
    backdate(&app, f, &days_ago(14), 1..=3).await;
    for (i, score) in [(0, 5), (1, 4), (2, 3), (5, 2)] {
        rate_ok(&app, &tokens[i], &numbers[i], score).await;
    }
    let (from, to) = (days_from_today(-30), days_from_today(0));

    // Act
    let report = json_body(
        app.get(&stats_path(&from, &to, ""), Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    let csv = app
        .get(&stats_path(&from, &to, "&format=csv"), Some(&admin))
        .await;

    // Assert: JSON, the department and its one item alike
    let figures = json!({
        "received": 6,
        "completed": 5,
        "completed_on_time": 4,
        "completed_overdue": 1,
        "open": 1,
        "average_handling_days": 4.0,
        "satisfaction": { "average": 3.5, "count": 4 },
        "by_channel": { "web": 1, "mobile": 1, "wechat": 2, "alipay": 1, "department": 1 },
    });
    let mut item = figures.clone();
    item["item"] = json!(VEHICLE_ITEM);
    let mut department = figures;
    department["department"] = json!(DEPARTMENT);
    department["items"] = json!([item]);
    assert_eq!(
        report,
        json!({
            "from": from,
            "to": to,
            "departments": [department],
            "received_by_day": [
                { "date": days_from_today(-14), "received": 2 },
                { "date": to, "received": 4 },
            ],
        })
    );

    // Assert: CSV, one row per department and item
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(
        csv.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        csv.text().await.unwrap(),
        format!(
            "department,item,received,completed,completed_on_time,completed_overdue,open,\
             average_handling_days,satisfaction_average,satisfaction_count,channel_web,\
             channel_mobile,channel_wechat,channel_alipay,channel_department\r\n\
             {DEPARTMENT},{VEHICLE_ITEM},6,5,4,1,1,4.00,3.50,4,1,1,2,1,1\r\n"
        )
    );

    // Assert: the range is by submission day: today alone holds A, B, D and E
    let today = json_body(
        app.get(&stats_path(&to, &to, ""), Some(&reviewer)).await,
        StatusCode::OK,
    )
    .await;
    let only = &today["departments"][0];
    assert_eq!(
        (
            &only["received"],
            &only["completed"],
            &only["completed_on_time"],
            &only["open"]
        ),
        (&json!(4), &json!(3), &json!(3), &json!(1)),
        "{today}"
    );
    assert_eq!(only["average_handling_days"], json!(0.0));
    assert_eq!(only["satisfaction"], json!({ "average": 4.5, "count": 2 }));
}

#[tokio::test]
async fn admins_see_every_department_staff_their_own_and_citizens_none() {
    // Arrange: one completed case of the vehicle office today
    let app = spawn_app().await;
    let (token, form) = resident(&app, 1).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = apply(&app, &token, &form, "web").await;
    collect(&app, &number).await;
    app.act_ok(&reviewer, &number, "approve", None).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let other = app.login("market-regulation", PASSWORD).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let today = days_from_today(0);
    let path = |extra: &str| stats_path(&today, &today, extra);
    let departments = |report: &Value| -> Vec<String> {
        report["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["department"].as_str().unwrap().to_string())
            .collect()
    };

    // Act / Assert: admins, all or one
    let all = json_body(app.get(&path(""), Some(&admin)).await, StatusCode::OK).await;
    assert_eq!(departments(&all), [DEPARTMENT]);
    let filtered = json_body(
        app.get(&path("&department=dongguan-tax"), Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(departments(&filtered).is_empty(), "{filtered}");

    // Staff: their own by default and by name; another department's is refused
    let own = json_body(app.get(&path(""), Some(&reviewer)).await, StatusCode::OK).await;
    assert_eq!(own["departments"][0]["received"], 1);
    let named = json_body(
        app.get(&path(&format!("&department={DEPARTMENT}")), Some(&reviewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(named, own);
    let theirs = json_body(app.get(&path(""), Some(&other)).await, StatusCode::OK).await;
    assert!(departments(&theirs).is_empty(), "{theirs}");
    error_body(
        app.get(&path(&format!("&department={DEPARTMENT}")), Some(&other))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Citizens and the anonymous
    error_body(
        app.get(&path(""), Some(&citizen)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    error_body(
        app.get(&path(""), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    // Bad dates, a reversed range, missing dates, an unknown format
    for query in [
        "/api/v1/stats?from=2026-13-01&to=2026-12-01".to_string(),
        "/api/v1/stats?from=2026-12-01&to=2026-11-01".to_string(),
        "/api/v1/stats?to=2026-12-01".to_string(),
        "/api/v1/stats".to_string(),
    ] {
        error_body(
            app.get(&query, Some(&admin)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        )
        .await;
    }
    error_body(
        app.get(&path("&format=xlsx"), Some(&admin)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_format",
    )
    .await;

    // The routes are documented
    let document = json_body(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    for route in ["/api/v1/stats", "/api/v1/applications/{number}/rating"] {
        assert!(document["paths"][route].is_object(), "{route} is missing");
    }
}

#[tokio::test]
async fn the_applicant_rates_a_finished_case_once_and_no_one_else_can() {
    // Arrange: one case still open, one completed
    let app = spawn_app().await;
    let (token, form) = resident(&app, 1).await;
    let (second_token, second_form) = resident(&app, 2).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let stranger = app.login(CITIZEN, PASSWORD).await;
    let number = apply(&app, &token, &form, "mobile").await;
    let open = apply(&app, &second_token, &second_form, "web").await;
    collect(&app, &number).await;

    // Act / Assert: not before it is finished
    error_body(
        rate(&app, &token, &number, json!({ "score": 5 })).await,
        StatusCode::CONFLICT,
        "wrong_state",
    )
    .await;
    error_body(
        rate(&app, &second_token, &open, json!({ "score": 5 })).await,
        StatusCode::CONFLICT,
        "wrong_state",
    )
    .await;
    app.act_ok(&reviewer, &number, "approve", None).await;

    // Not by someone else, not by staff, not with a score outside 1..=5
    error_body(
        rate(&app, &stranger, &number, json!({ "score": 5 })).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    error_body(
        rate(&app, &reviewer, &number, json!({ "score": 5 })).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for score in [0, 6] {
        error_body(
            rate(&app, &token, &number, json!({ "score": score })).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        )
        .await;
    }
    assert_eq!(app.count("ratings").await, 0);

    // The applicant, once
    let rated = json_body(
        rate(
            &app,
            &token,
            &number,
            json!({ "score": 4, "comment": "  快递上门很方便 " }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(rated, json!({ "number": number, "score": 4 }));
    error_body(
        rate(&app, &token, &number, json!({ "score": 1 })).await,
        StatusCode::CONFLICT,
        "already_rated",
    )
    .await;

    // Stored once, as first given (the comment trimmed)
    let stored: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT r.score, r.comment FROM ratings r JOIN cases c ON c.id = r.case_id
         WHERE c.number = $1",
    )
    .bind(&number)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, [(4, Some("快递上门很方便".to_string()))]);
    assert_eq!(app.count("ratings").await, 1);
}
