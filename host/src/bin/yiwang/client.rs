//! The client side of the `yiwang` command line: what a department developer runs on their own
//! machine (key pair, signature, upload) and what an admin runs against a server's admin API.
//!
//! Talks to a server only through its HTTP API, never its database or internals; the commands
//! that work on the database directly (`user add`, `dept add`) stay in `main.rs`.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::Method;
use serde_json::{Value, json};
use yiwang_host::signing;

// --- key files and signatures

/// Writes a new key pair: the private key to `out` (PKCS#8 PEM, readable by the owner only) and
/// the public key beside it as `out.pub` (SPKI PEM). Refuses to replace either file.
pub fn keygen(out: &Path) -> anyhow::Result<PathBuf> {
    let public_path = with_suffix(out, ".pub");
    for path in [out, public_path.as_path()] {
        if path.exists() {
            bail!("{} exists; not replacing a key", path.display());
        }
    }
    let (private, public) = signing::generate()?;
    write_new(out, private.as_bytes(), 0o600)?;
    write_new(&public_path, public.as_bytes(), 0o644)?;
    Ok(public_path)
}

/// Signs `component` with the private key in `key`; writes `component.sig` and returns its path.
pub fn sign(key: &Path, component: &Path) -> anyhow::Result<PathBuf> {
    let pem = std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
    let key = signing::private_key(&pem)?;
    let bytes =
        std::fs::read(component).with_context(|| format!("reading {}", component.display()))?;
    let out = with_suffix(component, ".sig");
    std::fs::write(&out, signing::sign(&key, &bytes))
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(out)
}

/// `path` with `suffix` appended to its file name (`a.wasm` → `a.wasm.sig`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` with `mode`; fails if it exists, so a key is never replaced by a race either.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

// --- the HTTP API

/// A refusal from the server, `{"error": {"code", "message"}}`, shown as `code: message`.
#[derive(Debug)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// One server, one bearer token.
pub struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// The largest piece of a component handed to the connection at once; the progress bar moves
/// by these.
const CHUNK: usize = 64 * 1024;

impl Client {
    pub fn new(server: &str, token: &str) -> anyhow::Result<Client> {
        let base = server.trim_end_matches('/');
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "--server {server}: expected http://HOST[:PORT] or https://…"
        );
        anyhow::ensure!(
            !token.is_empty(),
            "no token: give --token or set YIWANG_TOKEN"
        );
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("building the HTTP client")?;
        Ok(Client {
            base: base.to_owned(),
            token: token.to_owned(),
            http,
        })
    }

    /// `POST /api/v1/dept/items/{item}/versions` with the parts `component` and `signature`; a
    /// progress bar on stderr follows the component's bytes as they go out.
    pub async fn upload(
        &self,
        item: &str,
        component: &Path,
        signature: &Path,
    ) -> anyhow::Result<Value> {
        let bytes =
            std::fs::read(component).with_context(|| format!("reading {}", component.display()))?;
        let sig =
            std::fs::read(signature).with_context(|| format!("reading {}", signature.display()))?;
        let total = bytes.len() as u64;
        let bar = indicatif::ProgressBar::new(total).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec})",
            )?
            .progress_chars("=> "),
        );
        bar.set_message(format!("uploading {item}"));
        let counter = bar.clone();
        let chunks: Vec<bytes::Bytes> = bytes::Bytes::from(bytes)
            .chunks(CHUNK)
            .map(bytes::Bytes::copy_from_slice)
            .collect();
        let stream = futures::stream::iter(chunks.into_iter().map(move |chunk| {
            counter.inc(chunk.len() as u64);
            Ok::<_, std::io::Error>(chunk)
        }));
        let file_name = component.file_name().map_or_else(
            || "component.wasm".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let form = reqwest::multipart::Form::new()
            .part(
                "component",
                reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::wrap_stream(stream),
                    total,
                )
                .file_name(file_name.clone())
                .mime_str("application/wasm")?,
            )
            .part(
                "signature",
                reqwest::multipart::Part::bytes(sig).file_name(format!("{file_name}.sig")),
            );
        let path = format!("/api/v1/dept/items/{}/versions", segment(item));
        let sent = self
            .request(Method::POST, &path)
            .multipart(form)
            .send()
            .await;
        bar.finish_and_clear();
        answer(sent.with_context(|| format!("POST {}{path}", self.base))?).await
    }

    /// Starts a batch decision and follows its job with a progress bar until it ends; the job
    /// as it ended.
    pub async fn batch(&self, item: &str, state: &str, input: &Value) -> anyhow::Result<Value> {
        let path = format!("/api/v1/dept/items/{}/batch", segment(item));
        let body = serde_json::json!({ "state": state, "input": input });
        let started = self.call(Method::POST, &path, Some(&body)).await?;
        let id = started["id"]
            .as_i64()
            .context("the server's answer has no job id")?;
        let bar = indicatif::ProgressBar::new(started["decisions"].as_u64().unwrap_or(0))
            .with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {pos}/{len} decisions ({per_sec}, {eta} left)",
                )?
                .progress_chars("=> "),
            );
        bar.set_message(format!("{item}: {state}"));
        let job_path = format!("/api/v1/dept/batch-jobs/{id}");
        loop {
            let job = self.call(Method::GET, &job_path, None).await?;
            bar.set_length(job["decisions"].as_u64().unwrap_or(0));
            bar.set_position(job["processed"].as_u64().unwrap_or(0));
            if job["status"] != "running" {
                bar.finish_and_clear();
                return Ok(job);
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// A JSON call to the API: `body` as the JSON request body when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let sent = request
            .send()
            .await
            .with_context(|| format!("{method} {}{path}", self.base))?;
        answer(sent).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}

/// The JSON of a 2xx response, or the server's refusal as an [`ApiError`].
async fn answer(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let text = response.text().await.context("reading the response")?;
    let body: Option<Value> = serde_json::from_str(&text).ok();
    if status.is_success() {
        return Ok(body.unwrap_or(Value::Null));
    }
    let error = body.as_ref().map(|b| &b["error"]);
    let field = |name: &str| error.and_then(|e| e[name].as_str()).map(str::to_owned);
    Err(ApiError {
        code: field("code").unwrap_or_else(|| format!("http_{}", status.as_u16())),
        message: field("message").unwrap_or_else(|| text.chars().take(300).collect()),
    }
    .into())
}

/// An item code or version as one path segment; anything but the characters they are made of is
/// percent-encoded, so a typo cannot reach another route.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// What an admin does to an item, as `(method, path, body)` of the admin API.
pub enum ItemCall {
    Register { code: String, department: String },
    Publish { code: String, version: String },
    Rollback(String),
    Enable(String),
    Disable(String),
    Grants { code: String, grants: Value },
    Limits { code: String, limits: Value },
}

impl ItemCall {
    pub fn request(&self) -> (Method, String, Option<Value>) {
        let item =
            |code: &str, action: &str| format!("/api/v1/admin/items/{}/{action}", segment(code));
        match self {
            ItemCall::Register { code, department } => (
                Method::POST,
                "/api/v1/admin/items".to_owned(),
                Some(json!({ "code": code, "department": department })),
            ),
            ItemCall::Publish { code, version } => (
                Method::POST,
                item(code, "publish"),
                Some(json!({ "version": version })),
            ),
            ItemCall::Rollback(code) => (Method::POST, item(code, "rollback"), None),
            ItemCall::Enable(code) => (Method::POST, item(code, "enable"), None),
            ItemCall::Disable(code) => (Method::POST, item(code, "disable"), None),
            ItemCall::Grants { code, grants } => {
                (Method::PUT, item(code, "grants"), Some(grants.clone()))
            }
            ItemCall::Limits { code, limits } => {
                (Method::PUT, item(code, "limits"), Some(limits.clone()))
            }
        }
    }
}

/// A JSON file given on the command line (`--file grants.json`).
pub fn json_file(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_go_after_the_whole_file_name() {
        assert_eq!(
            with_suffix(Path::new("dist/item.wasm"), ".sig"),
            Path::new("dist/item.wasm.sig")
        );
        assert_eq!(
            with_suffix(Path::new("keys/dept"), ".pub"),
            Path::new("keys/dept.pub")
        );
    }

    #[test]
    fn path_segments_keep_codes_and_versions_and_escape_the_rest() {
        assert_eq!(segment("crafted-item"), "crafted-item");
        assert_eq!(segment("1.10.0"), "1.10.0");
        assert_eq!(segment("../admin"), "..%2Fadmin");
        assert_eq!(segment("a b?"), "a%20b%3F");
    }

    #[test]
    fn admin_calls_map_to_their_routes() {
        let (method, path, body) = ItemCall::Publish {
            code: "crafted-item".into(),
            version: "1.1.0".into(),
        }
        .request();
        assert_eq!(method, Method::POST);
        assert_eq!(path, "/api/v1/admin/items/crafted-item/publish");
        assert_eq!(body, Some(json!({"version": "1.1.0"})));
        let (method, path, body) = ItemCall::Limits {
            code: "x-y".into(),
            limits: json!({"cpu_ms": 100}),
        }
        .request();
        assert_eq!(
            (method, path.as_str()),
            (Method::PUT, "/api/v1/admin/items/x-y/limits")
        );
        assert_eq!(body, Some(json!({"cpu_ms": 100})));
        assert_eq!(
            ItemCall::Rollback("x-y".into()).request().1,
            "/api/v1/admin/items/x-y/rollback"
        );
    }

    #[test]
    fn a_key_pair_is_written_once_and_the_private_half_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("dept");
        let public = keygen(&key).unwrap();
        assert_eq!(public, dir.path().join("dept.pub"));
        let private_pem = std::fs::read_to_string(&key).unwrap();
        let public_pem = std::fs::read_to_string(&public).unwrap();
        let signing_key = signing::private_key(&private_pem).unwrap();
        assert_eq!(signing::public_pem(&signing_key).unwrap(), public_pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = keygen(&key).unwrap_err();
        assert!(again.to_string().contains("exists"), "{again}");
        assert_eq!(std::fs::read_to_string(&key).unwrap(), private_pem);
    }

    #[test]
    fn a_signature_file_verifies_under_the_public_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("dept");
        let public = keygen(&key).unwrap();
        let component = dir.path().join("item.wasm");
        std::fs::write(&component, b"\0asm component bytes").unwrap();
        let sig = sign(&key, &component).unwrap();
        assert_eq!(sig, dir.path().join("item.wasm.sig"));
        let signature = signing::signature(&std::fs::read(&sig).unwrap()).unwrap();
        let public = signing::public_key(&std::fs::read_to_string(&public).unwrap()).unwrap();
        assert!(signing::verifies(
            &public,
            b"\0asm component bytes",
            &signature
        ));
    }
}
