//! An admin switches the vehicle item off on /admin/items; a citizen then finds it unavailable, with
//! no way to apply.

use crate::browser::{Browser, Window};
use crate::helpers::{ADMIN, CITIZEN, PASSWORD, VEHICLE_ITEM, spawn_app};

#[tokio::test]
async fn an_admin_disables_the_item_and_the_citizen_then_sees_it_unavailable() {
    let app = spawn_app().await;
    let mut admin = Browser::open(&app, "admin-disables", Window::Desktop).await;
    admin.log_in(ADMIN, PASSWORD, "/admin/items").await;
    admin.find("#items").await;
    admin.screenshot("items-enabled").await;

    admin
        .click_and_wait(&format!("#disable-{VEHICLE_ITEM}"))
        .await;

    admin.find(&format!("#enable-{VEHICLE_ITEM}")).await;
    assert!(!admin.has(&format!("#disable-{VEHICLE_ITEM}")).await);
    admin.screenshot("items-disabled").await;
    admin.close().await;
    let enabled: i64 = sqlx::query_scalar("SELECT enabled FROM items WHERE code = $1")
        .bind(VEHICLE_ITEM)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(enabled, 0, "the item is stored as disabled");
    assert_eq!(app.audit_count("item.disable", VEHICLE_ITEM).await, 1);

    let mut citizen = Browser::open(&app, "citizen-sees-unavailable", Window::Phone).await;
    citizen
        .log_in(CITIZEN, PASSWORD, &format!("/items/{VEHICLE_ITEM}"))
        .await;
    let notice = citizen.text("#item-unavailable").await;
    assert!(notice.contains("暂停办理"), "{notice}");
    assert!(!citizen.has("#apply").await, "no way to apply");
    citizen.screenshot("item-unavailable").await;
    citizen.goto(&format!("/items/{VEHICLE_ITEM}/apply")).await;
    assert!(citizen.text("#item-unavailable").await.contains("暂停办理"));
    assert!(!citizen.has("#apply-submit").await, "no form to send");
    citizen.screenshot("apply-unavailable").await;
    citizen.close().await;
    assert_eq!(app.count("cases").await, 0);
}

/// An admin adds a department, registers an item for it and sets its limits, correcting a wrong
/// figure the page points to, all with the keyboard-reachable forms of the admin pages.
#[tokio::test]
async fn an_admin_adds_a_department_registers_its_item_and_sets_its_limits() {
    let app = spawn_app().await;
    let mut admin = Browser::open(&app, "admin-registers", Window::Desktop).await;
    admin.log_in(ADMIN, PASSWORD, "/admin/departments").await;

    admin.fill("#department-code", "dongguan-water").await;
    admin.fill("#department-name", "东莞市水务局").await;
    admin.click_and_wait("#department-submit").await;
    assert!(
        admin
            .text("#department-added")
            .await
            .contains("东莞市水务局")
    );
    admin.find("#department-dongguan-water").await;
    admin.screenshot("department-added").await;

    admin.goto("/admin/items").await;
    admin.fill("#register-code", "water-connection").await;
    admin
        .find("#register-department option[value='dongguan-water']")
        .await
        .click()
        .await
        .expect("choosing the department");
    admin.click_and_wait("#register-submit").await;
    assert_eq!(admin.path().await, "/admin/items/water-connection");

    admin.fill("#limit-memory_mib", "很多").await;
    admin.click_and_wait("#limits-submit").await;
    assert_eq!(
        admin
            .attr("#limit-memory_mib", "aria-describedby")
            .await
            .as_deref(),
        Some("error-limit-memory_mib")
    );
    admin.screenshot("limits-error").await;
    admin.fill("#limit-memory_mib", "32").await;
    admin.click_and_wait("#limits-submit").await;
    admin.find("#admin-saved").await;
    admin.screenshot("limits-saved").await;
    admin.close().await;

    let (department, enabled, limits): (String, i64, String) = sqlx::query_as(
        "SELECT department, enabled, limits FROM items WHERE code = 'water-connection'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((department.as_str(), enabled), ("dongguan-water", 0));
    let limits: serde_json::Value = serde_json::from_str(&limits).unwrap();
    assert_eq!(limits["memory_mib"], 32);
    assert_eq!(app.audit_count("department.put", "dongguan-water").await, 1);
    assert_eq!(
        app.audit_count("item.register", "water-connection").await,
        1
    );
}
