//! A department's inbox: the cases of its own items and of the live items that give it a part,
//! in a state where it has an action, earliest due first, applicants' ID numbers masked. Reads
//! only; which case a member of staff may open is decided by the case's own view.

use super::Cases;
use crate::domain::error::Result;
use crate::domain::masking;
use crate::model::actor::{Actor, Role};
use crate::storage::CaseSummary;

/// The most cases a department inbox lists.
const INBOX_LIMIT: i64 = 500;

impl Cases {
    /// The department inbox of `staff`, earliest due first: the cases of its own department's
    /// items, and those of the live items that give it a part, in a state where it has an
    /// action; every case for an admin; nothing for staff without a department. Applicants'
    /// ID numbers are masked: enough to tell two applicants of the same name apart, and the
    /// list is no way to read them whole (the case page decides who sees them).
    pub async fn inbox(&self, staff: &Actor, state: Option<&str>) -> Result<Vec<CaseSummary>> {
        let mut rows = self.inbox_rows(staff, state).await?;
        for row in &mut rows {
            row.applicant_id_number = row
                .applicant_id_number
                .as_deref()
                .map(masking::mask_id_number);
        }
        Ok(rows)
    }

    async fn inbox_rows(&self, staff: &Actor, state: Option<&str>) -> Result<Vec<CaseSummary>> {
        let department = match (staff.role, staff.department.as_deref()) {
            (Role::Admin, _) => {
                let rows = self
                    .storage
                    .cases_of_department(None, state, INBOX_LIMIT)
                    .await?;
                return Ok(rows);
            }
            (Role::Reviewer | Role::Developer, Some(department)) => department,
            _ => return Ok(Vec::new()),
        };
        let items = self.items.all();
        let participating: Vec<(&str, Vec<&str>)> = items
            .values()
            .filter_map(|live| {
                let info = &live.version.info;
                let mut states: Vec<&str> = info
                    .workflow
                    .actions
                    .iter()
                    .filter(|a| a.departments.iter().any(|d| d == department))
                    .flat_map(|a| a.from.iter().map(String::as_str))
                    .collect();
                states.sort_unstable();
                states.dedup();
                (!states.is_empty()).then_some((info.code.as_str(), states))
            })
            .collect();
        let rows = self
            .storage
            .inbox_of_department(department, &participating, state, INBOX_LIMIT)
            .await?;
        Ok(rows)
    }
}
