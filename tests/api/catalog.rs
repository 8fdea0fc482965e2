//! The public catalog (办事指南), generated from the items that run.

use reqwest::StatusCode;

use crate::helpers::{
    DEPARTMENT, INFINITE_LOOP_ITEM, MEMORY_HOG_ITEM, VEHICLE_ITEM, error_body, find, json_body,
    spawn_app,
};

#[tokio::test]
async fn every_item_of_the_plugins_file_loads_and_is_listed() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let list = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;

    // Assert: an item that failed to load says why in the audit log (and elsewhere is a bare 404)
    let failures: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'item.load_failed'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(failures.is_empty(), "items did not load: {failures:#?}");
    for code in [VEHICLE_ITEM, INFINITE_LOOP_ITEM, MEMORY_HOG_ITEM] {
        assert_eq!(
            find(&list, "code", code).len(),
            1,
            "{code} is not listed: {list}"
        );
    }
}

#[tokio::test]
async fn the_catalog_lists_the_vehicle_item_without_a_login() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let list = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;

    // Assert
    let entries = find(&list, "code", VEHICLE_ITEM);
    assert_eq!(entries.len(), 1, "{list}");
    let entry = entries[0];
    assert_eq!(entry["department"], DEPARTMENT);
    assert_eq!(entry["enabled"], true);
    assert!(
        entry["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{entry}"
    );
    assert!(
        entry["summary"].as_str().is_some_and(|s| !s.is_empty()),
        "{entry}"
    );
    let promised = entry["promised_days"].as_u64().expect("promised_days");
    let statutory = entry["statutory_days"].as_u64().expect("statutory_days");
    assert!(promised <= statutory, "{entry}");
    // The version listed is the one stored, content-addressed, for the item.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT version FROM item_versions WHERE item_code = $1")
            .bind(VEHICLE_ITEM)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        vec![entry["version"].as_str().expect("version").to_string()]
    );
}

#[tokio::test]
async fn an_item_entry_carries_its_form_schema_and_workflow() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let entry = json_body(
        app.get(&format!("/api/v1/items/{VEHICLE_ITEM}"), None)
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(entry["code"], VEHICLE_ITEM);
    assert_eq!(entry["department"], DEPARTMENT);
    assert_eq!(entry["enabled"], true);
    for field in ["legal_basis", "materials", "fees", "channels"] {
        assert!(entry[field].is_array(), "{field}: {entry}");
    }
    assert!(
        !entry["legal_basis"].as_array().unwrap().is_empty(),
        "{entry}"
    );
    assert_eq!(
        entry["form_schema"]["type"], "object",
        "{}",
        entry["form_schema"]
    );

    let workflow = &entry["workflow"];
    assert_eq!(workflow["initial"], "submitted");
    let states = &workflow["states"];
    for state in [
        "submitted",
        "awaiting-pickup",
        "under-review",
        "materials-requested",
        "approved",
    ] {
        assert_eq!(
            find(states, "name", state).len(),
            1,
            "state {state}: {states}"
        );
        assert_eq!(find(states, "name", state)[0]["terminal"], false, "{state}");
    }
    for state in ["completed", "rejected"] {
        assert_eq!(
            find(states, "name", state).len(),
            1,
            "state {state}: {states}"
        );
        assert_eq!(find(states, "name", state)[0]["terminal"], true, "{state}");
    }
    assert_eq!(
        find(states, "name", "materials-requested")[0]["waits_on_applicant"],
        true
    );

    let actions = &workflow["actions"];
    let action = |name: &str| {
        let found = find(actions, "name", name);
        assert_eq!(found.len(), 1, "action {name}: {actions}");
        found[0].clone()
    };
    for (name, role, comment_required) in [
        ("picked-up", "courier", false),
        ("approve", "reviewer", false),
        ("request-materials", "reviewer", true),
        ("reject", "reviewer", true),
        ("resubmit", "citizen", false),
        ("delivered", "courier", false),
    ] {
        let action = action(name);
        assert!(
            action["roles"].as_array().unwrap().contains(&role.into()),
            "{name} by {role}: {action}"
        );
        assert_eq!(action["comment_required"], comment_required, "{action}");
    }
    assert!(
        action("approve")["from"]
            .as_array()
            .unwrap()
            .contains(&"under-review".into())
    );

    // The entry is the one of the version that runs.
    let listed = json_body(app.get("/api/v1/items", None).await, StatusCode::OK).await;
    assert_eq!(
        find(&listed, "code", VEHICLE_ITEM)[0]["version"],
        entry["version"]
    );
}

#[tokio::test]
async fn an_unknown_item_is_404_not_found() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/api/v1/items/no-such-item", None).await;

    // Assert
    error_body(response, StatusCode::NOT_FOUND, "not_found").await;
}
