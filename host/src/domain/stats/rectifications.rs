//! Rectifications (整改) after bad ratings: a department's staff see theirs, and close one by
//! saying what was done and how the applicant was called back (回访); the public statistics show
//! the share closed (整改率).

use super::Stats;
use crate::domain::error::{DomainError, Result};
use crate::model::actor::{Actor, Role};
use crate::model::contract::FieldError;
use crate::storage::RectificationRow;

/// Longest text of the measures or the callback, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Every rectification opened, and how many of them are closed.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct RectificationRate {
    pub opened: i64,
    pub closed: i64,
}

impl RectificationRate {
    /// `87.5%`, or `—` when none was opened.
    pub fn percent(&self) -> String {
        if self.opened == 0 {
            "—".into()
        } else {
            format!("{:.1}%", self.closed as f64 * 100.0 / self.opened as f64)
        }
    }
}

impl Stats {
    /// The rectifications of `staff`'s department, open ones first.
    pub async fn rectifications(&self, staff: &Actor) -> Result<Vec<RectificationRow>> {
        let department = own_department(staff)?;
        Ok(self.storage.rectifications_of(department).await?)
    }

    /// `staff` of the rectification's department closes it with the measures taken and the
    /// callback to the applicant. Another department's is not found; a closed one is 409.
    pub async fn close_rectification(
        &self,
        staff: &Actor,
        id: i64,
        measures: &str,
        callback: &str,
    ) -> Result<RectificationRow> {
        let department = own_department(staff)?;
        let row = self
            .storage
            .rectification(id)
            .await?
            .filter(|row| row.department == department)
            .ok_or(DomainError::NotFound)?;
        let (measures, callback) = (measures.trim(), callback.trim());
        let mut fields = Vec::new();
        for (field, text, what) in [
            ("measures", measures, "整改措施"),
            ("callback", callback, "回访情况"),
        ] {
            if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                fields.push(FieldError {
                    field: field.into(),
                    code: "required".into(),
                    message: format!("请填写{what}（不超过 {MAX_TEXT_CHARS} 字）"),
                });
            }
        }
        if !fields.is_empty() {
            return Err(DomainError::fields_wrong("invalid_input", fields));
        }
        let closed = self
            .storage
            .close_rectification(id, measures, callback, staff.user_id()?)
            .await?;
        if !closed {
            return Err(DomainError::conflict(
                "already_closed",
                format!("整改 {} 已办结", row.id),
            ));
        }
        self.storage
            .append_audit(
                &staff.audit_label(),
                "rectification.closed",
                &row.number,
                &format!("rectification {id} closed"),
            )
            .await?;
        Ok(self
            .storage
            .rectification(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("rectification {id} vanished"))?)
    }

    /// The public rectification rate (整改率).
    pub async fn rectification_rate(&self) -> Result<RectificationRate> {
        let (opened, closed) = self.storage.rectification_counts().await?;
        Ok(RectificationRate { opened, closed })
    }
}

fn own_department(staff: &Actor) -> Result<&str> {
    match (staff.role, staff.department.as_deref()) {
        (Role::Reviewer | Role::Developer, Some(department)) => Ok(department),
        _ => Err(DomainError::forbidden(
            "forbidden",
            "只有部门工作人员可以办理整改".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_share_closed() {
        assert_eq!(
            RectificationRate {
                opened: 0,
                closed: 0
            }
            .percent(),
            "—"
        );
        assert_eq!(
            RectificationRate {
                opened: 8,
                closed: 7
            }
            .percent(),
            "87.5%"
        );
    }
}
