//! The queries the statistics are computed from (ratings are stored by `rectifications.rs`). The
//! figures are grouped in SQL, so a report reads a row per department, item and channel, not a
//! row per case. The SLA of a completed case needs its events and the working-day calendar, which
//! SQL does not have: `domain::stats` computes it once per case and stores it in `case_sla`; here
//! are the queries that find the cases still without one and that store it.

use super::{Backend, Storage, placeholders};

/// A completed case whose SLA figures are not stored yet: what computing them needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SlaCaseRow {
    pub id: i64,
    pub item_code: String,
    pub item_sha256: String,
    pub submitted_at: String,
    pub completed_at: String,
}

/// One state change of a case, in order per case.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StatsEventRow {
    pub case_id: i64,
    pub to_state: String,
    pub at: String,
}

/// The SLA figures of one completed case, as `case_sla` keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseSla {
    pub case_id: i64,
    /// Working days from submission to completion.
    pub handling_days: i64,
    /// The days counted against the promise kept it.
    pub on_time: bool,
}

/// The cases of one department, item and channel submitted in a range, summed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StatsGroupRow {
    pub department: String,
    pub item_code: String,
    pub channel: String,
    pub received: i64,
    /// Those with stored SLA figures: every completed case once they are filled in.
    pub completed: i64,
    pub on_time: i64,
    /// Summed over the completed ones.
    pub handling_days: i64,
    /// The sum of the ratings' scores, and how many ratings there are.
    pub score_sum: i64,
    pub scores: i64,
}

/// A case with its events and rating, written as they are, for benchmarks and tests that need
/// many cases or instants a request cannot give (a completion on a chosen day).
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct SeedCase {
    pub number: String,
    pub item_code: String,
    pub item_sha256: String,
    pub item_version: String,
    pub department: String,
    pub applicant_id: i64,
    pub state: String,
    pub channel: String,
    pub submitted_at: String,
    pub due_date: String,
    pub completed_at: Option<String>,
    pub preview: bool,
    /// `(action, to_state, at)`, in order; the first is the submission.
    pub events: Vec<(String, String, String)>,
    pub score: Option<i64>,
}

/// The cases of a report: submitted in `[$1, $2)` (RFC 3339 UTC text, compared as text), previews
/// left out, of the department `$3` or of all when it is null.
const IN_RANGE: &str = "c.submitted_at >= $1 AND c.submitted_at < $2 AND c.preview = 0
     AND ($3 IS NULL OR c.department = $3)";

impl Storage {
    /// The completed cases of the range (as [`IN_RANGE`] says) with no `case_sla` row yet, in id
    /// order: only their ids, so that the first report over many cases holds little, and a later
    /// one (after which there are few or none) reads the index alone.
    pub async fn cases_without_sla(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
    ) -> anyhow::Result<Vec<i64>> {
        let sql = format!(
            "SELECT c.id
             FROM cases c LEFT JOIN case_sla s ON s.case_id = c.id
             WHERE {IN_RANGE} AND c.completed_at IS NOT NULL AND s.case_id IS NULL
             ORDER BY c.id"
        );
        let ids: Vec<(i64,)> = sqlx::query_as(&sql)
            .bind(from)
            .bind(until)
            .bind(department)
            .fetch_all(&mut *self.reader().await?)
            .await?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// What computing the SLA figures of the completed cases `ids` needs, in id order. Callers
    /// pass a few hundred ids at a time: each is a parameter.
    pub async fn sla_cases(&self, ids: &[i64]) -> anyhow::Result<Vec<SlaCaseRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, item_code, item_sha256, submitted_at, completed_at
             FROM cases WHERE id IN ({}) AND completed_at IS NOT NULL
             ORDER BY id",
            placeholders(ids.len(), 1)
        );
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(&mut *self.reader().await?).await?)
    }

    /// The events of the cases `ids`, in order per case (by case id, then sequence). Callers pass
    /// a few hundred ids at a time.
    pub async fn events_of_cases(&self, ids: &[i64]) -> anyhow::Result<Vec<StatsEventRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT case_id, to_state, at FROM case_events WHERE case_id IN ({})
             ORDER BY case_id, seq",
            placeholders(ids.len(), 1)
        );
        let mut query = sqlx::query_as(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(&mut *self.reader().await?).await?)
    }

    /// Stores the SLA figures of completed cases, in one transaction; a case that has them
    /// already keeps them (another host may have filled them in meanwhile). Returns how many
    /// were new. Callers pass a few hundred at a time: each row binds three parameters.
    pub async fn insert_case_sla(&self, rows: &[CaseSla]) -> anyhow::Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "INSERT INTO case_sla (case_id, handling_days, on_time) VALUES {}
             ON CONFLICT (case_id) DO NOTHING",
            placeholders(rows.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for sla in rows {
            query = query
                .bind(sla.case_id)
                .bind(sla.handling_days)
                .bind(i64::from(sla.on_time));
        }
        let mut tx = self.write.begin().await?;
        let inserted = query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(inserted)
    }

    /// The figures of the range per department, item and channel, in that order: the cases
    /// received, and of those the completed ones with stored SLA figures (so a case completed
    /// after they were filled in still counts as open, consistently), on time, their handling
    /// days, and the ratings.
    pub async fn stats_groups(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
    ) -> anyhow::Result<Vec<StatsGroupRow>> {
        // PostgreSQL sums BIGINTs to NUMERIC, which the Any driver does not decode: cast back.
        let sql = format!(
            "SELECT c.department, c.item_code, c.channel,
                    COUNT(*) AS received,
                    COUNT(s.case_id) AS completed,
                    CAST(COALESCE(SUM(s.on_time), 0) AS BIGINT) AS on_time,
                    CAST(COALESCE(SUM(s.handling_days), 0) AS BIGINT) AS handling_days,
                    CAST(COALESCE(SUM(r.score), 0) AS BIGINT) AS score_sum,
                    COUNT(r.score) AS scores
             FROM cases c
             LEFT JOIN case_sla s ON s.case_id = c.id
             LEFT JOIN ratings r ON r.case_id = c.id
             WHERE {IN_RANGE}
             GROUP BY c.department, c.item_code, c.channel
             ORDER BY c.department, c.item_code, c.channel"
        );
        let rows = sqlx::query_as(&sql)
            .bind(from)
            .bind(until)
            .bind(department)
            .fetch_all(&mut *self.reader().await?)
            .await?;
        Ok(rows)
    }

    /// The cases of the range received on each China date (UTC+8, `YYYY-MM-DD`), in date order;
    /// days without any are not listed.
    pub async fn received_by_china_day(
        &self,
        from: &str,
        until: &str,
        department: Option<&str>,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        // China has kept UTC+8 all year since 1991: a fixed offset, as `domain::calendar` has it,
        // not the zone's history.
        let day = match self.backend {
            Backend::Sqlite => "date(c.submitted_at, '+8 hours')",
            Backend::Postgres => {
                "to_char((CAST(c.submitted_at AS timestamptz) AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM-DD')"
            }
        };
        let sql = format!(
            "SELECT {day} AS received_on, COUNT(*) AS received
             FROM cases c
             WHERE {IN_RANGE}
             GROUP BY received_on
             ORDER BY received_on"
        );
        let rows = sqlx::query_as(&sql)
            .bind(from)
            .bind(until)
            .bind(department)
            .fetch_all(&mut *self.reader().await?)
            .await?;
        Ok(rows)
    }

    /// The open cases (not completed, previews left out) due before `today` (`YYYY-MM-DD`,
    /// compared as text, as the inbox marks them), counted per department; a department with
    /// none is not listed. Read for the `yiwang_cases_overdue` gauge each time `/metrics` is
    /// scraped.
    pub async fn overdue_open_cases_by_department(
        &self,
        today: &str,
    ) -> anyhow::Result<Vec<(String, i64)>> {
        let rows = sqlx::query_as(
            "SELECT department, COUNT(*) AS overdue
             FROM cases
             WHERE completed_at IS NULL AND preview = 0 AND due_date < $1
             GROUP BY department
             ORDER BY department",
        )
        .bind(today)
        .fetch_all(&mut *self.reader().await?)
        .await?;
        Ok(rows)
    }

    /// Writes `cases` as given, with their events and ratings, in one transaction; returns their
    /// ids. The item version and the applicant must exist. Not for the server: cases come from
    /// `create_case` there, with the item's say.
    #[doc(hidden)]
    pub async fn seed_cases(&self, cases: &[SeedCase]) -> anyhow::Result<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(cases.len());
        for case in cases {
            let updated_at = case
                .events
                .last()
                .map_or(&case.submitted_at, |(_, _, at)| at);
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO cases (number, item_code, item_sha256, item_version, department,
                 applicant_id, state, form, derived, channel, submitted_at, updated_at, due_date,
                 completed_at, revision, preview)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', '{}', $8, $9, $10, $11, $12, $13, $14)
                 RETURNING id",
            )
            .bind(&case.number)
            .bind(&case.item_code)
            .bind(&case.item_sha256)
            .bind(&case.item_version)
            .bind(&case.department)
            .bind(case.applicant_id)
            .bind(&case.state)
            .bind(&case.channel)
            .bind(&case.submitted_at)
            .bind(updated_at)
            .bind(&case.due_date)
            .bind(&case.completed_at)
            .bind(case.events.len().saturating_sub(1) as i64)
            .bind(i64::from(case.preview))
            .fetch_one(&mut *tx)
            .await?;
            let mut from_state: Option<&str> = None;
            for (seq, (action, to_state, at)) in case.events.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO case_events (case_id, seq, action, from_state, to_state,
                     actor_id, actor_role, comment, note, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8)",
                )
                .bind(id)
                .bind(seq as i64 + 1)
                .bind(action)
                .bind(from_state)
                .bind(to_state)
                .bind(if seq == 0 { "applicant" } else { "reviewer" })
                .bind(if seq == 0 { "citizen" } else { "reviewer" })
                .bind(at)
                .execute(&mut *tx)
                .await?;
                from_state = Some(to_state);
            }
            if let Some(score) = case.score {
                sqlx::query(
                    "INSERT INTO ratings (case_id, score, comment, at) VALUES ($1, $2, NULL, $3)",
                )
                .bind(id)
                .bind(score)
                .bind(case.completed_at.as_ref().unwrap_or(updated_at))
                .execute(&mut *tx)
                .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::{temp_storage, two_versions_and_an_applicant};

    /// The China dates 2026-11-19 and 20, as UTC instants.
    const FROM: &str = "2026-11-18T16:00:00.000Z";
    const UNTIL: &str = "2026-11-20T16:00:00.000Z";

    /// `MM-DDTHH:MM:SS.sss` in 2026, UTC, as stored.
    fn utc(time: &str) -> String {
        format!("2026-{time}Z")
    }

    /// `(channel, item, submitted, completed, score)`: a case submitted and completed (or not)
    /// at those UTC times.
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<i64>,
    );

    fn case(n: usize, applicant_id: i64, row: Row) -> SeedCase {
        let (channel, item, submitted, completed, score) = row;
        let (department, sha) = match item {
            "vehicle" => ("GA", "a"),
            _ => ("JY", "b"),
        };
        let mut events: Vec<(String, String, String)> =
            vec![("submit".into(), "under-review".into(), utc(submitted))];
        events.extend(completed.map(|at| ("approve".into(), "completed".into(), utc(at))));
        SeedCase {
            number: format!("YW-20261119-{n:06}"),
            item_code: item.into(),
            item_sha256: sha.repeat(64),
            item_version: "1.0.0".into(),
            department: department.into(),
            applicant_id,
            state: events.last().unwrap().1.clone(),
            channel: channel.into(),
            submitted_at: utc(submitted),
            due_date: "2026-11-27".into(),
            completed_at: completed.map(utc),
            preview: false,
            events,
            score,
        }
    }

    /// Groups as `("department/item/channel", [received, completed, on time, handling days,
    /// score sum, scores])`.
    fn sums(groups: Vec<StatsGroupRow>) -> Vec<(String, [i64; 6])> {
        groups
            .into_iter()
            .map(|g| {
                let key = format!("{}/{}/{}", g.department, g.item_code, g.channel);
                let sums = [
                    g.received,
                    g.completed,
                    g.on_time,
                    g.handling_days,
                    g.score_sum,
                    g.scores,
                ];
                (key, sums)
            })
            .collect()
    }

    #[tokio::test]
    async fn the_figures_are_summed_per_department_item_and_channel_over_china_days() {
        // Arrange: cases around the China midnight of the 20th (16:00 UTC), a preview and a case
        // after the range, which are never counted.
        let (_dir, storage) = temp_storage().await;
        let applicant = two_versions_and_an_applicant(&storage).await;
        let rows: [Row; 6] = [
            // 11-19 23:59:59.999 in China
            (
                "web",
                "vehicle",
                "11-19T15:59:59.999",
                Some("11-23T02:00:00.000"),
                Some(5),
            ),
            // 11-20 00:00 in China
            (
                "wechat",
                "vehicle",
                "11-19T16:00:00.000",
                Some("12-04T02:00:00.000"),
                Some(2),
            ),
            ("wechat", "vehicle", "11-20T03:00:00.000", None, Some(4)),
            // 11-19 00:00 in China, the range's first instant
            (
                "alipay",
                "school",
                "11-18T16:00:00.000",
                Some("11-19T01:00:00.000"),
                None,
            ),
            // a preview
            (
                "web",
                "vehicle",
                "11-19T02:00:00.000",
                Some("11-19T03:00:00.000"),
                Some(1),
            ),
            // 12-01 in China, after the range
            (
                "web",
                "vehicle",
                "11-30T16:00:00.000",
                Some("12-01T01:00:00.000"),
                None,
            ),
        ];
        let mut cases: Vec<SeedCase> = rows
            .iter()
            .enumerate()
            .map(|(n, row)| case(n, applicant, *row))
            .collect();
        cases[4].preview = true;
        let ids = storage.seed_cases(&cases).await.unwrap();

        // Act: the completed cases without figures, what computing theirs needs, then their
        // figures stored, twice
        let missing = storage.cases_without_sla(FROM, UNTIL, None).await.unwrap();
        let sla_cases = storage.sla_cases(&missing).await.unwrap();
        let events = storage.events_of_cases(&missing).await.unwrap();
        let figures = [(ids[0], 2, true), (ids[1], 10, false), (ids[3], 0, true)].map(
            |(case_id, handling_days, on_time)| CaseSla {
                case_id,
                handling_days,
                on_time,
            },
        );
        let stored = storage.insert_case_sla(&figures).await.unwrap();
        let again = storage.insert_case_sla(&figures).await.unwrap();
        let left = storage.cases_without_sla(FROM, UNTIL, None).await.unwrap();
        let groups = storage.stats_groups(FROM, UNTIL, None).await.unwrap();
        let by_day = storage.received_by_china_day(FROM, UNTIL, None).await;
        let ga_groups = storage.stats_groups(FROM, UNTIL, Some("GA")).await.unwrap();
        let ga_by_day = storage.received_by_china_day(FROM, UNTIL, Some("GA")).await;

        // Assert
        assert_eq!(
            missing,
            [ids[0], ids[1], ids[3]],
            "completed, in range, not previews"
        );
        let sla_cases: Vec<(i64, String, String)> = sla_cases
            .into_iter()
            .map(|c| (c.id, c.submitted_at, c.completed_at))
            .collect();
        let sla_case = |k: usize| (ids[k], utc(rows[k].2), utc(rows[k].3.unwrap()));
        assert_eq!(sla_cases, [sla_case(0), sla_case(1), sla_case(3)]);
        let events: Vec<(i64, &str)> = events
            .iter()
            .map(|e| (e.case_id, e.to_state.as_str()))
            .collect();
        let (a, b, d) = (ids[0], ids[1], ids[3]);
        assert_eq!(
            events,
            [
                (a, "under-review"),
                (a, "completed"),
                (b, "under-review"),
                (b, "completed"),
                (d, "under-review"),
                (d, "completed"),
            ]
        );
        assert_eq!(
            (stored, again),
            (3, 0),
            "a case keeps the figures stored first"
        );
        assert!(left.is_empty(), "{left:?}");
        let ga = [
            ("GA/vehicle/web".to_string(), [1, 1, 1, 2, 5, 1]),
            ("GA/vehicle/wechat".to_string(), [2, 1, 0, 10, 6, 2]),
        ];
        let mut all = ga.to_vec();
        all.push(("JY/school/alipay".to_string(), [1, 1, 1, 0, 0, 0]));
        assert_eq!(sums(groups), all);
        assert_eq!(sums(ga_groups), ga);
        let day = |d: &str, n| (d.to_string(), n);
        assert_eq!(
            by_day.unwrap(),
            [day("2026-11-19", 2), day("2026-11-20", 2)]
        );
        assert_eq!(
            ga_by_day.unwrap(),
            [day("2026-11-19", 1), day("2026-11-20", 2)]
        );
    }
}
