//! Configuration: the server's settings (file, then `YIWANG_…` environment variables, then flags)
//! and `plugins.toml`, the admin's list of items with the grants and limits given to each.
//!
//! This module only parses and checks; it knows nothing of wasmtime or SQL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::model::grants::{Grants, Limits};

/// What the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (tests).
    pub listen: String,
    /// Where the SQLite database, component files and compiled artifacts live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `None` means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// The admin's `plugins.toml`.
    pub plugins: PathBuf,
    /// Compiled-artifact cache; defaults to `data_dir/cache`. Tests share one across apps.
    pub cache_dir: Option<PathBuf>,
    /// How long a login token lives.
    pub token_ttl_hours: i64,
    /// Public holidays (`YYYY-MM-DD`) when no working-day clock runs, and weekend days that are
    /// working days (调休), for due dates. Weekends are otherwise rest days.
    pub holidays: Vec<String>,
    pub extra_workdays: Vec<String>,
    /// Where notifications go: the log, or a signed webhook to the deployment's gateway.
    pub notify: NotifyChannel,
    /// Delay before the first retry of a failed notification; doubled after each failure.
    pub notify_retry_base_ms: u64,
    /// Largest component a department may upload.
    pub max_component_bytes: usize,
    /// Session cookies always get `Secure`, for a TLS proxy that does not send
    /// `X-Forwarded-Proto: https` (with it, they get `Secure` anyway).
    pub secure_cookies: bool,
    /// Largest application material (attachment) a citizen may upload.
    pub max_attachment_bytes: usize,
    /// How long requests in flight may take to finish once a stop is asked for; past it the
    /// server closes their connections and exits.
    pub shutdown_grace: std::time::Duration,
    /// TLS certificate chain and private key (PEM) when this server terminates TLS itself.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// From a connection's start (or its previous request's end) to the whole of the next
    /// request's headers, TLS handshake included; a client slower than this is disconnected.
    pub header_timeout: std::time::Duration,
    /// The longest a request may take, reading its body included; past it the answer is 408.
    pub request_timeout: std::time::Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
}

/// The deployment's notification channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyChannel {
    Log,
    /// POST to `url`, signed with HMAC-SHA256 under `secret` (never logged).
    Webhook {
        url: String,
        secret: String,
    },
}

impl Settings {
    pub fn new(data_dir: impl Into<PathBuf>, plugins: impl Into<PathBuf>) -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: data_dir.into(),
            database_url: None,
            plugins: plugins.into(),
            cache_dir: None,
            token_ttl_hours: 12,
            holidays: Vec::new(),
            extra_workdays: Vec::new(),
            notify: NotifyChannel::Log,
            notify_retry_base_ms: 5_000,
            max_component_bytes: 32 << 20,
            secure_cookies: false,
            max_attachment_bytes: 10 << 20,
            shutdown_grace: std::time::Duration::from_secs(20),
            tls: None,
            header_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            max_connections: 1024,
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("cache"))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.sqlite_file().display()),
        }
    }

    /// The SQLite database file in the data directory (used when no database URL is given).
    pub fn sqlite_file(&self) -> PathBuf {
        self.data_dir.join("yiwang.db")
    }
}

/// `plugins.toml`: `[items.<code>]` tables.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsFile {
    #[serde(default)]
    pub items: BTreeMap<String, ItemEntry>,
}

/// One item as the admin configured it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ItemEntry {
    /// The component file, relative to `plugins.toml`.
    pub component: PathBuf,
    /// The owning department's code; must match what the item's `describe()` says.
    pub department: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub limits: Limits,
}

fn yes() -> bool {
    true
}

impl PluginsFile {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: PluginsFile = toml::from_str(text)?;
        for (code, entry) in &file.items {
            entry
                .limits
                .check()
                .with_context(|| format!("item {code}: limits"))?;
        }
        Ok(file)
    }

    /// The component path of an entry, resolved against the directory `plugins.toml` is in.
    pub fn component_path(plugins_toml: &Path, entry: &ItemEntry) -> PathBuf {
        let base = plugins_toml.parent().unwrap_or(Path::new("."));
        base.join(&entry.component)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_entry_gets_deny_by_default_grants_and_default_limits() {
        let file = PluginsFile::parse(
            r#"
            [items.hello]
            component = "hello.wasm"
            department = "demo"
            "#,
        )
        .unwrap();
        let entry = &file.items["hello"];
        assert!(entry.enabled);
        assert!(entry.grants.registries.is_empty());
        assert!(!entry.grants.notify && !entry.grants.delivery && !entry.grants.records);
        assert_eq!(
            entry.grants,
            Grants::default(),
            "a missing table and the default agree"
        );
        assert_eq!(entry.limits, Limits::default());
    }

    #[test]
    fn an_unknown_grant_is_refused() {
        let err = PluginsFile::parse(
            r#"
            [items.hello]
            component = "hello.wasm"
            department = "demo"
            grants = { network = true }
            "#,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("network"), "{err:#}");
    }

    #[test]
    fn a_zero_memory_limit_is_refused() {
        let err = PluginsFile::parse(
            r#"
            [items.hello]
            component = "hello.wasm"
            department = "demo"
            limits = { memory_mib = 0 }
            "#,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("memory_mib"), "{err:#}");
    }
}

/// The settings file (`yiwang --config yiwang.toml …`, or `YIWANG_CONFIG`): the same settings as
/// the flags, under the flags' names with `_` for `-` (`database_url = "postgres://…"`). It is the
/// lowest layer: an environment variable beats it, a flag beats both. This returns the
/// environment variables the file stands for, leaving out those already set, for the binary to
/// set before it reads its flags; an unknown key is an error, so a typo is not silently ignored.
pub fn file_as_environment(
    path: &Path,
    already_set: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let mut vars = Vec::new();
    for (key, value) in table {
        if !FILE_KEYS.contains(&key.as_str()) {
            bail!(
                "{}: unknown setting `{key}` (known: {})",
                path.display(),
                FILE_KEYS.join(", ")
            );
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(anyhow::anyhow!("`{key}`: expected strings, found {other}")),
                })
                .collect::<anyhow::Result<Vec<_>>>()?
                .join(","),
            other => bail!("`{key}`: unsupported value {other}"),
        };
        let var = format!("YIWANG_{}", key.to_uppercase());
        if !already_set(&var) {
            vars.push((var, text));
        }
    }
    Ok(vars)
}

/// The settings a file may hold: each is the flag of the same name (`--data-dir` is `data_dir`).
pub const FILE_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "plugins",
    "token_ttl_hours",
    "holidays",
    "extra_workdays",
    "notify_webhook_url",
    "notify_webhook_secret",
    "max_component_mib",
    "secure_cookies",
];

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn a_settings_file_stands_for_the_environment_below_what_is_already_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yiwang.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:80\"\ntoken_ttl_hours = 8\nsecure_cookies = true\nholidays = [\"2026-10-01\", \"2026-10-02\"]\ndatabase_url = \"postgres://db/yiwang\"\n",
        )
        .unwrap();
        let mut vars = file_as_environment(&path, |var| var == "YIWANG_DATABASE_URL").unwrap();
        vars.sort();
        assert_eq!(
            vars,
            [
                ("YIWANG_HOLIDAYS", "2026-10-01,2026-10-02"),
                ("YIWANG_LISTEN", "0.0.0.0:80"),
                ("YIWANG_SECURE_COOKIES", "true"),
                ("YIWANG_TOKEN_TTL_HOURS", "8"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yiwang.toml");
        std::fs::write(&path, "databse_url = \"x\"\n").unwrap();
        let err = file_as_environment(&path, |_| false).unwrap_err();
        assert!(err.to_string().contains("`databse_url`"), "{err}");
    }
}
