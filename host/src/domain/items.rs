//! The items this host serves and how they change: departments upload signed versions, admins
//! publish, roll back, switch items on and off and set their grants and limits, and the admin's
//! `plugins.toml` is applied when the host starts and whenever the file changes.
//!
//! The database is the truth (items, immutable content-addressed versions with their bytes, the
//! publication history); the live set is a cache of it behind an `ArcSwap`. Every change is
//! committed with its audit entry first, then the item is [refreshed](Items::refresh) from its
//! row: its version is loaded off the request path and a new live map is swapped in. A request
//! takes one snapshot and is served entirely by it; requests in flight finish on the version they
//! started with. A case stays pinned to the version it was submitted under ([`Items::pinned`]).
//!
//! `plugins.toml` and the API do not fight: an entry of the file is applied when it is new or has
//! changed since it was last applied (its hash is kept with the item), so an admin's change over
//! the API lasts across restarts until someone edits that entry.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use arc_swap::ArcSwap;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::access::require_admin;
use super::error::{DomainError, Result};
use crate::config::{ItemEntry, PluginsFile};
use crate::model::actor::{Actor, Role};
use crate::model::grants::{Grants, Limits};
use crate::runtime::{LoadError, LoadedVersion, Runtime};
use crate::signing;
use crate::storage::{Change, ItemRow, NewVersion, RolledBack, Storage, VersionRow, VersionTaken};

/// Who wrote versions and changes that came from the admin's file.
const FILE_ACTOR: &str = "plugins.toml";

/// An item as it is served now.
pub struct LiveItem {
    pub version: Arc<LoadedVersion>,
    /// The form schema, compiled once.
    pub validator: Arc<jsonschema::Validator>,
    pub enabled: bool,
}

/// An item as admins and its department see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub code: String,
    pub department: String,
    pub enabled: bool,
    /// The published version; none before the first publication.
    pub version: Option<String>,
    pub sha256: Option<String>,
    pub grants: Grants,
    pub limits: Limits,
}

/// One uploaded version.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub item: String,
    pub version: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
    /// `published` (the one served), or `staged` (uploaded, not served to citizens).
    pub status: &'static str,
}

pub struct Items {
    runtime: Runtime,
    storage: Storage,
    components_dir: PathBuf,
    max_component_bytes: usize,
    live: ArcSwap<BTreeMap<String, Arc<LiveItem>>>,
    /// Loaded versions by sha256, each with the grants and limits it was loaded under.
    versions: Mutex<HashMap<String, Arc<LoadedVersion>>>,
    /// Held by whatever changes items, so that two changes cannot lose one another and the live
    /// map ends in the order the stored rows did.
    changes: tokio::sync::Mutex<()>,
}

impl Items {
    pub fn new(
        runtime: Runtime,
        storage: Storage,
        data_dir: &Path,
        max_component_bytes: usize,
    ) -> anyhow::Result<Items> {
        let components_dir = data_dir.join("components");
        std::fs::create_dir_all(&components_dir)
            .with_context(|| format!("creating {}", components_dir.display()))?;
        Ok(Items {
            runtime,
            storage,
            components_dir,
            max_component_bytes,
            live: ArcSwap::from_pointee(BTreeMap::new()),
            versions: Mutex::new(HashMap::new()),
            changes: tokio::sync::Mutex::new(()),
        })
    }

    /// The largest component a department may upload.
    pub fn max_component_bytes(&self) -> usize {
        self.max_component_bytes
    }

    pub fn live(&self, code: &str) -> Option<Arc<LiveItem>> {
        self.live.load().get(code).cloned()
    }

    /// A snapshot of every live item.
    pub fn all(&self) -> Arc<BTreeMap<String, Arc<LiveItem>>> {
        self.live.load_full()
    }

    // ----- the admin's file -----

    /// Applies every entry of `plugins.toml` that is new or changed since it was last applied,
    /// then serves every item as stored. An entry that fails its checks is logged and audited
    /// (`item.load_failed`) and the item keeps its current version. Returns the failures, as
    /// `code: reason`; an unreadable file is an error and changes nothing.
    pub async fn apply_plugins_file(&self, path: &Path) -> anyhow::Result<Vec<String>> {
        let file = PluginsFile::load(path)?;
        let _changing = self.changes.lock().await;
        let mut failures = Vec::new();
        for (code, entry) in &file.items {
            if let Err(err) = self.apply_entry(path, code, entry).await {
                let failure = match err.downcast_ref::<LoadError>() {
                    Some(load) => format!("{code}: {}: {err:#}", load.code()),
                    None => format!("{code}: {err:#}"),
                };
                tracing::error!(item = %code, error = %format!("{err:#}"), "plugins.toml entry not applied");
                self.storage
                    .append_audit(FILE_ACTOR, "item.load_failed", code, &failure)
                    .await?;
                failures.push(failure);
            }
        }
        self.resync_locked().await?;
        Ok(failures)
    }

    async fn apply_entry(
        &self,
        plugins_toml: &Path,
        code: &str,
        entry: &ItemEntry,
    ) -> anyhow::Result<()> {
        let path = PluginsFile::component_path(plugins_toml, entry);
        let wasm = tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&wasm));
        let grants = serde_json::to_string(&entry.grants)?;
        let limits = serde_json::to_string(&entry.limits)?;
        let entry_hash = hex::encode(Sha256::digest(
            format!(
                "{sha256}\n{}\n{}\n{grants}\n{limits}",
                entry.department, entry.enabled
            )
            .as_bytes(),
        ));
        let stored = self.storage.item(code).await?;
        if stored.as_ref().and_then(|row| row.file_entry.as_deref()) == Some(entry_hash.as_str()) {
            return Ok(());
        }
        let version = self
            .runtime
            .load(&wasm, entry.grants.clone(), entry.limits.clone())
            .await?;
        let info = &version.info;
        anyhow::ensure!(
            info.code == code,
            "the component describes item `{}`, not `{code}`",
            info.code
        );
        anyhow::ensure!(
            info.department == entry.department,
            "the component belongs to department `{}`, plugins.toml says `{}`",
            info.department,
            entry.department
        );
        let info_json = serde_json::to_string(info)?;
        let new = NewVersion {
            sha256: &sha256,
            item_code: code,
            version: &info.version,
            department: &info.department,
            info_json: &info_json,
            bytes: &wasm,
            uploaded_by: FILE_ACTOR,
            signature: None,
        };
        let detail = format!(
            "{code}@{} ({}), enabled {}, from {}",
            info.version,
            &sha256[..12],
            entry.enabled,
            path.display()
        );
        let change = Change {
            actor: FILE_ACTOR,
            detail: &detail,
        };
        self.storage
            .apply_file_entry(
                &new,
                (entry.enabled, &grants, &limits),
                &entry_hash,
                &change,
            )
            .await?;
        self.keep_component(&sha256, &wasm).await?;
        tracing::info!(item = %code, version = %info.version, sha256 = %&sha256[..12], enabled = entry.enabled, "plugins.toml entry applied");
        self.cache(version);
        Ok(())
    }

    // ----- the live set, from the database -----

    /// Serves every item as stored (another host may have changed them). Items whose version
    /// fails to load keep what they had, and are logged.
    pub async fn resync(&self) -> anyhow::Result<()> {
        let _changing = self.changes.lock().await;
        self.resync_locked().await
    }

    async fn resync_locked(&self) -> anyhow::Result<()> {
        for row in self.storage.items().await? {
            if let Err(err) = self.refresh_row(&row).await {
                tracing::error!(item = %row.code, error = %format!("{err:#}"), "item not refreshed");
            }
        }
        Ok(())
    }

    /// Serves one item as stored.
    pub async fn refresh(&self, code: &str) -> anyhow::Result<()> {
        let _changing = self.changes.lock().await;
        self.refresh_locked(code).await
    }

    async fn refresh_locked(&self, code: &str) -> anyhow::Result<()> {
        match self.storage.item(code).await? {
            Some(row) => self.refresh_row(&row).await,
            None => Ok(()),
        }
    }

    async fn refresh_row(&self, row: &ItemRow) -> anyhow::Result<()> {
        let enabled = row.enabled != 0;
        let Some(sha256) = &row.current_sha256 else {
            return Ok(());
        };
        let current = self.live(&row.code);
        let (grants, limits) = settings_of(row)?;
        let unchanged = current.as_ref().is_some_and(|live| {
            live.enabled == enabled
                && &live.version.sha256 == sha256
                && live.version.grants == grants
                && live.version.limits == limits
        });
        if unchanged {
            return Ok(());
        }
        let version = self.version(sha256, grants, limits).await?;
        let validator = match &current {
            Some(live) if live.version.sha256 == version.sha256 => live.validator.clone(),
            _ => Arc::new(
                jsonschema::validator_for(&version.info.form_schema)
                    .map_err(|e| anyhow::anyhow!("form schema: {e}"))?,
            ),
        };
        tracing::info!(item = %row.code, version = %version.info.version, enabled, "item served");
        let item = Arc::new(LiveItem {
            version,
            validator,
            enabled,
        });
        let mut live = BTreeMap::clone(&self.live.load());
        live.insert(row.code.clone(), item);
        self.live.store(Arc::new(live));
        Ok(())
    }

    /// A stored version loaded under `grants` and `limits`, from this host's cache when it was
    /// loaded under the same before.
    async fn version(
        &self,
        sha256: &str,
        grants: Grants,
        limits: Limits,
    ) -> anyhow::Result<Arc<LoadedVersion>> {
        if let Some(version) = self.cached(sha256)
            && version.grants == grants
            && version.limits == limits
        {
            return Ok(version);
        }
        let wasm = self.component(sha256).await?;
        let version = self.runtime.load(&wasm, grants, limits).await?;
        self.cache(version.clone());
        Ok(version)
    }

    fn cached(&self, sha256: &str) -> Option<Arc<LoadedVersion>> {
        self.versions
            .lock()
            .expect("versions lock")
            .get(sha256)
            .cloned()
    }

    fn cache(&self, version: Arc<LoadedVersion>) {
        self.versions
            .lock()
            .expect("versions lock")
            .insert(version.sha256.clone(), version);
    }

    /// The bytes of a stored version: from this host's component directory, else from the
    /// database (and kept in the directory for next time).
    async fn component(&self, sha256: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.components_dir.join(format!("{sha256}.wasm"));
        match tokio::fs::read(&path).await {
            Ok(wasm) if hex::encode(Sha256::digest(&wasm)) == sha256 => return Ok(wasm),
            Ok(_) => {
                tracing::warn!(path = %path.display(), "cached component does not match its hash; reading the stored one")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
        let wasm = self
            .storage
            .component_bytes(sha256)
            .await?
            .with_context(|| format!("component {sha256} is not stored"))?;
        self.keep_component(sha256, &wasm).await?;
        Ok(wasm)
    }

    /// Writes the component under its hash, once.
    async fn keep_component(&self, sha256: &str, wasm: &[u8]) -> anyhow::Result<()> {
        let path = self.components_dir.join(format!("{sha256}.wasm"));
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        let tmp = self
            .components_dir
            .join(format!(".{sha256}.{}.tmp", std::process::id()));
        tokio::fs::write(&tmp, wasm).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// The version a case is pinned to, loaded under its item's current grants and limits.
    pub async fn pinned(&self, code: &str, sha256: &str) -> anyhow::Result<Arc<LoadedVersion>> {
        if let Some(live) = self.live(code) {
            if live.version.sha256 == sha256 {
                return Ok(live.version.clone());
            }
            if let Some(version) = self.cached(sha256)
                && version.grants == live.version.grants
                && version.limits == live.version.limits
            {
                return Ok(version);
            }
        }
        let row = self
            .storage
            .item(code)
            .await?
            .with_context(|| format!("item `{code}` is not registered"))?;
        let (grants, limits) = settings_of(&row)?;
        self.version(sha256, grants, limits).await
    }

    // ----- departments' uploads -----

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
                return Err(DomainError::Forbidden(
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
            return Err(DomainError::ForbiddenCode(
                "item_of_another_department",
                format!(
                    "事项 `{code}` 属于部门 `{}`，不能由 `{department}` 上传",
                    row.department
                ),
            ));
        }
        if component.len() > self.max_component_bytes {
            return Err(DomainError::TooLarge(
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
            return Err(DomainError::InvalidRequest(
                "item_code_mismatch",
                format!("组件声明的事项编码是 `{}`，不是 `{code}`", info.code),
            ));
        }
        if info.department != department {
            return Err(DomainError::InvalidRequest(
                "department_mismatch",
                format!(
                    "组件声明的部门是 `{}`，不是 `{department}`",
                    info.department
                ),
            ));
        }
        let number = semver::Version::parse(&info.version).map_err(|e| {
            DomainError::InvalidRequest(
                "invalid_version",
                format!("版本号 `{}` 不是语义化版本（如 1.2.0）：{e}", info.version),
            )
        })?;
        let earlier = self.storage.item_versions(code).await?;
        if let Some(same) = earlier.iter().find(|v| v.sha256 == version.sha256) {
            return Err(DomainError::Conflicting(
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
            return Err(DomainError::Conflicting(
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
                Ok(taken) => DomainError::Conflicting("version_not_newer", taken.to_string()),
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
            return Err(DomainError::InvalidRequest(
                "no_signing_key",
                format!("部门 `{department}` 尚未登记签名公钥，请联系平台管理员"),
            ));
        };
        let bad = |why: String| DomainError::InvalidRequest("bad_signature", why);
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
                return Err(DomainError::InvalidRequest(
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
    ) -> Result<(Arc<LoadedVersion>, Arc<jsonschema::Validator>)> {
        if staff.role == Role::Admin {
            return Err(DomainError::Forbidden("试运行由事项所属部门进行".into()));
        }
        let row = self.own_item(staff, code).await?;
        let stored = self.stored_version(code, version).await?;
        let (grants, limits) = settings_of(&row)?;
        let loaded = self.version(&stored.sha256, grants, limits).await?;
        let validator = jsonschema::validator_for(&loaded.info.form_schema)
            .map_err(|e| anyhow::anyhow!("form schema: {e}"))?;
        Ok((loaded, Arc::new(validator)))
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

    async fn stored_version(&self, code: &str, version: &str) -> Result<VersionRow> {
        self.storage
            .item_versions(code)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(DomainError::NotFound)
    }

    // ----- admins -----

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
            return Err(DomainError::InvalidRequest(
                "invalid_code",
                "事项编码须为 2–64 位小写字母、数字和连字符".into(),
            ));
        }
        if !self.storage.department_exists(department).await? {
            return Err(DomainError::InvalidRequest(
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
            return Err(DomainError::Conflicting(
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
            return Err(DomainError::Conflicting(
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
            DomainError::Conflicting(
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
            .map_err(|e| DomainError::InvalidRequest("invalid_limits", e.to_string()))?;
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

    /// The stored item, or not found.
    async fn row(&self, code: &str) -> Result<ItemRow> {
        self.storage.item(code).await?.ok_or(DomainError::NotFound)
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

/// The grants and limits stored with an item (`{}` is the defaults).
fn settings_of(row: &ItemRow) -> anyhow::Result<(Grants, Limits)> {
    let grants = serde_json::from_str(&row.grants)
        .with_context(|| format!("stored grants of `{}`", row.code))?;
    let limits = serde_json::from_str(&row.limits)
        .with_context(|| format!("stored limits of `{}`", row.code))?;
    Ok((grants, limits))
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

/// Item codes: lowercase letters, digits and hyphens, 2 to 64 of them.
fn valid_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A component that does not load is the uploader's mistake, named by its code.
fn load_refusal(error: LoadError) -> DomainError {
    DomainError::InvalidRequest(error.code(), error.to_string())
}

/// Loading an already stored version can fail for the same reasons (under changed grants) or
/// for the host's own.
fn any_load_refusal(error: anyhow::Error) -> DomainError {
    match error.downcast::<LoadError>() {
        Ok(load) => load_refusal(load),
        Err(other) => DomainError::Internal(other),
    }
}

/// The `error.code` a refusal is answered with, for its audit entry.
fn refusal_code(error: &DomainError) -> &'static str {
    match error {
        DomainError::InvalidRequest(code, _)
        | DomainError::Conflicting(code, _)
        | DomainError::ForbiddenCode(code, _)
        | DomainError::TooLarge(code, _) => code,
        DomainError::Forbidden(_) => "forbidden",
        DomainError::NotFound => "not_found",
        _ => "refused",
    }
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
