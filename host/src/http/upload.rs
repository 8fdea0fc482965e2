//! Multipart uploads, read part by part and counted against their own limit, so a large body is
//! refused without being held: an application's material (`read_upload`) and a department's
//! signed item version (`read_version_parts`). The API and the web's forms share them.

use axum::extract::Multipart;
use axum::extract::multipart::Field;

use super::{Error, Result};
use crate::domain::attachments::{AttachmentLimits, too_large};
use crate::domain::error::DomainError;

/// Room for the multipart framing and the small parts around an uploaded file (an attachment's
/// `material`, a component's signature).
pub(crate) const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// The component limit (`--max-component-mib`), put in every request's extensions at start-up
/// beside `AttachmentLimits`.
#[derive(Clone, Copy, Debug)]
pub struct ComponentLimit(pub usize);

/// Longest `material` field read.
const MAX_MATERIAL_BYTES: usize = 1024;

/// A multipart body that cannot be read: too large for its route, or malformed.
pub(crate) fn bad_multipart(error: axum::extract::multipart::MultipartError) -> Error {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    Error::BadRequest("invalid_multipart", error.body_text())
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

/// The `component` and `signature` parts of an upload (either may be absent), read up to the
/// component limit and the framing around it; the web's upload form reads them the same way.
pub(crate) async fn read_version_parts(
    multipart: &mut Multipart,
    limit: usize,
) -> Result<(Option<Vec<u8>>, Option<Vec<u8>>)> {
    let (mut component, mut signature) = (None, None);
    let mut received = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
            received += chunk.len();
            if received > limit + MULTIPART_OVERHEAD {
                return Err(Error::Domain(DomainError::too_large(
                    "component_too_large",
                    format!("组件超过上限 {limit} 字节"),
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "component" => component = Some(bytes),
            "signature" => signature = Some(bytes),
            _ => {}
        }
    }
    Ok((component, signature))
}
