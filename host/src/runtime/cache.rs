//! Compiled artifacts on disk, keyed by the component's sha256 and the engine's compatibility
//! hash, so a component is compiled once per engine configuration and loaded by mmap afterwards.
//! Knows nothing of items: bytes in, `Component` out.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Feeds `Hash` output into sha256, so the key is stable across processes and Rust versions
/// (std's `DefaultHasher` promises neither).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the digest is used")
    }
}

/// A short hex digest of everything that makes an artifact loadable by `engine`.
pub(crate) fn engine_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..8])
}

pub(crate) struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

/// Where a component came from, for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Compiled,
    Cached,
}

impl ArtifactCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the artifact cache {}", dir.display()))?;
        Ok(Self {
            dir,
            engine_key: engine_key(engine),
        })
    }

    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The cached artifact of the component `sha256`, when there is one and it loads. A
    /// truncated or foreign file is not fatal: it is logged, and compiling again replaces it.
    /// Blocking only for the `open` and `mmap` of the file.
    pub(crate) fn load_cached(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        // A name from elsewhere never reaches the file system unless it is a digest.
        let digest = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let path = self.path(sha256);
        if !digest || !path.exists() {
            return None;
        }
        match deserialize(engine, &path) {
            Ok(component) => Some(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = format!("{e:#}"), "discarding a bad cached artifact");
                None
            }
        }
    }

    /// The compiled component for `wasm`: from the cache when it is there and loads, otherwise
    /// compiled and stored. Blocking (compiling takes seconds): call it off the async executor.
    ///
    /// `Err(Compile)` means the bytes are not a valid component; other errors are the cache's.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: &str,
    ) -> Result<(Component, Source), CacheError> {
        if let Some(component) = self.load_cached(engine, sha256) {
            return Ok((component, Source::Cached));
        }
        let path = self.path(sha256);
        let artifact = engine
            .precompile_component(wasm)
            .map_err(|e| CacheError::Compile(format!("{e:#}")))?;
        write_atomically(&path, &artifact).map_err(CacheError::Io)?;
        let component = deserialize(engine, &path).map_err(CacheError::Io)?;
        Ok((component, Source::Compiled))
    }
}

/// What is in an artifact cache directory, for `yiwang doctor`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CacheCheck {
    /// Artifacts of this build's engine that load.
    pub usable: usize,
    /// Artifacts of another engine configuration (an older build): never loaded, safe to delete.
    pub stale: usize,
    /// Artifacts of this engine that do not load: each is compiled again and replaced on use.
    pub broken: Vec<String>,
    /// Temporary files of an interrupted write, and files that are not artifacts.
    pub strays: Vec<String>,
}

/// Looks at every file of the artifact cache `dir` with this build's engine; changes nothing.
pub fn check_artifact_cache(dir: &Path) -> anyhow::Result<CacheCheck> {
    let mut check = CacheCheck::default();
    if !dir.exists() {
        return Ok(check);
    }
    let engine = super::engine::new_engine()?;
    let key = engine_key(&engine);
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let parts = name
            .strip_suffix(".cwasm")
            .and_then(|stem| stem.split_once('-'))
            .filter(|(sha, k)| sha.len() == 64 && k.len() == 16);
        match parts {
            Some((_, k)) if k == key => match deserialize(&engine, &entry.path()) {
                Ok(_) => check.usable += 1,
                Err(_) => check.broken.push(name),
            },
            Some(_) => check.stale += 1,
            None => check.strays.push(name),
        }
    }
    Ok(check)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CacheError {
    #[error("{0}")]
    Compile(String),
    #[error(transparent)]
    Io(anyhow::Error),
}

fn deserialize(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    // SAFETY: the file was written by `precompile_component` of an engine with the same
    // compatibility hash (it is in the name), in a directory only this host writes, and is
    // replaced by rename, never modified in place, so the mapping stays what wasmtime wrote.
    let component = unsafe { Component::deserialize_file(engine, path) };
    component
        .map_err(anyhow::Error::from)
        .with_context(|| format!("loading {}", path.display()))
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a reader (or
/// a crash) never sees half an artifact.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;

    let dir = path.parent().context("artifact path has no directory")?;
    let name = path
        .file_name()
        .context("artifact path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(
        ".{name}.{}-{:08x}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_artifact_is_named_by_content_and_engine() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(dir.path().to_owned(), &engine).unwrap();
        let name = cache
            .path("ab12")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(name, format!("ab12-{}.cwasm", engine_key(&engine)));
        assert_eq!(engine_key(&engine).len(), 16);
        assert_eq!(engine_key(&engine), engine_key(&engine.clone()));
    }

    #[test]
    fn the_check_sorts_a_caches_files_without_touching_them() {
        let dir = tempfile::tempdir().unwrap();
        let engine = super::super::engine::new_engine().unwrap();
        let key = engine_key(&engine);
        let sha = "a".repeat(64);
        std::fs::write(
            dir.path().join(format!("{sha}-{key}.cwasm")),
            b"not an artifact",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(format!("{sha}-{}.cwasm", "0".repeat(16))),
            b"old",
        )
        .unwrap();
        std::fs::write(dir.path().join(".x.cwasm.1-2.tmp"), b"half").unwrap();
        let check = check_artifact_cache(dir.path()).unwrap();
        assert_eq!((check.usable, check.stale), (0, 1));
        assert_eq!(check.broken.len(), 1);
        assert_eq!(check.strays, vec![".x.cwasm.1-2.tmp".to_owned()]);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "nothing removed"
        );
    }

    #[test]
    fn only_a_digest_names_a_cached_artifact() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ArtifactCache::new(dir.path().join("cache"), &engine).unwrap();
        // A loadable artifact (of the empty component) where a name joined as given would reach.
        let artifact = engine.precompile_component(b"\0asm\x0d\0\x01\0").unwrap();
        let key = engine_key(&engine);
        std::fs::write(dir.path().join(format!("x-{key}.cwasm")), &artifact).unwrap();
        let upper = "A".repeat(64);
        std::fs::write(
            dir.path().join(format!("cache/{upper}-{key}.cwasm")),
            &artifact,
        )
        .unwrap();
        assert!(cache.load_cached(&engine, "../x").is_none());
        assert!(cache.load_cached(&engine, &upper).is_none());
        let lower = "a".repeat(64);
        assert!(cache.load_cached(&engine, &lower).is_none(), "none cached");
        std::fs::write(
            dir.path().join(format!("cache/{lower}-{key}.cwasm")),
            &artifact,
        )
        .unwrap();
        assert!(cache.load_cached(&engine, &lower).is_some());
    }

    #[test]
    fn writing_replaces_the_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.cwasm");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }
}
