//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info`). Request bodies, passwords
//! and tokens are never logged; handlers log what happened, not what was sent.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,wasmtime=warn,cranelift_codegen=warn,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
