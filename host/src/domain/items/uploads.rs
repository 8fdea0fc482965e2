//! Departments' uploads: a signed version checked (size, signature, component, imports within
//! the grants, its catalog entry, a version above every earlier one) and stored staged, with the
//! refusals audited; an item's versions, and one loaded for its department to try in preview.
//! Knows nothing of publishing: what is served is the lifecycle's business.

use std::sync::Arc;

use anyhow::Context;

use super::{Items, VersionView, load_refusal, settings_of};
use crate::domain::error::{DomainError, Result};
use crate::domain::form::FormCheck;
use crate::model::actor::{Actor, Role};
use crate::runtime::LoadedVersion;
use crate::signing;
use crate::storage::{Change, ItemRow, NewVersion, VersionRow, VersionTaken};

impl Items {
    /// A department's developer uploads a signed version. It is checked (size, signature, that it
    /// is a component exporting the item interface, imports within the item's grants, a valid
    /// catalog entry for this item and department, a version above every earlier one) and stored
    /// as a staged version; the admin publishes it. Accepted and refused uploads are audited.
    pub async fn upload(
        &self,
        developer: &Actor,
        code: &str,
        component: &[u8],
        signature: &[u8],
    ) -> Result<VersionView> {
        let department = match (&developer.role, &developer.department) {
            (Role::Developer, Some(department)) => department.clone(),
            _ => {
                return Err(DomainError::forbidden(
                    "forbidden",
                    "只有本部门的开发人员可以上传事项版本".into(),
                ));
            }
        };
        let row = self.row(code).await?;
        let actor = developer.audit_label();
        match self
            .check_upload(&row, &department, &actor, component, signature)
            .await
        {
            Ok(view) => Ok(view),
            Err(error) => {
                let detail = match &error {
                    DomainError::Internal(_) => "internal error".to_string(),
                    other => format!("{}: {other}", refusal_code(other)),
                };
                self.storage
                    .append_audit(&actor, "version.refused", code, &detail)
                    .await?;
                Err(error)
            }
        }
    }

    async fn check_upload(
        &self,
        row: &ItemRow,
        department: &str,
        actor: &str,
        component: &[u8],
        signature: &[u8],
    ) -> Result<VersionView> {
        let code = &row.code;
        if row.department != department {
            return Err(DomainError::forbidden(
                "item_of_another_department",
                format!(
                    "事项 `{code}` 属于部门 `{}`，不能由 `{department}` 上传",
                    row.department
                ),
            ));
        }
        if component.len() > self.max_component_bytes {
            return Err(DomainError::too_large(
                "component_too_large",
                format!(
                    "组件大小 {} 字节，超过上限 {} 字节",
                    component.len(),
                    self.max_component_bytes
                ),
            ));
        }
        self.check_signature(department, component, signature)
            .await?;

        let (grants, limits) = settings_of(row)?;
        let version = self
            .runtime
            .load(component, grants, limits)
            .await
            .map_err(load_refusal)?;
        let info = &version.info;
        if info.code != *code {
            return Err(DomainError::invalid(
                "item_code_mismatch",
                format!("组件声明的事项编码是 `{}`，不是 `{code}`", info.code),
            ));
        }
        if info.department != department {
            return Err(DomainError::invalid(
                "department_mismatch",
                format!(
                    "组件声明的部门是 `{}`，不是 `{department}`",
                    info.department
                ),
            ));
        }
        let number = semver::Version::parse(&info.version).map_err(|e| {
            DomainError::invalid(
                "invalid_version",
                format!("版本号 `{}` 不是语义化版本（如 1.2.0）：{e}", info.version),
            )
        })?;
        let earlier = self.storage.item_versions(code).await?;
        if let Some(same) = earlier.iter().find(|v| v.sha256 == version.sha256) {
            return Err(DomainError::conflict(
                "version_exists",
                format!("同样的组件已作为 {code}@{} 上传过", same.version),
            ));
        }
        if let Some(newest) = earlier
            .iter()
            .filter_map(|v| {
                semver::Version::parse(&v.version)
                    .ok()
                    .map(|n| (n, &v.version))
            })
            .max()
            && number <= newest.0
        {
            return Err(DomainError::conflict(
                "version_not_newer",
                format!("版本号 {} 须高于已有的最新版本 {}", info.version, newest.1),
            ));
        }

        let info_json = serde_json::to_string(info).map_err(anyhow::Error::from)?;
        let signature_text = base64_of(signature);
        let new = NewVersion {
            sha256: &version.sha256,
            item_code: code,
            version: &info.version,
            department,
            info_json: &info_json,
            bytes: component,
            uploaded_by: actor,
            signature: Some(&signature_text),
        };
        let detail = format!(
            "{code}@{} ({}, {} bytes) staged",
            info.version,
            &version.sha256[..12],
            component.len()
        );
        self.storage
            .store_version(
                &new,
                &Change {
                    actor,
                    detail: &detail,
                },
            )
            .await
            .map_err(|e| match e.downcast::<VersionTaken>() {
                Ok(taken) => DomainError::conflict("version_not_newer", taken.to_string()),
                Err(e) => DomainError::Internal(e),
            })?;
        self.keep_component(&version.sha256, component).await?;
        self.cache(version.clone());
        let stored = self
            .storage
            .item_versions(code)
            .await?
            .into_iter()
            .find(|v| v.sha256 == version.sha256)
            .context("the stored version is gone")?;
        Ok(version_view(&stored, row.current_sha256.as_deref()))
    }

    /// The signature must be the department's own; one made with another department's key is
    /// named as such.
    async fn check_signature(
        &self,
        department: &str,
        component: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let keys = self.storage.department_keys().await?;
        let Some((_, own)) = keys.iter().find(|(code, _)| code == department) else {
            return Err(DomainError::invalid(
                "no_signing_key",
                format!("部门 `{department}` 尚未登记签名公钥，请联系平台管理员"),
            ));
        };
        let bad = |why: String| DomainError::invalid("bad_signature", why);
        let signature =
            signing::signature(signature).map_err(|e| bad(format!("签名文件无效：{e}")))?;
        let own = signing::public_key(own).context("the department's stored key")?;
        if signing::verifies(&own, component, &signature) {
            return Ok(());
        }
        for (other, pem) in &keys {
            if other != department
                && let Ok(key) = signing::public_key(pem)
                && signing::verifies(&key, component, &signature)
            {
                return Err(DomainError::invalid(
                    "signed_by_another_department",
                    format!("组件是用部门 `{other}` 的密钥签名的，不是 `{department}` 的"),
                ));
            }
        }
        Err(bad(format!(
            "签名与组件内容或部门 `{department}` 的公钥不符"
        )))
    }

    /// An item's versions, for its own department's staff and for admins.
    pub async fn versions(&self, staff: &Actor, code: &str) -> Result<Vec<VersionView>> {
        let row = self.own_item(staff, code).await?;
        let rows = self.storage.item_versions(code).await?;
        Ok(rows
            .iter()
            .map(|v| version_view(v, row.current_sha256.as_deref()))
            .collect())
    }

    /// A version of an item, loaded to be tried in preview by its own department.
    pub async fn for_preview(
        &self,
        staff: &Actor,
        code: &str,
        version: &str,
    ) -> Result<(Arc<LoadedVersion>, Arc<FormCheck>)> {
        if staff.role == Role::Admin {
            return Err(DomainError::forbidden(
                "forbidden",
                "试运行由事项所属部门进行".into(),
            ));
        }
        let row = self.own_item(staff, code).await?;
        let stored = self.stored_version(code, version).await?;
        let (grants, limits) = settings_of(&row)?;
        let loaded = self.version(&stored.sha256, grants, limits).await?;
        let form = FormCheck::compile(&loaded.info.form_schema)?;
        Ok((loaded, Arc::new(form)))
    }

    /// The item, if `staff` may manage it: admins any, developers and reviewers their own
    /// department's. Other items look as if they did not exist.
    async fn own_item(&self, staff: &Actor, code: &str) -> Result<ItemRow> {
        let row = self.row(code).await?;
        let allowed = match staff.role {
            Role::Admin => true,
            Role::Developer | Role::Reviewer => {
                staff.department.as_deref() == Some(row.department.as_str())
            }
            _ => false,
        };
        if allowed {
            Ok(row)
        } else {
            Err(DomainError::NotFound)
        }
    }
}

fn version_view(row: &VersionRow, current: Option<&str>) -> VersionView {
    VersionView {
        item: row.item_code.clone(),
        version: row.version.clone(),
        sha256: row.sha256.clone(),
        size_bytes: row.size_bytes,
        uploaded_by: row.uploaded_by.clone(),
        uploaded_at: row.created_at.clone(),
        status: if current == Some(row.sha256.as_str()) {
            "published"
        } else {
            "staged"
        },
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The `error.code` a refusal is answered with, for its audit entry.
fn refusal_code(error: &DomainError) -> &'static str {
    match error {
        DomainError::Item { .. } | DomainError::Unavailable { .. } => "refused",
        other => other.code(),
    }
}
