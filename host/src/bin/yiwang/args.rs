//! The command line's words: every subcommand and flag of `yiwang`, parsed by clap. What each
//! does is in `main.rs`; this file holds no behaviour but parsing.

use std::path::PathBuf;

use anyhow::Context;

use clap::{Args, Parser, Subcommand};
use yiwang_host::config::Settings;
use yiwang_host::kit::new::Lang;
use yiwang_host::model::actor::Role;
use yiwang_host::storage::Storage;

use crate::client::Client;

#[derive(Parser)]
#[command(
    name = "yiwang",
    version,
    about = "一网: online government services, each item a sandboxed WebAssembly component"
)]
pub struct Cli {
    /// A settings file (TOML, the flags' names with `_`): below the environment and the flags.
    #[arg(long, global = true, env = "YIWANG_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Copy the SQLite database (cases, audit log, component bytes, attachments) into a new
    /// file while the server runs. PostgreSQL: use pg_dump.
    Backup {
        /// The backup file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Restore a backup as the database of a data directory that has none (server stopped).
    Restore {
        /// The backup file (`yiwang backup --to`).
        #[arg(long)]
        from: PathBuf,
        /// The data directory to restore into; it must not hold a database yet.
        #[arg(long, env = "YIWANG_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Check a deployment without changing it: database reachable and migrated, data directory
    /// writable, plugins.toml valid, artifact cache, clock and holidays. Exits 1 on a failure.
    Doctor(DoctorArgs),
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
pub struct ServerArgs {
    /// The server's base URL.
    #[arg(
        long,
        global = true,
        env = "YIWANG_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// A bearer token (from POST /api/v1/auth/login). Tokens are URL-safe base64 and may begin
    /// with `-`, so a value that does is still the token, not a flag.
    #[arg(
        long,
        global = true,
        env = "YIWANG_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub token: Option<String>,
}

impl ServerArgs {
    pub fn client(&self) -> anyhow::Result<Client> {
        Client::new(&self.server, self.token.as_deref().unwrap_or_default())
    }
}

#[derive(Subcommand)]
pub enum DeptCommand {
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
    /// Run a batch decision of a running server (the school placement): the item decides on
    /// every case of ITEM in --state, then the decisions are applied in the background while a
    /// progress bar follows the job; prints the job when it ends. For the department's staff.
    Batch {
        item: String,
        /// The state whose cases the item decides on.
        #[arg(long)]
        state: String,
        /// A JSON file passed to the item with the cases.
        #[arg(long)]
        input: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Write a ready item (form, workflow, a registry read, a notification, fixtures) in a new
    /// folder; it builds with `yiwang plugin build` and passes `yiwang plugin test` as written.
    New {
        /// The item's code (kebab-case), also the folder's name unless --dir is given.
        code: String,
        #[arg(long, value_enum)]
        lang: Lang,
        /// The department that owns the item (its code).
        #[arg(long)]
        department: String,
        /// The item's name as citizens see it (default: the code).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The Rust SDK's folder (default: the one this yiwang was built with).
        #[arg(long, env = "YIWANG_SDK_RUST")]
        sdk_rust: Option<PathBuf>,
    },
    /// Build the item in DIR into a component (DIR/target/item.wasm unless --out), with cargo,
    /// componentize-js or componentize-py as the folder's language needs.
    Build {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a built component against fixtures without a server: the real runtime and limits,
    /// host interfaces in memory. Prints each call's result, host calls, time and instructions;
    /// exits 1 when a fixture's expectation is not met.
    Test {
        #[arg(default_value = "target/item.wasm")]
        component: PathBuf,
        /// A folder of *.json fixtures.
        #[arg(long, default_value = "fixtures")]
        fixtures: PathBuf,
        /// The grants to run under, as JSON (plugins.toml's `grants` fields); by default every
        /// interface and the datasets the fixtures hold.
        #[arg(long)]
        grants: Option<PathBuf>,
        /// The limits to run under, as JSON (plugins.toml's `limits` fields).
        #[arg(long)]
        limits: Option<PathBuf>,
    },
    /// Export a real case as a fixture (the applicant's personal data masked), to replay it
    /// with `yiwang plugin test`. Needs a token of the item's department.
    Fixture {
        #[command(flatten)]
        server: ServerArgs,
        /// The case number (`YW-20261207-000001`).
        number: String,
        /// Where to write it (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
pub enum AdminCommand {
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
pub enum ItemCommand {
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
pub struct DataArgs {
    /// The data directory (SQLite database, components, compiled artifacts).
    #[arg(long, env = "YIWANG_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A database URL instead of the SQLite file in the data directory.
    #[arg(long, env = "YIWANG_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DataArgs {
    pub fn url(&self) -> String {
        let mut settings = Settings::new(&self.data_dir, "plugins.toml");
        settings.database_url = self.database_url.clone();
        settings.database_url()
    }

    /// The existing database: an absent SQLite file is an error, not a new empty database.
    pub async fn existing_storage(&self) -> anyhow::Result<Storage> {
        if self.database_url.is_none() {
            let file = Settings::new(&self.data_dir, "plugins.toml").sqlite_file();
            anyhow::ensure!(file.is_file(), "no database at {}", file.display());
        }
        Storage::connect(&self.url()).await
    }

    pub async fn storage(&self) -> anyhow::Result<Storage> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        Storage::connect(&self.url()).await
    }
}

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, env = "YIWANG_PLUGINS", default_value = "plugins.toml")]
    pub plugins: PathBuf,
    /// Public holidays as `serve` takes them.
    #[arg(long, env = "YIWANG_HOLIDAYS", value_delimiter = ',')]
    pub holidays: Vec<String>,
    #[arg(long, env = "YIWANG_EXTRA_WORKDAYS", value_delimiter = ',')]
    pub extra_workdays: Vec<String>,
}

#[derive(Args)]
pub struct ServeArgs {
    #[arg(long, env = "YIWANG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// The admin's list of items with their grants and limits.
    #[arg(long, env = "YIWANG_PLUGINS", default_value = "plugins.toml")]
    pub plugins: PathBuf,
    /// Hours a login token lives.
    #[arg(long, env = "YIWANG_TOKEN_TTL_HOURS", default_value_t = 12)]
    pub token_ttl_hours: i64,
    /// Public holidays (YYYY-MM-DD, comma-separated) that stop the working-day clock.
    #[arg(long, env = "YIWANG_HOLIDAYS", value_delimiter = ',')]
    pub holidays: Vec<String>,
    /// Weekend days that are working days (调休), YYYY-MM-DD, comma-separated.
    #[arg(long, env = "YIWANG_EXTRA_WORKDAYS", value_delimiter = ',')]
    pub extra_workdays: Vec<String>,
    /// Seconds that requests in flight get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "YIWANG_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "YIWANG_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "YIWANG_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client has to send a request's headers (and finish the TLS handshake).
    #[arg(long, env = "YIWANG_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a request may take, its body included, before it is answered 408.
    #[arg(long, env = "YIWANG_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
    /// Connections open at once; more are closed at once.
    #[arg(long, env = "YIWANG_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Deliver notifications by POSTing them to this gateway URL (signed); without it they go to the log.
    #[arg(
        long,
        env = "YIWANG_NOTIFY_WEBHOOK_URL",
        requires = "notify_webhook_secret"
    )]
    pub notify_webhook_url: Option<String>,
    /// The shared secret the webhook signature is made with (at least 16 characters).
    #[arg(long, env = "YIWANG_NOTIFY_WEBHOOK_SECRET", hide_env_values = true)]
    pub notify_webhook_secret: Option<String>,
    /// The largest component a department may upload, MiB (an item in Python is about 18 MiB,
    /// in JavaScript about 12, in Rust well under 1).
    #[arg(long, env = "YIWANG_MAX_COMPONENT_MIB", default_value_t = 32)]
    pub max_component_mib: usize,
    /// Always mark session cookies `Secure` (behind a TLS proxy that does not send
    /// `X-Forwarded-Proto: https`; with it they are marked anyway).
    #[arg(long, env = "YIWANG_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Subcommand)]
pub enum UserCommand {
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
    /// Import citizens' accounts from JSON lines (`{"login", "name", "id_number",
    /// "password_hash"}`, the hash an argon2id PHC string from the system they come from).
    /// Every line is checked first; logins already taken are left as they are.
    Import {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Import a dataset from CSV or JSON lines (by the file's extension).
    Import {
        dataset: String,
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Create the demo accounts and registry records (idempotent). For demonstrations only.
    Seed {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exits 0 when intact, 1 naming the first altered, inserted or
    /// deleted entry otherwise.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

pub fn parse_role(s: &str) -> Result<Role, String> {
    match Role::parse(s) {
        Some(Role::System) | None => Err(format!(
            "unknown role `{s}` (citizen, reviewer, developer, admin, courier)"
        )),
        Some(role) => Ok(role),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, DeptCommand};

    #[test]
    fn a_token_that_begins_with_a_hyphen_is_the_token_not_a_flag() {
        let cli = Cli::try_parse_from([
            "yiwang",
            "dept",
            "batch",
            "school-points-enrollment",
            "--state",
            "awaiting-placement",
            "--token",
            "-Jq3x_token",
        ])
        .expect("parsed");
        let Command::Dept {
            command: DeptCommand::Batch { server, .. },
        } = cli.command
        else {
            panic!("not dept batch");
        };
        assert_eq!(server.token.as_deref(), Some("-Jq3x_token"));
    }
}
