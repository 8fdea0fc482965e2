//! What one call's `Store` holds: a deny-by-default WASI context, the resource table, the
//! memory limiter and the capabilities' per-call state. Built fresh for every call, so nothing a
//! guest keeps survives it. Knows nothing of the item's exports.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::wit::HasCapabilities;
use crate::capabilities::Capabilities;

/// How much of a guest's stderr is kept: enough for a panic message and what led to it.
const STDERR_TAIL_BYTES: usize = 16 * 1024;
/// A panic message in an error is a hint, not a report.
const STDERR_LINE_BYTES: usize = 512;

/// Instances, tables and memories one store may create. A Rust component built for
/// `wasm32-wasip2` needs a handful of each; the slack is for other toolchains.
const MAX_INSTANCES: usize = 32;
const MAX_TABLES: usize = 32;
const MAX_MEMORIES: usize = 8;
const MAX_TABLE_ELEMENTS: usize = 100_000;

pub(crate) struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: CallLimiter,
    pub(crate) caps: Capabilities,
    pub(crate) stderr: StderrTail,
}

impl StoreState {
    pub(crate) fn new(caps: Capabilities, memory_mib: u64) -> Self {
        let stderr = StderrTail::default();
        // Nothing is inherited: no preopened directories, no environment, no arguments, no
        // network; stdin is empty and stdout goes nowhere.
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: CallLimiter::new(memory_mib),
            caps,
            stderr,
        }
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl HasCapabilities for StoreState {
    fn capabilities(&mut self) -> &mut Capabilities {
        &mut self.caps
    }
}

/// A guest asked for more linear memory than its limit. Raised as a trap so the call ends at
/// once with a clear reason, instead of the guest failing somewhere later on a null allocation.
#[derive(Debug, thiserror::Error)]
#[error("memory limit of {limit_bytes} bytes exceeded (asked for {desired} bytes)")]
pub(crate) struct MemoryLimitExceeded {
    pub limit_bytes: usize,
    pub desired: usize,
}

/// The item's memory limit per linear memory, plus modest caps on instances and tables.
pub(crate) struct CallLimiter {
    memory_bytes: usize,
    /// Set when the limit refused a growth, whatever the guest did afterwards.
    pub(crate) memory_refused: bool,
}

impl CallLimiter {
    fn new(memory_mib: u64) -> Self {
        let memory_bytes =
            usize::try_from(memory_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        Self {
            memory_bytes,
            memory_refused: false,
        }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.memory_refused = true;
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                limit_bytes: self.memory_bytes,
                desired,
            }));
        }
        // Beyond the memory's own declared maximum `memory.grow` fails the way the guest expects.
        Ok(maximum.is_none_or(|max| desired <= max))
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("growing linear memory failed"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

/// The guest's stderr, of which only the last [`STDERR_TAIL_BYTES`] are kept: a guest that
/// writes a lot neither fails nor grows the host, and a panic message (written last) survives.
#[derive(Clone, Default)]
pub(crate) struct StderrTail(Arc<Mutex<Vec<u8>>>);

impl StderrTail {
    fn push(&self, bytes: &[u8]) {
        let mut buf = self.0.lock().unwrap_or_else(|e| e.into_inner());
        buf.extend_from_slice(bytes);
        if buf.len() > STDERR_TAIL_BYTES {
            let excess = buf.len() - STDERR_TAIL_BYTES;
            buf.drain(..excess);
        }
    }

    /// The last meaningful line: for a Rust guest, the panic message. Rust's hint about
    /// `RUST_BACKTRACE` is not meaningful here.
    pub(crate) fn last_line(&self) -> Option<String> {
        let buf = self.0.lock().unwrap_or_else(|e| e.into_inner());
        last_meaningful_line(&String::from_utf8_lossy(&buf))
    }
}

/// The line that says why a guest stopped: the last one that is not blank, Rust's backtrace hint,
/// or what the JavaScript engine (SpiderMonkey in componentize-js) prints after the error: the
/// abort notice, `Stack:` and its `function@file:line:column` frames.
fn last_meaningful_line(text: &str) -> Option<String> {
    let noise = |l: &str| {
        l.is_empty()
            || l.starts_with("note: run with `RUST_BACKTRACE")
            || l.starts_with("Redirecting call to abort()")
            || l == "Stack:"
            || is_js_frame(l)
    };
    let line = text.lines().map(str::trim).rfind(|l| !noise(l))?;
    let mut end = line.len().min(STDERR_LINE_BYTES);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    Some(line[..end].to_owned())
}

/// `submit@src/item.js:21:19`, `@src/item.js:3:1`: a frame of a JavaScript stack.
fn is_js_frame(line: &str) -> bool {
    let Some((_, place)) = line.split_once('@') else {
        return false;
    };
    let mut parts = place.rsplitn(3, ':');
    let (column, row) = (parts.next(), parts.next());
    !line.contains(' ')
        && [column, row]
            .iter()
            .all(|n| n.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
}

// The guest writes straight into the buffer: no task or channel per write, so a chatty guest
// costs the host a copy, nothing more. It is always ready and never full.
#[wasmtime_wasi::async_trait]
impl Pollable for StderrTail {
    async fn ready(&mut self) {}
}

impl OutputStream for StderrTail {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(STDERR_TAIL_BYTES)
    }
}

impl AsyncWrite for StderrTail {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for StderrTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrTail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panic_message_is_the_last_meaningful_line() {
        let stderr = "thread '<unnamed>' panicked at src/lib.rs:10:5:\n积分计算失败\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            last_meaningful_line(stderr).as_deref(),
            Some("积分计算失败")
        );
        assert_eq!(last_meaningful_line("\n  \n"), None);
        let js = "submit: uncaught TypeError: form.topic is undefined\nStack:\n  submit@src/item.js:21:19\n  @sdk/yiwang.js:300:12\nRedirecting call to abort() to mozalloc_abort\n";
        assert_eq!(
            last_meaningful_line(js).as_deref(),
            Some("submit: uncaught TypeError: form.topic is undefined")
        );
    }

    #[test]
    fn only_the_tail_of_stderr_is_kept() {
        let tail = StderrTail::default();
        tail.push(&vec![b'x'; STDERR_TAIL_BYTES]);
        tail.push(b"\nlast words\n");
        assert_eq!(tail.0.lock().unwrap().len(), STDERR_TAIL_BYTES);
        assert_eq!(tail.last_line().as_deref(), Some("last words"));
    }

    #[test]
    fn growth_beyond_the_limit_traps_and_is_remembered() {
        let mut limiter = CallLimiter::new(1);
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!limiter.memory_refused);
        let err = limiter
            .memory_growing(1 << 20, (1 << 20) + 65536, None)
            .unwrap_err();
        assert!(err.is::<MemoryLimitExceeded>());
        assert!(limiter.memory_refused);
        // The guest's own maximum is not ours to enforce with a trap.
        let mut limiter = CallLimiter::new(8);
        assert!(!limiter.memory_growing(0, 2 << 20, Some(1 << 20)).unwrap());
        assert!(!limiter.memory_refused);
    }
}
