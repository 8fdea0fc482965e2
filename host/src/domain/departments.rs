//! Departments (委办局) as the platform admin sees and adds them: each with its name, the key its
//! developers' uploads must be signed with, and how many items and staff accounts it has. Adding
//! one is audited (`department.put`), like `yiwang dept add`; a department's code is its identity
//! and is never reused.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::access::require_admin;
use super::error::{DomainError, Result};
use crate::model::actor::Actor;
use crate::model::catalog::is_code;
use crate::signing;
use crate::storage::{DepartmentRow, Storage};

/// Longest department name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A department, as admins see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentView {
    pub code: String,
    pub name: String,
    /// The first 16 hex digits of the SHA-256 of the signing key's PEM text, to compare with the
    /// developers' copy; `null` while the department has no key (it cannot upload then).
    pub key_fingerprint: Option<String>,
    pub items: i64,
    pub staff: i64,
    pub created_at: String,
}

impl From<DepartmentRow> for DepartmentView {
    fn from(row: DepartmentRow) -> Self {
        DepartmentView {
            key_fingerprint: row.public_key.as_deref().map(fingerprint),
            code: row.code,
            name: row.name,
            items: row.items,
            staff: row.staff,
            created_at: row.created_at,
        }
    }
}

/// A department to add: its code, its name and, optionally, the SPKI PEM of its signing key.
pub struct NewDepartment<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub public_key: Option<&'a str>,
}

/// The departments: listed and added by admins, named on every page that shows one.
pub struct Departments {
    storage: Storage,
}

impl Departments {
    pub fn new(storage: Storage) -> Departments {
        Departments { storage }
    }

    /// Every department, by code.
    pub async fn list(&self, admin: &Actor) -> Result<Vec<DepartmentView>> {
        require_admin(admin)?;
        Ok(self
            .storage
            .departments(None)
            .await?
            .into_iter()
            .map(DepartmentView::from)
            .collect())
    }

    /// Adds a department; a code already taken is refused (409 `department_exists`), a malformed
    /// code, an empty or long name or a key that is not an Ed25519 public key in SPKI PEM is 422,
    /// and nothing is stored then.
    pub async fn add(&self, admin: &Actor, new: &NewDepartment<'_>) -> Result<DepartmentView> {
        require_admin(admin)?;
        let code = new.code.trim();
        let name = new.name.trim();
        if !is_code(code) {
            return Err(DomainError::invalid(
                "invalid_code",
                "部门编码须为 2–64 位小写字母、数字和连字符".into(),
            ));
        }
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(DomainError::invalid(
                "invalid_name",
                format!("部门名称须为 1–{MAX_NAME_CHARS} 个字符"),
            ));
        }
        let public_key = new.public_key.map(str::trim).filter(|pem| !pem.is_empty());
        if let Some(pem) = public_key {
            signing::public_key(pem).map_err(|e| {
                DomainError::invalid("invalid_public_key", format!("签名公钥无效：{e}"))
            })?;
        }
        let actor = admin.audit_label();
        if !self
            .storage
            .add_department(code, name, public_key, &actor)
            .await?
        {
            return Err(DomainError::conflict(
                "department_exists",
                format!("部门编码 `{code}` 已被使用"),
            ));
        }
        self.storage
            .departments(Some(code))
            .await?
            .into_iter()
            .next()
            .map(DepartmentView::from)
            .ok_or(DomainError::NotFound)
    }

    /// Each department's name by code (in code order), for pages that show departments to people (anyone may read
    /// them: the catalog names its departments).
    pub async fn names(&self) -> Result<BTreeMap<String, String>> {
        Ok(self.storage.department_names().await?.into_iter().collect())
    }
}

/// The first 16 hex digits of the SHA-256 of the key's PEM text (trimmed).
fn fingerprint(pem: &str) -> String {
    hex::encode(Sha256::digest(pem.trim().as_bytes()))[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn the_fingerprint_ignores_surrounding_whitespace_only() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----";
        assert_eq!(fingerprint(pem), fingerprint(&format!("\n{pem}\n")));
        assert_eq!(fingerprint(pem).len(), 16);
        assert_ne!(fingerprint(pem), fingerprint(&pem.replace('A', "B")));
    }
}
