//! What an item's call produced (registry reads, records, certificates, deliveries,
//! notifications), written inside the transaction of the case change it belongs to, so that
//! nothing an item did exists without its case.

use sqlx::{Any, Transaction};

use super::now_text;
use super::registries::{DataUser, insert_data_use};
use crate::model::effects::Effects;

pub(super) struct EffectTarget<'a> {
    pub case_id: i64,
    pub recipient_id: i64,
    /// The item, case and actor the registry reads are logged against.
    pub by: DataUser<'a>,
    /// The event the effects belong to; with the index it makes each notification's idempotency key.
    pub seq: i64,
}

pub(super) async fn apply_effects(
    tx: &mut Transaction<'_, Any>,
    target: &EffectTarget<'_>,
    effects: &Effects,
) -> anyhow::Result<()> {
    let now = now_text();
    let item_code = target.by.item_code;
    for used in &effects.data_uses {
        insert_data_use(tx, &target.by, used, &now).await?;
    }
    for write in &effects.records {
        match &write.value {
            Some(value) => {
                sqlx::query(
                    "INSERT INTO item_records (item_code, key, value, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (item_code, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(item_code)
                .bind(&write.key)
                .bind(value)
                .bind(&now)
                .execute(&mut **tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM item_records WHERE item_code = $1 AND key = $2")
                    .bind(item_code)
                    .bind(&write.key)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    for certificate in &effects.certificates {
        sqlx::query(
            "INSERT INTO certificates (serial, kind, holder, data, issued_on, valid_until, case_id, item_code, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&certificate.serial)
        .bind(&certificate.kind)
        .bind(&certificate.holder)
        .bind(&certificate.data)
        .bind(&certificate.issued_on)
        .bind(&certificate.valid_until)
        .bind(target.case_id)
        .bind(item_code)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    for delivery in &effects.deliveries {
        sqlx::query(
            "INSERT INTO deliveries (tracking_number, case_id, kind, status, name, phone, address, contents, created_at, updated_at)
             VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7, $8, $8)",
        )
        .bind(&delivery.tracking_number)
        .bind(target.case_id)
        .bind(delivery.kind.as_str())
        .bind(&delivery.name)
        .bind(&delivery.phone)
        .bind(&delivery.address)
        .bind(serde_json::to_string(&delivery.contents)?)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    for (i, notification) in effects.notifications.iter().enumerate() {
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, case_id, recipient_id, subject, body, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
        )
        .bind(format!("{}/{}/{}", target.by.case_number.unwrap_or_default(), target.seq, i + 1))
        .bind(target.case_id)
        .bind(target.recipient_id)
        .bind(&notification.subject)
        .bind(&notification.body)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
