//! Several hosts behind one PostgreSQL database: application numbers stay unique under
//! concurrent submissions to both, and an admin's change on one host reaches the other (through
//! LISTEN/NOTIFY) within a second. Runs when the suite runs on PostgreSQL
//! (`YIWANG_TEST_DATABASE_URL`, which `.ci/run` sets); on SQLite one host owns the database and
//! there is nothing to show.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiwang_host::model::actor::Role;

use crate::helpers::{
    CITIZEN, OtherHost, PASSWORD, TestApp, VEHICLE_ITEM, crafted, eligible_form, json_body,
    spawn_app,
};

const CRAFTED_ITEM: &str = "crafted-item";
const TEST_DEPARTMENT: &str = "yiwang-test-dept";

/// How long a change may take to reach the other host.
const PROPAGATION: Duration = Duration::from_secs(1);

async fn submit_to(
    client: &reqwest::Client,
    url: String,
    token: &str,
    form: &Value,
) -> reqwest::Response {
    client
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "form": form }))
        .send()
        .await
        .expect("submitting")
}

/// Submits to `host` every 20 ms until `done` says the reply is the changed one; returns how
/// long that took, or panics after [`PROPAGATION`].
async fn until_changed(
    app: &TestApp,
    host: &str,
    token: &str,
    item: &str,
    form: &Value,
    done: impl Fn(StatusCode, &Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let response = submit_to(
            &app.client,
            format!("{host}/api/v1/items/{item}/applications"),
            token,
            form,
        )
        .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if done(status, &body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < PROPAGATION,
            "the other host still answers {status} {body} after {PROPAGATION:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn login_at(app: &TestApp, host: &OtherHost, login: &str) -> String {
    let body = json_body(
        app.client
            .post(host.url("/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": PASSWORD }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn two_hosts_on_one_database_number_uniquely_and_follow_each_others_changes() {
    let app = spawn_app().await;
    if !app.on_postgres() {
        return;
    }
    // Arrange: a second host; the citizen signed in on each
    let other = app.another_host().await;
    let on_first = app.login(CITIZEN, PASSWORD).await;
    let on_second = login_at(&app, &other, CITIZEN).await;
    let form = eligible_form(false);

    // Act 1: 60 applications at once, alternating hosts
    let submissions = (0..60).map(|i| {
        let (url, token) = if i % 2 == 0 {
            (
                app.url(&format!("/api/v1/items/{VEHICLE_ITEM}/applications")),
                on_first.clone(),
            )
        } else {
            (
                other.url(&format!("/api/v1/items/{VEHICLE_ITEM}/applications")),
                on_second.clone(),
            )
        };
        let (client, form) = (reqwest::Client::new(), form.clone());
        async move {
            let response = submit_to(&client, url, &token, &form).await;
            json_body(response, StatusCode::CREATED).await["number"]
                .as_str()
                .unwrap()
                .to_string()
        }
    });
    let numbers: Vec<String> = futures::future::join_all(submissions).await;

    // Assert 1: every number distinct, every case stored with its events
    let distinct: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), 60, "numbers repeat: {numbers:?}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT number FROM cases ORDER BY number")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.iter().collect::<BTreeSet<_>>(), distinct);
    let without_events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(without_events, 0);

    // Act 2: disabled on the first host
    json_body(
        app.admin_item(VEHICLE_ITEM, "disable", &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let disabled_after = until_changed(
        &app,
        &other.address,
        &on_second,
        VEHICLE_ITEM,
        &form,
        |status, body| {
            status == StatusCode::SERVICE_UNAVAILABLE && body["error"]["code"] == "item_disabled"
        },
    )
    .await;

    // Act 3: a version uploaded and published on the second host is served by the first
    let key = app.department_with_key(TEST_DEPARTMENT, "测试部门").await;
    app.add_user(
        "test.developer",
        Role::Developer,
        Some(TEST_DEPARTMENT),
        "开发员",
        None,
    )
    .await;
    let developer = login_at(&app, &other, "test.developer").await;
    let admin = login_at(&app, &other, "admin").await;
    let on_other = |path: &str, body: Value| {
        app.client
            .post(other.url(path))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    json_body(
        on_other(
            "/api/v1/admin/items",
            json!({ "code": CRAFTED_ITEM, "department": TEST_DEPARTMENT }),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    for variant in ["ok-1.0.0", "ok-1.1.0"] {
        let wasm = crafted(variant);
        let signature = yiwang_host::signing::sign(&key, &wasm);
        let form = reqwest::multipart::Form::new()
            .part("component", reqwest::multipart::Part::bytes(wasm))
            .part(
                "signature",
                reqwest::multipart::Part::bytes(signature.into_bytes()),
            );
        let response = app
            .client
            .post(other.url(&format!("/api/v1/dept/items/{CRAFTED_ITEM}/versions")))
            .bearer_auth(&developer)
            .multipart(form)
            .send()
            .await
            .unwrap();
        json_body(response, StatusCode::CREATED).await;
    }
    for (path, body) in [
        (
            format!("/api/v1/admin/items/{CRAFTED_ITEM}/publish"),
            json!({ "version": "1.0.0" }),
        ),
        (
            format!("/api/v1/admin/items/{CRAFTED_ITEM}/enable"),
            json!({}),
        ),
        (
            format!("/api/v1/admin/items/{CRAFTED_ITEM}/publish"),
            json!({ "version": "1.1.0" }),
        ),
    ] {
        json_body(on_other(&path, body).await.unwrap(), StatusCode::OK).await;
    }
    let crafted_form = json!({ "note": "两台主机" });
    let published_after = until_changed(
        &app,
        &app.address,
        &on_first,
        CRAFTED_ITEM,
        &crafted_form,
        |status, body| status == StatusCode::CREATED && body["version"] == "1.1.0",
    )
    .await;

    // Assert 3: the first host read the component from the database, not from a shared disk
    let first_dir_has_it = std::fs::read_dir(app.data_dir.path().join("components"))
        .unwrap()
        .count();
    assert!(first_dir_has_it >= 1);
    crate::helpers::record_artifact(
        "two-hosts.txt",
        &format!(
            "applications: 60 over two hosts, 60 distinct numbers, 60 stored\n\
             disable on host 1 refused by host 2 after: {disabled_after:?}\n\
             publish on host 2 served by host 1 after: {published_after:?}\n"
        ),
    );
}
