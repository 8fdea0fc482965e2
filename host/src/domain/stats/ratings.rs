//! Satisfaction ratings (好差评, GB/T 39734): the applicant rates their finished case once, 1 to
//! 5 (非常不满意 … 非常满意) with an optional comment and the service-evaluation indicators
//! ([`INDICATORS`], each 1 to 5, any of them). A bad rating (不满意 or 非常不满意) opens a
//! rectification for the case's department, due in 15 working days, in the same transaction
//! (`rectifications.rs` closes it). The averages are tallied with the other figures of the
//! report; here is only who may rate what, and when. Storage refuses a second rating.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Stats;
use crate::domain::calendar;
use crate::domain::error::{DomainError, Result};
use crate::domain::numbering::ApplicationNumber;
use crate::model::actor::{Actor, Role};
use crate::model::contract::FieldError;
use crate::storage::NewRectification;

/// Longest comment a rating may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The service-evaluation indicators an applicant may score (the secondary indicators of
/// 国办发〔2019〕51号 and GB/T 39734), as `(code, label)`.
pub const INDICATORS: [(&str, &str); 5] = [
    ("attitude", "服务态度"),
    ("efficiency", "办理效率"),
    ("convenience", "办事便利"),
    ("transparency", "公开透明"),
    ("result", "办理结果"),
];

/// A rating at or below this opens a rectification (不满意, 非常不满意).
pub const BAD_RATING: i64 = 2;

/// Working days a department has to rectify after a bad rating.
pub const RECTIFICATION_WORKING_DAYS: u32 = 15;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rated {
    pub number: String,
    pub score: i64,
    /// The rectification's due date when the rating opened one (`YYYY-MM-DD`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rectification_due: Option<String>,
}

impl Stats {
    /// The applicant rates their finished case, once.
    pub async fn rate(
        &self,
        actor: &Actor,
        number: &str,
        score: i64,
        comment: Option<&str>,
        indicators: &BTreeMap<String, i64>,
    ) -> Result<Rated> {
        if actor.role != Role::Citizen {
            return Err(DomainError::forbidden(
                "forbidden",
                "只有申请人可以评价".into(),
            ));
        }
        let number = ApplicationNumber::parse(number).ok_or(DomainError::NotFound)?;
        let case = self
            .storage
            .case_by_number(number.as_str())
            .await?
            .filter(|c| c.applicant_id.to_string() == actor.id)
            .ok_or(DomainError::NotFound)?;
        let mut fields = Vec::new();
        if !(1..=5).contains(&score) {
            fields.push(FieldError {
                field: "score".into(),
                code: "out_of_range".into(),
                message: "评分须为 1 至 5 的整数".into(),
            });
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            fields.push(FieldError {
                field: "comment".into(),
                code: "too_long".into(),
                message: format!("评价内容不能超过 {MAX_COMMENT_CHARS} 字"),
            });
        }
        for (code, value) in indicators {
            if !INDICATORS.iter().any(|(known, _)| known == code) {
                fields.push(FieldError {
                    field: format!("indicators/{code}"),
                    code: "unknown_indicator".into(),
                    message: "没有这项评价指标".into(),
                });
            } else if !(1..=5).contains(value) {
                fields.push(FieldError {
                    field: format!("indicators/{code}"),
                    code: "out_of_range".into(),
                    message: "评分须为 1 至 5 的整数".into(),
                });
            }
        }
        if !fields.is_empty() {
            return Err(DomainError::fields_wrong("invalid_input", fields));
        }
        let version = self
            .items
            .pinned(&case.item_code, &case.item_sha256)
            .await?;
        let finished = version
            .info
            .workflow
            .state(&case.state)
            .is_some_and(|s| s.terminal);
        if !finished {
            return Err(DomainError::conflict(
                "wrong_state",
                "办件办结后才能评价".into(),
            ));
        }
        let due = (score <= BAD_RATING).then(|| {
            self.calendar
                .add_working_days(calendar::today(), RECTIFICATION_WORKING_DAYS)
                .format("%Y-%m-%d")
                .to_string()
        });
        let rectification = due.as_deref().map(|due_date| NewRectification {
            department: &case.department,
            due_date,
        });
        let indicators = serde_json::to_string(indicators).map_err(anyhow::Error::from)?;
        let stored = self
            .storage
            .insert_evaluation(case.id, score, comment, &indicators, rectification)
            .await?;
        if !stored {
            return Err(DomainError::conflict(
                "already_rated",
                "此办件已评价过".into(),
            ));
        }
        Ok(Rated {
            number: case.number,
            score,
            rectification_due: due,
        })
    }
}
