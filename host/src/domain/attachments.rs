//! Application materials (申请材料): what an applicant may upload to an open case, what the file
//! must be (PDF, JPEG or PNG, decided by the bytes themselves; the declared type and the name's
//! extension must agree), and who may read it back (exactly those who may see the case).
//!
//! Knows no SQL (it calls `storage::Storage`) and no HTTP (the handler streams the body and
//! stops at the size limit).

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::cases::Cases;
use super::error::{DomainError, Result};
use super::items::Items;
use crate::model::actor::Actor;
use crate::storage::{AttachmentRefused, AttachmentRow, CaseRow, NewAttachment, Storage};

/// The most attachments one case may have.
pub const MAX_ATTACHMENTS_PER_CASE: usize = 20;

/// Longest stored file name, in characters.
const MAX_FILE_NAME_CHARS: usize = 120;

/// The deployment's limits on attachments.
#[derive(Clone, Copy, Debug)]
pub struct AttachmentLimits {
    pub max_bytes: usize,
    pub max_per_case: usize,
}

/// The kinds of file accepted as materials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn mime_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    /// File name extensions (lower case) that may carry this kind.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
        }
    }

    /// Declared content types that name this kind.
    fn declared_types(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["application/pdf"],
            FileKind::Jpeg => &["image/jpeg", "image/jpg", "image/pjpeg"],
            FileKind::Png => &["image/png"],
        }
    }
}

/// The kind of file the bytes are, by their signature; `None` for anything not accepted.
/// `infer` knows the signatures; the PDF version dash and the whole PNG signature (with its line
/// endings, which a text file does not have) are asked for on top.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if infer::archive::is_pdf(bytes) && bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if infer::image::is_jpeg(bytes) {
        Some(FileKind::Jpeg)
    } else if infer::image::is_png(bytes) && bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else {
        None
    }
}

/// A file name as it may be stored and sent back: the last path component, without control
/// characters, quotes or characters that mean something to a file system or a header, without
/// leading dots, at most [`MAX_FILE_NAME_CHARS`] characters (the extension kept). Empty when
/// nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || "\"<>:|?*;%".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end()
        .to_string();
    if cleaned.chars().count() <= MAX_FILE_NAME_CHARS {
        return cleaned;
    }
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => (stem, Some(ext)),
        _ => (cleaned.as_str(), None),
    };
    let room = MAX_FILE_NAME_CHARS - extension.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

/// A file that passed the checks.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedFile {
    pub kind: FileKind,
    pub file_name: String,
}

/// Checks an uploaded file: within `max_bytes`, one of the accepted kinds by its bytes, and the
/// declared content type and the name's extension both naming that kind.
pub fn check_file(
    file_name: &str,
    declared_type: Option<&str>,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<CheckedFile> {
    if bytes.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    if bytes.is_empty() {
        return Err(unsupported("文件为空"));
    }
    let kind = sniff(bytes).ok_or_else(|| unsupported("只接受 PDF、JPEG 或 PNG 格式的文件"))?;
    let declared = declared_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.declared_types().contains(&declared.as_str()) {
        return Err(unsupported(&format!(
            "文件声明的类型与其内容（{}）不符",
            kind.mime_type()
        )));
    }
    let file_name = sanitize_file_name(file_name);
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(unsupported(&format!(
            "文件扩展名与其内容（{}）不符",
            kind.mime_type()
        )));
    }
    Ok(CheckedFile { kind, file_name })
}

pub fn too_large(max_bytes: usize) -> DomainError {
    DomainError::too_large(
        "attachment_too_large",
        format!("文件超过上限 {max_bytes} 字节"),
    )
}

fn unsupported(why: &str) -> DomainError {
    DomainError::invalid("unsupported_attachment", why.to_string())
}

/// An attachment as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub material: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(row: AttachmentRow) -> Self {
        AttachmentView {
            id: row.id,
            material: row.material,
            file_name: row.file_name,
            content_type: row.content_type,
            size: row.size_bytes,
            sha256: row.sha256,
            uploaded_at: row.uploaded_at,
        }
    }
}

/// An attachment's bytes, to send.
pub struct Download {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A case its applicant may add materials to, checked before the body is read.
pub struct UploadTarget {
    case: CaseRow,
    materials: Vec<String>,
    uploader: i64,
}

/// One file as received.
pub struct Upload<'a> {
    pub material: &'a str,
    pub file_name: &'a str,
    pub declared_type: Option<&'a str>,
    pub bytes: &'a [u8],
}

/// The attachments service, made per request from the application's parts.
pub struct Attachments {
    storage: Storage,
    cases: Arc<Cases>,
    items: Arc<Items>,
    limits: AttachmentLimits,
}

impl Attachments {
    pub fn new(
        storage: Storage,
        cases: Arc<Cases>,
        items: Arc<Items>,
        limits: AttachmentLimits,
    ) -> Attachments {
        Attachments {
            storage,
            cases,
            items,
            limits,
        }
    }

    pub fn limits(&self) -> AttachmentLimits {
        self.limits
    }

    /// May `actor` add materials to case `number`? Only its applicant, only while it is open;
    /// 404 for whoever may not see the case.
    pub async fn target(&self, actor: &Actor, number: &str) -> Result<UploadTarget> {
        let case = self.cases.visible_case(actor, number).await?;
        if actor.id != case.applicant_id.to_string() {
            return Err(DomainError::forbidden(
                "not_the_applicant",
                "只有申请人本人可以上传申请材料".into(),
            ));
        }
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let info = &version.info;
        if info
            .workflow
            .state(&case.state)
            .is_none_or(|state| state.terminal)
        {
            return Err(DomainError::conflict(
                "case_closed",
                "此办件已办结，不能再上传材料".into(),
            ));
        }
        let uploader = case.applicant_id;
        Ok(UploadTarget {
            materials: info.materials.iter().map(|m| m.name.clone()).collect(),
            case,
            uploader,
        })
    }

    /// Stores one file for the target case; the row is committed before this returns.
    pub async fn upload(
        &self,
        target: &UploadTarget,
        upload: Upload<'_>,
    ) -> Result<AttachmentView> {
        let material = upload.material.trim();
        if !target.materials.iter().any(|m| m == material) {
            return Err(DomainError::invalid(
                "unknown_material",
                format!(
                    "此事项没有名为「{material}」的申请材料；可上传：{}",
                    target.materials.join("、")
                ),
            ));
        }
        let checked = check_file(
            upload.file_name,
            upload.declared_type,
            upload.bytes,
            self.limits.max_bytes,
        )?;
        let file_name = if checked.file_name.is_empty() {
            format!("{material}.{}", checked.kind.extensions()[0])
        } else {
            checked.file_name
        };
        let sha256 = hex::encode(Sha256::digest(upload.bytes));
        let stored = self
            .storage
            .insert_attachment(&NewAttachment {
                case_id: target.case.id,
                case_state: &target.case.state,
                material,
                file_name: &file_name,
                content_type: checked.kind.mime_type(),
                sha256: &sha256,
                bytes: upload.bytes,
                uploaded_by: target.uploader,
                max_per_case: self.limits.max_per_case as i64,
            })
            .await?;
        match stored {
            Ok(row) => Ok(row.into()),
            Err(AttachmentRefused::CaseMoved) => Err(DomainError::changed_meanwhile()),
            Err(AttachmentRefused::TooMany(_)) => Err(DomainError::conflict(
                "too_many_attachments",
                format!("每个办件最多上传 {} 个材料", self.limits.max_per_case),
            )),
        }
    }

    /// The attachments of a case, for whoever may see it.
    pub async fn list(&self, viewer: &Actor, number: &str) -> Result<Vec<AttachmentView>> {
        let case = self.cases.visible_case(viewer, number).await?;
        let rows = self.storage.case_attachments(case.id).await?;
        Ok(rows.into_iter().map(AttachmentView::from).collect())
    }

    /// An attachment's bytes, for whoever may see its case; 404 for anyone else.
    pub async fn download(&self, viewer: &Actor, id: &str) -> Result<Download> {
        let id: i64 = id.parse().map_err(|_| DomainError::NotFound)?;
        let (row, number) = self
            .storage
            .attachment(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.cases.visible_case(viewer, &number).await?;
        let bytes = self
            .storage
            .attachment_bytes(&row.sha256)
            .await?
            .ok_or_else(|| anyhow::anyhow!("attachment {id} has no stored bytes"))?;
        Ok(Download {
            file_name: row.file_name,
            content_type: row.content_type,
            bytes,
        })
    }
}

#[cfg(test)]
pub(crate) mod samples {
    //! Small real files of each accepted kind, for tests.

    /// A one-page PDF.
    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
          2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
          3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n\
          trailer<</Root 1 0 R>>\n%%EOF\n"
            .to_vec()
    }

    /// The signature and header segments of a JPEG.
    pub fn jpeg() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    /// The signature and IHDR of a PNG.
    pub fn png() -> Vec<u8> {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        bytes.extend_from_slice(&[0, 0, 0, 13]);
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
        bytes.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LIMIT: usize = 1 << 20;

    #[test]
    fn each_accepted_kind_is_known_by_its_bytes() {
        assert_eq!(sniff(&samples::pdf()), Some(FileKind::Pdf));
        assert_eq!(sniff(&samples::jpeg()), Some(FileKind::Jpeg));
        assert_eq!(sniff(&samples::png()), Some(FileKind::Png));
        assert_eq!(sniff(b"<html><body>hi</body></html>"), None);
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\x00"), None);
    }

    #[test]
    fn a_file_passes_only_when_bytes_declared_type_and_extension_agree() {
        let ok = check_file(
            "行驶证.PDF",
            Some("application/pdf"),
            &samples::pdf(),
            LIMIT,
        )
        .unwrap();
        assert_eq!(ok.kind, FileKind::Pdf);
        assert_eq!(ok.file_name, "行驶证.PDF");
        assert!(
            check_file(
                "a.jpg",
                Some("image/jpeg; charset=binary"),
                &samples::jpeg(),
                LIMIT
            )
            .is_ok()
        );
        let code = |r: Result<CheckedFile>| match r {
            Err(DomainError::Invalid { code, .. } | DomainError::TooLarge { code, .. }) => code,
            other => panic!("refused with a code: {other:?}"),
        };
        // HTML named .pdf.
        assert_eq!(
            code(check_file(
                "a.pdf",
                Some("application/pdf"),
                b"<html></html>",
                LIMIT
            )),
            "unsupported_attachment"
        );
        // A PNG declared as PDF, and a PDF named .png.
        assert_eq!(
            code(check_file(
                "a.png",
                Some("application/pdf"),
                &samples::png(),
                LIMIT
            )),
            "unsupported_attachment"
        );
        assert_eq!(
            code(check_file(
                "a.png",
                Some("application/pdf"),
                &samples::pdf(),
                LIMIT
            )),
            "unsupported_attachment"
        );
        assert_eq!(
            code(check_file("a.pdf", None, &samples::pdf(), LIMIT)),
            "unsupported_attachment"
        );
        assert_eq!(
            code(check_file(
                "a.pdf",
                Some("application/pdf"),
                &samples::pdf(),
                10
            )),
            "attachment_too_large"
        );
    }

    #[test]
    fn file_names_lose_their_paths_and_dangerous_characters() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\a\\证明.pdf"), "证明.pdf");
        assert_eq!(sanitize_file_name("a\"b\r\nc.pdf"), "a_b__c.pdf");
        assert_eq!(sanitize_file_name("..."), "");
        assert_eq!(sanitize_file_name(".hidden.png"), "hidden.png");
        assert_eq!(sanitize_file_name(". .pdf"), "pdf");
        let long = format!("{}.pdf", "长".repeat(500));
        let short = sanitize_file_name(&long);
        assert_eq!(short.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(short.ends_with(".pdf"));
    }

    proptest! {
        #![proptest_config(crate::seeded::config(256))]

        #[test]
        fn any_file_is_accepted_or_refused_with_its_code_never_a_panic(
            name in ".{0,300}",
            declared in proptest::option::of("[a-z/;= .-]{0,40}"),
            prefix in prop_oneof![Just(Vec::new()), Just(samples::pdf()), Just(samples::jpeg()), Just(samples::png())],
            tail in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut bytes = prefix;
            bytes.extend(tail);
            match check_file(&name, declared.as_deref(), &bytes, 4096) {
                Ok(checked) => {
                    prop_assert_eq!(sniff(&bytes), Some(checked.kind));
                    prop_assert!(checked.file_name.chars().count() <= MAX_FILE_NAME_CHARS);
                }
                Err(DomainError::Invalid { code: "unsupported_attachment", .. })
                | Err(DomainError::TooLarge { code: "attachment_too_large", .. }) => {}
                Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
            }
        }

        #[test]
        fn a_sanitized_name_has_no_path_no_control_characters_and_fits(name in "\\PC{0,400}|.{0,50}") {
            let clean = sanitize_file_name(&name);
            prop_assert!(!clean.contains(['/', '\\', '"', '\r', '\n', '\0']));
            prop_assert!(!clean.starts_with('.'));
            prop_assert!(clean.chars().count() <= MAX_FILE_NAME_CHARS);
        }
    }
}
