//! Malformed requests against a running server: random JSON, wrong types, huge strings, odd
//! query strings, random bytes under random content types, random paths and parameters under
//! `/api/v1`, from every kind of caller. A fixed seed and a bounded count keep the run quick and
//! the same every time. No answer may be a server error, the server stays up, and a refused
//! request writes no row.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, CITIZEN, COURIER_TOKEN, PASSWORD, REVIEWER, TestApp, VEHICLE_ITEM, minimal_pdf,
    spawn_app,
};

/// Requests sent.
const REQUESTS: usize = 1000;

/// The API's routes and the methods each serves.
const ROUTES: &[(&str, &[Method])] = &[
    ("/api/v1/admin/audit", &[Method::GET]),
    ("/api/v1/admin/items", &[Method::GET, Method::POST]),
    ("/api/v1/admin/items/{code}/disable", &[Method::POST]),
    ("/api/v1/admin/items/{code}/enable", &[Method::POST]),
    ("/api/v1/admin/items/{code}/grants", &[Method::PUT]),
    ("/api/v1/admin/items/{code}/limits", &[Method::PUT]),
    ("/api/v1/admin/items/{code}/publish", &[Method::POST]),
    ("/api/v1/admin/items/{code}/rollback", &[Method::POST]),
    ("/api/v1/applications/{number}", &[Method::GET]),
    ("/api/v1/applications/{number}/actions", &[Method::POST]),
    ("/api/v1/applications/{number}/rating", &[Method::POST]),
    (
        "/api/v1/applications/{number}/attachments",
        &[Method::GET, Method::POST],
    ),
    ("/api/v1/attachments/{id}", &[Method::GET]),
    ("/api/v1/auth/login", &[Method::POST]),
    ("/api/v1/auth/logout", &[Method::POST]),
    ("/api/v1/delivery/events", &[Method::POST]),
    ("/api/v1/dept/cases", &[Method::GET]),
    ("/api/v1/dept/items/{code}/batch", &[Method::POST]),
    (
        "/api/v1/dept/items/{code}/versions",
        &[Method::GET, Method::POST],
    ),
    (
        "/api/v1/dept/items/{code}/versions/{version}/preview",
        &[Method::POST],
    ),
    ("/api/v1/items", &[Method::GET]),
    ("/api/v1/items/{code}", &[Method::GET]),
    ("/api/v1/items/{code}/applications", &[Method::POST]),
    ("/api/v1/items/{code}/query", &[Method::POST]),
    ("/api/v1/me/applications", &[Method::GET]),
    ("/api/v1/me/certificates", &[Method::GET]),
    ("/api/v1/me/data-use", &[Method::GET]),
    ("/api/v1/me/notifications", &[Method::GET]),
    ("/api/v1/stats", &[Method::GET]),
    ("/api/v1/openapi.json", &[Method::GET]),
];

/// Tables that hold what requests create; a refused request leaves their counts alone. (The
/// audit log and login attempts are left out: a refusal may rightly be recorded there.)
const TABLES: &[&str] = &[
    "cases",
    "case_events",
    "deliveries",
    "outbox",
    "certificates",
    "attachments",
    "attachment_blobs",
    "items",
    "item_versions",
    "users",
    "tokens",
    "ratings",
];

struct Callers {
    citizen: String,
    reviewer: String,
    admin: String,
}

fn pick<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    &list[rng.random_range(0..list.len())]
}

fn random_text(rng: &mut StdRng, max: usize) -> String {
    let len = rng.random_range(0..=max);
    (0..len)
        .map(|_| match rng.random_range(0..6) {
            0 => rng
                .random_range(0x4E00u32..0x9FA5)
                .try_into()
                .unwrap_or('字'),
            1 => *pick(
                rng,
                &[
                    '%', '/', '\\', '"', '\'', '<', '>', '&', '?', '#', '\0', '\n',
                ],
            ),
            2 => rng.random_range('0'..='9'),
            _ => rng.random_range('a'..='z'),
        })
        .collect()
}

fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => json!(random_text(rng, 40)),
        5 => json!(*pick(
            rng,
            &[
                "",
                "0",
                "-1",
                "9999999999999999999999",
                "441900199001011234"
            ]
        )),
        6 => Value::Array(
            (0..rng.random_range(0..5))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "form",
                "input",
                "action",
                "comment",
                "login",
                "password",
                "score",
                "version",
                "tracking_number",
                "event",
                "registries",
                "memory_mib",
                "state",
                "cases",
            ];
            Value::Object(
                (0..rng.random_range(0..6))
                    .map(|_| {
                        let key = if rng.random_bool(0.7) {
                            pick(rng, &keys).to_string()
                        } else {
                            random_text(rng, 12)
                        };
                        (key, random_json(rng, depth - 1))
                    })
                    .collect(),
            )
        }
    }
}

/// A path parameter: sometimes one that exists, mostly one that does not, or is not even text.
fn parameter(rng: &mut StdRng, name: &str, number: &str, write_as_admin: bool) -> String {
    let real = match name {
        "code" if !write_as_admin => pick(
            rng,
            &[
                VEHICLE_ITEM,
                "enterprise-registration",
                "social-insurance-query",
            ],
        )
        .to_string(),
        "number" => number.to_string(),
        "id" => rng.random_range(-2i64..5).to_string(),
        "version" => "1.0.0".to_string(),
        _ => "no-such-thing".to_string(),
    };
    match rng.random_range(0..6) {
        0 | 1 => real,
        2 => "x".repeat(rng.random_range(1..5000)),
        3 => pick(
            rng,
            &[
                "%00",
                "%ff%fe",
                "..%2f..%2fetc",
                "%E4%B8",
                "YW-99999999-000001",
                "-1",
            ],
        )
        .to_string(),
        _ => percent_encode(&random_text(rng, 30)),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn query_string(rng: &mut StdRng) -> String {
    let keys = [
        "from",
        "to",
        "department",
        "format",
        "state",
        "limit",
        "after",
    ];
    let pairs: Vec<String> = (0..rng.random_range(0..5))
        .map(|_| {
            let key = if rng.random_bool(0.8) {
                pick(rng, &keys).to_string()
            } else {
                percent_encode(&random_text(rng, 8))
            };
            let value = match rng.random_range(0..5) {
                0 => pick(
                    rng,
                    &[
                        "2026-01-01",
                        "2026-13-45",
                        "0000-00-00",
                        "+275760-09-13",
                        "csv",
                        "xml",
                    ],
                )
                .to_string(),
                1 => "9".repeat(rng.random_range(1..3000)),
                2 => pick(rng, &["%zz", "%", "&&", "=", "%00"]).to_string(),
                _ => percent_encode(&random_text(rng, 20)),
            };
            format!("{key}={value}")
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// One generated request, described for the failure message.
struct Generated {
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn generate(rng: &mut StdRng, callers: &Callers, number: &str) -> Generated {
    let (route, methods) = pick(rng, ROUTES);
    // Mostly a method the route serves, so that the request reaches its handler.
    let method = if rng.random_bool(0.9) {
        pick(rng, methods).clone()
    } else {
        pick(
            rng,
            &[Method::DELETE, Method::PATCH, Method::PUT, Method::GET],
        )
        .clone()
    };
    // Mostly callers who get past authentication, so that the handlers see the input.
    let who = *pick(rng, &[0, 1, 2, 2, 2, 3, 3, 4, 5, 5]);
    let token = match who {
        0 => None,
        // A bearer header carries visible ASCII only.
        1 => Some(
            (0..rng.random_range(1..80))
                .map(|_| rng.random_range('!'..='~'))
                .collect(),
        ),
        2 => Some(callers.citizen.clone()),
        3 => Some(callers.reviewer.clone()),
        4 => Some(COURIER_TOKEN.to_string()),
        _ => Some(callers.admin.clone()),
    };
    // An admin's well-formed change to a real item would be served, and could switch items off
    // for the rest of the run: admins' changes only ever name items that do not exist.
    let write_as_admin = who == 5 && method != Method::GET;
    let path = if rng.random_bool(0.1) {
        format!(
            "/api/v1/{}",
            percent_encode(&random_text(rng, 60)).replace("%2F", "/")
        )
    } else {
        let mut path = route.to_string();
        for name in ["code", "number", "id", "version"] {
            let placeholder = format!("{{{name}}}");
            if path.contains(&placeholder) {
                let value = parameter(rng, name, number, write_as_admin);
                path = path.replace(&placeholder, &value);
            }
        }
        path
    };
    let path = format!("{path}{}", query_string(rng));
    let (content_type, body) = match rng.random_range(0..7) {
        0 => (None, Vec::new()),
        1 | 2 => (
            Some("application/json".to_string()),
            random_json(rng, 3).to_string().into_bytes(),
        ),
        3 => (
            Some("application/json".to_string()),
            json!({ "form": "x".repeat(300 * 1024) })
                .to_string()
                .into_bytes(),
        ),
        4 => (
            Some("application/json".to_string()),
            (0..rng.random_range(0..200))
                .map(|_| rng.random())
                .collect(),
        ),
        5 => {
            let boundary = "fuzzboundary";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                random_text(rng, 10),
                random_text(rng, 20).replace(['"', '\r', '\n'], ""),
                pick(rng, &["application/pdf", "image/png", "text/html", "x/y"]),
            )
            .into_bytes();
            if rng.random_bool(0.5) {
                body.extend(minimal_pdf());
            }
            body.extend((0..rng.random_range(0..300)).map(|_| rng.random::<u8>()));
            if rng.random_bool(0.7) {
                body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
            }
            (
                Some(format!("multipart/form-data; boundary={boundary}")),
                body,
            )
        }
        _ => (
            Some(
                pick(
                    rng,
                    &[
                        "text/plain",
                        "application/x-www-form-urlencoded",
                        "multipart/form-data",
                        "application/json; charset=gbk",
                    ],
                )
                .to_string(),
            ),
            (0..rng.random_range(0..500))
                .map(|_| rng.random())
                .collect(),
        ),
    };
    Generated {
        method,
        path,
        token,
        content_type,
        body,
    }
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(app.count(table).await);
    }
    counts
}

#[tokio::test]
async fn generated_malformed_requests_get_no_server_error_and_refusals_write_nothing() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, false).await;
    let mut callers = Callers {
        reviewer: app.login(REVIEWER, PASSWORD).await,
        admin: app.login(ADMIN, PASSWORD).await,
        citizen,
    };
    let mut rng = StdRng::seed_from_u64(0x5969_7761_6e67);
    let mut server_errors = Vec::new();
    let mut refused_but_written = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();

    for _ in 0..REQUESTS {
        let request = generate(&mut rng, &callers, &number);
        let before = counts(&app).await;

        // Act
        let mut builder = app
            .client
            .request(request.method.clone(), app.url(&request.path))
            .body(request.body.clone());
        if let Some(token) = &request.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(content_type) = &request.content_type {
            builder = builder.header("content-type", content_type);
        }
        let response = builder.send().await.expect("the server answers");
        let status = response.status();
        *statuses.entry(status.as_u16()).or_default() += 1;
        let describe = format!(
            "{} {} ({} bytes of {:?}) -> {status}",
            request.method,
            request.path.chars().take(200).collect::<String>(),
            request.body.len(),
            request.content_type,
        );

        // Assert (collected, and checked after the run, so one failure shows all)
        if status.is_server_error() {
            let text = response.text().await.unwrap_or_default();
            server_errors.push(format!(
                "{describe}: {}",
                text.chars().take(300).collect::<String>()
            ));
            continue;
        }
        if status.is_success() && request.path.starts_with("/api/v1/auth/logout") {
            // A real caller logged out: log everyone in again, so the run keeps reaching handlers.
            callers = Callers {
                citizen: app.login(CITIZEN, PASSWORD).await,
                reviewer: app.login(REVIEWER, PASSWORD).await,
                admin: app.login(ADMIN, PASSWORD).await,
            };
        }
        if status.is_client_error() && counts(&app).await != before {
            refused_but_written.push(describe);
        }
    }

    // Assert
    assert!(
        server_errors.is_empty(),
        "server errors:\n{}",
        server_errors.join("\n")
    );
    assert!(
        refused_but_written.is_empty(),
        "refused requests that wrote rows:\n{}",
        refused_but_written.join("\n")
    );
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), StatusCode::OK, "the server is still up");
    let refused: usize = statuses
        .iter()
        .filter(|(s, _)| (400..500).contains(*s))
        .map(|(_, n)| n)
        .sum();
    assert!(
        refused > REQUESTS / 2,
        "most generated requests are refused: {statuses:?}"
    );
    crate::helpers::record_artifact(
        "fuzz.txt",
        &format!("{REQUESTS} generated requests, statuses {statuses:?}, 0 server errors\n"),
    );
}
