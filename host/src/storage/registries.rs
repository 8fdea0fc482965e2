//! Shared datasets (registry_records) and the data-use ledger that records every read of them.

use super::statements::Statements;
use super::{Storage, now_text};
use crate::model::effects::{DataUse, RegistryRecord};

/// One record to import.
pub struct RegistryImport {
    pub key: String,
    pub subject_id: Option<String>,
    /// JSON object as text.
    pub data: String,
}

impl Storage {
    /// Inserts or replaces records of a dataset, all in one transaction.
    pub async fn put_registry_records(
        &self,
        dataset: &str,
        records: &[RegistryImport],
    ) -> anyhow::Result<()> {
        let now = now_text();
        let mut tx = self.write.begin().await?;
        for record in records {
            sqlx::query(
                "INSERT INTO registry_records (dataset, key, subject_id, data, imported_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (dataset, key) DO UPDATE
                 SET subject_id = excluded.subject_id, data = excluded.data, imported_at = excluded.imported_at",
            )
            .bind(dataset)
            .bind(&record.key)
            .bind(&record.subject_id)
            .bind(&record.data)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn registry_record(
        &self,
        dataset: &str,
        key: &str,
    ) -> anyhow::Result<Option<RegistryRecord>> {
        const SQL: &str =
            "SELECT subject_id, data FROM registry_records WHERE dataset = $1 AND key = $2";
        if let Some(points) = &self.points {
            return points.row(SQL, (dataset, key), |row| {
                Ok(RegistryRecord {
                    subject_id: row.get(0)?,
                    data: row.get(1)?,
                })
            });
        }
        let row: Option<(Option<String>, String)> = sqlx::query_as(SQL)
            .bind(dataset)
            .bind(key)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.map(|(subject_id, data)| RegistryRecord { subject_id, data }))
    }

    /// Writes registry reads to the data-use ledger. Called whether or not the item's call
    /// succeeded: the reads happened.
    pub async fn log_data_uses(
        &self,
        item: (&str, &str),
        case_number: Option<&str>,
        actor: (&str, &str),
        uses: &[DataUse],
    ) -> anyhow::Result<()> {
        if uses.is_empty() {
            return Ok(());
        }
        let now = now_text();
        let who = DataUser {
            item_code: item.0,
            item_version: item.1,
            case_number,
            actor_id: actor.0,
            actor_role: actor.1,
        };
        let mut statements = Statements::default();
        for used in uses {
            push_data_use(&mut statements, &who, used, &now);
        }
        self.commits.write(statements).await
    }
}

/// Who read a registry record, and for which case.
pub(super) struct DataUser<'a> {
    pub item_code: &'a str,
    pub item_version: &'a str,
    pub case_number: Option<&'a str>,
    pub actor_id: &'a str,
    pub actor_role: &'a str,
}

pub(super) fn push_data_use(
    statements: &mut Statements,
    who: &DataUser<'_>,
    used: &DataUse,
    at: &str,
) {
    statements.push(
        "INSERT INTO data_use_log
         (subject_id, dataset, record_key, item_code, item_version, case_number, actor_id, actor_role, purpose, found, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        vec![
            (&used.subject_id).into(),
            (&used.dataset).into(),
            (&used.key).into(),
            who.item_code.into(),
            who.item_version.into(),
            who.case_number.into(),
            who.actor_id.into(),
            who.actor_role.into(),
            (&used.purpose).into(),
            (used.found as i64).into(),
            at.into(),
        ],
    );
}
