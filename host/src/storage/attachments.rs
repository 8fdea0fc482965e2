//! Application materials: one row per upload in `attachments`, the bytes once per sha256 in
//! `attachment_blobs`, in the database so that every host of a deployment serves them.

use sqlx::{AnyConnection, Database, Postgres};

use super::{Storage, now_text};

const ATTACHMENT_COLUMNS: &str = "a.id, a.case_id, a.material, a.file_name, a.content_type, a.size_bytes, a.sha256, a.uploaded_by, a.uploaded_at";

/// A stored attachment, without its bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub case_id: i64,
    pub material: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: String,
}

/// An upload to record, already checked by the domain.
pub struct NewAttachment<'a> {
    pub case_id: i64,
    /// The case's state when the upload was checked; a case that moved on meanwhile refuses it.
    pub case_state: &'a str,
    pub material: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub uploaded_by: i64,
    /// The most attachments the case may have, this one included.
    pub max_per_case: i64,
}

/// Why an attachment was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentRefused {
    #[error("the case changed state while the attachment was being uploaded")]
    CaseMoved,
    #[error("the case already has {0} attachments")]
    TooMany(i64),
}

impl Storage {
    /// Records an upload: the bytes (once per sha256) and its row, in one transaction, after
    /// checking that the case is still in the state the upload was checked against and still has
    /// room. Returns the stored row, committed.
    pub async fn insert_attachment(
        &self,
        new: &NewAttachment<'_>,
    ) -> anyhow::Result<Result<AttachmentRow, AttachmentRefused>> {
        let mut tx = self.write.begin().await?;
        let state = case_state_locked(&mut tx, new.case_id).await?;
        if state.as_deref() != Some(new.case_state) {
            return Ok(Err(AttachmentRefused::CaseMoved));
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE case_id = $1")
            .bind(new.case_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= new.max_per_case {
            return Ok(Err(AttachmentRefused::TooMany(count)));
        }
        let now = now_text();
        sqlx::query(
            "INSERT INTO attachment_blobs (sha256, bytes, size_bytes, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(new.sha256)
        .bind(new.bytes.to_vec())
        .bind(new.bytes.len() as i64)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let row: AttachmentRow = sqlx::query_as(
            "INSERT INTO attachments (case_id, material, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id, case_id, material, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at",
        )
        .bind(new.case_id)
        .bind(new.material)
        .bind(new.file_name)
        .bind(new.content_type)
        .bind(new.bytes.len() as i64)
        .bind(new.sha256)
        .bind(new.uploaded_by)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(row))
    }

    /// The attachments of a case, oldest first.
    pub async fn case_attachments(&self, case_id: i64) -> anyhow::Result<Vec<AttachmentRow>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.case_id = $1 ORDER BY a.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(case_id)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }

    /// One attachment with the application number of its case.
    pub async fn attachment(&self, id: i64) -> anyhow::Result<Option<(AttachmentRow, String)>> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, c.number FROM attachments a JOIN cases c ON c.id = a.case_id WHERE a.id = $1"
        );
        let row: Option<AttachmentWithNumber> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.map(|r| (r.row, r.number)))
    }

    /// The bytes stored under `sha256`.
    pub async fn attachment_bytes(&self, sha256: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT bytes FROM attachment_blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&mut *self.reader().await?)
                .await?,
        )
    }
}

#[derive(sqlx::FromRow)]
struct AttachmentWithNumber {
    #[sqlx(flatten)]
    row: AttachmentRow,
    number: String,
}

/// The case's state, its row locked against other writers until the commit on PostgreSQL
/// (SQLite's one write connection already serializes the transaction), so that two uploads at once
/// cannot both take the last place.
async fn case_state_locked(
    conn: &mut AnyConnection,
    case_id: i64,
) -> anyhow::Result<Option<String>> {
    let sql = if conn.backend_name() == Postgres::NAME {
        "SELECT state FROM cases WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT state FROM cases WHERE id = $1"
    };
    Ok(sqlx::query_scalar(sql)
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::temp_storage;

    #[tokio::test]
    async fn an_unknown_attachment_has_no_row_and_no_bytes() {
        let (_dir, storage) = temp_storage().await;
        assert!(storage.attachment(1).await.unwrap().is_none());
        assert!(storage.attachment_bytes("00").await.unwrap().is_none());
        assert!(storage.case_attachments(1).await.unwrap().is_empty());
    }
}
