// yiwang-sdk 0.2.0 for JavaScript: write Yiwang service items against the contract
// `yiwang:service@0.2.0` (wit/v0.2.0), built into components with componentize-js.
//
// This module imports no host interface, so every item can load it whatever its world imports.
// The host interfaces have a module each (registries.js, notify.js, records.js, certificates.js,
// delivery.js, log.js) that imports only its own interface: import one only if the item's world
// imports that interface (and its grants cover it).

/**
 * A form field's problem, or the application's as a whole (the WIT record `field-error`).
 * @typedef {object} FieldError
 * @property {string} field The form field (a top-level property name, or a JSON pointer such as
 *   `/children/0/name`); empty when the problem concerns the whole application.
 * @property {string} code A stable machine-readable reason, kebab-case (`insurance-expired`).
 * @property {string} message A sentence for the applicant, in Chinese.
 */

/**
 * Whoever calls the item (the WIT record `actor`), filled by the host from the login.
 * @typedef {object} Actor
 * @property {string} id Stable, opaque user id; `system` for the platform.
 * @property {'citizen'|'reviewer'|'developer'|'admin'|'courier'|'system'} role
 * @property {string} name Display name (张三).
 * @property {string|undefined} department Department code, for reviewers and developers.
 * @property {string|undefined} idNumber Resident ID number, for citizens who gave one.
 */

/**
 * Facts about the call (the WIT record `call-context`). Items never read the clock: today and
 * now come from here.
 * @typedef {object} CallContext
 * @property {string} today Today in Asia/Shanghai, `YYYY-MM-DD`.
 * @property {string} now Now, RFC 3339 UTC.
 * @property {string|undefined} caseNumber The application number, when the call concerns a case
 *   (always during `submit`).
 * @property {boolean} preview True when a department is trying a staged version.
 */

/**
 * A case as `onAction` and `batch` see it: the WIT record `case-info` with `form` and `derived`
 * already parsed from JSON.
 * @typedef {object} Case
 * @property {string} number The application number.
 * @property {string} state The current state.
 * @property {object} form The applicant's form.
 * @property {object} derived What `submit` and earlier transitions derived (`{}` when none).
 * @property {Actor} applicant
 * @property {string} submittedAt RFC 3339 UTC.
 */

/**
 * What `submit` returns when it accepts the application (all optional; returning nothing
 * accepts with no derived data).
 * @typedef {object} Accepted
 * @property {object} [derived] Data to keep with the case; serialised to JSON by the SDK.
 * @property {{action: string, to: string, note?: string}} [then] An automatic first step,
 *   taken as the `system` role (e.g. asking a courier to collect the materials).
 */

/**
 * What `onAction` returns: the next state, or an object. Returning nothing moves the case to the
 * action's only target state.
 * @typedef {string|{to: string, derived?: object, note?: string}} Transition
 */

/**
 * One decision of a `batch`.
 * @typedef {object} Decision
 * @property {string} caseNumber The case's application number.
 * @property {string} action The workflow action to take on it.
 * @property {string} [comment] A comment, where the workflow requires one.
 * @property {object} [input] The action's input (`{}` when absent); serialised by the SDK.
 */

/** The version of this SDK, the contract version it builds items for. */
export const SDK_VERSION = '0.2.0';

/** The state a case starts in under the default workflow. */
export const SUBMITTED = 'submitted';
/** The default workflow's end state for an approved case. */
export const COMPLETED = 'completed';
/** The default workflow's end state for a refused case. */
export const REJECTED = 'rejected';
/** The stable code of a form or an input that is not JSON the item can read. */
export const INVALID_FORM = 'invalid-form';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What `refuse`, `fail` and `invalid` throw. `defineItem` turns it into the call's WIT error:
 * in `submit`, field errors become `submit-error::fields` (HTTP 422) and a refusal or failure
 * `submit-error::item(...)`; in `onAction`, `query` and `batch`, field errors become
 * `item-error::invalid` (422), a refusal `item-error::refused` (409), a failure
 * `item-error::failed` (502).
 */
export class ItemError extends Error {
  /**
   * @param {'invalid'|'refused'|'failed'} kind
   * @param {string} message
   * @param {FieldError[]} [fields] For `invalid`: the field errors.
   */
  constructor(kind, message, fields = []) {
    super(message);
    this.name = 'ItemError';
    /** @type {'invalid'|'refused'|'failed'} */
    this.kind = kind;
    /** @type {FieldError[]} */
    this.fields = fields;
  }
}

/**
 * A problem with one form field (`phone`, or a JSON pointer such as `/children/0/name`): the
 * WIT `field-error` record. Collect them and pass them to {@link invalid}; a thrown field error
 * (`throw fieldError(...)`) or array of them is taken as `invalid` too.
 * @param {string} field
 * @param {string} code kebab-case (`name-mismatch`).
 * @param {string} message For the applicant, in Chinese.
 * @returns {FieldError}
 */
export function fieldError(field, code, message) {
  return { field: String(field), code: String(code), message: String(message) };
}

/**
 * A problem with the application as a whole (a field error whose `field` is empty).
 * @param {string} code kebab-case (`no-household`).
 * @param {string} message For the applicant, in Chinese.
 * @returns {FieldError}
 */
export function wholeError(code, message) {
  return fieldError('', code, message);
}

/**
 * Refuse the form or input with these field errors: throws, unless there are none (so that
 * collecting errors and then calling `invalid(errors)` is the check). Arrays are flattened.
 * In `submit` this is `submit-error::fields` (422, the applicant corrects the form); elsewhere
 * `item-error::invalid` (422).
 * @param {...(FieldError|FieldError[])} errors
 * @returns {void}
 * @throws {ItemError}
 */
export function invalid(...errors) {
  const list = errors.flat();
  if (list.length === 0) return;
  const normalised = list.map((e) => fieldError(e.field ?? '', e.code, e.message));
  throw new ItemError(
    'invalid',
    normalised.map((e) => `${e.field}: ${e.code}: ${e.message}`).join('; '),
    normalised,
  );
}

/**
 * The request is understood but cannot be done now (HTTP 409): throws. In `submit` this is
 * `submit-error::item(item-error::refused)`.
 * @param {string} message For the person asking, in Chinese.
 * @returns {never}
 * @throws {ItemError}
 */
export function refuse(message) {
  throw new ItemError('refused', String(message));
}

/**
 * Something the item relies on failed (HTTP 502): throws. In `submit` this is
 * `submit-error::item(item-error::failed)`.
 * @param {string} message What failed (`registries.lookup(x): denied: …`).
 * @returns {never}
 * @throws {ItemError}
 */
export function fail(message) {
  throw new ItemError('failed', String(message));
}

/**
 * Is `error` a host interface's error (the WIT `host-error`, thrown by componentize-js's
 * bindings as an `Error` whose `payload` is `{tag: 'denied'|'invalid'|'unavailable', val}`)?
 * @param {unknown} error
 * @returns {boolean}
 */
export function isHostError(error) {
  const payload = error !== null && typeof error === 'object' ? error.payload : undefined;
  return (
    payload !== null &&
    typeof payload === 'object' &&
    ['denied', 'invalid', 'unavailable'].includes(payload.tag)
  );
}

/**
 * Turn a failed host call into the item's failure, as the Rust SDK does: throws
 * `fail("<call>: <kind>: <reason>")` (`certificates.issue: denied: kind x not granted`) for a
 * host error, and rethrows anything else as it is. For the interface modules; an item calling a
 * raw import itself can use it in its `catch`.
 * @param {string} call Names the call (`registries.lookup(vehicle-registry)`).
 * @param {unknown} error What the import threw.
 * @returns {never}
 */
export function hostFailure(call, error) {
  if (isHostError(error)) {
    fail(`${call}: ${error.payload.tag}: ${error.payload.val}`);
  }
  throw error;
}

/**
 * The actor's reason for an action such as a rejection, trimmed; a missing or blank comment is
 * `invalid` with the field error `comment` / `comment-required`.
 * @param {string|undefined} comment
 * @returns {string}
 * @throws {ItemError}
 */
export function reason(comment) {
  const text = typeof comment === 'string' ? comment.trim() : '';
  if (!text) invalid(fieldError('comment', 'comment-required', '请填写理由。'));
  return text;
}

// ---------------------------------------------------------------------------------------------
// Catalog (describe)
// ---------------------------------------------------------------------------------------------

/**
 * A working state: staff (or a courier) work the case, overdue after `slaDays` working days
 * when given.
 * @param {string} name kebab-case.
 * @param {string} label What people see (审核中).
 * @param {number} [slaDays]
 * @returns {object} The WIT `state` record.
 */
export function state(name, label, slaDays) {
  return { name, label, terminal: false, slaDays: slaDays ?? undefined, waitsOnApplicant: false };
}

/**
 * A state in which the case waits on the applicant (补正材料): the service clock pauses.
 * @param {string} name
 * @param {string} label
 * @returns {object} The WIT `state` record.
 */
export function waitingState(name, label) {
  return { ...state(name, label), waitsOnApplicant: true };
}

/**
 * A final state (办结, 不予办理): no action leaves it.
 * @param {string} name
 * @param {string} label
 * @returns {object} The WIT `state` record.
 */
export function terminalState(name, label) {
  return { ...state(name, label), terminal: true };
}

/**
 * An action taken by one of `roles` from one of the states `from`, leading to one of `to`.
 * @param {string} name kebab-case (`approve`).
 * @param {string} label What people see (办结).
 * @param {string[]} from
 * @param {string[]} to
 * @param {string[]} roles `citizen`, `reviewer`, `developer`, `admin`, `courier`, `system`.
 * @param {{departments?: string[], commentRequired?: boolean}} [options] `departments`: staff of
 *   these departments take the action instead of the item's own (并联审批); `commentRequired`:
 *   the actor must give a reason.
 * @returns {object} The WIT `action` record.
 */
export function action(name, label, from, to, roles, options = {}) {
  return {
    name,
    label,
    from: [...from],
    to: [...to],
    roles: [...roles],
    departments: [...(options.departments ?? [])],
    commentRequired: Boolean(options.commentRequired),
  };
}

/**
 * The workflow of a simple application, the default: submitted (待审核) → `approve` (办结) by a
 * reviewer → completed (已办结), or `reject` (不予办理, a reason required) → rejected (不予办理).
 * @returns {{initial: string, states: object[], actions: object[]}}
 */
export function defaultWorkflow() {
  return {
    initial: SUBMITTED,
    states: [
      state(SUBMITTED, '待审核'),
      terminalState(COMPLETED, '已办结'),
      terminalState(REJECTED, '不予办理'),
    ],
    actions: [
      action('approve', '办结', [SUBMITTED], [COMPLETED], ['reviewer']),
      action('reject', '不予办理', [SUBMITTED], [REJECTED], ['reviewer'], {
        commentRequired: true,
      }),
    ],
  };
}

/**
 * A material the applicant must provide (申请材料).
 * @param {string} name Shown as it is (身份证明); uploads are filed under it.
 * @param {string} description Originals, copies, electronic; where it comes from.
 * @returns {{name: string, description: string, required: boolean}}
 */
export function requiredMaterial(name, description) {
  return { name, description, required: true };
}

/**
 * A material the applicant provides only in some cases.
 * @param {string} name
 * @param {string} description
 * @returns {{name: string, description: string, required: boolean}}
 */
export function optionalMaterial(name, description) {
  return { name, description, required: false };
}

/**
 * A fee of `amountFen` fen (分), charged on `basis` (收费依据).
 * @param {string} name
 * @param {number} amountFen
 * @param {string} basis
 * @returns {{name: string, amountFen: number, basis: string}}
 */
export function fee(name, amountFen, basis) {
  return { name, amountFen, basis };
}

/**
 * A Chinese label for a certificate kind or a delivery content code.
 * @param {string} code kebab-case.
 * @param {string} text
 * @returns {{code: string, text: string}}
 */
export function label(code, text) {
  return { code, text };
}

/**
 * A catalog entry (办事指南) with the Rust SDK builder's defaults, as a plain object to change:
 * the summary is the name, the audience 群众和企业, channels web and mobile, 20 statutory and 10
 * promised working days, free, no materials, any JSON object as the form, the workflow of
 * {@link defaultWorkflow}, no labels. `legalBasis` is empty: the catalog check refuses an entry
 * without one, so add it. `formSchema` may be set to an object (serialised by `defineItem`) or
 * JSON text.
 * @param {string} code kebab-case, unique on the platform.
 * @param {string} version `MAJOR.MINOR.PATCH`; each upload must be above the last (keep it equal
 *   to package.json's).
 * @param {string} name
 * @param {string} department The owning department's code.
 * @returns {object} The WIT `item-info` record, camelCase.
 */
export function itemInfo(code, version, name, department) {
  return {
    code,
    version,
    name,
    department,
    summary: name,
    legalBasis: [],
    audience: '群众和企业',
    materials: [],
    statutoryDays: 20,
    promisedDays: 10,
    fees: [],
    channels: ['web', 'mobile'],
    formSchema: { type: 'object' },
    workflow: defaultWorkflow(),
    labels: { certificates: [], deliveries: [] },
  };
}

/** The entry `describe` returns: defaults for what is missing, the form schema as JSON text. */
function describeInfo(info) {
  const base = itemInfo(info.code, info.version, info.name, info.department);
  for (const [key, value] of Object.entries(info)) {
    if (value !== undefined && value !== null) base[key] = value;
  }
  const workflow = base.workflow ?? defaultWorkflow();
  return {
    code: String(base.code),
    version: String(base.version),
    name: String(base.name),
    department: String(base.department),
    summary: String(base.summary),
    legalBasis: [...(base.legalBasis ?? [])],
    audience: String(base.audience),
    materials: (base.materials ?? []).map((m) => ({
      name: m.name,
      description: m.description ?? '',
      required: m.required ?? true,
    })),
    statutoryDays: base.statutoryDays,
    promisedDays: base.promisedDays,
    fees: (base.fees ?? []).map((f) => ({ name: f.name, amountFen: f.amountFen, basis: f.basis ?? '' })),
    channels: [...(base.channels ?? [])],
    formSchema:
      typeof base.formSchema === 'string' ? base.formSchema : JSON.stringify(base.formSchema),
    workflow: {
      initial: workflow.initial,
      states: workflow.states.map((s) => ({
        name: s.name,
        label: s.label,
        terminal: Boolean(s.terminal),
        slaDays: s.slaDays ?? undefined,
        waitsOnApplicant: Boolean(s.waitsOnApplicant),
      })),
      actions: workflow.actions.map((a) => action(a.name, a.label, a.from, a.to, a.roles, a)),
    },
    labels: {
      certificates: [...(base.labels?.certificates ?? [])],
      deliveries: [...(base.labels?.deliveries ?? [])],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// JSON across the boundary
// ---------------------------------------------------------------------------------------------

/**
 * Parse the JSON input of a query or an action; text that is not JSON is `invalid` with the
 * whole-input error `invalid-form`. (`defineItem` already does this for `query`, `onAction` and
 * `batch`.)
 * @param {string} input
 * @returns {any}
 * @throws {ItemError}
 */
export function parseInput(input) {
  try {
    return input.trim() === '' ? {} : JSON.parse(input);
  } catch (error) {
    invalid(wholeError(INVALID_FORM, `输入内容无法识别（${error.message}）`));
  }
}

/**
 * Parse JSON the item stored itself (a case's form or derived data, a record): a mismatch is the
 * item's own failure (`failed`), not the caller's.
 * @param {string} what Names the data in the message (`case.derived`).
 * @param {string} json
 * @returns {any}
 * @throws {ItemError}
 */
export function parseStored(what, json) {
  try {
    return JSON.parse(json);
  } catch (error) {
    fail(`${what}: ${error.message}`);
  }
}

function toJson(value, fallback) {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseForm(form) {
  try {
    return JSON.parse(form);
  } catch (error) {
    invalid(wholeError(INVALID_FORM, `申请表内容无法识别，请检查后重新提交（${error.message}）`));
  }
}

function caseOf(raw) {
  return {
    number: raw.number,
    state: raw.state,
    form: raw.form.trim() === '' ? {} : parseStored('case.form', raw.form),
    derived: raw.derived.trim() === '' ? {} : parseStored('case.derived', raw.derived),
    applicant: raw.applicant,
    submittedAt: raw.submittedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// The item export
// ---------------------------------------------------------------------------------------------

/**
 * The error componentize-js lowers into a WIT `result`'s error: an exported function that
 * throws a value with an own `payload` property returns `err(payload)` (its generated
 * `getErrorPayload`); an `Error` without one is not caught and traps the call.
 */
class ResultError extends Error {
  constructor(payload, message) {
    super(message);
    Object.defineProperty(this, 'payload', { value: payload, enumerable: true });
  }
}

function isFieldError(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    (value.field === undefined || typeof value.field === 'string')
  );
}

/** `TypeError: x is null at submit@src/item.js:12:5`, for the trap message. */
function describeThrown(error) {
  if (!(error instanceof Error)) return `${typeof error}: ${String(error)}`;
  const frame = String(error.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  return `${error.name}: ${error.message}${frame ? ` at ${frame}` : ''}`;
}

/** The WIT error of `error` thrown in a call: `submit-error` when `submit`, else `item-error`. */
function lower(call, error) {
  let kind;
  if (error instanceof ItemError) {
    kind = error;
  } else if (isFieldError(error)) {
    kind = new ItemError('invalid', error.message, [fieldError(error.field ?? '', error.code, error.message)]);
  } else if (Array.isArray(error) && error.length > 0 && error.every(isFieldError)) {
    kind = new ItemError('invalid', 'invalid', error.map((e) => fieldError(e.field ?? '', e.code, e.message)));
  } else if (isHostError(error)) {
    // A host call the item let through: the item's failure, as in the Rust SDK.
    kind = new ItemError('failed', `host call failed: ${error.payload.tag}: ${error.payload.val}`);
  } else {
    // A bug (a TypeError …): it traps, as a Rust panic does. componentize-js cannot lower it
    // and prints why on stderr, quoting this error: say what it was and where.
    return new Error(`${call}: uncaught ${describeThrown(error)}`);
  }
  const itemError =
    kind.kind === 'invalid' ? { tag: 'invalid', val: kind.fields } : { tag: kind.kind, val: kind.message };
  if (call !== 'submit') return new ResultError(itemError, kind.message);
  const submitError =
    kind.kind === 'invalid' ? { tag: 'fields', val: kind.fields } : { tag: 'item', val: itemError };
  return new ResultError(submitError, kind.message);
}

function guarded(call, body) {
  try {
    return body();
  } catch (error) {
    throw lower(call, error);
  }
}

/** What an item's function returned, refusing a promise: the host interfaces are synchronous. */
function settled(call, value) {
  if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
    throw new TypeError(`${call} returned a promise: item functions must not be async`);
  }
  return value;
}

/**
 * Define a service item: the object to export as the contract's `item` interface, so that an
 * item's module ends `export const item = defineItem({ ... })`. Only `info` is required; each
 * function left out has the Rust SDK's default.
 *
 * Inside the functions, JSON is already parsed and returned objects are serialised: `submit`
 * gets the form as an object (text that is not JSON is refused as `invalid-form`), `query`,
 * `onAction` and `batch` get `input` as an object and cases with `form` and `derived` as
 * objects. Errors are thrown with {@link invalid}, {@link refuse} and {@link fail} (a thrown
 * {@link fieldError} counts as `invalid`); anything else thrown traps the call, like a Rust panic.
 *
 * @param {object} spec
 * @param {object|(() => object)} spec.info The catalog entry ({@link itemInfo} and changes), or a
 *   function returning it. Missing fields take `itemInfo`'s defaults; `formSchema` may be an
 *   object.
 * @param {(ctx: CallContext, applicant: Actor, form: any) => (Accepted|undefined)} [spec.submit]
 *   A new application: check it further and derive what the case keeps. Default: accepted as
 *   it is, with no derived data.
 * @param {(ctx: CallContext, actor: Actor, kase: Case, action: string, comment: (string|undefined), input: any) => (Transition|undefined)} [spec.onAction]
 *   An action on a case, already checked against the workflow. Default (and when it returns
 *   nothing): the action's only target state; an action with several must be decided here.
 * @param {(ctx: CallContext, actor: Actor, input: any) => object} [spec.query]
 *   An information service (查询); returns the output object. Default: refused
 *   (本事项不提供查询服务).
 * @param {(ctx: CallContext, actor: Actor, state: string, cases: Case[], input: any) => Decision[]} [spec.batch]
 *   A staff-run operation over the item's cases in `state`. Default: refused (本事项没有批量办理).
 * @returns {object} The `yiwang:service/item@0.2.0` export for componentize-js.
 */
export function defineItem(spec) {
  if (!spec || spec.info === undefined) {
    throw new TypeError('defineItem: `info` is required');
  }
  const info = () => (typeof spec.info === 'function' ? spec.info() : spec.info);

  const defaultOnAction = (_ctx, _actor, _case, name) => {
    const declared = (info().workflow ?? defaultWorkflow()).actions.find((a) => a.name === name);
    if (declared && declared.to.length === 1) return { to: declared.to[0] };
    refuse(`${name}: more than one next state; the item must choose in onAction`);
  };

  return {
    describe() {
      return describeInfo(info());
    },

    submit(ctx, applicant, form) {
      return guarded('submit', () => {
        const parsed = parseForm(form);
        const accepted = spec.submit ? settled('submit', spec.submit(ctx, applicant, parsed)) : undefined;
        const then = accepted?.then;
        return {
          derived: toJson(accepted?.derived, '{}'),
          then: then ? { action: then.action, to: then.to, note: then.note ?? undefined } : undefined,
        };
      });
    },

    onAction(ctx, actor, raw, name, comment, input) {
      return guarded('onAction', () => {
        const kase = caseOf(raw);
        const parsed = parseInput(input);
        let next = spec.onAction
          ? settled('onAction', spec.onAction(ctx, actor, kase, name, comment, parsed))
          : undefined;
        if (next === undefined || next === null) next = defaultOnAction(ctx, actor, kase, name);
        if (typeof next === 'string') next = { to: next };
        return {
          to: next.to,
          derived: toJson(next.derived, undefined),
          note: next.note ?? undefined,
        };
      });
    },

    query(ctx, actor, input) {
      return guarded('query', () => {
        if (!spec.query) refuse('本事项不提供查询服务');
        const parsed = parseInput(input);
        return toJson(settled('query', spec.query(ctx, actor, parsed)), '{}');
      });
    },

    batch(ctx, actor, state, cases, input) {
      return guarded('batch', () => {
        if (!spec.batch) refuse('本事项没有批量办理');
        const parsed = parseInput(input);
        const decisions = settled('batch', spec.batch(ctx, actor, state, cases.map(caseOf), parsed)) ?? [];
        return decisions.map((d) => ({
          caseNumber: d.caseNumber,
          action: d.action,
          comment: d.comment ?? undefined,
          input: toJson(d.input, '{}'),
        }));
      });
    },
  };
}
