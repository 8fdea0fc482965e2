// The item's own key-value records (`yiwang:service/records@0.2.0`): an item sees only its own.
// Keys up to 256 bytes, values up to 64 KiB; writes take effect when the call succeeds. Import
// this module only if the item's world imports `records` (grant `records = true`).
import * as records from 'yiwang:service/records@0.2.0';
import { hostFailure, parseStored } from './yiwang.js';

/**
 * The text stored under `key`, or `null`. A host error fails the call (`records.get: …`).
 * @param {string} key
 * @returns {string|null}
 */
export function getRecord(key) {
  try {
    return records.get(key) ?? null;
  } catch (error) {
    hostFailure('records.get', error);
  }
}

/**
 * Store `value` (text) under `key`. A host error fails the call (`records.set: …`).
 * @param {string} key
 * @param {string} value
 * @returns {void}
 */
export function setRecord(key, value) {
  try {
    records.set(key, value);
  } catch (error) {
    hostFailure('records.set', error);
  }
}

/**
 * Delete what is stored under `key` (nothing happens if there is nothing). A host error fails
 * the call (`records.delete: …`).
 * @param {string} key
 * @returns {void}
 */
export function deleteRecord(key) {
  try {
    records['delete'](key);
  } catch (error) {
    hostFailure('records.delete', error);
  }
}

/**
 * The JSON value stored under `key`, parsed, or `null`; text that is not JSON fails the call
 * (`records.get(<key>): …`).
 * @param {string} key
 * @returns {any}
 */
export function getJsonRecord(key) {
  const text = getRecord(key);
  return text === null ? null : parseStored(`records.get(${key})`, text);
}

/**
 * Store `value` as JSON under `key`.
 * @param {string} key
 * @param {any} value
 * @returns {void}
 */
export function setJsonRecord(key, value) {
  setRecord(key, JSON.stringify(value));
}
