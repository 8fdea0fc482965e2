//! What an item's call produced (registry reads, records, certificates, deliveries,
//! notifications), written inside the transaction of the case change it belongs to, so that
//! nothing an item did exists without its case.

use sqlx::AnyConnection;

use super::registries::{DataUser, push_data_use};
use super::statements::{Arg, Statements};
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
    /// The case: its id, or [`Arg::CaseOf`] its number when it is inserted in the same writes.
    pub case_id: Arg,
    pub recipient_id: i64,
    /// The item, case and actor the registry reads are logged against.
    pub by: DataUser<'a>,
    /// The event the effects belong to; with the index it makes each notification's idempotency key.
    pub seq: i64,
}

/// Writes the item records of `item_code`, each checked against what the call read. These need
/// the connection; the rest of the effects need no answer ([`push_effects`]).
pub(super) async fn write_records(
    conn: &mut AnyConnection,
    item_code: &str,
    effects: &Effects,
) -> anyhow::Result<()> {
    let now = now_text();
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
    Ok(())
}

/// Adds the effects that need no answer (ledger rows, certificates, deliveries, notifications)
/// to `statements`, for the caller to run with its own.
pub(super) fn push_effects(
    statements: &mut Statements,
    target: &EffectTarget<'_>,
    effects: &Effects,
) -> anyhow::Result<()> {
    let now = now_text();
    let item_code = target.by.item_code;
    for used in &effects.data_uses {
        push_data_use(statements, &target.by, used, &now);
    }
    for certificate in &effects.certificates {
        statements.push(
            "INSERT INTO certificates (serial, kind, holder, data, issued_on, valid_until, case_id, item_code, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                (&certificate.serial).into(),
                (&certificate.kind).into(),
                (&certificate.holder).into(),
                (&certificate.data).into(),
                (&certificate.issued_on).into(),
                (&certificate.valid_until).into(),
                target.case_id.clone(),
                item_code.into(),
                (&now).into(),
            ],
        );
    }
    for delivery in &effects.deliveries {
        statements.push(
            "INSERT INTO deliveries (tracking_number, case_id, kind, status, name, phone, address, contents, created_at, updated_at)
             VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7, $8, $8)",
            vec![
                (&delivery.tracking_number).into(),
                target.case_id.clone(),
                delivery.kind.as_str().into(),
                (&delivery.name).into(),
                (&delivery.phone).into(),
                (&delivery.address).into(),
                serde_json::to_string(&delivery.contents)?.into(),
                (&now).into(),
            ],
        );
    }
    for (i, notification) in effects.notifications.iter().enumerate() {
        let key = format!(
            "{}/{}/{}",
            target.by.case_number.unwrap_or_default(),
            target.seq,
            i + 1
        );
        statements.push(
            "INSERT INTO outbox (idempotency_key, case_id, recipient_id, subject, body, status, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
            vec![
                key.into(),
                target.case_id.clone(),
                target.recipient_id.into(),
                (&notification.subject).into(),
                (&notification.body).into(),
                (&now).into(),
            ],
        );
    }
    Ok(())
}
