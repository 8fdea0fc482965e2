// The query's input, `{"kind"?}`, as the schema in catalog.js describes it. The host does not
// check a query's input against a schema, so this module does: an unknown field or document
// kind is `invalid`, naming the field.
import { fieldError, invalid, wholeError, INVALID_FORM } from '../sdk/yiwang.js';
import { KINDS } from './catalog.js';

/** The code of a `kind` that names no document the administration issues. */
export const UNKNOWN_KIND = 'unknown-kind';
/** The code of a field the input does not have. */
export const UNKNOWN_FIELD = 'unknown-field';

/**
 * The document kind asked for, as a code, or null for every kind. `kind` may be the code
 * (`passport`) or the label (普通护照).
 * @param {any} input The parsed input.
 * @returns {string|null}
 */
export function requestedKind(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    invalid(wholeError(INVALID_FORM, '查询条件应为一个对象，如 {"kind": "passport"}。'));
  }
  const errors = Object.keys(input)
    .filter((field) => field !== 'kind')
    .map((field) => fieldError(field, UNKNOWN_FIELD, `没有“${field}”这项查询条件，只能按证件类型（kind）查询。`));
  let kind = null;
  if (input.kind !== undefined && input.kind !== null) {
    const given = typeof input.kind === 'string' ? input.kind.trim() : input.kind;
    kind = Object.hasOwn(KINDS, given) ? given : Object.keys(KINDS).find((code) => KINDS[code] === given) ?? null;
    if (kind === null) {
      const known = Object.entries(KINDS).map(([code, label]) => `${label}（${code}）`).join('、');
      errors.push(fieldError('kind', UNKNOWN_KIND, `证件类型应为以下之一：${known}。`));
    }
  }
  invalid(errors);
  return kind;
}
