//! Who is acting: the authenticated user as the domain sees it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Citizen,
    Reviewer,
    Developer,
    Admin,
    Courier,
    System,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Reviewer => "reviewer",
            Role::Developer => "developer",
            Role::Admin => "admin",
            Role::Courier => "courier",
            Role::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "citizen" => Role::Citizen,
            "reviewer" => Role::Reviewer,
            "developer" => Role::Developer,
            "admin" => Role::Admin,
            "courier" => Role::Courier,
            "system" => Role::System,
            _ => return None,
        })
    }
}

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
