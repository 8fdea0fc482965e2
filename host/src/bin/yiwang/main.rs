//! The `yiwang` binary: a thin command line over the library (serve, users, departments, registry
//! imports, the demo seed, audit verification) and over a server's API (a department's signed
//! uploads, the admin's item commands; see `client.rs`; the flags are in `args.rs`).

mod args;
mod client;
mod kit;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use reqwest::Method;
use yiwang_host::admin::{self, NewUser};
use yiwang_host::config::{self, NotifyChannel, Settings};
use yiwang_host::model::catalog::is_code;
use yiwang_host::signing;
use yiwang_host::startup::Application;
use yiwang_host::telemetry;

use crate::args::*;
use crate::client::{ApiError, ItemCall};

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

fn main() -> anyhow::Result<ExitCode> {
    apply_settings_file()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run())
}

async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match &cli.command {
        Command::Plugin { .. } => telemetry::init_with("error"),
        _ => telemetry::init(),
    }
    match cli.command {
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
        Command::Dept {
            command:
                DeptCommand::Batch {
                    item,
                    state,
                    input,
                    server,
                },
        } => {
            let run = async {
                let input = match input {
                    Some(path) => client::json_file(&path)?,
                    None => serde_json::json!({}),
                };
                server.client()?.batch(&item, &state, &input).await
            };
            let job = run.await;
            let failed = job.as_ref().is_ok_and(|job| job["status"] != "done");
            let code = api_answer(job);
            Ok(if failed { ExitCode::FAILURE } else { code })
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
        Command::User {
            command: UserCommand::Import { file, data },
        } => {
            let storage = data.storage().await?;
            let bar = indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{msg} {pos} accounts ({per_sec})")?,
            );
            bar.set_message("importing");
            let summary =
                admin::import_citizens(&storage, &file, |written| bar.set_position(written))
                    .await?;
            bar.finish_and_clear();
            println!(
                "imported {} accounts ({} logins already taken, left as they were)",
                summary.added, summary.skipped
            );
            if summary.weaker_hashes > 0 {
                eprintln!(
                    "warning: {} password hashes are cheaper than this platform's own argon2id \
                     parameters; they are kept as given",
                    summary.weaker_hashes
                );
            }
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
        Command::Backup { to, data } => {
            let storage = data.existing_storage().await?;
            let summary = storage.backup_to(&to).await;
            storage.close().await;
            println!("backed up to {}: {}", to.display(), summary?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, data_dir } => {
            let into = Settings::new(&data_dir, "plugins.toml").sqlite_file();
            let (summary, report) = admin::restore(&from, &into).await?;
            println!(
                "restored {} into {}: {summary}",
                from.display(),
                into.display()
            );
            Ok(audit_outcome(&report))
        }
        Command::Doctor(args) => {
            let mut settings = Settings::new(&args.data.data_dir, &args.plugins);
            settings.database_url = args.data.database_url;
            settings.holidays = args.holidays;
            settings.extra_workdays = args.extra_workdays;
            let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
            let findings = yiwang_host::doctor::examine(&settings, today).await;
            for found in &findings {
                println!("{found}");
            }
            let failed = findings
                .iter()
                .any(|f| f.level == yiwang_host::doctor::Level::Fail);
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Audit {
            command: AuditCommand::Verify { data },
        } => {
            let storage = data.existing_storage().await?;
            let report = storage.verify_audit().await;
            storage.close().await;
            Ok(audit_outcome(&report?))
        }
    }
}

/// An intact audit log is reported on stdout and succeeds; a broken one on stderr, and fails.
fn audit_outcome(report: &yiwang_host::storage::AuditReport) -> ExitCode {
    if report.is_intact() {
        println!("{report}");
        ExitCode::SUCCESS
    } else {
        eprintln!("{report}");
        ExitCode::FAILURE
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
            let public = client::keygen(&out)?;
            println!(
                "private key: {} (keep it secret)\npublic key:  {} (give it to the platform admin)",
                out.display(),
                public.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Sign { key, component } => {
            let sig = client::sign(&key, &component)?;
            println!("{}", sig.display());
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::New {
            code,
            lang,
            department,
            name,
            dir,
            sdk_rust,
        } => kit::create(code, lang, department, name, dir, sdk_rust),
        PluginCommand::Build { dir, out } => kit::build(&dir, out.as_deref()),
        PluginCommand::Test {
            component,
            fixtures,
            grants,
            limits,
        } => kit::test(&component, &fixtures, grants.as_deref(), limits.as_deref()).await,
        PluginCommand::Fixture {
            server,
            number,
            out,
        } => match kit::fixture(&server, &number, out.as_deref()).await {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(err) => Ok(api_refusal(err)),
        },
        PluginCommand::Upload {
            server,
            item,
            signature,
            component,
        } => {
            let signature = signature.unwrap_or_else(|| client::with_suffix(&component, ".sig"));
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
                    grants: client::json_file(&file)?,
                },
                ItemCommand::Limits { code, file } => ItemCall::Limits {
                    code,
                    limits: client::json_file(&file)?,
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
        Err(err) => api_refusal(err),
    }
}

/// The server's refusal as it said it, or what kept the call from being made.
fn api_refusal(err: anyhow::Error) -> ExitCode {
    match err.downcast_ref::<ApiError>() {
        Some(refusal) => eprintln!("{refusal}"),
        None => eprintln!("error: {err:#}"),
    }
    ExitCode::FAILURE
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
    settings.shutdown_grace = std::time::Duration::from_secs(args.shutdown_grace_secs);
    settings.header_timeout = std::time::Duration::from_secs(args.header_timeout_secs);
    settings.request_timeout = std::time::Duration::from_secs(args.request_timeout_secs);
    settings.max_connections = args.max_connections;
    settings.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => anyhow::bail!("--tls-cert and --tls-key go together"),
    };
    if let (Some(url), Some(secret)) = (args.notify_webhook_url, args.notify_webhook_secret) {
        settings.notify = NotifyChannel::Webhook { url, secret };
    }
    let app = Application::build(settings).await?;
    println!(
        "yiwang listening on {}://127.0.0.1:{}",
        app.scheme(),
        app.port()
    );
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
