//! The wasmtime `Engine` and its epoch ticker. One engine per `Runtime`: component model, async
//! calls, epoch interruption, copy-on-write memory images and a modest pooling allocator (with the
//! on-demand allocator as the fallback where the address space cannot be reserved).
//! Knows nothing of items, grants or the WIT contract.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::model::grants::MAX_MEMORY_MIB;

/// How often the epoch advances: the granularity of CPU limits and of yielding to other tasks.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Instances that can be alive at once in the pool: calls in flight across all items. More wait
/// for a slot (a call that finds none fails as `busy`).
const POOL_SLOTS: u32 = 128;
/// Bytes of each linear memory kept resident between calls: a Rust guest's 1 MiB stack sits at
/// the bottom of its memory, its data and heap above it.
const KEEP_RESIDENT: usize = 2 << 20;
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

pub(crate) fn new_engine() -> anyhow::Result<Engine> {
    new_engine_with(Metering::Off)
}

/// Whether calls count the instructions they run (wasmtime's fuel). Off in the server, where
/// epochs bound CPU time; on in `yiwang plugin test`, which reports each call's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    Off,
    Fuel,
}

pub(crate) fn new_engine_with(metering: Metering) -> anyhow::Result<Engine> {
    match Engine::new(&config(true, metering)) {
        Ok(engine) => {
            tracing::debug!(
                slots = POOL_SLOTS,
                "wasmtime engine with the pooling allocator"
            );
            Ok(engine)
        }
        Err(e) => {
            // Tests and small machines (restricted virtual memory) may not reserve the pool.
            // Calls still work, only instantiation is slower; say so once per process.
            static WARNED: AtomicBool = AtomicBool::new(false);
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!(error = %e, "pooling allocator unavailable; using on-demand instance allocation");
            }
            Engine::new(&config(false, metering))
                .map_err(anyhow::Error::from)
                .context("creating the wasmtime engine")
        }
    }
}

fn config(pooling: bool, metering: Metering) -> Config {
    let max_memory = usize::try_from(MAX_MEMORY_MIB << 20).expect("MAX_MEMORY_MIB fits in usize");
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(true)
        .parallel_compilation(true)
        // No item may have more than MAX_MEMORY_MIB, so reserving exactly that much (rather than
        // the 4 GiB default) keeps each pool slot small; the cost is explicit bounds checks.
        .memory_reservation(max_memory as u64)
        .memory_may_move(false)
        .consume_fuel(metering == Metering::Fuel);
    if pooling {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_SLOTS)
            // A `wasm32-wasip2` Rust component is 3 core instances (the program, the WASI
            // adapter and shims), a JavaScript one (componentize-js) 4, a Python one
            // (componentize-py, CPython and its libraries linked as modules) 14: room for every
            // slot to hold a Python item. Each has one or two memories and a few tables.
            .total_core_instances(POOL_SLOTS * 16)
            .total_memories(POOL_SLOTS * 2)
            .total_tables(POOL_SLOTS * 4)
            .total_stacks(POOL_SLOTS)
            .max_memory_size(max_memory)
            .max_memories_per_component(4)
            .max_tables_per_component(16)
            .max_core_instances_per_component(32)
            // A fresh instance per call: a slot's memory is reset, not given back. Up to
            // KEEP_RESIDENT bytes of each memory stay mapped and are restored from the image
            // (only the pages the call touched, found with Linux's PAGEMAP_SCAN where the kernel
            // has it), so the next call neither faults them in again nor makes every core flush
            // its TLB for an `madvise`.
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT)
            .pagemap_scan(Enabled::Auto)
            // The pages above KEEP_RESIDENT are given back as the slot is released, not
            // gathered into a batch: a batch saves an `madvise` a call only for items that
            // grow past KEEP_RESIDENT (JavaScript, Python), but keeps up to a batch less one
            // of released memories resident until more calls fill it (with items granted
            // 512 MiB, GiBs no instance uses, while the host is quiet; the hostile memory
            // test caught a memory hog's 30 MiB held so). One is wasmtime's default; it is
            // set here so that a new default cannot change it unseen.
            .decommit_batch_size(1);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Advances the engine's epoch every [`TICK`] until dropped. Holds only a weak reference, so it
/// never keeps an engine alive; dropping it stops the thread at once.
pub(crate) struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start(engine: &Engine) -> anyhow::Result<Ticker> {
        let weak = engine.weak();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("yiwang-epoch".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .context("starting the epoch ticker thread")?;
        Ok(Ticker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread with `Disconnected`.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Epoch ticks of guest execution a call may use: the CPU limit rounded up to whole ticks.
pub(crate) fn cpu_ticks(cpu_ms: u64) -> u64 {
    let tick_ms = TICK.as_millis() as u64;
    cpu_ms.div_ceil(tick_ms).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_limits_round_up_to_whole_ticks() {
        assert_eq!(cpu_ticks(500), 50);
        assert_eq!(cpu_ticks(501), 51);
        assert_eq!(cpu_ticks(1), 1);
        assert_eq!(cpu_ticks(0), 1);
    }

    #[test]
    fn the_ticker_stops_when_dropped() {
        let engine = new_engine().unwrap();
        let ticker = Ticker::start(&engine).unwrap();
        drop(ticker);
    }
}
