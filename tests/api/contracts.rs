//! Contract versions side by side (`wit/CHANGELOG.md`): a 0.1.0 item and 0.2.0 items served by
//! one host at once, a case submitted under 0.1.0 worked to its end after the item publishes a
//! 0.2.0 version, the 0.2.0 default action of the SDK, and the items' labels on the catalog and
//! case pages instead of their codes. (A denied host call in a 0.2.0 `submit` is in `hostile`,
//! the placement through the 0.2.0 `batch` export in `school_enrollment`, and an unknown contract
//! version refused at upload in `uploads`.)

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    CITIZEN, CRAFTED_DEPARTMENT, CRAFTED_ITEM, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM,
    component_bytes, crafted, json_body, spawn_app, visible_text,
};
use crate::web::Browser;

const DEVELOPER: &str = "crafted.developer";
const CRAFTED_REVIEWER: &str = "crafted.reviewer";

/// The crafted item at 1.0.0 (contract 0.1.0) published and enabled, with a reviewer of its
/// department; returns the developer's token and the department's key.
async fn crafted_v1(app: &TestApp) -> (String, ed25519_dalek::SigningKey) {
    let (developer, key) = app.crafted_item_for(DEVELOPER).await;
    app.add_user(
        CRAFTED_REVIEWER,
        Role::Reviewer,
        Some(CRAFTED_DEPARTMENT),
        "上传测试审核员",
        None,
    )
    .await;
    let staged = app
        .upload_signed(&developer, CRAFTED_ITEM, &crafted("ok"), &key)
        .await;
    assert_eq!(staged["version"], "1.0.0", "{staged}");
    app.publish_and_enable(CRAFTED_ITEM, "1.0.0").await;
    (developer, key)
}

/// `(item_version, state, derived)` of case `number` as stored.
async fn stored_case(app: &TestApp, number: &str) -> (String, String, Value) {
    let (version, state, derived): (String, String, String) =
        sqlx::query_as("SELECT item_version, state, derived FROM cases WHERE number = $1")
            .bind(number)
            .fetch_one(&app.db)
            .await
            .unwrap();
    (version, state, serde_json::from_str(&derived).unwrap())
}

/// The stored events of case `number`, as `(action, to_state)` in order.
async fn stored_events(app: &TestApp, number: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT e.action, e.to_state FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.number = $1 ORDER BY e.seq",
    )
    .bind(number)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn catalog_entry(app: &TestApp, code: &str) -> Value {
    json_body(
        app.get(&format!("/api/v1/items/{code}"), None).await,
        StatusCode::OK,
    )
    .await
}

fn number_of(body: &Value) -> String {
    body["number"]
        .as_str()
        .expect("an application number")
        .to_owned()
}

#[tokio::test]
async fn one_host_serves_a_0_1_0_item_and_0_2_0_items_at_once() {
    // Arrange: the crafted item on 0.1.0 beside the shipped items, all on 0.2.0
    let app = spawn_app().await;
    crafted_v1(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;

    // Act: an application to each, at the same time
    let (old, new) = tokio::join!(
        app.submit(&citizen, CRAFTED_ITEM, json!({"note": "旧合同事项"})),
        app.apply_for_eligible_vehicle(&citizen, false),
    );

    // Assert: both stored, each by its own contract's item
    let old = number_of(&json_body(old, StatusCode::CREATED).await);
    let (version, state, derived) = stored_case(&app, &old).await;
    assert_eq!((version.as_str(), state.as_str()), ("1.0.0", "submitted"));
    assert_eq!(derived, json!({"version": "1.0.0"}));
    let (_, state, derived) = stored_case(&app, &new).await;
    assert_eq!(state, "awaiting-pickup");
    assert!(derived["pickup_tracking_number"].is_string(), "{derived}");
    // The catalog serves both entries; only the 0.2.0 one can declare labels.
    assert_eq!(
        catalog_entry(&app, CRAFTED_ITEM).await["labels"],
        json!({"certificates": {}, "deliveries": {}})
    );
    assert_eq!(
        catalog_entry(&app, VEHICLE_ITEM).await["labels"]["certificates"]["inspection-mark"],
        "机动车检验合格标志（电子）"
    );
}

#[tokio::test]
async fn a_case_submitted_under_0_1_0_is_worked_to_its_end_after_0_2_0_is_published() {
    // Arrange: a case under 1.0.0 (contract 0.1.0) …
    let app = spawn_app().await;
    let (developer, key) = crafted_v1(&app).await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(CRAFTED_REVIEWER, PASSWORD).await;
    let old = number_of(
        &json_body(
            app.submit(&citizen, CRAFTED_ITEM, json!({"note": "旧版本申请"}))
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    // … then the item's 2.0.0, built on the SDK for contract 0.2.0, uploaded and published.
    let staged = app
        .upload_signed(
            &developer,
            CRAFTED_ITEM,
            &component_bytes("yiwang_test_crafted_next"),
            &key,
        )
        .await;
    assert_eq!(staged["version"], "2.0.0", "{staged}");
    json_body(
        app.admin_item(CRAFTED_ITEM, "publish", &json!({"version": "2.0.0"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let new = number_of(
        &json_body(
            app.submit(&citizen, CRAFTED_ITEM, json!({"note": "新版本申请"}))
                .await,
            StatusCode::CREATED,
        )
        .await,
    );

    // Act: the reviewer approves both
    let approved_old = app.act_ok(&reviewer, &old, "approve", None).await;
    let approved_new = app.act_ok(&reviewer, &new, "approve", None).await;

    // Assert: the old case ran on 0.1.0 to its end (its note is the 0.1.0 item's); the new one
    // on 0.2.0, moved by the SDK's default action (no note).
    assert_eq!(
        (approved_old.as_str(), approved_new.as_str()),
        ("approved", "approved")
    );
    let (version, state, derived) = stored_case(&app, &old).await;
    assert_eq!((version.as_str(), state.as_str()), ("1.0.0", "approved"));
    assert_eq!(derived, json!({"version": "1.0.0"}));
    let (version, _, derived) = stored_case(&app, &new).await;
    assert_eq!(version, "2.0.0");
    assert_eq!(derived, json!({"version": "2.0.0", "contract": "0.2.0"}));
    let steps = vec![
        ("submit".to_owned(), "submitted".to_owned()),
        ("approve".to_owned(), "approved".to_owned()),
    ];
    assert_eq!(stored_events(&app, &old).await, steps);
    assert_eq!(stored_events(&app, &new).await, steps);
    let notes: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT e.note FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE e.action = 'approve' ORDER BY c.number",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(notes, vec![Some("已批准".to_owned()), None]);
}

#[tokio::test]
async fn the_catalog_and_case_pages_show_the_items_labels_not_its_codes() {
    // Arrange: a vehicle case approved with a paper mark on its way
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let number = app.case_under_review(&citizen, true).await;
    app.act_ok(&reviewer, &number, "approve", None).await;
    let browser = Browser::login(&app, CITIZEN).await;

    // Act
    let catalog = browser
        .page(&app, &format!("/items/{VEHICLE_ITEM}"), StatusCode::OK)
        .await;
    let case = browser
        .page(&app, &format!("/applications/{number}"), StatusCode::OK)
        .await;

    // Assert: the item's and the host's labels, and none of the codes behind them
    for label in [
        "机动车检验合格标志（电子）",
        "机动车行驶证复印件",
        "网上办事大厅",
        "微信城市服务",
    ] {
        assert!(catalog.contains(label), "{label} on the catalog page");
    }
    for label in [
        "提交申请",
        "预约上门揽收",
        "已揽收",
        "机动车检验合格标志（电子）",
        "上门揽收",
        "寄递送达",
        "机动车行驶证复印件",
        "交强险保单副本",
    ] {
        assert!(case.contains(label), "{label} on the case page");
    }
    for code in [
        "inspection-mark",
        "driving-licence-copy",
        "paper-inspection-mark",
        "picked-up",
        " submit ",
        "pickup：",
        "web、",
    ] {
        assert!(!catalog.contains(code), "{code} on the catalog page");
        let shown = case.replace("data-state=", "").replace("action-", "");
        assert!(
            !visible_text(&shown).contains(code),
            "{code} on the case page"
        );
    }
}
