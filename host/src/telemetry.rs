//! Logging: tracing to stderr, filtered by `RUST_LOG` (default `info`). Request bodies, passwords
//! and tokens are never logged; handlers log what happened, not what was sent.

use tracing_subscriber::EnvFilter;

pub fn init() {
    init_with("info,wasmtime=warn,cranelift_codegen=warn,sqlx=warn");
}

/// Logging at `default` unless `RUST_LOG` says otherwise: the department kit's commands print
/// their own report, so they log only errors by default.
pub fn init_with(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
