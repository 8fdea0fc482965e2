//! What the host stored, read back through the app's read-only pool: the rows of a case, its
//! events and deliveries, row counts, the data-use ledger and the audit log. Only
//! `write_behind_the_hosts_back` writes, and only for a test that tampers with the database on purpose.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::any::AnyPoolOptions;

use super::{TestApp, VEHICLE_ITEM};

impl TestApp {
    pub async fn user_id(&self, login: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(login)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The stored case row, as JSON-ish text columns.
    pub async fn case_row(&self, number: &str) -> CaseRow {
        sqlx::query_as(
            "SELECT item_code, item_sha256, item_version, department, applicant_id, state, form, derived,
                    channel, submitted_at, due_date, completed_at
             FROM cases WHERE number = $1",
        )
        .bind(number)
        .fetch_optional(&self.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("case {number} is stored"))
    }

    pub async fn case_state(&self, number: &str) -> String {
        self.case_row(number).await.state
    }

    /// `(action, from_state, to_state, actor_role, comment)` of a case's events, in order.
    pub async fn events(&self, number: &str) -> Vec<EventRow> {
        sqlx::query_as(
            "SELECT e.seq, e.action, e.from_state, e.to_state, e.actor_role, e.comment
             FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.number = $1 ORDER BY e.seq",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    pub async fn event_actions(&self, number: &str) -> Vec<String> {
        self.events(number)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    /// `(tracking_number, kind, status)` of a case's deliveries, oldest first.
    pub async fn deliveries(&self, number: &str) -> Vec<(String, String, String)> {
        sqlx::query_as(
            "SELECT d.tracking_number, d.kind, d.status FROM deliveries d JOIN cases c ON c.id = d.case_id
             WHERE c.number = $1 ORDER BY d.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// The tracking number of the case's one delivery of `kind` (`pickup`, `shipment`).
    pub async fn tracking_number(&self, number: &str, kind: &str) -> String {
        let mut found: Vec<String> = self
            .deliveries(number)
            .await
            .into_iter()
            .filter(|d| d.1 == kind)
            .map(|d| d.0)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "case {number} has exactly one {kind} delivery"
        );
        found.remove(0)
    }

    /// Rows of `table` (which has a `case_id`) that belong to the case.
    pub async fn count_for_case(&self, table: &str, number: &str) -> i64 {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE case_id = (SELECT id FROM cases WHERE number = $1)"
        );
        sqlx::query_scalar(&sql)
            .bind(number)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Row counts of every table an application writes to besides the data-use ledger.
    pub async fn stored(&self) -> Stored {
        Stored {
            cases: self.count("cases").await,
            case_events: self.count("case_events").await,
            deliveries: self.count("deliveries").await,
            outbox: self.count("outbox").await,
            certificates: self.count("certificates").await,
        }
    }

    /// Everything about one case that a refused request must leave as it was.
    pub async fn case_snapshot(&self, number: &str) -> CaseSnapshot {
        let (state, updated_at, derived): (String, String, String) =
            sqlx::query_as("SELECT state, updated_at, derived FROM cases WHERE number = $1")
                .bind(number)
                .fetch_one(&self.db)
                .await
                .unwrap();
        CaseSnapshot {
            state,
            updated_at,
            derived,
            events: self.events(number).await,
            deliveries: self.deliveries(number).await,
            certificates: self.count_for_case("certificates", number).await,
            outbox: self.count_for_case("outbox", number).await,
        }
    }

    /// Data-use ledger rows about `subject_id`, as `(dataset, record_key, item_code, found)`.
    pub async fn data_uses_about(&self, subject_id: &str) -> Vec<(String, String, String, i64)> {
        sqlx::query_as(
            "SELECT dataset, record_key, item_code, found FROM data_use_log WHERE subject_id = $1 ORDER BY id",
        )
        .bind(subject_id)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// Audit entries with `action` on `target`.
    pub async fn audit_count(&self, action: &str, target: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target = $2")
            .bind(action)
            .bind(target)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The sha256 of the version `code` serves, as stored; none before its first publication.
    pub async fn current_sha256(&self, code: &str) -> Option<String> {
        sqlx::query_scalar("SELECT current_sha256 FROM items WHERE code = $1")
            .bind(code)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The stored attachments of a case: (material, file name, content type, size, sha256).
    pub async fn attachment_rows(
        &self,
        number: &str,
    ) -> Vec<(String, String, String, i64, String)> {
        sqlx::query_as(
            "SELECT a.material, a.file_name, a.content_type, a.size_bytes, a.sha256 FROM attachments a
             JOIN cases c ON c.id = a.case_id WHERE c.number = $1 ORDER BY a.id",
        )
        .bind(number)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    /// Every vehicle application was accepted and awaits the courier, no case of any other item
    /// was stored, and the host still answers.
    pub async fn assert_only_vehicle_applications_went_through(
        &self,
        vehicles: Vec<(StatusCode, Value)>,
    ) {
        for (status, body) in vehicles {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let number = body["number"].as_str().expect("number");
            assert_eq!(self.case_row(number).await.state, "awaiting-pickup");
        }
        let other_cases: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE item_code <> $1")
                .bind(VEHICLE_ITEM)
                .fetch_one(&self.db)
                .await
                .unwrap();
        assert_eq!(other_cases, 0);
        assert_eq!(self.get("/healthz", None).await.status(), StatusCode::OK);
    }

    /// Runs `sql` with `binds` on the host's database, read-write: for a test that changes what is
    /// stored behind the host's back.
    pub async fn write_behind_the_hosts_back(&self, sql: &str, binds: &[&str]) {
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.database_url())
            .await
            .expect("opening the database read-write");
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query
            .execute(&writer)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        writer.close().await;
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct CaseRow {
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
    pub due_date: String,
    pub completed_at: Option<String>,
}

#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_role: String,
    pub comment: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Stored {
    pub cases: i64,
    pub case_events: i64,
    pub deliveries: i64,
    pub outbox: i64,
    pub certificates: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CaseSnapshot {
    pub state: String,
    pub updated_at: String,
    pub derived: String,
    pub events: Vec<EventRow>,
    pub deliveries: Vec<(String, String, String)>,
    pub certificates: i64,
    pub outbox: i64,
}
