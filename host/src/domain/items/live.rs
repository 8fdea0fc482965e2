//! The live set: what this host serves now, a cache of the stored items behind an `ArcSwap`,
//! refreshed from their rows; the versions loaded so far, by sha256; the component bytes kept on
//! disk; and the version a case is pinned to. Knows nothing of who may change an item, or why.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::{Items, LiveItem, settings_of};
use crate::domain::form::FormCheck;
use crate::model::catalog::ItemInfo;
use crate::model::grants::{Grants, Limits};
use crate::runtime::LoadedVersion;
use crate::storage::ItemRow;

impl Items {
    pub fn live(&self, code: &str) -> Option<Arc<LiveItem>> {
        self.live.load().get(code).cloned()
    }

    /// A snapshot of every live item.
    pub fn all(&self) -> Arc<BTreeMap<String, Arc<LiveItem>>> {
        self.live.load_full()
    }

    /// Serves every item as stored (another host may have changed them). Items whose version
    /// fails to load keep what they had, and are logged.
    pub async fn resync(&self) -> anyhow::Result<()> {
        let _changing = self.changes.lock().await;
        self.resync_locked().await
    }

    pub(super) async fn resync_locked(&self) -> anyhow::Result<()> {
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

    pub(super) async fn refresh_locked(&self, code: &str) -> anyhow::Result<()> {
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
        let form = match &current {
            Some(live) if live.version.sha256 == version.sha256 => live.form.clone(),
            _ => Arc::new(FormCheck::compile(&version.info.form_schema)?),
        };
        tracing::info!(item = %row.code, version = %version.info.version, enabled, "item served");
        let item = Arc::new(LiveItem {
            version,
            form,
            enabled,
        });
        let mut live = BTreeMap::clone(&self.live.load());
        live.insert(row.code.clone(), item);
        self.live.store(Arc::new(live));
        Ok(())
    }

    /// A stored version loaded under `grants` and `limits`, from this host's cache when it was
    /// loaded under the same before.
    pub(super) async fn version(
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
        // Compiled here before: the artifact and the catalog entry stored with the version are
        // enough; the bytes are not read or hashed, nor `describe()` called, again.
        let cached = match self.stored_info(sha256).await? {
            Some(info) => {
                self.runtime
                    .load_cached(sha256, info, grants.clone(), limits.clone())
                    .await?
            }
            None => None,
        };
        let version = match cached {
            Some(version) => version,
            None => {
                let wasm = self.component(sha256).await?;
                self.runtime.load(&wasm, grants, limits).await?
            }
        };
        self.cache(version.clone());
        Ok(version)
    }

    /// The catalog entry a version was stored with; `None` when there is none that reads as one
    /// (then the version describes itself again).
    async fn stored_info(&self, sha256: &str) -> anyhow::Result<Option<ItemInfo>> {
        let Some(json) = self.storage.version_info(sha256).await? else {
            return Ok(None);
        };
        match serde_json::from_str(&json) {
            Ok(info) => Ok(Some(info)),
            Err(e) => {
                tracing::warn!(sha256, error = %e, "stored catalog entry does not read; describing the version again");
                Ok(None)
            }
        }
    }

    fn cached(&self, sha256: &str) -> Option<Arc<LoadedVersion>> {
        self.versions
            .lock()
            .expect("versions lock")
            .get(sha256)
            .cloned()
    }

    pub(super) fn cache(&self, version: Arc<LoadedVersion>) {
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
    pub(super) async fn keep_component(&self, sha256: &str, wasm: &[u8]) -> anyhow::Result<()> {
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
}
