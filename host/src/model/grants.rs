//! What an item may touch and how much of the machine one call may use: the heart of the security
//! model, as plain data. The settings parser reads them from `plugins.toml`, the admin API changes
//! them, the runtime and the capabilities enforce them.

use anyhow::bail;
use serde::{Deserialize, Serialize};

fn yes() -> bool {
    true
}

/// What an item may touch. Everything is denied unless granted here.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Registry datasets the item may read (`vehicle-registry`).
    #[serde(default)]
    pub registries: Vec<String>,
    /// Certificate kinds the item may issue.
    #[serde(default)]
    pub certificates_issue: Vec<String>,
    /// Certificate kinds the item may look up.
    #[serde(default)]
    pub certificates_read: Vec<String>,
    #[serde(default)]
    pub notify: bool,
    #[serde(default)]
    pub delivery: bool,
    #[serde(default)]
    pub records: bool,
    /// Logging is harmless and on unless switched off.
    #[serde(default = "yes")]
    pub log: bool,
}

impl Default for Grants {
    /// Nothing but logging, the same as an entry without a `grants` table.
    fn default() -> Self {
        Self {
            registries: Vec::new(),
            certificates_issue: Vec::new(),
            certificates_read: Vec::new(),
            notify: false,
            delivery: false,
            records: false,
            log: true,
        }
    }
}

/// Per-call limits. A call that hits one fails with a clear error; the host and other items go on.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Linear memory of one instance, MiB.
    pub memory_mib: u64,
    /// Guest CPU time of one call, ms (enforced through epoch interruption, ~10 ms granularity).
    pub cpu_ms: u64,
    /// Wall-clock time of one call including host calls, ms.
    pub wall_ms: u64,
    /// Bytes an item may return from one call (derived data, query output, catalog entry).
    pub output_bytes: u64,
    /// Calls into this item at once; more wait their turn until `wall_ms` runs out.
    pub concurrency: u32,
    /// Host calls one guest call may make.
    pub host_calls: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: 64,
            cpu_ms: 1_000,
            wall_ms: 5_000,
            output_bytes: 1 << 20,
            concurrency: 16,
            host_calls: 1_000,
        }
    }
}

/// The largest memory limit a deployment may grant; the pooling allocator reserves this per slot.
pub const MAX_MEMORY_MIB: u64 = 512;

impl Limits {
    pub fn check(&self) -> anyhow::Result<()> {
        if self.memory_mib == 0 || self.memory_mib > MAX_MEMORY_MIB {
            bail!("memory_mib must be between 1 and {MAX_MEMORY_MIB}");
        }
        if self.cpu_ms == 0 || self.wall_ms == 0 || self.output_bytes == 0 || self.concurrency == 0
        {
            bail!("cpu_ms, wall_ms, output_bytes and concurrency must be above 0");
        }
        Ok(())
    }
}
