// Diagnostics for the item's developers (`yiwang:service/log@0.2.0`), in the host's log with the
// item and version attached. Import this module only if the item's world imports `log`.
import { write } from 'yiwang:service/log@0.2.0';

/**
 * Write `message` at `level` to the host's log. Never fails.
 * @param {'debug'|'info'|'warn'|'error'} level
 * @param {string} message
 * @returns {void}
 */
export function writeLog(level, message) {
  write(level, String(message));
}

/**
 * The host's log by level: `log.info("…")`, `log.warn("…")`, `log.error("…")`, `log.debug("…")`.
 * @type {{debug: (message: string) => void, info: (message: string) => void, warn: (message: string) => void, error: (message: string) => void}}
 */
export const log = {
  debug: (message) => writeLog('debug', message),
  info: (message) => writeLog('info', message),
  warn: (message) => writeLog('warn', message),
  error: (message) => writeLog('error', message),
};
