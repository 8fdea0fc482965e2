// The answer to a query, from the citizen's record in `exit-entry-applications`: each
// application's progress (受理 → 审批 → 制证 → 可领取 or 已寄出) and where to collect the document,
// and the citizen's appointments. Pure: the record and today in, the output object out; a record
// that does not fit the shape the README gives fails the query, naming the dataset.
import { fail } from '../sdk/yiwang.js';
import { isDate } from '../sdk/date.js';
import { KINDS } from './catalog.js';

export const DATASET = 'exit-entry-applications';

/** How a document reaches its holder. */
const METHODS = { counter: '窗口领取', ems: '邮政速递（EMS）寄送' };

/** An application's status: the step it is at. */
const STATUSES = {
  approving: '已受理，审批中',
  producing: '审批通过，制证中',
  ready: '制证完成，可领取',
  mailed: '制证完成，已寄出',
  collected: '已领取',
  rejected: '不予批准',
};

/** An appointment's status as the record keeps it, and `missed` for one booked in the past. */
const APPOINTMENT_STATUSES = {
  booked: '已预约',
  attended: '已按预约办理',
  cancelled: '已取消',
  missed: '已过预约时间，未办理',
};

function malformed(why) {
  fail(`registries.lookup(${DATASET}): malformed record: ${why}`);
}

function text(value, what, optional = false) {
  if (optional && (value === undefined || value === null)) return null;
  if (typeof value !== 'string' || value.trim() === '') malformed(`${what} must be text`);
  return value;
}

function date(value, what, optional = true) {
  if (optional && (value === undefined || value === null)) return null;
  if (!isDate(value)) malformed(`${what} must be a YYYY-MM-DD date`);
  return value;
}

function kind(value, what) {
  if (!Object.hasOwn(KINDS, value)) malformed(`${what} is not a known document kind: ${JSON.stringify(value)}`);
  return value;
}

function list(value, what) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) malformed(`${what} must be an array`);
  return value;
}

/** An application of the record, checked. */
function application(raw, at) {
  if (raw === null || typeof raw !== 'object') malformed(`${at} must be an object`);
  const collect = raw.collect;
  if (collect === null || typeof collect !== 'object') malformed(`${at}.collect must be an object`);
  const method = collect.method;
  if (!Object.hasOwn(METHODS, method)) malformed(`${at}.collect.method must be counter or ems`);
  return {
    number: text(raw.number, `${at}.number`),
    kind: kind(raw.kind, `${at}.kind`),
    business: text(raw.business, `${at}.business`),
    office: text(raw.office, `${at}.office`),
    acceptedOn: date(raw.accepted_on, `${at}.accepted_on`, false),
    approvedOn: date(raw.approved_on, `${at}.approved_on`),
    producedOn: date(raw.produced_on, `${at}.produced_on`),
    readyOn: date(raw.ready_on, `${at}.ready_on`),
    collectedOn: date(raw.collected_on, `${at}.collected_on`),
    rejectedOn: date(raw.rejected_on, `${at}.rejected_on`),
    reason: text(raw.reason, `${at}.reason`, true),
    collect: {
      method,
      place: text(collect.place, `${at}.collect.place`, method === 'ems'),
      address: text(collect.address, `${at}.collect.address`),
      hours: text(collect.hours, `${at}.collect.hours`, true),
      trackingNumber: text(collect.tracking_number, `${at}.collect.tracking_number`, true),
    },
  };
}

/** An appointment of the record, checked. */
function appointment(raw, at) {
  if (raw === null || typeof raw !== 'object') malformed(`${at} must be an object`);
  const status = raw.status ?? 'booked';
  if (!['booked', 'attended', 'cancelled'].includes(status)) {
    malformed(`${at}.status must be booked, attended or cancelled`);
  }
  return {
    number: text(raw.number, `${at}.number`),
    kind: kind(raw.kind, `${at}.kind`),
    business: text(raw.business, `${at}.business`),
    date: date(raw.date, `${at}.date`, false),
    time: text(raw.time, `${at}.time`),
    office: text(raw.office, `${at}.office`),
    address: text(raw.address, `${at}.address`),
    status,
  };
}

/**
 * The record, checked and read into the item's terms; fails the query when it does not fit.
 * @param {any} record What `registries.lookup` found.
 */
export function readRecord(record) {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) malformed('not an object');
  return {
    name: text(record.name, 'name'),
    applications: list(record.applications, 'applications').map((a, i) => application(a, `applications[${i}]`)),
    appointments: list(record.appointments, 'appointments').map((a, i) => appointment(a, `appointments[${i}]`)),
  };
}

function statusOf(a) {
  if (a.rejectedOn) return 'rejected';
  if (a.collectedOn) return 'collected';
  if (a.readyOn) return a.collect.method === 'ems' ? 'mailed' : 'ready';
  if (a.approvedOn) return 'producing';
  return 'approving';
}

/** The four steps of an application, each done or not, with the day it was done. */
function progressOf(a) {
  const produced = a.producedOn ?? a.readyOn;
  const last = a.collect.method === 'ems' ? '已寄出' : '可领取';
  return [
    { step: 'accepted', label: '受理', done: true, on: a.acceptedOn },
    { step: 'approved', label: '审批', done: a.approvedOn !== null || produced !== null, on: a.approvedOn },
    { step: 'produced', label: '制证', done: produced !== null, on: produced },
    { step: 'ready', label: last, done: a.readyOn !== null, on: a.readyOn },
  ];
}

/** Where and how the document reaches its holder, with what to bring. */
function collectionOf(a, status) {
  const c = a.collect;
  const out = {
    method: c.method,
    method_label: METHODS[c.method],
    place: c.place,
    address: c.address,
    hours: c.hours,
    tracking_number: c.trackingNumber,
  };
  if (status === 'ready') {
    out.note = `证件已制作完成，请本人携带居民身份证和受理回执，到${c.place}领取。`;
  } else if (status === 'mailed') {
    out.note = `证件已通过邮政速递寄往${c.address}${c.trackingNumber ? `，邮件号 ${c.trackingNumber}` : ''}。`;
  }
  return out;
}

function applicationLine(a) {
  const status = statusOf(a);
  return {
    number: a.number,
    kind: a.kind,
    kind_label: KINDS[a.kind],
    business: a.business,
    office: a.office,
    accepted_on: a.acceptedOn,
    status,
    status_label: STATUSES[status],
    progress: progressOf(a),
    collection: collectionOf(a, status),
    reason: status === 'rejected' ? a.reason : null,
  };
}

function appointmentLine(a, today) {
  const status = a.status === 'booked' && a.date < today ? 'missed' : a.status;
  return {
    number: a.number,
    kind: a.kind,
    kind_label: KINDS[a.kind],
    business: a.business,
    date: a.date,
    time: a.time,
    office: a.office,
    address: a.address,
    status,
    status_label: APPOINTMENT_STATUSES[status],
    upcoming: status === 'booked',
  };
}

/**
 * The answer for the citizen, `kind` (a code, or null for every kind) and today.
 * @param {{name: string, applications: object[], appointments: object[]}|null} record
 *   `readRecord`'s result, or null when the registry has nothing on the citizen.
 * @param {string} name The account's display name, for an empty answer.
 * @param {string|null} kind
 * @param {string} today `YYYY-MM-DD`.
 */
export function statement(record, name, kind, today) {
  const wanted = (x) => kind === null || x.kind === kind;
  const applications = (record?.applications ?? [])
    .filter(wanted)
    // Newest first; the same day keeps the record's order.
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (x.a.acceptedOn === y.a.acceptedOn ? x.i - y.i : x.a.acceptedOn < y.a.acceptedOn ? 1 : -1))
    .map(({ a }) => applicationLine(a));
  const appointments = (record?.appointments ?? [])
    .filter(wanted)
    .map((a) => appointmentLine(a, today))
    // Latest first, so the next upcoming one is the last of them.
    .sort((x, y) => (x.date + x.time < y.date + y.time ? 1 : x.date + x.time > y.date + y.time ? -1 : 0));
  const upcoming = appointments.filter((a) => a.upcoming);
  const next = upcoming.length === 0 ? null : upcoming[upcoming.length - 1];
  return {
    name: record?.name ?? name,
    kind,
    kind_label: kind === null ? '全部证件' : KINDS[kind],
    applications,
    appointments,
    next_appointment: next,
    summary: {
      applications: applications.length,
      in_progress: applications.filter((a) => a.status === 'approving' || a.status === 'producing').length,
      ready: applications.filter((a) => a.status === 'ready').length,
      mailed: applications.filter((a) => a.status === 'mailed').length,
      upcoming_appointments: upcoming.length,
    },
  };
}
