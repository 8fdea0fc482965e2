//! The host's sources as the tidy checks see them: every `.rs` file under `host/src`, with the
//! module it is (`http/items.rs` is `http::items`) and the top-level module it belongs to.

use std::fs;
use std::path::{Path, PathBuf};

use crate::paths::{Found, paths};

pub struct Source {
    /// Relative to the workspace root, with `/` separators: `host/src/http/items.rs`.
    pub shown: String,
    /// Relative to `host/src`: `http/items.rs`.
    pub relative: String,
    pub text: String,
    /// The module path inside its crate: `["http", "items"]`; empty for `lib.rs` and `main.rs`.
    pub module: Vec<String>,
}

impl Source {
    pub fn module(&self) -> Vec<&str> {
        self.module.iter().map(String::as_str).collect()
    }

    /// The top-level module this file belongs to (`http` for `http/items.rs`), `None` for a crate
    /// root.
    pub fn top(&self) -> Option<&str> {
        self.module.first().map(String::as_str)
    }

    pub fn paths(&self) -> Vec<Found> {
        paths(&self.text)
    }
}

pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Every `.rs` file under `host/src`, sorted by path.
pub fn sources() -> Vec<Source> {
    let src = workspace_root().join("host/src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files.sort();
    let sources: Vec<Source> = files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&src)
                .expect("under host/src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
            Source {
                shown: format!("host/src/{relative}"),
                module: module_of(&relative),
                relative,
                text,
            }
        })
        .collect();
    assert!(
        sources.iter().any(|s| s.relative == "lib.rs"),
        "no host/src/lib.rs under {}: the tidy checks read the host's sources from there",
        src.display()
    );
    sources
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `http/items.rs` → `["http", "items"]`, `http/mod.rs` → `["http"]`, `lib.rs` → `[]`.
pub fn module_of(relative: &str) -> Vec<String> {
    let without_ext = relative.strip_suffix(".rs").unwrap_or(relative);
    let mut parts: Vec<String> = without_ext.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod")
        || (parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main"))
    {
        parts.pop();
    }
    parts
}

/// The library's top-level modules: the `mod` lines of `lib.rs` (with `#[cfg(test)]` ones). The
/// binary's own modules (`main.rs`'s `mod cli_client;`) are another crate and not among them.
pub fn library_modules(sources: &[Source]) -> Vec<String> {
    let lib = sources
        .iter()
        .find(|s| s.relative == "lib.rs")
        .expect("host/src/lib.rs");
    let tokens = crate::lexer::tokens(&lib.text);
    tokens
        .windows(3)
        .filter(|w| w[0].is_ident("mod") && w[2].is_punct(';'))
        .filter_map(|w| w[1].ident().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_the_module_its_path_names() {
        assert_eq!(module_of("http/items.rs"), ["http", "items"]);
        assert_eq!(module_of("http/mod.rs"), ["http"]);
        assert_eq!(
            module_of("storage/items/tests.rs"),
            ["storage", "items", "tests"]
        );
        assert_eq!(module_of("startup.rs"), ["startup"]);
        assert!(module_of("lib.rs").is_empty());
        assert!(module_of("main.rs").is_empty());
    }
}
