//! Applying for the new-car inspection exemption (新车6年免检): what an eligible application
//! stores, and how each ineligibility is refused without storing a case.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    CITIZEN, CITIZEN_ID, DEPARTMENT, ELIGIBLE_PLATE, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM,
    Vehicle, days_from_today, eligible_form, error_body, field_errors, find, id_number,
    is_application_number, json_body, spawn_app,
};

#[tokio::test]
async fn an_eligible_application_is_201_and_stores_a_case_awaiting_the_couriers_pickup() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let form = eligible_form(true);

    // Act
    let response = app.submit(&token, VEHICLE_ITEM, form.clone()).await;

    // Assert: the response
    let body = json_body(response, StatusCode::CREATED).await;
    let number = body["number"].as_str().expect("number");
    assert!(is_application_number(number), "{number}");
    assert_eq!(body["state"], "awaiting-pickup");
    assert_eq!(body["item"], VEHICLE_ITEM);
    let due_date = body["due_date"].as_str().expect("due_date");
    assert!(due_date > days_from_today(0).as_str(), "due {due_date}");

    // Assert: the case, pinned to the version that ran
    let case = app.case_row(number).await;
    assert_eq!(case.item_code, VEHICLE_ITEM);
    assert_eq!(
        case.item_version,
        body["version"].as_str().expect("version")
    );
    let version: String = sqlx::query_scalar("SELECT version FROM item_versions WHERE sha256 = $1")
        .bind(&case.item_sha256)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(version, case.item_version);
    assert_eq!(case.department, DEPARTMENT);
    assert_eq!(case.applicant_id, app.user_id(CITIZEN).await);
    assert_eq!(case.state, "awaiting-pickup");
    assert_eq!(serde_json::from_str::<Value>(&case.form).unwrap(), form);
    assert_eq!(case.due_date, due_date);
    assert_eq!(case.completed_at, None);
    assert!(
        serde_json::from_str::<Value>(&case.derived)
            .unwrap()
            .is_object(),
        "{}",
        case.derived
    );
    let stored_at: chrono::DateTime<chrono::Utc> = case.submitted_at.parse().unwrap();
    assert_eq!(
        Some(stored_at),
        body["submitted_at"].as_str().and_then(|t| t.parse().ok())
    );

    // Assert: submitted, then the item's automatic step asked a courier to collect the materials
    let events = app.events(number).await;
    let steps: Vec<(&str, Option<&str>, &str)> = events
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.from_state.as_deref(),
                e.to_state.as_str(),
            )
        })
        .collect();
    let expected: [(&str, Option<&str>, &str); 2] = [
        ("submit", None, "submitted"),
        ("request-pickup", Some("submitted"), "awaiting-pickup"),
    ];
    assert_eq!(steps, expected);
    assert_eq!(events[0].actor_role, "citizen");
    let deliveries = app.deliveries(number).await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(
        (deliveries[0].1.as_str(), deliveries[0].2.as_str()),
        ("pickup", "requested")
    );

    // Assert: the applicant is told, and the registry reads are in the ledger under the case
    let recipients: Vec<i64> = sqlx::query_scalar(
        "SELECT o.recipient_id FROM outbox o JOIN cases c ON c.id = o.case_id WHERE c.number = $1",
    )
    .bind(number)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(recipients, vec![case.applicant_id]);
    let datasets: Vec<String> = sqlx::query_scalar(
        "SELECT dataset FROM data_use_log WHERE case_number = $1 AND subject_id = $2 AND item_code = $3 AND found = 1",
    )
    .bind(number)
    .bind(CITIZEN_ID)
    .bind(VEHICLE_ITEM)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(
        datasets.iter().any(|d| d == "vehicle-registry"),
        "{datasets:?}"
    );
}

#[tokio::test]
async fn the_applicant_finds_the_application_its_notification_and_the_data_it_used() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;

    // Act
    let number = app.apply_for_eligible_vehicle(&token, true).await;

    // Assert
    let view = app.application(&token, &number).await;
    assert_eq!(view["number"], number.as_str());
    assert_eq!(view["item"], VEHICLE_ITEM);
    assert_eq!(view["state"], "awaiting-pickup");
    assert_eq!(
        view["item_version"],
        app.case_row(&number).await.item_version.as_str()
    );
    assert_eq!(view["form"]["plate_number"], ELIGIBLE_PLATE);
    assert!(view["derived"].is_object(), "{view}");
    for event in view["events"].as_array().expect("events") {
        assert!(
            event["seq"].is_i64() && event["at"].is_string() && event["to_state"].is_string(),
            "{event}"
        );
    }
    let actions: Vec<&str> = view["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actions, ["submit", "request-pickup"]);
    assert_eq!(
        find(&view["deliveries"], "kind", "pickup").len(),
        1,
        "{view}"
    );
    assert_eq!(view["certificates"], json!([]));
    assert_eq!(
        view["available_actions"],
        json!([]),
        "the courier acts next, not the applicant"
    );

    let mine = app.get_json("/api/v1/me/applications", &token).await;
    let listed = find(&mine, "number", &number);
    assert_eq!(listed.len(), 1, "{mine}");
    assert_eq!(listed[0]["state"], "awaiting-pickup");
    assert_eq!(listed[0]["item"], VEHICLE_ITEM);

    let notifications = app.get_json("/api/v1/me/notifications", &token).await;
    let about_case = find(&notifications, "case_number", &number);
    assert_eq!(about_case.len(), 1, "{notifications}");
    for field in ["subject", "body", "created_at", "status"] {
        assert!(
            about_case[0][field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {notifications}"
        );
    }
    assert!(
        about_case[0]["body"].as_str().unwrap().contains(&number),
        "the message names the case"
    );

    let data_use = app.get_json("/api/v1/me/data-use", &token).await;
    let reads = find(&data_use, "case_number", &number);
    assert!(
        reads
            .iter()
            .any(|r| r["dataset"] == "vehicle-registry" && r["record_key"] == ELIGIBLE_PLATE),
        "{data_use}"
    );
    for read in reads {
        assert!(
            read["at"]
                .as_str()
                .is_some_and(|at| at.parse::<chrono::DateTime<chrono::Utc>>().is_ok()),
            "{read}"
        );
        assert_eq!(read["item_code"], VEHICLE_ITEM);
        assert_eq!(read["actor_role"], "citizen");
        assert!(
            read["purpose"].as_str().is_some_and(|p| !p.is_empty()),
            "{read}"
        );
    }
}

#[tokio::test]
async fn the_channel_an_application_came_through_is_recorded() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let body = json!({ "form": eligible_form(false), "channel": "wechat" });

    // Act
    let response = app.submit_body(&token, VEHICLE_ITEM, body).await;

    // Assert
    let created = json_body(response, StatusCode::CREATED).await;
    let number = created["number"].as_str().unwrap();
    assert_eq!(app.case_row(number).await.channel, "wechat");
    assert_eq!(app.application(&token, number).await["channel"], "wechat");
}

#[tokio::test]
async fn a_freshly_registered_vehicle_of_a_new_citizen_is_eligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let vehicle = applicant.vehicle();
    app.register_vehicle(&vehicle).await;

    // Act
    let response = app
        .submit(&applicant.token, VEHICLE_ITEM, applicant.form(&vehicle))
        .await;

    // Assert
    let body = json_body(response, StatusCode::CREATED).await;
    let case = app.case_row(body["number"].as_str().unwrap()).await;
    assert_eq!(case.applicant_id, applicant.user_id);
    assert_eq!(case.state, "awaiting-pickup");
}

// --- one refusal per eligibility rule: a fresh citizen's fresh vehicle with one fact broken

#[tokio::test]
async fn a_vehicle_missing_from_the_registry_is_ineligible_and_the_failed_lookup_is_logged() {
    // Arrange: nothing registered
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let vehicle = applicant.vehicle();

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "vehicle-not-found",
    )
    .await;
    let found: Vec<i64> = sqlx::query_scalar(
        "SELECT found FROM data_use_log WHERE dataset = 'vehicle-registry' AND record_key LIKE '%' || $1 || '%'",
    )
    .bind(&vehicle.plate)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(
        !found.is_empty() && found.iter().all(|f| *f == 0),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_vin_that_does_not_match_the_registry_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let vehicle = applicant.vehicle();
    app.register_vehicle(&vehicle).await;
    let mut form = applicant.form(&vehicle);
    form["vin_last6"] = json!("000000");

    // Act and assert
    assert_ineligible(&app, &applicant, form, "vin-mismatch").await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_registered_to_someone_else_is_ineligible_and_the_read_is_shown_to_its_owner() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.owner_id = id_number(500);
    vehicle.owner_name = "赵六".into();
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(&app, &applicant, applicant.form(&vehicle), "not-owner").await;
    let about_owner = app.data_uses_about(&vehicle.owner_id).await;
    assert!(
        about_owner
            .iter()
            .any(|(dataset, ..)| dataset == "vehicle-registry"),
        "{about_owner:?}"
    );
    assert!(
        app.data_uses_about(&applicant.id_number).await.is_empty(),
        "the applicant's own data was not read"
    );
}

#[tokio::test]
async fn a_vehicle_that_is_not_a_small_passenger_car_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.vehicle_type = "heavy-truck".into();
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "not-small-passenger-car",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn an_operating_vehicle_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.use_nature = "operating".into();
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "operating-vehicle",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_registered_more_than_six_years_ago_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.registered_on = days_from_today(-7 * 365);
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "older-than-six-years",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_without_compulsory_insurance_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.insured_until = None;
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "insurance-missing",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_whose_insurance_has_expired_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.insured_until = Some(days_from_today(-1));
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "insurance-expired",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_with_unhandled_violations_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.unhandled_violations = 2;
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "unhandled-violations",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_with_unhandled_accidents_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.unhandled_accidents = 1;
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "unhandled-accidents",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn a_vehicle_that_had_an_accident_with_casualties_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let applicant = Applicant::new(&app).await;
    let mut vehicle = applicant.vehicle();
    vehicle.casualty_accidents = 1;
    app.register_vehicle(&vehicle).await;

    // Act and assert
    assert_ineligible(
        &app,
        &applicant,
        applicant.form(&vehicle),
        "casualty-accident",
    )
    .await;
    applicant.assert_sees_registry_read(&app).await;
}

#[tokio::test]
async fn the_demo_car_with_an_unhandled_violation_is_ineligible() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let before = app.stored().await;

    // Act
    let mut form = eligible_form(true);
    form["plate_number"] = json!("粤S54321");
    form["vin_last6"] = json!("654321");
    let response = app.submit(&token, VEHICLE_ITEM, form).await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    let codes: Vec<String> = field_errors(&error)
        .into_iter()
        .map(|(_, code)| code)
        .collect();
    assert!(
        codes.contains(&"unhandled-violations".to_string()),
        "{codes:?}"
    );
    assert_eq!(app.stored().await, before);
}

// --- refusals before the item is asked

#[tokio::test]
async fn a_form_that_breaks_the_schema_is_422_invalid_form_naming_each_bad_field_and_stores_nothing()
 {
    // Arrange: a plate that is not text, a yes/no that is not a boolean, the VIN left out
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;
    let mut form = eligible_form(true);
    form["plate_number"] = json!(12345);
    form["wants_paper_mark"] = json!("yes");
    form.as_object_mut().unwrap().remove("vin_last6");
    let before = app.stored().await;

    // Act
    let response = app.submit(&token, VEHICLE_ITEM, form).await;

    // Assert
    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form").await;
    let fields: Vec<String> = field_errors(&error)
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    for bad in ["plate_number", "wants_paper_mark", "vin_last6"] {
        assert!(
            fields.iter().any(|f| f == bad),
            "{bad} is not named in {fields:?}"
        );
    }
    assert_eq!(app.stored().await, before);
    assert_eq!(
        app.count("data_use_log").await,
        0,
        "the item was not asked, so no registry was read"
    );
}

#[tokio::test]
async fn applying_without_a_token_is_401_unauthenticated() {
    // Arrange
    let app = spawn_app().await;
    let body = json!({ "form": eligible_form(true) });

    // Act
    let response = app
        .post(
            &format!("/api/v1/items/{VEHICLE_ITEM}/applications"),
            None,
            &body,
        )
        .await;

    // Assert
    error_body(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn staff_cannot_apply_403_forbidden() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(REVIEWER, PASSWORD).await;

    // Act
    let response = app.submit(&token, VEHICLE_ITEM, eligible_form(true)).await;

    // Assert
    error_body(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.count("data_use_log").await, 0);
}

#[tokio::test]
async fn applying_for_an_unknown_item_is_404_not_found() {
    // Arrange
    let app = spawn_app().await;
    let token = app.login(CITIZEN, PASSWORD).await;

    // Act
    let response = app.submit(&token, "no-such-item", json!({})).await;

    // Assert
    error_body(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.count("cases").await, 0);
}

/// A citizen other than the demo one, logged in, with a car of their own to register.
struct Applicant {
    token: String,
    user_id: i64,
    id_number: String,
}

impl Applicant {
    async fn new(app: &TestApp) -> Applicant {
        let id_number = id_number(7);
        let user_id = app.add_citizen("wang.wu", "王五", &id_number).await;
        let token = app.login("wang.wu", PASSWORD).await;
        Applicant {
            token,
            user_id,
            id_number,
        }
    }

    fn vehicle(&self) -> Vehicle {
        Vehicle::eligible("粤S8B765", "LSVAU2180N2987654", &self.id_number, "王五")
    }

    /// The applicant's form for `vehicle`, with their own name and ID number.
    fn form(&self, vehicle: &Vehicle) -> Value {
        let mut form = vehicle.form(true);
        form["owner_name"] = json!("王五");
        form["owner_id_number"] = json!(self.id_number);
        form
    }

    /// The applicant's data-use page shows the item's read of the vehicle registry.
    async fn assert_sees_registry_read(&self, app: &TestApp) {
        let data_use = app.get_json("/api/v1/me/data-use", &self.token).await;
        let reads = find(&data_use, "dataset", "vehicle-registry");
        assert!(
            reads.iter().any(|r| r["item_code"] == VEHICLE_ITEM),
            "{data_use}"
        );
    }
}

/// Submits `form` and checks the refusal: 422 `ineligible` naming `code`, no case, event,
/// delivery, notification or certificate stored — but the registry reads the item made are in the
/// data-use ledger.
async fn assert_ineligible(app: &TestApp, applicant: &Applicant, form: Value, code: &str) {
    let before = app.stored().await;
    let reads_before = app.count("data_use_log").await;

    let response = app.submit(&applicant.token, VEHICLE_ITEM, form).await;

    let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY, "ineligible").await;
    let codes: Vec<String> = field_errors(&error)
        .into_iter()
        .map(|(_, code)| code)
        .collect();
    assert!(
        codes.iter().any(|c| c == code),
        "expected {code} among {codes:?}"
    );
    assert_eq!(
        app.stored().await,
        before,
        "a refused application stores nothing"
    );
    assert!(
        app.count("data_use_log").await > reads_before,
        "the registry reads are in the data-use ledger"
    );
}
