//! `yiwang:service/log`: diagnostics for the item's developers, in the host's log with the item
//! and version attached. Sees only the item's `log` grant; without it messages are dropped.

use super::{Call, Capabilities, Failure, Trap};
use crate::model::contract::LogLevel;

const INTERFACE: &str = "log";
/// A log line, not a dump: longer messages are cut.
const MAX_MESSAGE_BYTES: usize = 4 * 1024;

pub struct LogCtx<'a> {
    granted: bool,
    call: &'a mut Call,
}

pub fn view(caps: &mut Capabilities) -> LogCtx<'_> {
    LogCtx {
        granted: caps.grants.log,
        call: &mut caps.call,
    }
}

impl LogCtx<'_> {
    /// Writes the line, or drops it without the grant or during describe: logging has no error
    /// to return, only the trap of a spent host-call budget.
    pub fn write(&mut self, level: LogLevel, message: &str) -> Result<(), Trap> {
        match self.call.enter(INTERFACE, "write") {
            Ok(()) => {}
            Err(Failure::Trap(e)) => return Err(e),
            // Logging has no error to return; a log line during describe is simply dropped.
            Err(Failure::Refused(_)) => return Ok(()),
        }
        if !self.granted {
            return Ok(());
        }
        let message = truncate(message, MAX_MESSAGE_BYTES);
        let (item, version) = (&*self.call.scope.item, &*self.call.scope.version);
        match level {
            LogLevel::Debug => tracing::debug!(target: "yiwang::item", item, version, "{message}"),
            LogLevel::Info => tracing::info!(target: "yiwang::item", item, version, "{message}"),
            LogLevel::Warn => tracing::warn!(target: "yiwang::item", item, version, "{message}"),
            LogLevel::Error => tracing::error!(target: "yiwang::item", item, version, "{message}"),
        }
        Ok(())
    }
}

/// The longest prefix of `s` within `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("办理", 4), "办");
        assert_eq!(truncate("办理", 6), "办理");
    }
}
