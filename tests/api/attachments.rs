//! Application materials (申请材料): the applicant uploads PDF, JPEG or PNG files to an open case,
//! each decided by its bytes; they are stored once by sha256 and served only to those who may see
//! the case.

use reqwest::StatusCode;
use serde_json::Value;
use yiwang_host::model::actor::Role;

use crate::helpers::{
    CITIZEN, DEPARTMENT, PASSWORD, REVIEWER, TestApp, VEHICLE_MATERIAL, error_body, id_number,
    json_body, minimal_jpeg, minimal_pdf, minimal_png, spawn_app, spawn_app_with,
};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// 张三's case, waiting for the courier: open, so materials may be added.
async fn open_case(app: &TestApp) -> (String, String) {
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.apply_for_eligible_vehicle(&citizen, false).await;
    (citizen, number)
}

async fn upload_ok(
    app: &TestApp,
    token: &str,
    number: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Value {
    json_body(
        app.upload_attachment(token, number, VEHICLE_MATERIAL, name, Some(mime), bytes)
            .await,
        StatusCode::CREATED,
    )
    .await
}

async fn nothing_stored(app: &TestApp) {
    assert_eq!(app.count("attachments").await, 0, "no attachment row");
    assert_eq!(app.count("attachment_blobs").await, 0, "no stored bytes");
}

#[tokio::test]
async fn each_allowed_type_is_stored_by_its_sha256_listed_and_downloaded_by_the_applicant() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;
    let files = [
        ("行驶证.pdf", "application/pdf", minimal_pdf()),
        ("保单.JPG", "image/jpeg", minimal_jpeg()),
        ("证明.png", "image/png", minimal_png()),
    ];

    // Act
    let mut uploaded = Vec::new();
    for (name, mime, bytes) in &files {
        uploaded.push(upload_ok(&app, &citizen, &number, name, mime, bytes.clone()).await);
    }
    let listed = app
        .get_json(
            &format!("/api/v1/applications/{number}/attachments"),
            &citizen,
        )
        .await;

    // Assert
    let rows = app.attachment_rows(&number).await;
    let expected: Vec<_> = files
        .iter()
        .map(|(name, mime, bytes)| {
            (
                VEHICLE_MATERIAL.to_string(),
                name.to_string(),
                mime.to_string(),
                bytes.len() as i64,
                sha256_hex(bytes),
            )
        })
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(app.count("attachment_blobs").await, 3);
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 3);
    for ((body, listed), (name, mime, bytes)) in uploaded.iter().zip(listed).zip(&files) {
        assert_eq!(body, listed);
        assert_eq!(body["material"], VEHICLE_MATERIAL);
        assert_eq!(body["file_name"], *name);
        assert_eq!(body["content_type"], *mime);
        assert_eq!(body["size"], bytes.len());
        assert_eq!(body["sha256"], sha256_hex(bytes));
        let id = body["id"].as_i64().expect("an id");
        let response = app
            .get(&format!("/api/v1/attachments/{id}"), Some(&citizen))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], *mime);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
}

#[tokio::test]
async fn the_same_bytes_uploaded_twice_are_two_attachments_stored_once() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;

    // Act
    let first = upload_ok(
        &app,
        &citizen,
        &number,
        "a.pdf",
        "application/pdf",
        minimal_pdf(),
    )
    .await;
    let second = upload_ok(
        &app,
        &citizen,
        &number,
        "b.pdf",
        "application/pdf",
        minimal_pdf(),
    )
    .await;

    // Assert
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(app.count("attachments").await, 2);
    assert_eq!(app.count("attachment_blobs").await, 1);
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT bytes FROM attachment_blobs WHERE sha256 = $1")
            .bind(sha256_hex(&minimal_pdf()))
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, minimal_pdf());
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_413_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app_with(|settings| settings.max_attachment_bytes = 1024).await;
    let (citizen, number) = open_case(&app).await;
    let mut big = minimal_pdf();
    big.resize(4096, b' ');

    // Act
    let response = app
        .upload_attachment(
            &citizen,
            &number,
            VEHICLE_MATERIAL,
            "big.pdf",
            Some("application/pdf"),
            big,
        )
        .await;

    // Assert
    error_body(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "attachment_too_large",
    )
    .await;
    nothing_stored(&app).await;
}

#[tokio::test]
async fn files_that_are_not_what_they_claim_are_refused_422_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    let cases: [(&str, &str, Option<&str>, Vec<u8>); 7] = [
        (
            "HTML named .pdf",
            "page.pdf",
            Some("application/pdf"),
            html.clone(),
        ),
        ("HTML as itself", "page.html", Some("text/html"), html),
        (
            "an ELF executable named .pdf",
            "run.pdf",
            Some("application/pdf"),
            elf,
        ),
        (
            "a Windows executable named .png",
            "setup.png",
            Some("image/png"),
            exe,
        ),
        (
            "a PNG declared as a PDF",
            "scan.png",
            Some("application/pdf"),
            minimal_png(),
        ),
        (
            "a PDF named .jpg",
            "scan.jpg",
            Some("application/pdf"),
            minimal_pdf(),
        ),
        (
            "a PDF without a declared type",
            "scan.pdf",
            None,
            minimal_pdf(),
        ),
    ];

    for (what, name, mime, bytes) in cases {
        // Act
        let response = app
            .upload_attachment(&citizen, &number, VEHICLE_MATERIAL, name, mime, bytes)
            .await;

        // Assert
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}"
        );
        error_body(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_attachment",
        )
        .await;
    }
    nothing_stored(&app).await;
}

#[tokio::test]
async fn a_material_the_item_does_not_ask_for_is_refused_422_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;

    // Act
    let response = app
        .upload_attachment(
            &citizen,
            &number,
            "营业执照",
            "a.pdf",
            Some("application/pdf"),
            minimal_pdf(),
        )
        .await;
    let not_multipart = app
        .post(
            &format!("/api/v1/applications/{number}/attachments"),
            Some(&citizen),
            &serde_json::json!({}),
        )
        .await;

    // Assert
    let error = error_body(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_material",
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(VEHICLE_MATERIAL),
        "{error}"
    );
    assert_eq!(not_multipart.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    nothing_stored(&app).await;
}

#[tokio::test]
async fn only_the_applicant_uploads_staff_403_another_citizen_404_and_nothing_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let (_citizen, number) = open_case(&app).await;
    app.add_citizen("li.si", "李四", &id_number(2)).await;
    let stranger = app.login("li.si", PASSWORD).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;

    // Act
    let by_stranger = app
        .upload_attachment(
            &stranger,
            &number,
            VEHICLE_MATERIAL,
            "a.pdf",
            Some("application/pdf"),
            minimal_pdf(),
        )
        .await;
    let by_reviewer = app
        .upload_attachment(
            &reviewer,
            &number,
            VEHICLE_MATERIAL,
            "a.pdf",
            Some("application/pdf"),
            minimal_pdf(),
        )
        .await;
    let anonymous = app
        .client
        .post(app.url(&format!("/api/v1/applications/{number}/attachments")))
        .multipart(reqwest::multipart::Form::new().text("material", VEHICLE_MATERIAL))
        .send()
        .await
        .unwrap();

    // Assert
    error_body(by_stranger, StatusCode::NOT_FOUND, "not_found").await;
    error_body(by_reviewer, StatusCode::FORBIDDEN, "not_the_applicant").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    nothing_stored(&app).await;
}

#[tokio::test]
async fn a_closed_case_takes_no_more_materials_409() {
    // Arrange
    let app = spawn_app().await;
    let citizen = app.login(CITIZEN, PASSWORD).await;
    let number = app.case_under_review(&citizen, false).await;
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    assert_eq!(
        app.act_ok(&reviewer, &number, "reject", Some("材料不全"))
            .await,
        "rejected"
    );

    // Act
    let response = app
        .upload_attachment(
            &citizen,
            &number,
            VEHICLE_MATERIAL,
            "a.pdf",
            Some("application/pdf"),
            minimal_pdf(),
        )
        .await;

    // Assert
    error_body(response, StatusCode::CONFLICT, "case_closed").await;
    nothing_stored(&app).await;
}

#[tokio::test]
async fn a_case_holds_at_most_twenty_attachments_409() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;
    for n in 0..20 {
        upload_ok(
            &app,
            &citizen,
            &number,
            &format!("{n}.png"),
            "image/png",
            minimal_png(),
        )
        .await;
    }

    // Act
    let response = app
        .upload_attachment(
            &citizen,
            &number,
            VEHICLE_MATERIAL,
            "21.png",
            Some("image/png"),
            minimal_png(),
        )
        .await;

    // Assert
    error_body(response, StatusCode::CONFLICT, "too_many_attachments").await;
    assert_eq!(app.count("attachments").await, 20);
}

#[tokio::test]
async fn the_applicant_and_the_departments_reviewer_download_others_get_404() {
    // Arrange
    let app = spawn_app().await;
    let (citizen, number) = open_case(&app).await;
    let id = upload_ok(
        &app,
        &citizen,
        &number,
        "a.pdf",
        "application/pdf",
        minimal_pdf(),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    app.add_citizen("li.si", "李四", &id_number(2)).await;
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
    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let stranger = app.login("li.si", PASSWORD).await;
    let outsider = app.login("housing.office", PASSWORD).await;
    let list = format!("/api/v1/applications/{number}/attachments");
    let download = format!("/api/v1/attachments/{id}");

    // Act and assert
    for (who, token) in [("the applicant", &citizen), (DEPARTMENT, &reviewer)] {
        let response = app.get(&download, Some(token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{who}");
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            minimal_pdf().as_slice(),
            "{who}"
        );
        let listed = app.get_json(&list, token).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{who}");
    }
    // Another citizen, and another department's reviewer.
    for token in [&stranger, &outsider] {
        error_body(
            app.get(&download, Some(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        error_body(
            app.get(&list, Some(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_eq!(
        app.get(&download, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for missing in [
        "/api/v1/attachments/999999",
        "/api/v1/attachments/not-a-number",
    ] {
        error_body(
            app.get(missing, Some(&citizen)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}
