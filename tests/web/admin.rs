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
