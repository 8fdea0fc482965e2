//! Who is acting: the authenticated user as the domain sees it.

use serde::{Deserialize, Serialize};

/// The roles of the contract, shared with the catalog's rules.
pub use yiwang_catalog::Role;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable user id as text (`"42"`), `system` for the platform.
    pub id: String,
    pub role: Role,
    pub name: String,
    pub department: Option<String>,
    pub id_number: Option<String>,
}

impl Actor {
    /// `role:id`, as audit entries name who acted.
    pub fn audit_label(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.id)
    }

    /// The stored user's id (`users.id`); an error for the platform's own `system` actor.
    pub fn user_id(&self) -> anyhow::Result<i64> {
        self.id
            .parse()
            .map_err(|_| anyhow::anyhow!("actor id `{}` is not a user's", self.id))
    }

    pub fn system() -> Actor {
        Actor {
            id: "system".into(),
            role: Role::System,
            name: "系统".into(),
            department: None,
            id_number: None,
        }
    }
}
