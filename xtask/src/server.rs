//! A throwaway `yiwang serve` for the load and swap runs: a scratch data directory, demo data
//! seeded, a free loopback port, readiness by polling `/healthz` against a deadline. Dropping it
//! kills the server and removes the directory (kept, and named, when the server failed so its log
//! can be read).

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::process::{self, step};
use crate::workspace::Workspace;

/// Long enough for a cold start that compiles every item with Cranelift on two cores.
const READY_DEADLINE: Duration = Duration::from_secs(120);
const POLL_EVERY: Duration = Duration::from_millis(50);
/// The data directory's name inside the scratch directory.
const DATA_DIR: &str = "data";

pub struct LocalServer {
    child: Child,
    pub base_url: String,
    log: PathBuf,
    // Declared last: dropped after `drop` below has killed the server.
    scratch: ScratchDir,
}

impl LocalServer {
    /// Seeds a fresh data directory with `yiwang demo seed`, starts `yiwang serve` on a free loopback
    /// port and returns once `/healthz` answers 200.
    pub fn start(ws: &Workspace, yiwang: &Path) -> Result<Self> {
        Self::start_with(ws, yiwang, |_, _| Ok(ws.root.join("plugins.toml")))
    }

    /// [`LocalServer::start`], with `prepare(scratch dir, data dir)` run after the demo seed and
    /// before the server starts: it writes what the run needs and returns the plugins file to
    /// serve.
    pub fn start_with(
        ws: &Workspace,
        yiwang: &Path,
        prepare: impl FnOnce(&Path, &Path) -> Result<PathBuf>,
    ) -> Result<Self> {
        let scratch = ScratchDir::new("yiwang-load")?;
        let data_dir = scratch.path.join(DATA_DIR);

        seed_demo(yiwang, &data_dir, Some(&ws.root))?;
        let plugins = prepare(&scratch.path, &data_dir)?;

        // Not beside a plugins.toml the prepare step may have written: the server watches that
        // file's directory, and every log line would wake the watcher.
        let logs = scratch.path.join("logs");
        fs::create_dir_all(&logs)
            .with_context(|| format!("could not create {}", logs.display()))?;
        let log = logs.join("server.log");
        let (child, base_url) = spawn_serve(yiwang, &data_dir, &plugins, &log, |serve| {
            serve.current_dir(&ws.root);
        })?;
        let mut server = LocalServer {
            child,
            base_url,
            log,
            scratch,
        };
        if let Err(err) = server.wait_until_ready() {
            server.keep_for_inspection();
            return Err(err);
        }
        Ok(server)
    }

    /// The server process's id (its CPU time and memory are read from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's data directory (its SQLite database), for commands that work on it directly.
    pub fn data_dir(&self) -> PathBuf {
        self.scratch.path.join(DATA_DIR)
    }

    /// The scratch directory around the data directory, for files a run makes (keys, copies).
    pub fn scratch_dir(&self) -> &Path {
        &self.scratch.path
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        let agent = crate::load::agent(Duration::from_secs(2));
        let healthz = format!("{}/healthz", self.base_url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited before it was ready ({status})");
            }
            if let Ok(response) = agent.get(&healthz).call()
                && response.status() == 200
            {
                step(format_args!(
                    "server ready after {:.1} s",
                    started.elapsed().as_secs_f64()
                ));
                return Ok(());
            }
            if started.elapsed() > READY_DEADLINE {
                bail!(
                    "the server did not answer GET /healthz with 200 within {} s",
                    READY_DEADLINE.as_secs()
                );
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// Keeps the scratch directory and shows the end of the server's log, for a run that went wrong.
    pub fn keep_for_inspection(&mut self) {
        self.scratch.keep = true;
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        eprintln!("---- last lines of {} ----", self.log.display());
        for line in &lines[lines.len().saturating_sub(40)..] {
            eprintln!("{line}");
        }
        eprintln!(
            "---- (data and log kept in {}) ----",
            self.scratch.path.display()
        );
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asks the OS for a free port by binding port 0, then lets it go for the server to take.
/// `yiwang demo seed` on `data_dir`, run from `dir` (else from this process's directory).
pub fn seed_demo(yiwang: &Path, data_dir: &Path, dir: Option<&Path>) -> Result<()> {
    let mut seed = Command::new(yiwang);
    seed.args(["demo", "seed", "--data-dir"]).arg(data_dir);
    if let Some(dir) = dir {
        seed.current_dir(dir);
    }
    step(format_args!("demo data: {}", process::shown(&seed)));
    process::run(&mut seed)
}

/// `yiwang dept add` of department `code` on `data_dir`, with its signing key when uploads
/// need one.
pub fn add_department(
    yiwang: &Path,
    data_dir: &Path,
    code: &str,
    name: &str,
    public_key: Option<&Path>,
) -> Result<()> {
    let mut dept = Command::new(yiwang);
    dept.args(["dept", "add", "--code", code, "--name", name]);
    if let Some(key) = public_key {
        dept.arg("--public-key").arg(key);
    }
    dept.arg("--data-dir").arg(data_dir);
    step(format_args!("department: {}", process::shown(&dept)));
    process::run(&mut dept)
}

/// Spawns `yiwang serve` on a free loopback port, its output in `log`; `configure` adds what
/// the run needs (a working directory, a log filter). Returns the child and its base URL.
pub fn spawn_serve(
    yiwang: &Path,
    data_dir: &Path,
    plugins: &Path,
    log: &Path,
    configure: impl FnOnce(&mut Command),
) -> Result<(Child, String)> {
    let listen = format!("127.0.0.1:{}", free_loopback_port()?);
    let log_file =
        File::create(log).with_context(|| format!("could not create {}", log.display()))?;
    let mut serve = Command::new(yiwang);
    serve
        .args(["serve", "--listen", &listen, "--data-dir"])
        .arg(data_dir)
        .arg("--plugins")
        .arg(plugins)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    configure(&mut serve);
    step(format_args!(
        "server: {} (log: {})",
        process::shown(&serve),
        log.display()
    ));
    let child = serve
        .spawn()
        .with_context(|| format!("could not start {}", yiwang.display()))?;
    Ok((child, format!("http://{listen}")))
}

pub fn free_loopback_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("could not bind 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A directory under the system temp dir, removed on drop unless `keep` is set.
pub(crate) struct ScratchDir {
    pub(crate) path: PathBuf,
    keep: bool,
}

impl ScratchDir {
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir(&path).with_context(|| format!("could not create {}", path.display()))?;
        Ok(ScratchDir { path, keep: false })
    }

    /// Keeps the directory; its path, for the message that says so.
    pub(crate) fn keep(&mut self) -> String {
        self.keep = true;
        self.path.display().to_string()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
