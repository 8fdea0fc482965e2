//! Cases and their events as storage gives them (the rows a new case or a transition is written
//! from, and the rows read back), and the reads of cases: by number, by applicant, a department's
//! inbox. The writes are `case_writes.rs`.

use super::Storage;

pub struct NewCase<'a> {
    pub number: &'a str,
    pub item_code: &'a str,
    pub item_sha256: &'a str,
    pub item_version: &'a str,
    pub department: &'a str,
    pub applicant_id: i64,
    pub state: &'a str,
    pub form: &'a str,
    pub derived: &'a str,
    pub channel: &'a str,
    pub submitted_at: &'a str,
    pub due_date: &'a str,
    /// Submitted by the item's department to try a staged version.
    pub preview: bool,
}

#[derive(Clone, Debug)]
pub struct NewEvent {
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: String,
    pub actor_role: String,
    pub comment: Option<String>,
    pub note: Option<String>,
}

/// A checked state change of an existing case.
pub struct CaseTransition<'a> {
    pub case_id: i64,
    /// The state and revision the decision was made on; if either moved meanwhile, nothing is written.
    pub expected_state: &'a str,
    pub expected_revision: i64,
    pub to_state: &'a str,
    pub derived: Option<&'a str>,
    pub completed: bool,
    pub event: NewEvent,
    /// A courier event moves its delivery along with the case.
    pub delivery_status: Option<(&'a str, &'a str)>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_sha256: String,
    pub item_version: String,
    pub department: String,
    pub applicant_id: i64,
    pub state: String,
    pub form: String,
    pub derived: String,
    pub channel: String,
    pub submitted_at: String,
    pub updated_at: String,
    pub due_date: String,
    pub completed_at: Option<String>,
    pub revision: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_role: String,
    pub comment: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub tracking_number: String,
    pub case_id: i64,
    pub kind: String,
    pub status: String,
    /// JSON array of strings.
    pub contents: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseSummary {
    pub number: String,
    pub item_code: String,
    pub state: String,
    pub submitted_at: String,
    pub due_date: String,
    pub applicant_name: String,
    /// The applicant's ID number, whole as stored: `Cases::inbox` masks it for staff.
    pub applicant_id_number: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DataUseRow {
    pub at: String,
    pub dataset: String,
    pub record_key: String,
    pub item_code: String,
    pub case_number: Option<String>,
    pub purpose: String,
    pub actor_role: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub subject: String,
    pub body: String,
    pub case_number: Option<String>,
    pub created_at: String,
    pub status: String,
}

const CASE_COLUMNS: &str = "id, number, item_code, item_sha256, item_version, department, applicant_id, state, form, \
     derived, channel, submitted_at, updated_at, due_date, completed_at, revision";
const SUMMARY_COLUMNS: &str = "c.number, c.item_code, c.state, c.submitted_at, c.due_date, u.name AS applicant_name, \
     u.id_number AS applicant_id_number";

impl Storage {
    /// Reserves `count` consecutive application sequence numbers for `day`; returns the first.
    pub async fn reserve_numbers(&self, day: &str, count: i64) -> anyhow::Result<i64> {
        let (next,): (i64,) = sqlx::query_as(
            "INSERT INTO number_blocks (day, next) VALUES ($1, $2)
             ON CONFLICT (day) DO UPDATE SET next = number_blocks.next + $2 RETURNING next",
        )
        .bind(day)
        .bind(count)
        .fetch_one(&self.write)
        .await?;
        Ok(next - count + 1)
    }

    pub async fn case_by_number(&self, number: &str) -> anyhow::Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1");
        Ok(sqlx::query_as(&sql)
            .bind(number)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    pub async fn case_by_id(&self, id: i64) -> anyhow::Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.reader().await?)
            .await?)
    }

    pub async fn case_events(&self, case_id: i64) -> anyhow::Result<Vec<EventRow>> {
        Ok(sqlx::query_as(
            "SELECT seq, action, from_state, to_state, actor_role, comment, note, at
             FROM case_events WHERE case_id = $1 ORDER BY seq",
        )
        .bind(case_id)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    pub async fn case_deliveries(&self, case_id: i64) -> anyhow::Result<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT id, tracking_number, case_id, kind, status, contents FROM deliveries WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    pub async fn delivery_by_tracking_number(
        &self,
        tracking_number: &str,
    ) -> anyhow::Result<Option<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT id, tracking_number, case_id, kind, status, contents FROM deliveries WHERE tracking_number = $1",
        )
        .bind(tracking_number)
        .fetch_optional(&mut *self.reader().await?)
        .await?)
    }

    /// A citizen's cases, newest first.
    pub async fn cases_of_applicant(&self, applicant_id: i64) -> anyhow::Result<Vec<CaseSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c JOIN users u ON u.id = c.applicant_id
             WHERE c.applicant_id = $1 ORDER BY c.submitted_at DESC, c.id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(applicant_id)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }

    /// Cases of a department (all departments when `None`), optionally in one state, oldest due first.
    pub async fn cases_of_department(
        &self,
        department: Option<&str>,
        state: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<CaseSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c JOIN users u ON u.id = c.applicant_id
             WHERE ($1 IS NULL OR c.department = $1) AND ($2 IS NULL OR c.state = $2)
             ORDER BY c.due_date, c.id LIMIT $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(department)
            .bind(state)
            .bind(limit)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }

    /// The inbox of `department`: the cases of its own items, and the cases of the items it
    /// works a part of (`participating`: item code and the states in which it has an action).
    pub async fn inbox_of_department(
        &self,
        department: &str,
        participating: &[(&str, Vec<&str>)],
        state: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<CaseSummary>> {
        let mut next = 2;
        let mut placeholder = || {
            let p = format!("${next}");
            next += 1;
            p
        };
        let mut parts = Vec::new();
        for (_, states) in participating.iter().filter(|(_, s)| !s.is_empty()) {
            let code = placeholder();
            let states: Vec<String> = states.iter().map(|_| placeholder()).collect();
            parts.push(format!(
                " OR (c.item_code = {code} AND c.state IN ({}))",
                states.join(", ")
            ));
        }
        let state_p = placeholder();
        let limit_p = placeholder();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c JOIN users u ON u.id = c.applicant_id
             WHERE (c.department = $1{}) AND ({state_p} IS NULL OR c.state = {state_p})
             ORDER BY c.due_date, c.id LIMIT {limit_p}",
            parts.concat()
        );
        let mut query = sqlx::query_as(&sql).bind(department);
        for (code, states) in participating.iter().filter(|(_, s)| !s.is_empty()) {
            query = query.bind(*code);
            for s in states {
                query = query.bind(*s);
            }
        }
        Ok(query
            .bind(state)
            .bind(limit)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }

    /// The data-use ledger of one person, newest first.
    pub async fn data_use_of_subject(
        &self,
        subject_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<DataUseRow>> {
        Ok(sqlx::query_as(
            "SELECT at, dataset, record_key, item_code, case_number, purpose, actor_role FROM data_use_log
             WHERE subject_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(subject_id)
        .bind(limit)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    /// The registry reads `actor_id` made for a case (its applicant's are those of `submit`),
    /// oldest first: `(dataset, key, found)`.
    pub async fn case_reads_by(
        &self,
        case_number: &str,
        actor_id: &str,
    ) -> anyhow::Result<Vec<(String, String, bool)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT dataset, record_key, found FROM data_use_log
             WHERE case_number = $1 AND actor_id = $2 ORDER BY id",
        )
        .bind(case_number)
        .bind(actor_id)
        .fetch_all(&mut *self.reader().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(dataset, key, found)| (dataset, key, found != 0))
            .collect())
    }

    pub async fn notifications_of(
        &self,
        user_id: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<NotificationRow>> {
        Ok(sqlx::query_as(
            "SELECT o.subject, o.body, k.number AS case_number, o.created_at, o.status
             FROM outbox o LEFT JOIN cases k ON k.id = o.case_id
             WHERE o.recipient_id = $1 ORDER BY o.id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *self.reader().await?)
        .await?)
    }

    pub async fn record_value(&self, item_code: &str, key: &str) -> anyhow::Result<Option<String>> {
        const SQL: &str = "SELECT value FROM item_records WHERE item_code = $1 AND key = $2";
        if let Some(points) = &self.points {
            return points.row(SQL, (item_code, key), |row| row.get(0));
        }
        let row: Option<(String,)> = sqlx::query_as(SQL)
            .bind(item_code)
            .bind(key)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.map(|(v,)| v))
    }
}

impl Storage {
    /// Every case of an item in one state, preview cases left out, in application-number order:
    /// what a batch decision works on.
    pub async fn cases_of_item_in_state(
        &self,
        item_code: &str,
        state: &str,
    ) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE item_code = $1 AND state = $2 AND preview = 0
             ORDER BY number"
        );
        Ok(sqlx::query_as(&sql)
            .bind(item_code)
            .bind(state)
            .fetch_all(&mut *self.reader().await?)
            .await?)
    }
}
