//! What a person (or the platform itself) is to the platform: the contract's `role`.

use serde::{Deserialize, Serialize};

/// A citizen, staff of a department, an admin, a courier, or the platform itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
