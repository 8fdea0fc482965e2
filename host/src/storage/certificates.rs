//! The electronic licence library (电子证照库) as read back: a case's certificates, a holder's,
//! one by serial for its public verification page. Certificates are written only with the case
//! change that issued them (`effects.rs`).

use super::Storage;
use crate::model::effects::Certificate;

const CERTIFICATE_COLUMNS: &str =
    "c.serial, c.kind, c.holder, c.data, c.issued_on, c.valid_until, k.number AS case_number";

#[derive(sqlx::FromRow)]
struct CertificateRow {
    serial: String,
    kind: String,
    holder: String,
    data: String,
    issued_on: String,
    valid_until: Option<String>,
    case_number: Option<String>,
}

impl From<CertificateRow> for Certificate {
    fn from(row: CertificateRow) -> Self {
        Certificate {
            serial: row.serial,
            kind: row.kind,
            holder: row.holder,
            data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
            issued_on: row.issued_on,
            valid_until: row.valid_until,
            case_number: row.case_number,
        }
    }
}

impl Storage {
    pub async fn case_certificates(&self, case_id: i64) -> anyhow::Result<Vec<Certificate>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN cases k ON k.id = c.case_id
             WHERE c.case_id = $1 ORDER BY c.serial"
        );
        let rows: Vec<CertificateRow> = sqlx::query_as(&sql)
            .bind(case_id)
            .fetch_all(&mut *self.reader().await?)
            .await?;
        Ok(rows.into_iter().map(Certificate::from).collect())
    }

    /// Certificates held by `holder`, newest first; with `kind_valid_on`, only that kind and only
    /// those still valid on that date.
    pub async fn certificates_of_holder(
        &self,
        holder: &str,
        kind_valid_on: Option<(&str, &str)>,
    ) -> anyhow::Result<Vec<Certificate>> {
        let rows: Vec<CertificateRow> = match kind_valid_on {
            None => {
                let sql = format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN cases k ON k.id = c.case_id
                     WHERE c.holder = $1 ORDER BY c.issued_on DESC, c.serial"
                );
                sqlx::query_as(&sql)
                    .bind(holder)
                    .fetch_all(&mut *self.reader().await?)
                    .await?
            }
            Some((kind, today)) => {
                let sql = format!(
                    "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN cases k ON k.id = c.case_id
                     WHERE c.holder = $1 AND c.kind = $2 AND (c.valid_until IS NULL OR c.valid_until >= $3)
                     ORDER BY c.issued_on DESC, c.serial"
                );
                sqlx::query_as(&sql)
                    .bind(holder)
                    .bind(kind)
                    .bind(today)
                    .fetch_all(&mut *self.reader().await?)
                    .await?
            }
        };
        Ok(rows.into_iter().map(Certificate::from).collect())
    }

    pub async fn certificate_of_case(
        &self,
        case_number: &str,
        kind: &str,
    ) -> anyhow::Result<Option<Certificate>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates c JOIN cases k ON k.id = c.case_id
             WHERE k.number = $1 AND c.kind = $2"
        );
        let row: Option<CertificateRow> = sqlx::query_as(&sql)
            .bind(case_number)
            .bind(kind)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.map(Certificate::from))
    }

    /// The certificate with this serial, for its public verification page.
    pub async fn certificate_by_serial(&self, serial: &str) -> anyhow::Result<Option<Certificate>> {
        let sql = format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates c LEFT JOIN cases k ON k.id = c.case_id
             WHERE c.serial = $1"
        );
        let row: Option<CertificateRow> = sqlx::query_as(&sql)
            .bind(serial)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.map(Certificate::from))
    }
}
