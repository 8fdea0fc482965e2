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
//!
//! One file per job, each an `impl Items` block: `live` (the live set, the loaded versions, the
//! versions cases are pinned to), `plugins_file` (the admin's file), `uploads` (departments'
//! uploads and their checks, versions, preview) and `lifecycle` (the admin's register, publish,
//! rollback, switch, grants and limits). This file has the service, its types and the lookups
//! they share.

mod lifecycle;
mod live;
mod plugins_file;
mod uploads;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use arc_swap::ArcSwap;
use serde::Serialize;

use super::error::{DomainError, Result};
use super::form::FormCheck;
use crate::model::grants::{Grants, Limits};
use crate::runtime::{LoadError, LoadedVersion, Runtime};
use crate::storage::{ItemRow, Storage, VersionRow};

/// An item as it is served now.
pub struct LiveItem {
    pub version: Arc<LoadedVersion>,
    /// The form schema, compiled once.
    pub form: Arc<FormCheck>,
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

    /// The stored item, or not found.
    async fn row(&self, code: &str) -> Result<ItemRow> {
        self.storage.item(code).await?.ok_or(DomainError::NotFound)
    }

    async fn stored_version(&self, code: &str, version: &str) -> Result<VersionRow> {
        self.storage
            .item_versions(code)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(DomainError::NotFound)
    }
}

/// The grants and limits stored with an item (`{}` is the defaults).
fn settings_of(row: &ItemRow) -> anyhow::Result<(Grants, Limits)> {
    let grants = serde_json::from_str(&row.grants)
        .with_context(|| format!("stored grants of `{}`", row.code))?;
    let limits = serde_json::from_str(&row.limits)
        .with_context(|| format!("stored limits of `{}`", row.code))?;
    Ok((grants, limits))
}

/// A component that does not load is the uploader's mistake, named by its code.
fn load_refusal(error: LoadError) -> DomainError {
    DomainError::invalid(error.code(), error.to_string())
}

/// Loading an already stored version can fail for the same reasons (under changed grants) or
/// for the host's own.
fn any_load_refusal(error: anyhow::Error) -> DomainError {
    match error.downcast::<LoadError>() {
        Ok(load) => load_refusal(load),
        Err(other) => DomainError::Internal(other),
    }
}
