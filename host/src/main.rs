//! The `yiwang` binary: a thin command line over the library (serve, users, departments, registry
//! imports, the demo seed, audit verification) and over a server's API (a department's signed
//! uploads, the admin's item commands; see `cli_client.rs`).

mod cli_client;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use reqwest::Method;
use yiwang_host::admin::{self, NewUser};
use yiwang_host::config::{self, NotifyChannel, Settings};
use yiwang_host::model::actor::Role;
use yiwang_host::model::catalog::is_code;
use yiwang_host::signing;
use yiwang_host::startup::Application;
use yiwang_host::storage::Storage;
use yiwang_host::telemetry;

use crate::cli_client::{ApiError, Client, ItemCall};

#[derive(Parser)]
#[command(
    name = "yiwang",
    version,
    about = "一网: online government services, each item a sandboxed WebAssembly component"
)]
struct Cli {
    /// A settings file (TOML, the flags' names with `_`): below the environment and the flags.
    #[arg(long, global = true, env = "YIWANG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The settings file named by `--config FILE`, `--config=FILE` or `YIWANG_CONFIG`, read before the
/// flags are: what it holds becomes the environment variables of the same settings that are not
/// set already. Runs before any other thread exists.
fn apply_settings_file() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().enumerate().find_map(|(i, arg)| {
        arg.strip_prefix("--config=")
            .map(str::to_owned)
            .or_else(|| {
                (arg == "--config")
                    .then(|| args.get(i + 1).cloned())
                    .flatten()
            })
    });
    let Some(path) = from_args.or_else(|| std::env::var("YIWANG_CONFIG").ok()) else {
        return Ok(());
    };
    let vars =
        config::file_as_environment(Path::new(&path), |var| std::env::var_os(var).is_some())?;
    for (var, value) in vars {
        // SAFETY: called first thing in `main`, before the runtime or any other thread starts.
        unsafe { std::env::set_var(var, value) };
    }
    Ok(())
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Load shared datasets (vehicle registry, social insurance …).
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Departments and the keys their uploads are signed with.
    Dept {
        #[command(subcommand)]
        command: DeptCommand,
    },
    /// A department developer's tools: a key pair, signing a component, uploading it.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// The admin API of a running server: items, their versions, grants and limits, the audit log.
    Admin {
        #[command(flatten)]
        server: ServerArgs,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// Which server to call, and as whom.
#[derive(Args)]
struct ServerArgs {
    /// The server's base URL.
    #[arg(
        long,
        global = true,
        env = "YIWANG_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// A bearer token (from POST /api/v1/auth/login).
    #[arg(long, global = true, env = "YIWANG_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl ServerArgs {
    fn client(&self) -> anyhow::Result<Client> {
        Client::new(&self.server, self.token.as_deref().unwrap_or_default())
    }
}

#[derive(Subcommand)]
enum DeptCommand {
    /// Add a department or rename it; with --public-key, (re)set the key its uploads must be
    /// signed with.
    Add {
        /// kebab-case code (`dongguan-vehicle-office`).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The department's public key, SPKI PEM (`yiwang plugin keygen` writes FILE.pub).
        #[arg(long)]
        public_key: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Write a new Ed25519 key pair: FILE (private, PKCS#8 PEM, mode 0600) and FILE.pub.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a component with a private key: writes COMPONENT.sig.
    Sign {
        #[arg(long)]
        key: PathBuf,
        component: PathBuf,
    },
    /// Upload a signed component as a new version of an item (staged until an admin publishes it).
    Upload {
        #[command(flatten)]
        server: ServerArgs,
        /// The item's code.
        #[arg(long)]
        item: String,
        /// The signature file (default: COMPONENT.sig).
        #[arg(long)]
        signature: Option<PathBuf>,
        component: PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// One item: register, publish, roll back, enable, disable, grants, limits.
    Item {
        #[command(subcommand)]
        command: ItemCommand,
    },
    /// Every registered item with its version, grants and limits.
    Items,
    /// The newest audit entries, newest first.
    Audit {
        #[arg(long)]
        limit: Option<u32>,
    },
}

#[derive(Subcommand)]
enum ItemCommand {
    /// Register an item for a department, so that the department may upload its versions.
    Register {
        code: String,
        #[arg(long)]
        department: String,
    },
    /// Serve an uploaded version.
    Publish {
        code: String,
        version: String,
    },
    /// Serve the version published before the current one again.
    Rollback {
        code: String,
    },
    Enable {
        code: String,
    },
    Disable {
        code: String,
    },
    /// Replace the item's grants with the JSON file's (the fields of plugins.toml's `grants`).
    Grants {
        code: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace the item's limits with the JSON file's (the fields of plugins.toml's `limits`).
    Limits {
        code: String,
        #[arg(long)]
        file: PathBuf,
    },
}

/// Where the data is; every command that touches data takes it.
#[derive(Args)]
struct DataArgs {
    /// The data directory (SQLite database, components, compiled artifacts).
    #[arg(long, env = "YIWANG_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// A database URL instead of the SQLite file in the data directory.
    #[arg(long, env = "YIWANG_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl DataArgs {
    fn url(&self) -> String {
        let mut settings = Settings::new(&self.data_dir, "plugins.toml");
        settings.database_url = self.database_url.clone();
        settings.database_url()
    }

    /// The existing database: an absent SQLite file is an error, not a new empty database.
    async fn existing_storage(&self) -> anyhow::Result<Storage> {
        if self.database_url.is_none() {
            let file = Settings::new(&self.data_dir, "plugins.toml").sqlite_file();
            anyhow::ensure!(file.is_file(), "no database at {}", file.display());
        }
        Storage::connect(&self.url()).await
    }

    async fn storage(&self) -> anyhow::Result<Storage> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        Storage::connect(&self.url()).await
    }
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    data: DataArgs,
    /// The admin's list of items with their grants and limits.
    #[arg(long, env = "YIWANG_PLUGINS", default_value = "plugins.toml")]
    plugins: PathBuf,
    /// Hours a login token lives.
    #[arg(long, env = "YIWANG_TOKEN_TTL_HOURS", default_value_t = 12)]
    token_ttl_hours: i64,
    /// Public holidays (YYYY-MM-DD, comma-separated) that stop the working-day clock.
    #[arg(long, env = "YIWANG_HOLIDAYS", value_delimiter = ',')]
    holidays: Vec<String>,
    /// Weekend days that are working days (调休), YYYY-MM-DD, comma-separated.
    #[arg(long, env = "YIWANG_EXTRA_WORKDAYS", value_delimiter = ',')]
    extra_workdays: Vec<String>,
    /// Deliver notifications by POSTing them to this gateway URL (signed); without it they go to the log.
    #[arg(
        long,
        env = "YIWANG_NOTIFY_WEBHOOK_URL",
        requires = "notify_webhook_secret"
    )]
    notify_webhook_url: Option<String>,
    /// The shared secret the webhook signature is made with (at least 16 characters).
    #[arg(long, env = "YIWANG_NOTIFY_WEBHOOK_SECRET", hide_env_values = true)]
    notify_webhook_secret: Option<String>,
    /// The largest component a department may upload, MiB.
    #[arg(long, env = "YIWANG_MAX_COMPONENT_MIB", default_value_t = 16)]
    max_component_mib: usize,
    /// Always mark session cookies `Secure` (behind a TLS proxy that does not send
    /// `X-Forwarded-Proto: https`; with it they are marked anyway).
    #[arg(long, env = "YIWANG_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        #[arg(long)]
        login: String,
        /// citizen, reviewer, developer, admin or courier.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Import a dataset from CSV or JSON lines (by the file's extension).
    Import {
        dataset: String,
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Create the demo accounts and registry records (idempotent). For demonstrations only.
    Seed {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exits 0 when intact, 1 naming the first altered, inserted or
    /// deleted entry otherwise.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    match Role::parse(s) {
        Some(Role::System) | None => Err(format!(
            "unknown role `{s}` (citizen, reviewer, developer, admin, courier)"
        )),
        Some(role) => Ok(role),
    }
}

fn main() -> anyhow::Result<ExitCode> {
    apply_settings_file()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run())
}

async fn run() -> anyhow::Result<ExitCode> {
    telemetry::init();
    match Cli::parse().command {
        Command::Dept {
            command:
                DeptCommand::Add {
                    code,
                    name,
                    public_key,
                    data,
                },
        } => {
            add_department(&code, &name, public_key.as_deref(), &data).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plugin { command } => plugin(command).await,
        Command::Admin { server, command } => Ok(api_answer(admin_call(&server, command).await)),
        Command::Serve(args) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Command::User {
            command:
                UserCommand::Add {
                    login,
                    role,
                    department,
                    name,
                    id_number,
                    data,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let storage = data.storage().await?;
            let name = name.unwrap_or_else(|| login.clone());
            let id = admin::add_user(
                &storage,
                NewUser {
                    login: login.clone(),
                    password,
                    role,
                    department,
                    name,
                    id_number,
                },
            )
            .await?;
            println!("added {} `{login}` (id {id})", role.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Registry {
            command:
                RegistryCommand::Import {
                    dataset,
                    file,
                    data,
                },
        } => {
            let storage = data.storage().await?;
            let size = std::fs::metadata(&file)
                .with_context(|| format!("reading {}", file.display()))?
                .len();
            let bar = indicatif::ProgressBar::new(size).with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})",
                )?
                .progress_chars("=> "),
            );
            bar.set_message(format!("importing {dataset}"));
            let count =
                admin::import_registry(&storage, &dataset, &file, |read| bar.set_position(read))
                    .await?;
            bar.finish_and_clear();
            println!("imported {count} records into {dataset}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            command: DemoCommand::Seed { data },
        } => {
            let storage = data.storage().await?;
            admin::seed_demo(&storage).await?;
            println!(
                "demo accounts and registry records are in place (password {})",
                admin::DEMO_PASSWORD
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { data },
        } => {
            let storage = data.existing_storage().await?;
            let report = storage.verify_audit().await;
            storage.close().await;
            let report = report?;
            if report.is_intact() {
                println!("{report}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{report}");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

async fn add_department(
    code: &str,
    name: &str,
    public_key: Option<&std::path::Path>,
    data: &DataArgs,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        is_code(code),
        "invalid department code `{code}` (lower-case letters, digits and '-')"
    );
    let pem = match public_key {
        Some(path) => {
            let pem = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            signing::public_key(&pem).with_context(|| path.display().to_string())?;
            Some(pem)
        }
        None => None,
    };
    let storage = data.storage().await?;
    let added = storage
        .upsert_department(code, name, pem.as_deref(), "cli")
        .await;
    storage.close().await;
    added?;
    match pem {
        Some(_) => println!("department `{code}` ({name}) with its signing key"),
        None => println!("department `{code}` ({name})"),
    }
    Ok(())
}

async fn plugin(command: PluginCommand) -> anyhow::Result<ExitCode> {
    match command {
        PluginCommand::Keygen { out } => {
            let public = cli_client::keygen(&out)?;
            println!(
                "private key: {} (keep it secret)\npublic key:  {} (give it to the platform admin)",
                out.display(),
                public.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Sign { key, component } => {
            let sig = cli_client::sign(&key, &component)?;
            println!("{}", sig.display());
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Upload {
            server,
            item,
            signature,
            component,
        } => {
            let signature =
                signature.unwrap_or_else(|| cli_client::with_suffix(&component, ".sig"));
            let uploaded = async { server.client()?.upload(&item, &component, &signature).await };
            Ok(api_answer(uploaded.await))
        }
    }
}

async fn admin_call(
    server: &ServerArgs,
    command: AdminCommand,
) -> anyhow::Result<serde_json::Value> {
    let client = server.client()?;
    let (method, path, body) = match command {
        AdminCommand::Items => (Method::GET, "/api/v1/admin/items".to_owned(), None),
        AdminCommand::Audit { limit } => (
            Method::GET,
            match limit {
                Some(n) => format!("/api/v1/admin/audit?limit={n}"),
                None => "/api/v1/admin/audit".to_owned(),
            },
            None,
        ),
        AdminCommand::Item { command } => {
            let call = match command {
                ItemCommand::Register { code, department } => {
                    ItemCall::Register { code, department }
                }
                ItemCommand::Publish { code, version } => ItemCall::Publish { code, version },
                ItemCommand::Rollback { code } => ItemCall::Rollback(code),
                ItemCommand::Enable { code } => ItemCall::Enable(code),
                ItemCommand::Disable { code } => ItemCall::Disable(code),
                ItemCommand::Grants { code, file } => ItemCall::Grants {
                    code,
                    grants: cli_client::json_file(&file)?,
                },
                ItemCommand::Limits { code, file } => ItemCall::Limits {
                    code,
                    limits: cli_client::json_file(&file)?,
                },
            };
            call.request()
        }
    };
    client.call(method, &path, body.as_ref()).await
}

/// Prints what the server answered (pretty JSON), or its refusal as `code: message` on stderr;
/// the exit code says which.
fn api_answer(result: anyhow::Result<serde_json::Value>) -> ExitCode {
    match result {
        Ok(body) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            match err.downcast_ref::<ApiError>() {
                Some(refusal) => eprintln!("{refusal}"),
                None => eprintln!("error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = Settings::new(&args.data.data_dir, &args.plugins);
    settings.listen = args.listen;
    settings.database_url = args.data.database_url;
    settings.token_ttl_hours = args.token_ttl_hours;
    settings.holidays = args.holidays;
    settings.extra_workdays = args.extra_workdays;
    settings.max_component_bytes = args.max_component_mib << 20;
    settings.secure_cookies = args.secure_cookies;
    if let (Some(url), Some(secret)) = (args.notify_webhook_url, args.notify_webhook_secret) {
        settings.notify = NotifyChannel::Webhook { url, secret };
    }
    let app = Application::build(settings).await?;
    println!("yiwang listening on http://127.0.0.1:{}", app.port());
    app.run_until_stopped(stop_signal()).await
}

/// Ctrl-C, or SIGTERM from a service manager: stop taking requests, finish those in flight.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
