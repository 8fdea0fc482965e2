//! The items this host serves: which version of each is live, whether it is enabled, and every
//! version a case is pinned to. The live set sits behind an `ArcSwap`, so a request takes one
//! consistent snapshot and a swap never waits for requests in flight.
//!
//! Admins switch an item on and off here, at once and without a restart: the live map is rebuilt
//! with the new flag and stored into the `ArcSwap`, never edited in place. `plugins.toml` stays
//! authoritative: loading it (at startup, or when the file changes) sets every item's flag from
//! the file again, so a switch over the API lasts until then.
//!
//! Components are kept content-addressed under `<data_dir>/components/<sha256>.wasm`, so a case
//! submitted under an old version can still be worked after `plugins.toml` moves on.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};

use super::actor::{Actor, Role};
use super::error::{DomainError, Result};
use crate::config::{ItemEntry, PluginsFile};
use crate::runtime::{LoadedVersion, Runtime};
use crate::storage::Storage;

/// An item as it is served now.
pub struct LiveItem {
    pub version: Arc<LoadedVersion>,
    /// The form schema, compiled once.
    pub validator: Arc<jsonschema::Validator>,
    pub enabled: bool,
}

pub struct Items {
    runtime: Runtime,
    storage: Storage,
    components_dir: PathBuf,
    live: ArcSwap<BTreeMap<String, Arc<LiveItem>>>,
    versions: Mutex<HashMap<String, Arc<LoadedVersion>>>,
    /// Held by whatever rebuilds the live map, so that two changes cannot lose one another and
    /// the stored flags end in the order the live ones did.
    changes: tokio::sync::Mutex<()>,
}

impl Items {
    pub fn new(runtime: Runtime, storage: Storage, data_dir: &Path) -> anyhow::Result<Items> {
        let components_dir = data_dir.join("components");
        std::fs::create_dir_all(&components_dir)
            .with_context(|| format!("creating {}", components_dir.display()))?;
        Ok(Items {
            runtime,
            storage,
            components_dir,
            live: ArcSwap::from_pointee(BTreeMap::new()),
            versions: Mutex::new(HashMap::new()),
            changes: tokio::sync::Mutex::new(()),
        })
    }

    /// Loads every item of `plugins.toml`. An item that fails to load is logged and left out;
    /// the others are served. Returns the failures, as `code: reason`.
    pub async fn load_plugins_file(&self, path: &Path) -> anyhow::Result<Vec<String>> {
        let _changing = self.changes.lock().await;
        let file = PluginsFile::load(path)?;
        let mut live = BTreeMap::new();
        let mut failures = Vec::new();
        for (code, entry) in &file.items {
            match self.load_entry(path, code, entry).await {
                Ok(item) => {
                    live.insert(code.clone(), Arc::new(item));
                }
                Err(err) => {
                    tracing::error!(item = %code, error = %format!("{err:#}"), "item not loaded");
                    failures.push(format!("{code}: {err:#}"));
                }
            }
        }
        self.live.store(Arc::new(live));
        Ok(failures)
    }

    async fn load_entry(
        &self,
        plugins_toml: &Path,
        code: &str,
        entry: &ItemEntry,
    ) -> anyhow::Result<LiveItem> {
        let path = PluginsFile::component_path(plugins_toml, entry);
        let wasm = tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&wasm));
        let version = self
            .runtime
            .load(&wasm, entry.grants.clone(), entry.limits.clone())
            .await?;
        let info = &version.info;
        if info.code != code {
            bail!("the component describes item `{}`, not `{code}`", info.code);
        }
        if info.department != entry.department {
            bail!(
                "the component belongs to department `{}`, plugins.toml says `{}`",
                info.department,
                entry.department
            );
        }
        self.keep_component(&sha256, &wasm).await?;
        let info_json = serde_json::to_string(info)?;
        self.storage
            .record_item_version(
                &sha256,
                (code, &info.version, &info.department),
                &info_json,
                wasm.len() as i64,
                "plugins.toml",
            )
            .await?;
        // The file decides whether the item is enabled, whatever an admin switched over the API
        // before: plugins.toml is the deployment's source of truth at load.
        self.storage
            .put_item(code, &info.department, &sha256, entry.enabled)
            .await?;
        let validator = jsonschema::validator_for(&info.form_schema)
            .map_err(|e| anyhow::anyhow!("form schema: {e}"))?;
        tracing::info!(item = %code, version = %info.version, sha256 = %&sha256[..12], enabled = entry.enabled, "item loaded");
        self.versions
            .lock()
            .expect("versions lock")
            .insert(sha256, version.clone());
        Ok(LiveItem {
            version,
            validator: Arc::new(validator),
            enabled: entry.enabled,
        })
    }

    /// Writes the component under its hash, once.
    async fn keep_component(&self, sha256: &str, wasm: &[u8]) -> anyhow::Result<()> {
        let path = self.components_dir.join(format!("{sha256}.wasm"));
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        let tmp = self.components_dir.join(format!(".{sha256}.tmp"));
        tokio::fs::write(&tmp, wasm).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    /// An admin switches an item on or off. The stored flag and its audit entry are committed
    /// first, then a new live map is swapped in: the next request sees the change, requests in
    /// flight finish on the snapshot they took. Cases already open are not affected — their
    /// actions never look at the flag.
    ///
    /// Lasts until `plugins.toml` is loaded again (the next start, or a change to the file).
    pub async fn set_enabled(
        &self,
        admin: &Actor,
        code: &str,
        enabled: bool,
    ) -> Result<Arc<LiveItem>> {
        if admin.role != Role::Admin {
            return Err(DomainError::Forbidden("此功能仅限平台管理员".into()));
        }
        let _changing = self.changes.lock().await;
        let current = self.live(code).ok_or(DomainError::NotFound)?;
        let info = &current.version.info;
        let detail = format!(
            "{code}@{}: enabled {} -> {enabled}",
            info.version, current.enabled
        );
        let actor = format!("{}:{}", admin.role.as_str(), admin.id);
        let stored = self
            .storage
            .set_item_enabled(code, enabled, &actor, &detail)
            .await?;
        if !stored {
            return Err(anyhow::anyhow!("item `{code}` is live but has no stored row").into());
        }
        let switched = Arc::new(LiveItem {
            version: current.version.clone(),
            validator: current.validator.clone(),
            enabled,
        });
        let mut live = BTreeMap::clone(&self.live.load());
        live.insert(code.to_string(), switched.clone());
        self.live.store(Arc::new(live));
        tracing::info!(item = %code, enabled, by = %actor, "item switched");
        Ok(switched)
    }

    pub fn live(&self, code: &str) -> Option<Arc<LiveItem>> {
        self.live.load().get(code).cloned()
    }

    /// A snapshot of every live item.
    pub fn all(&self) -> Arc<BTreeMap<String, Arc<LiveItem>>> {
        self.live.load_full()
    }

    /// The version a case is pinned to, loading it from the component store when it is no longer
    /// live (with the item's current grants and limits).
    pub async fn pinned(&self, code: &str, sha256: &str) -> anyhow::Result<Arc<LoadedVersion>> {
        if let Some(version) = self.versions.lock().expect("versions lock").get(sha256) {
            return Ok(version.clone());
        }
        let live = self
            .live(code)
            .with_context(|| format!("item `{code}` is not configured on this host"))?;
        let path = self.components_dir.join(format!("{sha256}.wasm"));
        let wasm = tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        let version = self
            .runtime
            .load(
                &wasm,
                live.version.grants.clone(),
                live.version.limits.clone(),
            )
            .await?;
        self.versions
            .lock()
            .expect("versions lock")
            .insert(sha256.to_string(), version.clone());
        Ok(version)
    }
}
