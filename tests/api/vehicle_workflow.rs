//! Working a vehicle case: courier events, the reviewer's decisions, the applicant's resubmission,
//! and every refusal leaving the case exactly as it was.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, CITIZEN, CITIZEN_ID, CITIZEN_NAME, PASSWORD, REVIEWER, VEHICLE_ITEM, days_from_today,
    error_body, find, id_number, json_body, spawn_app,
};
use yiwang_host::model::actor::Role;

#[tokio::test]
async fn the_whole_flow_ends_completed_with_exactly_one_inspection_mark_mailed_to_the_applicant() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    let pickup = app.tracking_number(&number, "pickup").await;

    // Act: the courier collects the paper materials
    let collected = json_body(
        app.courier_event(&pickup, "picked-up").await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(collected["tracking_number"], pickup.as_str());
    assert_eq!(collected["status"], "picked-up");
    assert_eq!(collected["case_state"], "under-review");
    let view = app.application(&reviewer, &number).await;
    for action in ["approve", "reject", "request-materials"] {
        assert!(
            available(&view).contains(&action.to_string()),
            "{action} for the reviewer: {view}"
        );
    }
    assert!(available(&app.application(&citizen, &number).await).is_empty());

    // Act: the reviewer approves
    let state = app.act_ok(&reviewer, &number, "approve", None).await;

    // Assert: one inspection mark, valid two years, and a shipment on its way
    assert_eq!(state, "approved");
    let view = app.application(&citizen, &number).await;
    let certificates = view["certificates"].as_array().expect("certificates");
    assert_eq!(certificates.len(), 1, "{view}");
    let mark = &certificates[0];
    assert_eq!(mark["kind"], "inspection-mark");
    assert_eq!(mark["holder"], CITIZEN_ID);
    assert_eq!(mark["case_number"], number.as_str());
    let issued_on = date(&mark["issued_on"]);
    let today = date(&days_from_today(0).into());
    assert!(
        (today - issued_on).num_days().abs() <= 1,
        "issued on {issued_on}, today is {today}"
    );
    assert_eq!(
        date(&mark["valid_until"]),
        issued_on + chrono::Duration::days(730),
        "valid two years: {mark}"
    );
    let serial = mark["serial"].as_str().expect("serial").to_string();
    let shipment = app.tracking_number(&number, "shipment").await;
    assert_eq!(
        find(&view["deliveries"], "tracking_number", &shipment)[0]["status"],
        "requested"
    );

    // Act: approving again is refused and issues nothing
    let again = app.act(&reviewer, &number, "approve", None).await;

    // Assert
    error_body(again, StatusCode::CONFLICT, "wrong_state").await;
    assert_eq!(app.count_for_case("certificates", &number).await, 1);
    // The reviewer's decision is in the audit chain once; the refused one is not.
    assert_eq!(app.audit_count("case.approve", &number).await, 1);

    // Act: the courier delivers the mark
    let delivered = json_body(
        app.courier_event(&shipment, "delivered").await,
        StatusCode::OK,
    )
    .await;

    // Assert: completed, everything on record
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["case_state"], "completed");
    let case = app.case_row(&number).await;
    assert_eq!(case.state, "completed");
    assert!(case.completed_at.is_some());
    assert_eq!(
        app.event_actions(&number).await,
        [
            "submit",
            "request-pickup",
            "picked-up",
            "approve",
            "delivered"
        ]
    );
    let statuses: Vec<(String, String)> = app
        .deliveries(&number)
        .await
        .into_iter()
        .map(|(_, kind, status)| (kind, status))
        .collect();
    let expected = [("pickup", "picked-up"), ("shipment", "delivered")]
        .map(|(k, s)| (k.to_string(), s.to_string()));
    assert_eq!(statuses, expected);
    let (kind, holder, valid_until): (String, String, Option<String>) =
        sqlx::query_as("SELECT kind, holder, valid_until FROM certificates WHERE serial = $1")
            .bind(&serial)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (kind.as_str(), holder.as_str()),
        ("inspection-mark", CITIZEN_ID)
    );
    assert_eq!(valid_until.as_deref(), mark["valid_until"].as_str());
    assert_eq!(app.count_for_case("certificates", &number).await, 1);
    let mine = app.get_json("/api/v1/me/certificates", &citizen).await;
    assert_eq!(find(&mine, "serial", &serial).len(), 1, "{mine}");
    let view = app.application(&citizen, &number).await;
    assert_eq!(view["state"], "completed");
    assert!(view["completed_at"].is_string(), "{view}");
    assert!(available(&app.application(&reviewer, &number).await).is_empty());
}

#[tokio::test]
async fn approving_without_a_paper_mark_completes_the_case_at_once_without_a_shipment() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, false).await;

    // Act
    let state = app.act_ok(&reviewer, &number, "approve", None).await;

    // Assert
    assert_eq!(state, "completed");
    assert_eq!(app.case_state(&number).await, "completed");
    let kinds: Vec<String> = app
        .deliveries(&number)
        .await
        .into_iter()
        .map(|(_, kind, _)| kind)
        .collect();
    assert_eq!(kinds, ["pickup"]);
    assert_eq!(
        app.application(&citizen, &number).await["state"],
        "completed"
    );
}

#[tokio::test]
async fn the_reviewer_requests_materials_with_a_reason_and_the_applicant_resubmits() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    let before = app.case_snapshot(&number).await;

    // Act: without a reason
    let refused = app.act(&reviewer, &number, "request-materials", None).await;

    // Assert
    error_body(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(app.case_snapshot(&number).await, before);

    // Act: with one
    let reason = "行驶证复印件不清晰,请重新提交";
    let state = app
        .act_ok(&reviewer, &number, "request-materials", Some(reason))
        .await;

    // Assert: the applicant sees the reason and may resubmit
    assert_eq!(state, "materials-requested");
    let view = app.application(&citizen, &number).await;
    assert_eq!(view["state"], "materials-requested");
    assert_eq!(
        find(&view["events"], "action", "request-materials")[0]["comment"],
        reason
    );
    assert!(available(&view).contains(&"resubmit".to_string()), "{view}");

    // Act: the applicant resubmits
    let state = app.act_ok(&citizen, &number, "resubmit", None).await;

    // Assert
    assert_eq!(state, "under-review");
    let last = app.events(&number).await.pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.from_state.as_deref(),
            last.to_state.as_str(),
            last.actor_role.as_str()
        ),
        (
            "resubmit",
            Some("materials-requested"),
            "under-review",
            "citizen"
        )
    );
    let request = app
        .events(&number)
        .await
        .into_iter()
        .find(|e| e.action == "request-materials")
        .unwrap();
    assert_eq!(request.comment.as_deref(), Some(reason));
}

#[tokio::test]
async fn rejecting_needs_a_reason_and_ends_the_case_rejected_without_a_certificate() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let without_reason = app.act(&reviewer, &number, "reject", None).await;
    let empty_reason = app.act(&reviewer, &number, "reject", Some("  ")).await;

    // Assert
    error_body(
        without_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    error_body(
        empty_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "comment_required",
    )
    .await;
    assert_eq!(app.case_snapshot(&number).await, before);

    // Act
    let state = app
        .act_ok(&reviewer, &number, "reject", Some("车辆登记信息与材料不符"))
        .await;

    // Assert
    assert_eq!(state, "rejected");
    let case = app.case_row(&number).await;
    assert_eq!(case.state, "rejected");
    assert!(case.completed_at.is_some(), "a rejection finishes the case");
    assert_eq!(app.count_for_case("certificates", &number).await, 0);
    let last = app.events(&number).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.comment.as_deref()),
        ("reject", Some("车辆登记信息与材料不符"))
    );
}

#[tokio::test]
async fn an_applicant_cannot_approve_their_own_case_403_forbidden_action_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    let before = app.case_snapshot(&number).await;
    let outbox = app.count("outbox").await;

    // Act
    let response = app.act(&citizen, &number, "approve", None).await;

    // Assert
    error_body(response, StatusCode::FORBIDDEN, "forbidden_action").await;
    assert_eq!(app.case_snapshot(&number).await, before);
    assert_eq!(app.count("outbox").await, outbox);
    assert_eq!(app.count("certificates").await, 0);
}

#[tokio::test]
async fn a_reviewer_cannot_resubmit_for_the_applicant_403_forbidden_action() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    app.act_ok(
        &reviewer,
        &number,
        "request-materials",
        Some("请补充保险单"),
    )
    .await;
    let before = app.case_snapshot(&number).await;

    // Act
    let response = app.act(&reviewer, &number, "resubmit", None).await;

    // Assert
    error_body(response, StatusCode::FORBIDDEN, "forbidden_action").await;
    assert_eq!(app.case_snapshot(&number).await, before);
}

#[tokio::test]
async fn an_action_from_the_wrong_state_is_409_wrong_state_and_nothing_changes() {
    // Arrange: the materials have not been collected yet
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let response = app.act(&reviewer, &number, "approve", None).await;

    // Assert
    error_body(response, StatusCode::CONFLICT, "wrong_state").await;
    assert_eq!(app.case_snapshot(&number).await, before);
    assert_eq!(app.count("certificates").await, 0);
}

#[tokio::test]
async fn an_undeclared_action_is_409_undeclared_action_and_nothing_changes() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let response = app.act(&reviewer, &number, "fast-track", None).await;

    // Assert
    error_body(response, StatusCode::CONFLICT, "undeclared_action").await;
    assert_eq!(app.case_snapshot(&number).await, before);
}

#[tokio::test]
async fn another_citizen_cannot_see_or_work_the_case_404_as_if_it_did_not_exist() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    app.add_citizen("li.si", "李四", &id_number(42)).await;
    let stranger = app.login("li.si", PASSWORD).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let seen = app.get_application(&stranger, &number).await;
    let missing = app.get_application(&stranger, "YW-20000101-999999").await;
    let acted = app.act(&stranger, &number, "resubmit", None).await;

    // Assert
    let seen = error_body(seen, StatusCode::NOT_FOUND, "not_found").await;
    let missing = error_body(missing, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(seen["code"], missing["code"]);
    error_body(acted, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.case_snapshot(&number).await, before);
    let theirs = app.get_json("/api/v1/me/applications", &stranger).await;
    assert_eq!(theirs, json!([]));
}

#[tokio::test]
async fn a_reviewer_of_another_department_cannot_see_or_work_the_case_404() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    app.add_department("dongguan-housing-office", "东莞市住房和城乡建设局")
        .await;
    app.add_user(
        "housing.office",
        Role::Reviewer,
        Some("dongguan-housing-office"),
        "住建局审核员",
        None,
    )
    .await;
    let outsider = app.login("housing.office", PASSWORD).await;
    let before = app.case_snapshot(&number).await;

    // Act
    let seen = app.get_application(&outsider, &number).await;
    let acted = app.act(&outsider, &number, "approve", None).await;
    let queue = app.get_json("/api/v1/dept/cases", &outsider).await;

    // Assert
    error_body(seen, StatusCode::NOT_FOUND, "not_found").await;
    error_body(acted, StatusCode::NOT_FOUND, "not_found").await;
    assert!(find(&queue, "number", &number).is_empty(), "{queue}");
    assert_eq!(app.case_snapshot(&number).await, before);
}

#[tokio::test]
async fn the_department_queue_lists_the_case_by_state_for_its_reviewers_and_admins_only() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let admin = app.login(ADMIN, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;

    // Act
    let under_review = app
        .get_json("/api/v1/dept/cases?state=under-review", &reviewer)
        .await;
    let completed = app
        .get_json("/api/v1/dept/cases?state=completed", &reviewer)
        .await;
    let for_admin = app.get_json("/api/v1/dept/cases", &admin).await;
    let for_citizen = app.get("/api/v1/dept/cases", Some(&citizen)).await;

    // Assert
    let listed = find(&under_review, "number", &number);
    assert_eq!(listed.len(), 1, "{under_review}");
    assert_eq!(listed[0]["item"], VEHICLE_ITEM);
    assert_eq!(listed[0]["state"], "under-review");
    assert_eq!(listed[0]["applicant_name"], CITIZEN_NAME);
    assert_eq!(
        listed[0]["due_date"],
        app.case_row(&number).await.due_date.as_str()
    );
    assert!(
        find(&completed, "number", &number).is_empty(),
        "{completed}"
    );
    assert_eq!(find(&for_admin, "number", &number).len(), 1, "{for_admin}");
    error_body(for_citizen, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn courier_events_need_the_couriers_token_a_known_parcel_and_the_right_moment() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, true).await;
    let pickup = app.tracking_number(&number, "pickup").await;
    let before = app.case_snapshot(&number).await;

    // Act
    let without_token = app.courier_event_as(None, &pickup, "picked-up").await;
    let bad_token = app
        .courier_event_as(Some("not-the-courier"), &pickup, "picked-up")
        .await;
    let citizen_token = app
        .courier_event_as(Some(&citizen), &pickup, "picked-up")
        .await;
    let unknown_parcel = app.courier_event("EMS-NO-SUCH-PARCEL", "picked-up").await;
    let too_early = app.courier_event(&pickup, "delivered").await;

    // Assert
    error_body(without_token, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(bad_token, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    error_body(citizen_token, StatusCode::FORBIDDEN, "forbidden").await;
    error_body(unknown_parcel, StatusCode::NOT_FOUND, "not_found").await;
    error_body(too_early, StatusCode::CONFLICT, "wrong_state").await;
    assert_eq!(app.case_snapshot(&number).await, before);

    // Act: the real pick-up, then the same event again
    json_body(
        app.courier_event(&pickup, "picked-up").await,
        StatusCode::OK,
    )
    .await;
    let twice = app.courier_event(&pickup, "picked-up").await;

    // Assert
    error_body(twice, StatusCode::CONFLICT, "wrong_state").await;
    assert_eq!(app.case_state(&number).await, "under-review");
    assert_eq!(
        app.event_actions(&number)
            .await
            .iter()
            .filter(|a| *a == "picked-up")
            .count(),
        1
    );
}

/// A `YYYY-MM-DD` JSON string as a date.
fn date(value: &Value) -> chrono::NaiveDate {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("expected a date, got {value}"));
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a YYYY-MM-DD date: {e}"))
}

/// The actions the viewer of an application may take now.
fn available(view: &Value) -> Vec<String> {
    view["available_actions"]
        .as_array()
        .unwrap_or_else(|| panic!("available_actions: {view}"))
        .iter()
        .map(|a| a.as_str().expect("action names").to_string())
        .collect()
}
