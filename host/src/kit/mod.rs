//! The department's kit: what `yiwang plugin new | build | test` do on a developer's machine,
//! with no server and no database. `new` writes a ready item from the templates, `build` runs
//! the item's language toolchain into a component, and `run` loads the component in the real
//! runtime, under real limits, with in-memory host interfaces (`memory`) filled from fixtures.

pub mod build;
pub mod memory;
pub mod new;
pub mod run;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::model::fixture::Fixture;

/// Every `*.json` fixture in `dir`, by file name.
pub fn read_fixtures(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Fixture)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the fixtures in {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    if paths.is_empty() {
        anyhow::bail!("{} holds no fixture (*.json)", dir.display());
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let fixture = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a fixture", path.display()))?;
            Ok((path, fixture))
        })
        .collect()
}
