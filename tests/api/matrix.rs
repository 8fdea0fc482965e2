//! The authorization matrix: every route the router serves × every kind of caller, with the exact
//! status each gets, and for every refused request a check that nothing in the database changed.
//!
//! The table is checked against the router's own list of paths (`http::route_paths()`) and
//! against the methods it answers on each (an unlisted method must be 405), so a route added
//! without its rows fails here.
//!
//! Requests that an actor may make are chosen so that most do not change anything either (an
//! undeclared action, an invalid form, publishing the version already published): the status
//! then shows that the caller got past authorization, and the case stays as it was for the next
//! row.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::AnyPool;
use yiwang_host::model::actor::Role;

use crate::helpers::{
    ADMIN, CITIZEN, COURIER_TOKEN, DEPARTMENT, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM,
    id_number, json_body, spawn_app,
};

/// The callers, in the order of each row's statuses.
const ACTORS: [&str; 8] = [
    "anonymous",
    "citizen A",
    "citizen B",
    "reviewer (owning department)",
    "reviewer (other department)",
    "developer (owning department)",
    "admin",
    "courier",
];

/// What a request carries.
#[derive(Clone, Copy)]
enum Body {
    None,
    Json(fn(&Fixture) -> Value),
    /// A multipart upload with a garbage component and signature.
    Upload,
    /// A multipart attachment that is not an allowed file.
    Attachment,
    /// An HTML form (urlencoded), as the web pages post.
    Form(fn(&Fixture) -> Vec<(&'static str, &'static str)>),
}

struct Row {
    method: Method,
    path: &'static str,
    query: &'static str,
    body: Body,
    /// One status per actor, in [`ACTORS`] order.
    expect: [u16; 8],
}

const fn row(method: Method, path: &'static str, body: Body, expect: [u16; 8]) -> Row {
    Row {
        method,
        path,
        query: "",
        body,
        expect,
    }
}

/// What the paths and bodies refer to.
struct Fixture {
    /// Citizen A's case, under review.
    number: String,
    /// An attachment of that case.
    attachment: String,
    grants: Value,
}

fn no_form(_: &Fixture) -> Value {
    json!({ "form": {} })
}
fn empty_rectification(_: &Fixture) -> Value {
    json!({ "measures": "", "callback": "" })
}
fn empty_input(_: &Fixture) -> Value {
    json!({ "input": {} })
}
fn undeclared_action(_: &Fixture) -> Value {
    json!({ "action": "no-such-action" })
}
fn citizen_login(_: &Fixture) -> Value {
    json!({ "login": CITIZEN, "password": PASSWORD })
}
fn unknown_parcel(_: &Fixture) -> Value {
    json!({ "tracking_number": "EMS-NO-SUCH-PARCEL", "event": "picked-up" })
}
fn taken_code(_: &Fixture) -> Value {
    json!({ "code": VEHICLE_ITEM, "department": DEPARTMENT })
}
fn published_version(_: &Fixture) -> Value {
    json!({ "version": "1.0.0" })
}
fn nothing(_: &Fixture) -> Value {
    json!({})
}
fn same_grants(fixture: &Fixture) -> Value {
    fixture.grants.clone()
}
fn zero_memory(_: &Fixture) -> Value {
    json!({ "memory_mib": 0 })
}
fn rating(_: &Fixture) -> Value {
    json!({ "score": 5 })
}
fn login_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("login", CITIZEN), ("password", PASSWORD), ("next", "/")]
}
fn empty_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    Vec::new()
}
fn undeclared_action_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("action", "no-such-action")]
}
fn published_version_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("version", "1.0.0")]
}
fn rating_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("score", "5")]
}
fn taken_code_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("code", VEHICLE_ITEM), ("department", DEPARTMENT)]
}
fn taken_department(_: &Fixture) -> Value {
    json!({ "code": DEPARTMENT, "name": "车管所" })
}
fn taken_department_form(_: &Fixture) -> Vec<(&'static str, &'static str)> {
    vec![("code", DEPARTMENT), ("name", "车管所")]
}
fn empty_batch(_: &Fixture) -> Value {
    json!({ "state": "no-such-state", "input": {} })
}

/// Every route × actor. 401 anonymous where a login is needed; 403 for the wrong kind of account;
/// 404 for what exists but is not the caller's to see.
fn table() -> Vec<Row> {
    use Body::*;
    let get = Method::GET;
    let post = Method::POST;
    let put = Method::PUT;
    vec![
        //                                                                anon  A    B   own  other dev admin courier
        row(
            get.clone(),
            "/healthz",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/metrics",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/api/v1/openapi.json",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            post.clone(),
            "/api/v1/auth/login",
            Json(citizen_login),
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/api/v1/items",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/api/v1/items/{code}",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            post.clone(),
            "/api/v1/items/{code}/applications",
            Json(no_form),
            [401, 422, 422, 403, 403, 403, 403, 403],
        ),
        row(
            post.clone(),
            "/api/v1/items/{code}/query",
            Json(empty_input),
            [401, 422, 422, 422, 422, 422, 422, 422],
        ),
        row(
            get.clone(),
            "/api/v1/applications/{number}",
            None,
            [401, 200, 404, 200, 404, 200, 200, 404],
        ),
        row(
            post.clone(),
            "/api/v1/applications/{number}/actions",
            Json(undeclared_action),
            [401, 409, 404, 409, 404, 409, 409, 404],
        ),
        row(
            get.clone(),
            "/api/v1/applications/{number}/attachments",
            None,
            [401, 200, 404, 200, 404, 200, 200, 404],
        ),
        row(
            post.clone(),
            "/api/v1/applications/{number}/attachments",
            Attachment,
            [401, 422, 404, 403, 404, 403, 403, 404],
        ),
        row(
            get.clone(),
            "/api/v1/attachments/{id}",
            None,
            [401, 200, 404, 200, 404, 200, 200, 404],
        ),
        row(
            post.clone(),
            "/api/v1/applications/{number}/rating",
            Json(rating),
            [401, 409, 404, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/me/applications",
            None,
            [401, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/me/certificates",
            None,
            [401, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/me/data-use",
            None,
            [401, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/me/notifications",
            None,
            [401, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/dept/rectifications",
            None,
            [401, 403, 403, 200, 200, 200, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/dept/batch-jobs/{id}",
            None,
            // No such job: staff are told so; no one else gets past the gate.
            [401, 403, 403, 404, 404, 404, 403, 403],
        ),
        row(
            post.clone(),
            "/api/v1/dept/rectifications/{id}",
            Json(empty_rectification),
            [401, 403, 403, 404, 404, 404, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/dept/cases",
            None,
            [401, 403, 403, 200, 200, 200, 200, 403],
        ),
        row(
            get.clone(),
            "/api/v1/dept/cases/{number}/fixture",
            None,
            // Only the item's own department; another department does not see the case at all.
            [401, 403, 403, 200, 404, 200, 403, 403],
        ),
        row(
            post.clone(),
            "/api/v1/dept/items/{code}/batch",
            Json(empty_batch),
            // The vehicle item has no batch operation: its own staff are refused with 409.
            [401, 403, 403, 409, 403, 409, 403, 403],
        ),
        row(
            get.clone(),
            "/api/v1/dept/items/{code}/versions",
            None,
            [401, 403, 403, 200, 404, 200, 200, 403],
        ),
        row(
            post.clone(),
            "/api/v1/dept/items/{code}/versions",
            Upload,
            [401, 403, 403, 403, 403, 422, 403, 403],
        ),
        row(
            post.clone(),
            "/api/v1/dept/items/{code}/versions/{version}/preview",
            Json(no_form),
            [401, 403, 403, 422, 404, 422, 403, 403],
        ),
        row(
            post.clone(),
            "/api/v1/delivery/events",
            Json(unknown_parcel),
            [401, 403, 403, 403, 403, 403, 403, 404],
        ),
        Row {
            query: "?from=2026-01-01&to=2026-12-31",
            ..row(
                get.clone(),
                "/api/v1/stats",
                None,
                [401, 403, 403, 200, 200, 200, 200, 403],
            )
        },
        row(
            get.clone(),
            "/api/v1/admin/items",
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            post.clone(),
            "/api/v1/admin/items",
            Json(taken_code),
            [401, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            post.clone(),
            "/api/v1/admin/items/{code}/publish",
            Json(published_version),
            [401, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            post.clone(),
            "/api/v1/admin/items/{code}/rollback",
            Json(nothing),
            [401, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            put.clone(),
            "/api/v1/admin/items/{code}/grants",
            Json(same_grants),
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            put.clone(),
            "/api/v1/admin/items/{code}/limits",
            Json(zero_memory),
            [401, 403, 403, 403, 403, 403, 422, 403],
        ),
        row(
            get.clone(),
            "/api/v1/admin/audit",
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            get.clone(),
            "/api/v1/admin/departments",
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            post.clone(),
            "/api/v1/admin/departments",
            Json(taken_department),
            [401, 403, 403, 403, 403, 403, 409, 403],
        ),
        // Switched off and on again by the admin, in that order.
        row(
            post.clone(),
            "/api/v1/admin/items/{code}/disable",
            Json(nothing),
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            post.clone(),
            "/api/v1/admin/items/{code}/enable",
            Json(nothing),
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        // The web pages: 303 to the login for the anonymous where a login is needed.
        row(
            get.clone(),
            "/assets/site.css",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/login",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        // Without the login cookie's form token (login CSRF): the form again, nobody signed in.
        row(
            post.clone(),
            "/login",
            Form(login_form),
            [403, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/items/{code}",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            get.clone(),
            "/items/{code}/apply",
            None,
            [303, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            post.clone(),
            "/items/{code}/apply",
            Form(empty_form),
            [303, 422, 422, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/applications/{number}",
            None,
            [303, 200, 404, 200, 404, 200, 200, 404],
        ),
        row(
            post.clone(),
            "/applications/{number}/actions",
            Form(undeclared_action_form),
            [303, 409, 404, 409, 404, 409, 409, 404],
        ),
        row(
            post.clone(),
            "/applications/{number}/attachments",
            Attachment,
            [303, 422, 404, 403, 404, 403, 403, 404],
        ),
        row(
            post.clone(),
            "/applications/{number}/rating",
            Form(rating_form),
            [303, 409, 404, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/me/applications",
            None,
            [303, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/me/data-use",
            None,
            [303, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/me/notifications",
            None,
            [303, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            get.clone(),
            "/dept/cases",
            None,
            [303, 403, 403, 200, 200, 200, 200, 403],
        ),
        row(
            get.clone(),
            "/dept/items/{code}/versions",
            None,
            [303, 403, 403, 200, 404, 200, 200, 403],
        ),
        row(
            post.clone(),
            "/dept/items/{code}/versions",
            Upload,
            [303, 403, 403, 403, 403, 422, 403, 403],
        ),
        row(
            get.clone(),
            "/dept/items/{code}/versions/{version}/preview",
            None,
            [303, 403, 403, 200, 404, 200, 403, 403],
        ),
        row(
            post.clone(),
            "/dept/items/{code}/versions/{version}/preview",
            Form(empty_form),
            [303, 403, 403, 422, 404, 422, 403, 403],
        ),
        row(
            get.clone(),
            "/admin/items",
            None,
            [303, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            get.clone(),
            "/admin/audit",
            None,
            [303, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            post.clone(),
            "/admin/items",
            Form(taken_code_form),
            [303, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            get.clone(),
            "/admin/items/{code}",
            None,
            [303, 403, 403, 403, 403, 403, 200, 403],
        ),
        // Taking every grant away is refused: the published version imports them.
        row(
            post.clone(),
            "/admin/items/{code}/grants",
            Form(empty_form),
            [303, 403, 403, 403, 403, 403, 422, 403],
        ),
        row(
            post.clone(),
            "/admin/items/{code}/limits",
            Form(empty_form),
            [303, 403, 403, 403, 403, 403, 422, 403],
        ),
        row(
            get.clone(),
            "/admin/stats",
            None,
            [303, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            get.clone(),
            "/admin/departments",
            None,
            [303, 403, 403, 403, 403, 403, 200, 403],
        ),
        row(
            post.clone(),
            "/admin/departments",
            Form(taken_department_form),
            [303, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            post.clone(),
            "/admin/items/{code}/publish",
            Form(published_version_form),
            [303, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            post.clone(),
            "/admin/items/{code}/rollback",
            Form(empty_form),
            [303, 403, 403, 403, 403, 403, 409, 403],
        ),
        row(
            get.clone(),
            "/certificates/{serial}",
            None,
            [404, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            get.clone(),
            "/stats",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200],
        ),
        Row {
            query: "?from=2026-01-01&to=2026-12-31",
            ..row(
                get.clone(),
                "/stats.csv",
                None,
                [200, 200, 200, 200, 200, 200, 200, 200],
            )
        },
        // The large-text switch: anyone, back to a page of this site.
        Row {
            query: "?large=1&next=/",
            ..row(
                get.clone(),
                "/preferences/text-size",
                None,
                [303, 303, 303, 303, 303, 303, 303, 303],
            )
        },
        // Switched off and on again by the admin, in that order.
        row(
            post.clone(),
            "/admin/items/{code}/disable",
            Form(empty_form),
            [303, 403, 403, 403, 403, 403, 303, 403],
        ),
        row(
            post.clone(),
            "/admin/items/{code}/enable",
            Form(empty_form),
            [303, 403, 403, 403, 403, 403, 303, 403],
        ),
        // Last: each caller ends a session of its own.
        row(
            post.clone(),
            "/logout",
            Form(empty_form),
            [303, 303, 303, 303, 303, 303, 303, 303],
        ),
        row(
            post,
            "/api/v1/auth/logout",
            Json(nothing),
            [401, 204, 204, 204, 204, 204, 204, 204],
        ),
    ]
}

/// What a refused request must leave as it was: the size of every table, and the columns that
/// change in place (not the outbox's delivery status, which the dispatcher moves on its own).
async fn fingerprint(db: &AnyPool) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    for table in [
        "users",
        "tokens",
        "departments",
        "items",
        "item_versions",
        "item_publications",
        "components",
        "cases",
        "case_events",
        "deliveries",
        "certificates",
        "data_use_log",
        "outbox",
        "audit_log",
        "ratings",
        "registry_records",
        "item_records",
        "attachments",
    ] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap_or_else(|e| panic!("counting {table}: {e}"));
        seen.insert(table.to_string(), count.to_string());
    }
    for (name, sql) in [
        (
            "case states",
            "SELECT COALESCE(STRING_AGG(number || ':' || state || ':' || CAST(revision AS TEXT), ','), '') FROM cases",
        ),
        (
            "items",
            "SELECT COALESCE(STRING_AGG(code || ':' || CAST(enabled AS TEXT) || ':' || COALESCE(current_sha256, '') || ':' || grants || ':' || limits, ','), '') FROM items",
        ),
        (
            "revoked tokens",
            "SELECT CAST(COUNT(*) AS TEXT) FROM tokens WHERE revoked_at IS NOT NULL",
        ),
    ] {
        let value: String = sqlx::query_scalar(sql)
            .fetch_one(db)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        seen.insert(name.to_string(), value);
    }
    seen
}

/// `{code}`, `{number}`, `{version}` and `{id}` filled in.
fn concrete(path: &str, fixture: &Fixture) -> String {
    path.replace("{code}", VEHICLE_ITEM)
        .replace("{number}", &fixture.number)
        .replace("{version}", "1.0.0")
        .replace("{id}", &fixture.attachment)
}

async fn send(app: &TestApp, row: &Row, fixture: &Fixture, token: Option<&str>) -> StatusCode {
    let url = app.url(&format!("{}{}", concrete(row.path, fixture), row.query));
    let mut request = app.client.request(row.method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match row.body {
        Body::None => request,
        Body::Json(body) => request.json(&body(fixture)),
        Body::Form(fields) => request.form(&fields(fixture)),
        Body::Upload => request.multipart(
            reqwest::multipart::Form::new()
                .part(
                    "component",
                    reqwest::multipart::Part::bytes(b"not a component".to_vec()),
                )
                .part(
                    "signature",
                    reqwest::multipart::Part::bytes(b"not a signature".to_vec()),
                ),
        ),
        Body::Attachment => request.multipart(
            reqwest::multipart::Form::new()
                .text("material", "any")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"<html>not a pdf</html>".to_vec())
                        .file_name("materials.pdf")
                        .mime_str("application/pdf")
                        .unwrap(),
                ),
        ),
    };
    request.send().await.expect("sending").status()
}

/// Citizen A's case (under review, waiting for the courier) and an attachment on it.
async fn fixture(app: &TestApp, citizen_a: &str) -> Fixture {
    let number = app.apply_for_eligible_vehicle(citizen_a, false).await;
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let material: String = {
        let item = json_body(
            app.get(&format!("/api/v1/items/{VEHICLE_ITEM}"), None)
                .await,
            StatusCode::OK,
        )
        .await;
        item["materials"][0]["name"]
            .as_str()
            .unwrap_or("materials")
            .to_string()
    };
    let uploaded = app
        .client
        .post(app.url(&format!("/api/v1/applications/{number}/attachments")))
        .bearer_auth(citizen_a)
        .multipart(
            reqwest::multipart::Form::new()
                .text("material", material)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf)
                        .file_name("materials.pdf")
                        .mime_str("application/pdf")
                        .unwrap(),
                ),
        )
        .send()
        .await
        .unwrap();
    let attachment = json_body(uploaded, StatusCode::CREATED).await;
    let grants: String = sqlx::query_scalar("SELECT grants FROM items WHERE code = $1")
        .bind(VEHICLE_ITEM)
        .fetch_one(&app.db)
        .await
        .unwrap();
    Fixture {
        number,
        attachment: attachment["id"].to_string().trim_matches('"').to_string(),
        grants: serde_json::from_str(&grants).unwrap(),
    }
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_table_says_and_refusals_change_nothing() {
    // Arrange: one caller of each kind
    let app = spawn_app().await;
    app.add_citizen("citizen.b", "李四", &id_number(7)).await;
    app.add_user(
        "vehicle.developer",
        Role::Developer,
        Some(DEPARTMENT),
        "车管所开发员",
        None,
    )
    .await;
    let logins = [
        None,
        Some(CITIZEN),
        Some("citizen.b"),
        Some(REVIEWER),
        Some("tax"),
        Some("vehicle.developer"),
        Some(ADMIN),
    ];
    let mut tokens = Vec::new();
    for login in logins {
        tokens.push(match login {
            Some(login) => Some(app.login(login, PASSWORD).await),
            None => None,
        });
    }
    tokens.push(Some(COURIER_TOKEN.to_string()));
    let fixture = fixture(&app, tokens[1].as_deref().unwrap()).await;
    let table = table();

    // Assert: the table covers exactly the router's paths, and every method the router serves
    let router_paths: BTreeSet<&str> = yiwang_host::http::route_paths().into_iter().collect();
    let table_paths: BTreeSet<&str> = table.iter().map(|r| r.path).collect();
    assert_eq!(
        table_paths, router_paths,
        "the matrix and the router list different paths"
    );
    for path in &router_paths {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if table.iter().any(|r| r.path == *path && r.method == method) {
                continue;
            }
            let probe = Row {
                method: method.clone(),
                path,
                query: "",
                body: Body::None,
                expect: [0; 8],
            };
            let status = send(&app, &probe, &fixture, None).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is served but has no rows in the matrix"
            );
        }
    }

    // Act and assert: every row, every actor
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for row in &table {
        for (i, actor) in ACTORS.iter().enumerate() {
            let token = if matches!(row.path, "/api/v1/auth/logout" | "/logout") && i > 0 {
                // A session of its own, so that the other rows keep theirs.
                Some(match logins.get(i).copied().flatten() {
                    Some(login) => app.login(login, PASSWORD).await,
                    None => app.login("ems.courier", PASSWORD).await,
                })
            } else {
                tokens[i].clone()
            };
            let before = fingerprint(&app.db).await;
            let status = send(&app, row, &fixture, token.as_deref()).await;
            checked += 1;
            if status.as_u16() != row.expect[i] {
                mismatches.push(format!(
                    "{} {} as {actor}: expected {}, got {status}",
                    row.method, row.path, row.expect[i]
                ));
                continue;
            }
            if status.is_client_error() {
                let after = fingerprint(&app.db).await;
                let changed: Vec<&String> = before
                    .keys()
                    .filter(|key| before.get(*key) != after.get(*key))
                    .collect();
                // An upload refused for its content is audited (`version.refused`): the one
                // refused request that writes, by design.
                let audited_upload = matches!(row.body, Body::Upload)
                    && changed.iter().all(|k| k.as_str() == "audit_log");
                if !changed.is_empty() && !audited_upload {
                    mismatches.push(format!(
                        "{} {} as {actor} was refused with {status} but changed {changed:?}",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    crate::helpers::record_artifact(
        "authorization-matrix.txt",
        &format!(
            "routes: {}, actors: {}, checked: {checked}\n",
            table.len(),
            ACTORS.len()
        ),
    );
}
