// Typed-ish look-ups in the shared registries (`yiwang:service/registries@0.2.0`). Import this
// module only if the item's world imports `registries` (and its grants name the datasets).
import { lookup } from 'yiwang:service/registries@0.2.0';
import { fail, hostFailure } from './yiwang.js';

/**
 * The record with `key` in `dataset`, parsed from JSON, or `null` when there is none. `purpose`
 * is shown to the person the record is about, in their data-use ledger (`核验户籍信息`). A host
 * error (a dataset not granted …) or a record that is not JSON fails the call as the Rust SDK
 * does: `fail("registries.lookup(<dataset>): denied: …")`.
 * @param {string} dataset The dataset's code (`household-registry`).
 * @param {string} key The record's key (often an ID number).
 * @param {string} purpose Why the item reads it, in Chinese.
 * @returns {object|null}
 * @throws {import('./yiwang.js').ItemError}
 */
export function lookupJson(dataset, key, purpose) {
  const call = `registries.lookup(${dataset})`;
  let json;
  try {
    json = lookup(dataset, key, purpose);
  } catch (error) {
    hostFailure(call, error);
  }
  if (json === undefined || json === null) return null;
  try {
    return JSON.parse(json);
  } catch (error) {
    fail(`${call}: malformed record: ${error.message}`);
  }
}
