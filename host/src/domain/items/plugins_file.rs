//! The admin's `plugins.toml`, applied entry by entry: an entry new or changed since it was last
//! applied (its hash is kept with the item) is loaded, checked against its code and department,
//! and stored with its audit entry. Knows nothing of uploads or of the API's admin calls.

use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

use super::Items;
use crate::config::{ItemEntry, PluginsFile};
use crate::runtime::LoadError;
use crate::storage::{Change, NewVersion};

/// Who wrote versions and changes that came from the admin's file.
const FILE_ACTOR: &str = "plugins.toml";

impl Items {
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
}
