//! Satisfaction ratings (满意度评价): the applicant rates their finished case once, 1 to 5 with
//! an optional comment. The averages are tallied with the other figures of the report; here is
//! only who may rate what, and when. Storage keeps the rating and refuses a second one.

use serde::Serialize;

use super::Stats;
use crate::domain::error::{DomainError, Result};
use crate::domain::numbering::ApplicationNumber;
use crate::model::actor::{Actor, Role};
use crate::model::contract::FieldError;

/// Longest comment a rating may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rated {
    pub number: String,
    pub score: i64,
}

impl Stats {
    /// The applicant rates their finished case, once.
    pub async fn rate(
        &self,
        actor: &Actor,
        number: &str,
        score: i64,
        comment: Option<&str>,
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
        if !self.storage.insert_rating(case.id, score, comment).await? {
            return Err(DomainError::conflict(
                "already_rated",
                "此办件已评价过".into(),
            ));
        }
        Ok(Rated {
            number: case.number,
            score,
        })
    }
}
