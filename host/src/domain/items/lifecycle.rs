//! The admin's lifecycle of an item: list and view, register one for a department, publish an
//! uploaded version, roll back, switch on and off, replace grants and limits. Each change is
//! stored with its audit entry under the change lock, then the item is refreshed. Knows nothing
//! of how a version was uploaded or checked.

use super::{ItemView, Items, any_load_refusal, settings_of};
use crate::domain::access::require_admin;
use crate::domain::error::{DomainError, Result};
use crate::model::actor::Actor;
use crate::model::grants::{Grants, Limits};
use crate::storage::{Change, ItemRow, RolledBack};

impl Items {
    /// Every registered item.
    pub async fn list(&self, admin: &Actor) -> Result<Vec<ItemView>> {
        require_admin(admin)?;
        let mut views = Vec::new();
        for row in self.storage.items().await? {
            views.push(self.view(&row).await?);
        }
        Ok(views)
    }

    /// One registered item.
    pub async fn get(&self, admin: &Actor, code: &str) -> Result<ItemView> {
        require_admin(admin)?;
        self.view_of(code).await
    }

    /// Registers a new item for a department: disabled, no version yet, nothing granted but the
    /// log. Its developers can upload from now on.
    pub async fn register(&self, admin: &Actor, code: &str, department: &str) -> Result<ItemView> {
        require_admin(admin)?;
        if !valid_code(code) {
            return Err(DomainError::invalid(
                "invalid_code",
                "事项编码须为 2–64 位小写字母、数字和连字符".into(),
            ));
        }
        if !self.storage.department_exists(department).await? {
            return Err(DomainError::invalid(
                "unknown_department",
                format!("没有部门 `{department}`"),
            ));
        }
        let actor = admin.audit_label();
        let detail = format!("{code} for {department}");
        let _changing = self.changes.lock().await;
        if !self
            .storage
            .register_item(
                code,
                department,
                &Change {
                    actor: &actor,
                    detail: &detail,
                },
            )
            .await?
        {
            return Err(DomainError::conflict(
                "item_exists",
                format!("事项编码 `{code}` 已被使用"),
            ));
        }
        self.view_of(code).await
    }

    /// Publishes an uploaded version: new applications use it from the next request on, open
    /// cases stay on their own.
    pub async fn publish(&self, admin: &Actor, code: &str, version: &str) -> Result<ItemView> {
        require_admin(admin)?;
        let _changing = self.changes.lock().await;
        let row = self.row(code).await?;
        let stored = self.stored_version(code, version).await?;
        if row.current_sha256.as_deref() == Some(stored.sha256.as_str()) {
            return Err(DomainError::conflict(
                "already_published",
                format!("{code}@{version} 已是当前版本"),
            ));
        }
        // Loaded (and checked against today's grants) before anything is stored.
        let (grants, limits) = settings_of(&row)?;
        self.version(&stored.sha256, grants, limits)
            .await
            .map_err(any_load_refusal)?;
        let actor = admin.audit_label();
        let detail = format!("{code}@{version} ({})", &stored.sha256[..12]);
        self.storage
            .publish_version(
                code,
                &stored.sha256,
                &Change {
                    actor: &actor,
                    detail: &detail,
                },
            )
            .await?;
        self.refresh_locked(code).await?;
        self.view_of(code).await
    }

    /// Goes back to the version published before the current one.
    pub async fn rollback(&self, admin: &Actor, code: &str) -> Result<ItemView> {
        require_admin(admin)?;
        let _changing = self.changes.lock().await;
        let row = self.row(code).await?;
        let no_previous = || {
            DomainError::conflict(
                "no_previous_version",
                format!("事项 `{code}` 没有可回退的上一版本"),
            )
        };
        let previous = self
            .storage
            .previous_publication(code)
            .await?
            .ok_or_else(no_previous)?;
        let (grants, limits) = settings_of(&row)?;
        let loaded = self
            .version(&previous, grants, limits)
            .await
            .map_err(any_load_refusal)?;
        let actor = admin.audit_label();
        let detail = format!(
            "{code}: back to {} ({})",
            loaded.info.version,
            &previous[..12]
        );
        match self
            .storage
            .rollback_item(
                code,
                &Change {
                    actor: &actor,
                    detail: &detail,
                },
            )
            .await?
        {
            RolledBack::To(_) => {}
            RolledBack::NoPrevious => return Err(no_previous()),
        }
        self.refresh_locked(code).await?;
        self.view_of(code).await
    }

    /// Switches an item on or off. Cases already open are not affected: their actions never
    /// look at the flag.
    pub async fn set_enabled(&self, admin: &Actor, code: &str, enabled: bool) -> Result<ItemView> {
        require_admin(admin)?;
        let _changing = self.changes.lock().await;
        let row = self.row(code).await?;
        let actor = admin.audit_label();
        let detail = format!("{code}: enabled {} -> {enabled}", row.enabled != 0);
        if !self
            .storage
            .set_item_enabled(
                code,
                enabled,
                &Change {
                    actor: &actor,
                    detail: &detail,
                },
            )
            .await?
        {
            return Err(DomainError::NotFound);
        }
        self.refresh_locked(code).await?;
        tracing::info!(item = %code, enabled, by = %actor, "item switched");
        self.view_of(code).await
    }

    /// Replaces what an item may touch. Refused, changing nothing, when the published version
    /// imports what the new grants leave out.
    pub async fn set_grants(&self, admin: &Actor, code: &str, grants: Grants) -> Result<ItemView> {
        self.set_setting(admin, code, Setting::Grants(grants)).await
    }

    /// Replaces an item's limits, checked first.
    pub async fn set_limits(&self, admin: &Actor, code: &str, limits: Limits) -> Result<ItemView> {
        limits
            .check()
            .map_err(|e| DomainError::invalid("invalid_limits", e.to_string()))?;
        self.set_setting(admin, code, Setting::Limits(limits)).await
    }

    /// Stores new grants or limits once the published version loads under them, then serves it.
    async fn set_setting(&self, admin: &Actor, code: &str, setting: Setting) -> Result<ItemView> {
        require_admin(admin)?;
        let _changing = self.changes.lock().await;
        let row = self.row(code).await?;
        let (mut grants, mut limits) = settings_of(&row)?;
        let json = match &setting {
            Setting::Grants(new) => {
                grants = new.clone();
                serde_json::to_string(new)
            }
            Setting::Limits(new) => {
                limits = new.clone();
                serde_json::to_string(new)
            }
        }
        .map_err(anyhow::Error::from)?;
        if let Some(sha256) = &row.current_sha256 {
            self.version(sha256, grants, limits)
                .await
                .map_err(any_load_refusal)?;
        }
        let actor = admin.audit_label();
        let detail = format!("{code}: {json}");
        let change = Change {
            actor: &actor,
            detail: &detail,
        };
        match setting {
            Setting::Grants(_) => self.storage.set_item_grants(code, &json, &change).await?,
            Setting::Limits(_) => self.storage.set_item_limits(code, &json, &change).await?,
        };
        self.refresh_locked(code).await?;
        self.view_of(code).await
    }

    async fn view_of(&self, code: &str) -> Result<ItemView> {
        let row = self.row(code).await?;
        self.view(&row).await
    }

    async fn view(&self, row: &ItemRow) -> Result<ItemView> {
        let (grants, limits) = settings_of(row)?;
        let version = match &row.current_sha256 {
            Some(sha) => self
                .storage
                .item_versions(&row.code)
                .await?
                .into_iter()
                .find(|v| &v.sha256 == sha)
                .map(|v| v.version),
            None => None,
        };
        Ok(ItemView {
            code: row.code.clone(),
            department: row.department.clone(),
            enabled: row.enabled != 0,
            version,
            sha256: row.current_sha256.clone(),
            grants,
            limits,
        })
    }
}

/// One of an item's settings an admin replaces.
enum Setting {
    Grants(Grants),
    Limits(Limits),
}

/// Item codes: lowercase letters, digits and hyphens, 2 to 64 of them.
fn valid_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_codes_are_lowercase_words_joined_by_hyphens() {
        for good in [
            "vehicle-inspection-exemption",
            "a1",
            "school-points-enrollment",
        ] {
            assert!(valid_code(good), "{good}");
        }
        for bad in ["", "a", "Upper", "有", "-lead", "sp ace", &"x".repeat(65)] {
            assert!(!valid_code(bad), "{bad}");
        }
    }
}
