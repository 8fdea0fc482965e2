//! Application materials (申请材料) of a case: the applicant uploads them (multipart), whoever
//! may see the case lists and downloads them. What is accepted is the domain's decision; this
//! module streams the body and stops reading at the size limit.

use axum::Extension;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{AppState, Error, Json, Result, Routes, bad_multipart};
use crate::auth::CurrentUser;
use crate::domain::attachments::{
    AttachmentLimits, AttachmentView, Attachments, Upload, too_large,
};

pub fn router() -> Routes {
    Routes::new()
        .route(
            "/api/v1/applications/{number}/attachments",
            // The upload counts its own bytes against the attachment limit (below).
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/attachments/{id}", get(download))
}

/// Room for the multipart framing and the small parts around an uploaded file (an attachment's
/// `material`, a component's signature).
pub(crate) const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// Longest `material` field read.
const MAX_MATERIAL_BYTES: usize = 1024;

pub(crate) fn service(state: &AppState, limits: AttachmentLimits) -> Attachments {
    Attachments::new(
        state.storage.clone(),
        state.cases.clone(),
        state.items.clone(),
        limits,
    )
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
    Extension(limits): Extension<AttachmentLimits>,
    user: CurrentUser,
    Path(number): Path<String>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<AttachmentView>)> {
    let attachments = service(&state, limits);
    // Who may upload is known before a byte of the body is read.
    let target = attachments.target(&user.actor, &number).await?;
    let multipart = multipart.map_err(|_| Error::UnsupportedMediaType)?;
    let (material, file_name, declared, bytes) = read_upload(multipart, limits).await?;
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

/// An upload's parts as read: the material, the file's name, its declared type and its bytes.
pub(crate) type UploadParts = (String, String, Option<String>, Vec<u8>);

/// Reads the `material` and `file` parts of an upload, counting every byte against the limit;
/// the API's upload and the web's share it.
pub(crate) async fn read_upload(
    mut multipart: Multipart,
    limits: AttachmentLimits,
) -> Result<UploadParts> {
    let (mut material, mut file) = (None, None);
    let mut received = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        match field.name().unwrap_or_default() {
            "material" => {
                let bytes = read_field(field, MAX_MATERIAL_BYTES, &mut received).await?;
                let Some(bytes) = bytes else {
                    return Err(Error::BadRequest(
                        "invalid_multipart",
                        "`material` 过长".into(),
                    ));
                };
                material = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_string();
                let declared = field.content_type().map(str::to_string);
                let bytes = read_field(field, limits.max_bytes, &mut received)
                    .await?
                    .ok_or_else(|| Error::Domain(too_large(limits.max_bytes)))?;
                file = Some((file_name, declared, bytes));
            }
            _ => {
                // Other parts are read and dropped, within the overall limit.
                if read_field(field, MULTIPART_OVERHEAD, &mut received)
                    .await?
                    .is_none()
                {
                    return Err(Error::Domain(too_large(limits.max_bytes)));
                }
            }
        }
        if received > limits.max_bytes + MULTIPART_OVERHEAD {
            return Err(Error::Domain(too_large(limits.max_bytes)));
        }
    }
    let missing = |part: &str| {
        Error::BadRequest(
            "missing_part",
            format!("缺少 `{part}` 部分（multipart/form-data）"),
        )
    };
    let material = material.ok_or_else(|| missing("material"))?;
    let (file_name, declared, bytes) = file.ok_or_else(|| missing("file"))?;
    Ok((material, file_name, declared, bytes))
}

/// Reads a part up to `max` bytes: `None` when it is longer (the rest is not read). Every byte
/// read counts in `received`.
async fn read_field(
    mut field: Field<'_>,
    max: usize,
    received: &mut usize,
) -> Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        *received += chunk.len();
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// The materials uploaded to a case, oldest first: for whoever may see the case.
#[utoipa::path(get, path = "/api/v1/applications/{number}/attachments", tag = "applications",
    params(("number" = String, Path, description = "the application number")),
    responses((status = 200, body = [AttachmentView]), (status = 401), (status = 404)))]
async fn list(
    State(state): State<AppState>,
    Extension(limits): Extension<AttachmentLimits>,
    user: CurrentUser,
    Path(number): Path<String>,
) -> Result<Json<Vec<AttachmentView>>> {
    Ok(Json(
        service(&state, limits).list(&user.actor, &number).await?,
    ))
}

/// One material's bytes, as a download (never rendered in the page): for whoever may see its
/// case; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "applications",
    params(("id" = i64, Path, description = "the attachment's id")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 401), (status = 404)))]
async fn download(
    State(state): State<AppState>,
    Extension(limits): Extension<AttachmentLimits>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let file = service(&state, limits).download(&user.actor, &id).await?;
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
