//! What an item's call produced (registry reads, records, certificates, deliveries,
//! notifications), written inside the transaction of the case change it belongs to, so that
//! nothing an item did exists without its case.

use sqlx::AnyConnection;

use super::registries::{DataUser, insert_data_use};
use super::{is_postgres, now_text};
use crate::model::effects::Effects;

/// What an item's call decided on moved before its commit: a record it read was changed by
/// another call, or PostgreSQL chose its writes as the victim of a deadlock (two batches locking
/// the same rows in opposite orders). Nothing of the call was stored; the domain calls the item
/// again on what is stored now.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecordsMoved(String);

impl RecordsMoved {
    fn changed(key: &str) -> RecordsMoved {
        RecordsMoved(format!(
            "item record `{key}` changed since the item read it"
        ))
    }

    /// The database refused the writes as they were ordered (deadlock or serialization
    /// failure): running them again may succeed.
    pub(super) fn contended(detail: &str) -> RecordsMoved {
        RecordsMoved(format!(
            "the database refused the writes under contention: {detail}"
        ))
    }
}

pub(super) struct EffectTarget<'a> {
    pub case_id: i64,
    pub recipient_id: i64,
    /// The item, case and actor the registry reads are logged against.
    pub by: DataUser<'a>,
    /// The event the effects belong to; with the index it makes each notification's idempotency key.
    pub seq: i64,
}

pub(super) async fn apply_effects(
    conn: &mut AnyConnection,
    target: &EffectTarget<'_>,
    effects: &Effects,
) -> anyhow::Result<()> {
    let now = now_text();
    let item_code = target.by.item_code;
    for used in &effects.data_uses {
        insert_data_use(conn, &target.by, used, &now).await?;
    }
    // The item decided on what it read: if another call changed one of those records since,
    // nothing of this call may be stored (the domain calls the item again). On PostgreSQL the
    // check locks the row (`FOR UPDATE`), so that a concurrent writer waits for this commit and
    // then sees the new value; a record read as absent is inserted only if it is still absent.
    let lock = if is_postgres(conn) { " FOR UPDATE" } else { "" };
    for write in &effects.records {
        let read = effects.record_reads.iter().find(|r| r.key == write.key);
        if let Some(read) = read {
            let stored: Option<(String,)> = sqlx::query_as(&format!(
                "SELECT value FROM item_records WHERE item_code = $1 AND key = $2{lock}"
            ))
            .bind(item_code)
            .bind(&write.key)
            .fetch_optional(&mut *conn)
            .await?;
            if stored.map(|(value,)| value) != read.value {
                return Err(RecordsMoved::changed(&write.key).into());
            }
        }
        match &write.value {
            Some(value) if read.is_some_and(|r| r.value.is_none()) => {
                let inserted = sqlx::query(
                    "INSERT INTO item_records (item_code, key, value, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (item_code, key) DO NOTHING",
                )
                .bind(item_code)
                .bind(&write.key)
                .bind(value)
                .bind(&now)
                .execute(&mut *conn)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err(RecordsMoved::changed(&write.key).into());
                }
            }
            Some(value) => {
                sqlx::query(
                    "INSERT INTO item_records (item_code, key, value, updated_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (item_code, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind(item_code)
                .bind(&write.key)
                .bind(value)
                .bind(&now)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM item_records WHERE item_code = $1 AND key = $2")
                    .bind(item_code)
                    .bind(&write.key)
                    .execute(&mut *conn)
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
        .execute(&mut *conn)
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
        .execute(&mut *conn)
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
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
