//! Batch decisions: one call to an item decides an action for every case of it in one state
//! (the school placement, say), and each decision is then applied through the normal action
//! path — workflow checked, the item's `on-action` on the case's pinned version, committed with
//! its events and notifications — so a batch can do nothing a reviewer could not do case by case.
//!
//! The decisions come from the item's `batch` export on its live version, called as the staff
//! member (`Cases::decide_batch`; a 0.1.0 item is asked through its `query`, which the runtime's
//! 0.1.0 module does), inside the request that starts the batch, so that a refusal is that
//! request's answer. Applying them is a background job (`batch_jobs`): the request answers 202
//! with the job, whose progress its department follows (`Batch::job`). Decisions are applied
//! [`APPLY_CONCURRENCY`] at a time, so that their commits share group commits; those that keep
//! losing to the others over the same item records are applied after them, one at a time. One job of an item
//! runs at a time: a second batch while one runs is refused (`batch_running`), so two placements
//! never hand out the same seats. Knows no SQL and no wasmtime.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::cases::{ActionDone, Cases};
use super::error::{DomainError, Result};
use super::items::Items;
use crate::model::actor::{Actor, Role};
use crate::model::contract::Decision;
use crate::storage::{BatchCounts, BatchJobRow, Storage};

/// Decisions applied at once.
pub const APPLY_CONCURRENCY: usize = 32;
/// Attempts at a decision whose case another action changed meanwhile.
const CHANGED_ATTEMPTS: usize = 8;
/// How often a job's progress is written while it runs.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// Applies one decision through the normal action path. Another department's action on the same
/// case (their batches run side by side) moves it under this one: the decision is applied again
/// on the case as it is now, up to [`CHANGED_ATTEMPTS`] times.
async fn apply_one(
    cases: &Cases,
    staff: &Actor,
    decision: Decision,
) -> (Decision, Result<ActionDone>) {
    // `decide_batch` checked that each input is a JSON object.
    let input: Value = serde_json::from_str(&decision.input).unwrap_or_default();
    let mut attempt = 1;
    loop {
        let done = cases
            .act(
                staff,
                &decision.case_number,
                &decision.action,
                decision.comment.as_deref(),
                &input,
            )
            .await;
        match done {
            Err(DomainError::Conflict {
                code: "conflict", ..
            }) if attempt < CHANGED_ATTEMPTS => attempt += 1,
            done => return (decision, done),
        }
    }
}

/// A batch job as its department sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchJob {
    pub id: i64,
    pub item: String,
    pub state: String,
    /// `running`, `done`, `failed`, or `interrupted` (its host stopped while it ran; the applied
    /// decisions stand, and running the batch again finds the cases it did not reach).
    pub status: String,
    /// Cases of the item found in the state.
    pub cases: i64,
    /// Decisions the item made.
    pub decisions: i64,
    /// Decisions dealt with so far, applied or refused.
    pub processed: i64,
    pub applied: i64,
    pub refused: Vec<BatchRefusal>,
    /// Why a failed job stopped.
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl BatchJob {
    fn from_row(row: BatchJobRow) -> BatchJob {
        BatchJob {
            id: row.id,
            item: row.item_code,
            state: row.state,
            status: row.status,
            cases: row.cases,
            decisions: row.decisions,
            processed: row.processed,
            applied: row.applied,
            refused: serde_json::from_str(&row.refused).unwrap_or_default(),
            error: row.error,
            started_at: row.started_at,
            finished_at: row.finished_at,
        }
    }
}

/// A decision that was not applied, and why.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct BatchRefusal {
    pub number: String,
    pub action: String,
    pub reason: String,
}

/// Batch decisions over an item's cases, for its department's staff.
pub struct Batch {
    cases: Arc<Cases>,
    items: Arc<Items>,
    storage: Storage,
}

impl Batch {
    pub fn new(cases: Arc<Cases>, items: Arc<Items>, storage: Storage) -> Batch {
        Batch {
            cases,
            items,
            storage,
        }
    }

    /// Starts a batch decision by `staff` over the cases of item `code` in `state`: the item
    /// decides now, and the job that applies its decisions is returned running.
    pub async fn start(
        &self,
        staff: &Actor,
        code: &str,
        state: &str,
        input: &Value,
    ) -> Result<BatchJob> {
        let live = self.items.live(code).ok_or(DomainError::NotFound)?;
        // The item's own department, or one its workflow gives a part (the scoring departments of
        // the school enrollment): the item decides what each may do in a batch.
        let info = &live.version.info;
        let department = staff
            .department
            .clone()
            .filter(|department| {
                matches!(staff.role, Role::Reviewer | Role::Developer)
                    && (*department == info.department
                        || info
                            .workflow
                            .actions
                            .iter()
                            .any(|action| action.departments.contains(department)))
            })
            .ok_or_else(|| {
                DomainError::forbidden(
                    "forbidden",
                    "只有事项所属部门或参与办理部门的工作人员可以执行批量办理".into(),
                )
            })?;
        if !input.is_object() {
            return Err(DomainError::invalid(
                "invalid_input",
                "input must be a JSON object".into(),
            ));
        }
        let who = staff.audit_label();
        let id = self
            .storage
            .start_batch_job(code, &department, state, &who)
            .await?
            .ok_or_else(|| {
                DomainError::conflict(
                    "batch_running",
                    "该事项的批量办理正在进行，请待其完成后再试".into(),
                )
            })?;
        // Deciding and applying run in a task of their own, so that a request that goes away
        // (its client gone, its time up) still leaves the job finished or discarded, never
        // running.
        let (answer, decided) = tokio::sync::oneshot::channel();
        let mut job = Apply {
            id,
            cases: self.cases.clone(),
            storage: self.storage.clone(),
            staff: staff.clone(),
            code: code.to_string(),
            state: state.to_string(),
            counts: BatchCounts::default(),
        };
        let input = input.clone();
        tokio::spawn(async move {
            if let Some((decisions, open)) = job.decide(&input, answer).await {
                job.run(decisions, open).await;
            }
        });
        decided
            .await
            .map_err(|_| DomainError::Internal(anyhow::anyhow!("the batch task stopped")))??;
        self.job(staff, id).await
    }

    /// A job, for staff of the department that started it (anyone else: not found).
    pub async fn job(&self, staff: &Actor, id: i64) -> Result<BatchJob> {
        if !matches!(staff.role, Role::Reviewer | Role::Developer) {
            return Err(DomainError::forbidden(
                "forbidden",
                "只有部门工作人员可以查看批量办理".into(),
            ));
        }
        let row = self
            .storage
            .batch_job(id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let own_staff = matches!(staff.role, Role::Reviewer | Role::Developer)
            && staff.department.as_deref() == Some(row.department.as_str());
        if !own_staff {
            return Err(DomainError::NotFound);
        }
        Ok(BatchJob::from_row(row))
    }
}

/// The background half of a batch: applies the decisions, writing progress as it goes.
struct Apply {
    id: i64,
    cases: Arc<Cases>,
    storage: Storage,
    staff: Actor,
    code: String,
    state: String,
    counts: BatchCounts,
}

impl Apply {
    /// Asks the item for its decisions and tells the request how that went: a refusal discards
    /// the job; decisions are counted and returned for [`Apply::run`].
    async fn decide(
        &mut self,
        input: &Value,
        answer: tokio::sync::oneshot::Sender<Result<()>>,
    ) -> Option<(Vec<Decision>, BTreeSet<String>)> {
        let decided = async {
            let rows = self
                .storage
                .cases_of_item_in_state(&self.code, &self.state)
                .await?;
            let decisions = self
                .cases
                .decide_batch(&self.staff, &self.code, &self.state, &rows, input)
                .await?;
            self.counts.cases = rows.len() as i64;
            self.counts.decisions = decisions.len() as i64;
            self.storage
                .batch_job_progress(self.id, self.counts, "[]")
                .await?;
            let open: BTreeSet<String> = rows.into_iter().map(|row| row.number).collect();
            Ok::<_, DomainError>((decisions, open))
        }
        .await;
        match decided {
            Ok(decided) => {
                let _ = answer.send(Ok(()));
                Some(decided)
            }
            Err(err) => {
                // A refused batch leaves nothing behind, its job included.
                let discarded = self.storage.discard_batch_job(self.id).await;
                let _ = answer.send(match discarded {
                    Ok(()) => Err(err),
                    Err(cause) => Err(DomainError::Internal(cause)),
                });
                None
            }
        }
    }

    async fn run(mut self, decisions: Vec<Decision>, mut open: BTreeSet<String>) {
        let mut refused = Vec::new();
        let mut to_apply = Vec::with_capacity(decisions.len());
        for decision in decisions {
            // Only a case of this batch, and each once: the item cannot reach beyond what it was shown.
            if open.remove(&decision.case_number) {
                to_apply.push(decision);
            } else {
                refused.push(refusal(&decision, "不在本批办件中，或已有决定".into()));
                self.counts.processed += 1;
            }
        }
        let staff = &self.staff;
        let cases = &self.cases;
        let mut applied = futures::stream::iter(to_apply)
            .map(|decision| apply_one(cases, staff, decision))
            .buffer_unordered(APPLY_CONCURRENCY);
        // Decisions that kept losing to the others over the same records (a school's seats)
        // are applied after them, one at a time, where nothing of the batch competes.
        let mut contended = std::collections::VecDeque::new();
        let mut failure = None;
        let mut written = Instant::now();
        loop {
            let (decision, done) = match applied.next().await {
                Some((
                    decision,
                    Err(DomainError::Conflict {
                        code: "conflict", ..
                    }),
                )) => {
                    contended.push_back(decision);
                    continue;
                }
                Some(next) => next,
                None => match contended.pop_front() {
                    Some(decision) => apply_one(cases, staff, decision).await,
                    None => break,
                },
            };
            self.counts.processed += 1;
            match done {
                Ok(_) => self.counts.applied += 1,
                Err(DomainError::Internal(cause)) => {
                    failure = Some(format!("{cause:#}"));
                    break;
                }
                Err(other) => refused.push(refusal(&decision, other.to_string())),
            }
            if written.elapsed() >= PROGRESS_EVERY {
                written = Instant::now();
                if let Err(err) = self.progress(&refused).await {
                    failure = Some(format!("{err:#}"));
                    break;
                }
            }
        }
        drop(applied);
        let finished = async {
            self.progress(&refused).await?;
            self.storage
                .finish_batch_job(self.id, failure.as_deref())
                .await?;
            let detail = format!(
                "{} in {}: {} cases, {} decisions, {} applied, {} refused{}",
                self.code,
                self.state,
                self.counts.cases,
                self.counts.decisions,
                self.counts.applied,
                refused.len(),
                failure
                    .as_deref()
                    .map(|f| format!("; failed: {f}"))
                    .unwrap_or_default()
            );
            self.storage
                .append_audit(&self.staff.audit_label(), "item.batch", &self.code, &detail)
                .await
        };
        if let Err(err) = finished.await {
            tracing::error!(job = self.id, error = %format!("{err:#}"), "finishing a batch job failed");
        }
    }

    async fn progress(&self, refused: &[BatchRefusal]) -> anyhow::Result<()> {
        let refused = serde_json::to_string(refused)?;
        self.storage
            .batch_job_progress(self.id, self.counts, &refused)
            .await
    }
}

fn refusal(decision: &Decision, reason: String) -> BatchRefusal {
    BatchRefusal {
        number: decision.case_number.clone(),
        action: decision.action.clone(),
        reason,
    }
}
