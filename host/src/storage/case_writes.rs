//! The writes of cases: a new case with its first events, and a transition, each with
//! everything the item's call produced (`effects.rs`), in one group commit (`commit.rs`). A case
//! never exists without its events, and nothing an item did exists without its case.

use anyhow::Context;
use sqlx::AnyConnection;

use super::audit;
use super::cases::{CaseRow, CaseTransition, NewCase, NewEvent};
use super::effects::{EffectTarget, push_effects, write_records};
use super::registries::DataUser;
use super::statements::{Arg, Statements};
use super::{Storage, now_text};
use crate::model::effects::Effects;

impl Storage {
    /// Stores a new case with its first events and the effects of the item's `submit` (registry
    /// reads included), atomically, in the next group commit (`commit.rs`): returns once it is
    /// durable. The first event's actor is the one the reads are logged to.
    ///
    /// Only item records need the connection (each is checked against what the item read); a
    /// case without them is writes that need no answer, sent with the rest of its batch's.
    pub async fn create_case(
        &self,
        case: &NewCase<'_>,
        events: &[NewEvent],
        effects: &Effects,
    ) -> anyhow::Result<()> {
        let statements = case_statements(case, events, effects)?;
        if effects.records.is_empty() {
            return self.commits.write(statements).await;
        }
        let item_code = case.item_code.to_string();
        let effects = effects.clone();
        self.commits
            .run(move |conn| {
                let statements = statements.clone();
                Box::pin(async move {
                    write_records(conn, &item_code, &effects).await?;
                    statements.execute(conn).await
                })
            })
            .await
    }

    /// Applies a checked transition and the effects of the item's call, in the next group
    /// commit. Returns false, writing nothing, when the case moved on since the decision was
    /// taken (a concurrent action).
    pub async fn transition_case(
        &self,
        case: &CaseRow,
        change: &CaseTransition<'_>,
        effects: &Effects,
    ) -> anyhow::Result<bool> {
        let case = case.clone();
        let change = OwnedTransition::from(change);
        let effects = effects.clone();
        self.commits
            .run(move |conn| {
                Box::pin(async move { apply_transition(conn, &case, &change, &effects).await })
            })
            .await
    }
}

/// A [`CaseTransition`] the writer task can own.
#[derive(Clone)]
struct OwnedTransition {
    case_id: i64,
    expected_state: String,
    expected_revision: i64,
    to_state: String,
    derived: Option<String>,
    completed: bool,
    event: NewEvent,
    delivery_status: Option<(String, String)>,
}

impl From<&CaseTransition<'_>> for OwnedTransition {
    fn from(change: &CaseTransition<'_>) -> OwnedTransition {
        OwnedTransition {
            case_id: change.case_id,
            expected_state: change.expected_state.into(),
            expected_revision: change.expected_revision,
            to_state: change.to_state.into(),
            derived: change.derived.map(str::to_string),
            completed: change.completed,
            event: change.event.clone(),
            delivery_status: change
                .delivery_status
                .map(|(tracking, status)| (tracking.to_string(), status.to_string())),
        }
    }
}

/// The case's row, its events and the effects that need no answer. The rows of the case name it
/// by its number ([`Arg::CaseOf`]): its id is not known before the insert runs.
fn case_statements(
    case: &NewCase<'_>,
    events: &[NewEvent],
    effects: &Effects,
) -> anyhow::Result<Statements> {
    let mut statements = Statements::default();
    statements.push(
        "INSERT INTO cases (number, item_code, item_sha256, item_version, department, applicant_id, state, form,
         derived, channel, submitted_at, updated_at, due_date, completed_at, revision, preview)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, 0, $14)",
        vec![
            case.number.into(),
            case.item_code.into(),
            case.item_sha256.into(),
            case.item_version.into(),
            case.department.into(),
            case.applicant_id.into(),
            case.state.into(),
            case.form.into(),
            case.derived.into(),
            case.channel.into(),
            case.submitted_at.into(),
            case.due_date.into(),
            Arg::Text(None),
            (case.preview as i64).into(),
        ],
    );
    let case_id = Arg::CaseOf(case.number.to_string());
    for (i, event) in events.iter().enumerate() {
        push_event(
            &mut statements,
            case_id.clone(),
            i as i64 + 1,
            event,
            case.submitted_at,
        );
    }
    let first = events
        .first()
        .context("a new case needs its submission event")?;
    let target = EffectTarget {
        case_id,
        recipient_id: case.applicant_id,
        seq: events.len() as i64,
        by: DataUser {
            item_code: case.item_code,
            item_version: case.item_version,
            case_number: Some(case.number),
            actor_id: &first.actor_id,
            actor_role: &first.actor_role,
        },
    };
    push_effects(&mut statements, &target, effects)?;
    Ok(statements)
}

async fn apply_transition(
    conn: &mut AnyConnection,
    case: &CaseRow,
    change: &OwnedTransition,
    effects: &Effects,
) -> anyhow::Result<bool> {
    let now = now_text();
    let completed_at = change.completed.then(|| now.clone());
    let updated = sqlx::query(
        "UPDATE cases SET state = $1, derived = COALESCE($2, derived), updated_at = $3,
         completed_at = COALESCE($4, completed_at), revision = revision + 1
         WHERE id = $5 AND state = $6 AND revision = $7",
    )
    .bind(&change.to_state)
    .bind(&change.derived)
    .bind(&now)
    .bind(completed_at)
    .bind(change.case_id)
    .bind(&change.expected_state)
    .bind(change.expected_revision)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    let (last_seq,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM case_events WHERE case_id = $1")
            .bind(change.case_id)
            .fetch_one(&mut *conn)
            .await?;
    let mut statements = Statements::default();
    push_event(
        &mut statements,
        change.case_id.into(),
        last_seq + 1,
        &change.event,
        &now,
    );
    if let Some((tracking_number, status)) = &change.delivery_status {
        statements.push(
            "UPDATE deliveries SET status = $1, updated_at = $2 WHERE tracking_number = $3",
            vec![status.into(), (&now).into(), tracking_number.into()],
        );
    }
    let target = EffectTarget {
        case_id: case.id.into(),
        recipient_id: case.applicant_id,
        seq: last_seq + 1,
        by: DataUser {
            item_code: &case.item_code,
            item_version: &case.item_version,
            case_number: Some(&case.number),
            actor_id: &change.event.actor_id,
            actor_role: &change.event.actor_role,
        },
    };
    write_records(conn, &case.item_code, effects).await?;
    push_effects(&mut statements, &target, effects)?;
    statements.execute(conn).await?;
    // Department staff's and admins' decisions also go in the audit chain.
    let event = &change.event;
    if matches!(
        event.actor_role.as_str(),
        "reviewer" | "developer" | "admin"
    ) {
        let actor = format!("{}:{}", event.actor_role, event.actor_id);
        let action = format!("case.{}", event.action);
        let detail = format!(
            "{} -> {}{}",
            change.expected_state,
            change.to_state,
            event
                .comment
                .as_deref()
                .map(|c| format!("; {c}"))
                .unwrap_or_default()
        );
        let entry = audit::NewAudit {
            actor: &actor,
            action: &action,
            target: &case.number,
            detail: &detail,
        };
        audit::append_in(conn, &entry).await?;
    }
    Ok(true)
}

fn push_event(statements: &mut Statements, case_id: Arg, seq: i64, event: &NewEvent, at: &str) {
    statements.push(
        "INSERT INTO case_events (case_id, seq, action, from_state, to_state, actor_id, actor_role, comment, note, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        vec![
            case_id,
            seq.into(),
            (&event.action).into(),
            (&event.from_state).into(),
            (&event.to_state).into(),
            (&event.actor_id).into(),
            (&event.actor_role).into(),
            (&event.comment).into(),
            (&event.note).into(),
            at.into(),
        ],
    );
}
