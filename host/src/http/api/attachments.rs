//! Application materials (申请材料) of a case: the applicant uploads them (multipart), whoever
//! may see the case lists and downloads them. What is accepted is the domain's decision; this
//! module streams the body and stops reading at the size limit.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::attachments::{AttachmentView, Upload};
use crate::http::CurrentUser;
use crate::http::{AppState, Error, Json, Result, Routes, read_upload};

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/v1/applications/{number}/attachments",
            // The upload counts its own bytes against the attachment limit (below).
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/attachments/{id}", get(download))
}

/// Upload one material (multipart: `material`, the name of one of the item's materials; `file`,
/// a PDF, JPEG or PNG). Only the case's applicant, only while the case is open. The file's kind
/// is decided by its bytes; its declared type and its name's extension must agree.
#[utoipa::path(post, path = "/api/v1/applications/{number}/attachments", tag = "applications",
    params(("number" = String, Path, description = "the application number")),
    request_body(content_type = "multipart/form-data", description = "parts `material` and `file`"),
    responses((status = 201, body = AttachmentView), (status = 401),
        (status = 403, description = "not_the_applicant"), (status = 404),
        (status = 409, description = "case_closed, too_many_attachments, conflict"),
        (status = 413, description = "attachment_too_large"),
        (status = 415, description = "not multipart/form-data"),
        (status = 422, description = "missing_part, invalid_multipart, unknown_material, unsupported_attachment")))]
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<AttachmentView>)> {
    let attachments = &state.attachments;
    // Who may upload is known before a byte of the body is read.
    let target = attachments.target(&user.actor, &number).await?;
    let multipart = multipart.map_err(|_| Error::UnsupportedMediaType)?;
    let (material, file_name, declared, bytes) =
        read_upload(multipart, state.attachments.limits()).await?;
    let view = attachments
        .upload(
            &target,
            Upload {
                material: &material,
                file_name: &file_name,
                declared_type: declared.as_deref(),
                bytes: &bytes,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The materials uploaded to a case, oldest first: for whoever may see the case.
#[utoipa::path(get, path = "/api/v1/applications/{number}/attachments", tag = "applications",
    params(("number" = String, Path, description = "the application number")),
    responses((status = 200, body = [AttachmentView]), (status = 401), (status = 404)))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Vec<AttachmentView>>> {
    Ok(Json(state.attachments.list(&user.actor, &number).await?))
}

/// One material's bytes, as a download (never rendered in the page): for whoever may see its
/// case; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "applications",
    params(("id" = i64, Path, description = "the attachment's id")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 401), (status = 404)))]
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let file = state.attachments.download(&user.actor, &id).await?;
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&file.file_name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        file.bytes,
    )
        .into_response())
}

/// `attachment` with the name twice: ASCII for old clients, UTF-8 percent-encoded (RFC 6266).
fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn the_download_name_is_quoted_safely_and_kept_in_utf8() {
        assert_eq!(
            content_disposition("行驶证 a.pdf"),
            "attachment; filename=\"___ a.pdf\"; filename*=UTF-8''%E8%A1%8C%E9%A9%B6%E8%AF%81%20a.pdf"
        );
    }
}
