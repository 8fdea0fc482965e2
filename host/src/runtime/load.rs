//! Loading an item version: compile (or take the cached artifact), refuse imports the grants do
//! not cover, pre-instantiate, ask the item to `describe()` itself and check the catalog entry.
//! What comes out is a [`LoadedVersion`], ready for calls. Knows nothing of storage or HTTP.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use super::Runtime;
use super::cache::{CacheError, Source};
use super::call::{self, CallError, Function, GuestCall, Returned, Target};
use super::imports::{self, Verdict};
use super::wit::{Described, ITEM_EXPORT_PREFIX, ItemPre};
use crate::capabilities::Capabilities;
use crate::model::catalog::{CatalogError, ItemInfo};
use crate::model::contract::ContractVersion;
use crate::model::grants::{Grants, Limits};

/// An item version ready to be called: its checked catalog entry, what it was granted and the
/// limits it runs under. Immutable; a new grant or limit means loading the version again.
pub struct LoadedVersion {
    pub info: ItemInfo,
    /// Hex sha256 of the component bytes.
    pub sha256: String,
    pub grants: Grants,
    pub limits: Limits,
    /// `code@version`, as every message about this version names it.
    label: String,
    /// Handed to each call's capabilities without copying the lists.
    shared_grants: Arc<Grants>,
    pre: ItemPre,
    /// `limits.concurrency` calls at once.
    permits: Semaphore,
}

impl LoadedVersion {
    /// `code@version`.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            pre: &self.pre,
            permits: Some(&self.permits),
            label: &self.label,
            item: &self.info.code,
            version: &self.info.version,
            limits: &self.limits,
        }
    }

    /// The contract version the component targets.
    pub fn contract(&self) -> ContractVersion {
        self.pre.contract()
    }

    pub(crate) fn shared_grants(&self) -> Arc<Grants> {
        self.shared_grants.clone()
    }
}

impl fmt::Debug for LoadedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedVersion")
            .field("item", &self.label)
            .field("sha256", &self.sha256)
            .field("grants", &self.grants)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Why a component cannot be loaded. Messages name the component (by the start of its sha256)
/// until it has said who it is, and `code@version` after.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("component {component}: not a WebAssembly component: {reason}")]
    NotAComponent { component: String, reason: String },
    #[error("component {component}: compile failed: {message}")]
    CompileFailed { component: String, message: String },
    #[error("component {component}: imports `{import}`, which needs the `{grant}` grant")]
    UngrantedImport {
        component: String,
        import: String,
        grant: &'static str,
    },
    #[error("component {component}: imports `{import}`, which this host does not provide")]
    UnknownImport { component: String, import: String },
    #[error(
        "component {component}: does not export `yiwang:service/item` as a service item (contract {}): {reason}",
        ContractVersion::supported()
    )]
    NoItemExport { component: String, reason: String },
    #[error(
        "component {component}: targets contract yiwang:service@{found}, which this host does not serve; it serves {}",
        ContractVersion::supported()
    )]
    UnsupportedContract { component: String, found: String },
    #[error("component {component}: instantiate failed: {message}")]
    InstantiateFailed { component: String, message: String },
    /// The `describe()` call failed; the call error names the limit or the trap.
    #[error(transparent)]
    DescribeFailed(CallError),
    #[error("{item}: invalid catalog entry: {source}")]
    InvalidCatalog {
        /// `code@version` as the item gave them (they may be what is invalid).
        item: String,
        source: CatalogError,
    },
    #[error("invalid limits: {0}")]
    InvalidLimits(String),
}

impl LoadError {
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::NotAComponent { .. } => "not_a_component",
            LoadError::CompileFailed { .. } => "compile_failed",
            LoadError::UngrantedImport { .. } => "ungranted_import",
            LoadError::UnknownImport { .. } => "unknown_import",
            LoadError::NoItemExport { .. } => "no_item_export",
            LoadError::UnsupportedContract { .. } => "unsupported_contract",
            LoadError::InstantiateFailed { .. } => "instantiate_failed",
            LoadError::DescribeFailed(_) => "describe_failed",
            LoadError::InvalidCatalog { .. } => "invalid_catalog",
            LoadError::InvalidLimits(_) => "invalid_limits",
        }
    }
}

/// A component on its way to being a [`LoadedVersion`].
struct Loading {
    sha256: String,
    /// The start of `sha256`, naming the component until it has said who it is.
    component_label: String,
    /// The catalog entry it was stored with (already checked), if it was.
    known: Option<ItemInfo>,
}

/// What the first eight bytes say: a component has the `\0asm` magic and layer 1; a core
/// module has version 1 and layer 0.
fn check_header(wasm: &[u8]) -> Result<(), &'static str> {
    match wasm {
        [0x00, b'a', b's', b'm', _, _, 0x01, 0x00, ..] => Ok(()),
        [0x00, b'a', b's', b'm', 0x01, 0x00, 0x00, 0x00, ..] => {
            Err("this is a core module; build it as a component (wasm32-wasip2)")
        }
        _ => Err("the file does not start with a WebAssembly header"),
    }
}

impl Runtime {
    /// Compile (or load the cached artifact), refuse ungranted/unknown imports, pre-instantiate,
    /// call `describe()`, convert and check the catalog entry (`ItemInfo::check`).
    pub async fn load(
        &self,
        wasm: &[u8],
        grants: Grants,
        limits: Limits,
    ) -> Result<Arc<LoadedVersion>, LoadError> {
        limits
            .check()
            .map_err(|e| LoadError::InvalidLimits(e.to_string()))?;
        let sha256 = hex::encode(Sha256::digest(wasm));
        let component_label = sha256[..12].to_owned();
        let not_a_component = |reason: String| LoadError::NotAComponent {
            component: component_label.clone(),
            reason,
        };
        check_header(wasm).map_err(|reason| not_a_component(reason.into()))?;

        let inner = self.inner.clone();
        let (bytes, sha) = (wasm.to_vec(), sha256.clone());
        let compiled = tokio::task::spawn_blocking(move || {
            inner.cache.load_or_compile(&inner.engine, &bytes, &sha)
        })
        .await
        .map_err(|e| LoadError::CompileFailed {
            component: component_label.clone(),
            message: e.to_string(),
        })?;
        let component = match compiled {
            Ok((component, source)) => {
                if source == Source::Compiled {
                    self.inner
                        .compilations
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                tracing::debug!(component = %component_label, ?source, "component ready");
                component
            }
            // Bytes that fail validation are not a component, whatever their header says.
            Err(CacheError::Compile(reason)) => return Err(not_a_component(reason)),
            Err(CacheError::Io(e)) => {
                return Err(LoadError::CompileFailed {
                    component: component_label,
                    message: format!("{e:#}"),
                });
            }
        };

        let loading = Loading {
            sha256,
            component_label,
            known: None,
        };
        self.finish(component, loading, grants, limits).await
    }

    /// A stored version whose compiled artifact this host's cache holds: its bytes are neither
    /// read nor hashed again (its `sha256` names the artifact), and `info` is the catalog entry
    /// it was stored with, checked when it was stored, so `describe()` is not called again. The
    /// imports are still checked against `grants`. `Ok(None)` when there is no usable artifact
    /// (never compiled here, or a bad file): load it from its bytes with [`Runtime::load`].
    pub async fn load_cached(
        &self,
        sha256: &str,
        info: ItemInfo,
        grants: Grants,
        limits: Limits,
    ) -> Result<Option<Arc<LoadedVersion>>, LoadError> {
        limits
            .check()
            .map_err(|e| LoadError::InvalidLimits(e.to_string()))?;
        let Some(component) = self.inner.cache.load_cached(&self.inner.engine, sha256) else {
            return Ok(None);
        };
        let component_label = sha256.get(..12).unwrap_or(sha256).to_owned();
        let loading = Loading {
            sha256: sha256.to_owned(),
            component_label,
            known: Some(info),
        };
        self.finish(component, loading, grants, limits)
            .await
            .map(Some)
    }

    /// Refuse ungranted/unknown imports, pre-instantiate, `describe()` and check the catalog.
    async fn finish(
        &self,
        component: Component,
        loading: Loading,
        grants: Grants,
        limits: Limits,
    ) -> Result<Arc<LoadedVersion>, LoadError> {
        let Loading {
            sha256,
            component_label,
            known,
        } = loading;
        let engine = &self.inner.engine;
        let ty = component.component_type();
        // The contract comes from the `item` export's version; every `yiwang:service` import
        // must be of the same version.
        let mut targeted = None;
        for (name, item) in ty.exports(engine) {
            let Some(version) = name.strip_prefix(ITEM_EXPORT_PREFIX) else {
                continue;
            };
            if !matches!(item.ty, ComponentItem::ComponentInstance(_)) {
                continue;
            }
            match imports::served(version) {
                Some(contract) => targeted = Some(contract),
                None => {
                    return Err(LoadError::UnsupportedContract {
                        component: component_label,
                        found: version.to_owned(),
                    });
                }
            }
        }
        let Some(contract) = targeted else {
            return Err(LoadError::NoItemExport {
                component: component_label,
                reason: "no such export".into(),
            });
        };
        for (name, _) in ty.imports(engine) {
            match imports::classify(name, &grants, contract) {
                Verdict::Allowed => {}
                Verdict::Ungranted(grant) => {
                    return Err(LoadError::UngrantedImport {
                        component: component_label,
                        import: name.to_owned(),
                        grant,
                    });
                }
                Verdict::Unknown => {
                    return Err(LoadError::UnknownImport {
                        component: component_label,
                        import: name.to_owned(),
                    });
                }
            }
        }

        let instance_pre = self.inner.linker.instantiate_pre(&component).map_err(|e| {
            LoadError::InstantiateFailed {
                component: component_label.clone(),
                message: format!("{e:#}"),
            }
        })?;
        // Checks the export's functions and their types against the contract.
        let pre = ItemPre::new(contract, instance_pre).map_err(|e| LoadError::NoItemExport {
            component: component_label.clone(),
            reason: format!("{e:#}"),
        })?;

        let info = match known {
            Some(info) => info,
            None => {
                let info = self.describe(&pre, &component_label, &limits).await?;
                info.check().map_err(|source| LoadError::InvalidCatalog {
                    item: format!("{}@{}", info.code, info.version),
                    source,
                })?;
                info
            }
        };
        let label = format!("{}@{}", info.code, info.version);
        tracing::info!(item = %info.code, version = %info.version, contract = %contract, sha256 = %sha256, "item version loaded");

        let shared_grants = Arc::new(grants.clone());
        let permits = Semaphore::new(limits.concurrency as usize);
        Ok(Arc::new(LoadedVersion {
            info,
            sha256,
            grants,
            limits,
            label,
            shared_grants,
            pre,
            permits,
        }))
    }

    /// `describe()` on a fresh instance under the version's limits, with every host interface
    /// unavailable, so the catalog entry depends on nothing but the code.
    async fn describe(
        &self,
        pre: &ItemPre,
        component_label: &str,
        limits: &Limits,
    ) -> Result<ItemInfo, LoadError> {
        let label = format!("component {component_label}");
        let target = Target {
            pre,
            permits: None,
            label: &label,
            item: "-",
            version: "-",
            limits,
        };
        let caps = Capabilities::unavailable(&label, self.inner.host.clone(), limits.host_calls);
        let describe: GuestCall<Described> =
            Box::new(|item, store| Box::pin(async move { item.describe(store).await }));
        let outcome = call::invoke(
            &self.inner.engine,
            target,
            Function::Describe,
            caps,
            describe,
        )
        .await;
        match outcome.result {
            Ok(Ok(info)) => Ok(info),
            Ok(Err((item, source))) => Err(LoadError::InvalidCatalog { item, source }),
            Err(error) => Err(LoadError::DescribeFailed(error)),
        }
    }
}

/// A catalog entry is measured as the JSON the host serves it as.
impl Returned for Described {
    fn output_bytes(&self) -> u64 {
        match self {
            Ok(info) => serde_json::to_vec(info).map_or(u64::MAX, |json| json.len() as u64),
            Err(_) => 0,
        }
    }
    fn refused(&self) -> bool {
        self.is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_tell_components_from_modules_and_garbage() {
        assert_eq!(check_header(b"\0asm\x0d\0\x01\0rest"), Ok(()));
        assert!(
            check_header(b"\0asm\x01\0\0\0")
                .unwrap_err()
                .contains("core module")
        );
        assert!(check_header(b"PK\x03\x04 zip").is_err());
        assert!(check_header(b"").is_err());
    }

    #[test]
    fn load_errors_have_stable_codes() {
        let error = LoadError::UngrantedImport {
            component: "0123456789ab".into(),
            import: "yiwang:service/notify@0.1.0".into(),
            grant: "notify",
        };
        assert_eq!(error.code(), "ungranted_import");
        assert!(
            error.to_string().contains("`yiwang:service/notify@0.1.0`"),
            "{error}"
        );
        let error = LoadError::InvalidCatalog {
            item: "vehicle-inspection-exemption@1.0.0".into(),
            source: CatalogError::MissingField("summary"),
        };
        assert_eq!(error.code(), "invalid_catalog");
        assert_eq!(
            error.to_string(),
            "vehicle-inspection-exemption@1.0.0: invalid catalog entry: missing catalog field `summary`"
        );
    }
}
