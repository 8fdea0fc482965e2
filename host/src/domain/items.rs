//! The items this host serves: which version of each is live, whether it is enabled, and every
//! version a case is pinned to. The live set sits behind an `ArcSwap`, so a request takes one
//! consistent snapshot and a swap never waits for requests in flight.
//!
//! Components are kept content-addressed under `<data_dir>/components/<sha256>.wasm`, so a case
//! submitted under an old version can still be worked after `plugins.toml` moves on.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};

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
        })
    }

    /// Loads every item of `plugins.toml`. An item that fails to load is logged and left out;
    /// the others are served. Returns the failures, as `code: reason`.
    pub async fn load_plugins_file(&self, path: &Path) -> anyhow::Result<Vec<String>> {
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
