//! Who may do what, where the answer does not depend on the item: the checks the domain's
//! services share.

use super::error::{DomainError, Result};
use crate::model::actor::{Actor, Role};

/// Refused (403) unless the actor is a platform admin.
pub fn require_admin(actor: &Actor) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "forbidden",
            "此功能仅限平台管理员".into(),
        ))
    }
}
