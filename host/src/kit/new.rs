//! `yiwang plugin new NAME --lang rust|js|python`: a ready item from the templates in
//! `kit/templates/<lang>/`, with the contract (`wit/v0.2.0`) and, for JavaScript and Python, the
//! SDK layer copied in, so the new folder builds and passes its fixtures as written. Everything
//! is compiled into the binary: a department needs nothing but `yiwang` and its language's tools.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use include_dir::{Dir, DirEntry, include_dir};

static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../kit/templates");
static CONTRACT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../wit/v0.2.0");
static SDK_JS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../wit/sdk-js");
static SDK_PYTHON: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../wit/sdk-python");

/// What the templates' files say where the new item's own words go.
const PLACEHOLDERS: [&str; 4] = ["{{code}}", "{{name}}", "{{department}}", "{{sdk_rust}}"];

/// Where a new item's world finds the contract.
pub const CONTRACT_DIR: &str = "wit/deps/yiwang-service";

/// The languages an item can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Js,
    Python,
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Rust => "rust",
            Lang::Js => "js",
            Lang::Python => "python",
        })
    }
}

/// What `plugin new` is asked for.
pub struct NewItem {
    /// The item's code (kebab-case), also the folder's default name.
    pub code: String,
    /// Its name as citizens see it; the code when not given.
    pub name: Option<String>,
    pub department: String,
    pub lang: Lang,
    pub dir: PathBuf,
    /// The Rust SDK's folder, for a Rust item's path dependency.
    pub sdk_rust: Option<PathBuf>,
}

/// Writes the new item and returns the files written, relative to its folder.
pub fn create(new: &NewItem) -> anyhow::Result<Vec<PathBuf>> {
    if !crate::model::catalog::is_code(&new.code) {
        bail!(
            "`{}` is not an item code: 2 to 64 lowercase letters, digits and hyphens",
            new.code
        );
    }
    if !crate::model::catalog::is_code(&new.department) {
        bail!("`{}` is not a department code", new.department);
    }
    if new.dir.exists()
        && std::fs::read_dir(&new.dir)
            .with_context(|| format!("reading {}", new.dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} already exists and is not empty; choose another --dir",
            new.dir.display()
        );
    }
    let sdk_rust = match new.lang {
        Lang::Rust => Some(rust_sdk(new.sdk_rust.as_deref())?),
        Lang::Js | Lang::Python => None,
    };
    let name = new.name.clone().unwrap_or_else(|| new.code.clone());
    let sdk_rust = sdk_rust
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let values = [&new.code, &name, &new.department, &sdk_rust];
    let fill = |text: &str| {
        PLACEHOLDERS
            .iter()
            .zip(values)
            .fold(text.to_owned(), |text, (placeholder, value)| {
                text.replace(placeholder, value)
            })
    };

    let mut files = Vec::new();
    let template = TEMPLATES
        .get_dir(new.lang.to_string())
        .context("this build has no template for the language")?;
    for file in files_of(template) {
        let relative = file.path().strip_prefix(template.path())?;
        let text = std::str::from_utf8(file.contents())
            .with_context(|| format!("template {} is not UTF-8", relative.display()))?;
        files.push(write(&new.dir, relative, fill(text).as_bytes())?);
    }
    if new.lang != Lang::Rust {
        for file in files_of(&CONTRACT) {
            let relative = Path::new(CONTRACT_DIR).join(file.path());
            files.push(write(&new.dir, &relative, file.contents())?);
        }
    }
    let (sdk, extension, into) = match new.lang {
        Lang::Rust => (None, "", ""),
        Lang::Js => (Some(&SDK_JS), "js", "sdk"),
        Lang::Python => (Some(&SDK_PYTHON), "py", ""),
    };
    if let Some(sdk) = sdk {
        for file in files_of(sdk) {
            if file.path().extension().and_then(|e| e.to_str()) == Some(extension) {
                let relative = Path::new(into).join(file.path());
                files.push(write(&new.dir, &relative, file.contents())?);
            }
        }
    }
    Ok(files)
}

/// The Rust SDK: the one given, or the one this binary was built beside.
fn rust_sdk(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/sdk-rust"),
    };
    path.join("Cargo.toml")
        .canonicalize()
        .ok()
        .and_then(|manifest| manifest.parent().map(Path::to_path_buf))
        .with_context(|| {
            format!(
                "the Rust SDK (yiwang-sdk) is not at {}; give its folder with --sdk-rust",
                path.display()
            )
        })
}

fn files_of<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut files = Vec::new();
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => files.extend(files_of(d)),
            DirEntry::File(f) => files.push(f),
        }
    }
    files.sort_by_key(|f| f.path());
    files
}

fn write(root: &Path, relative: &Path, contents: &[u8]) -> anyhow::Result<PathBuf> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    Ok(relative.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_item(lang: Lang, dir: PathBuf) -> NewItem {
        NewItem {
            code: "residence-advice".into(),
            name: Some("居住证咨询".into()),
            department: "dongguan-public-security".into(),
            lang,
            dir,
            sdk_rust: None,
        }
    }

    #[test]
    fn every_language_gets_its_item_fixtures_and_contract_with_no_placeholder_left() {
        for lang in [Lang::Rust, Lang::Js, Lang::Python] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("item");
            let files = create(&new_item(lang, dir.clone())).unwrap();
            assert!(
                files.iter().any(|f| f.starts_with("fixtures")),
                "{lang}: {files:?}"
            );
            if lang != Lang::Rust {
                assert!(dir.join(CONTRACT_DIR).join("item.wit").is_file(), "{lang}");
            }
            for file in &files {
                let text = std::fs::read_to_string(dir.join(file)).unwrap();
                for placeholder in PLACEHOLDERS {
                    assert!(
                        !text.contains(placeholder),
                        "{lang}: {} keeps {placeholder}",
                        file.display()
                    );
                }
            }
        }
    }

    #[test]
    fn a_bad_code_or_a_used_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut bad = new_item(Lang::Js, tmp.path().join("a"));
        bad.code = "Residence Advice".into();
        assert!(
            create(&bad)
                .unwrap_err()
                .to_string()
                .contains("not an item code")
        );
        std::fs::write(tmp.path().join("keep.txt"), "x").unwrap();
        let used = new_item(Lang::Js, tmp.path().to_path_buf());
        assert!(create(&used).unwrap_err().to_string().contains("not empty"));
    }
}
