// Calendar dates as the contract carries them (`YYYY-MM-DD`, e.g. `ctx.today`), with the little
// arithmetic items need: adding days (validity periods) and years (age limits), the weekday
// (office hours), the days between two dates. Proleptic Gregorian calendar, plain arithmetic
// (no `Date`, no clock, no time zone: the host has applied it). Imports nothing.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year, month) {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days since 1970-01-01 (H. Hinnant's days_from_civil).
function dayNumber({ year, month, day }) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function fromDayNumber(z) {
  const shifted = z + 719468;
  const era = Math.floor(shifted / 146097);
  const doe = shifted - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * The parts of a `YYYY-MM-DD` date, or `null` when the text is not a date that exists.
 * @param {string} text
 * @returns {{year: number, month: number, day: number}|null}
 */
export function parseDate(text) {
  const m = typeof text === 'string' ? DATE.exec(text) : null;
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/**
 * Is `text` a `YYYY-MM-DD` date that exists (no 2026-02-30)?
 * @param {string} text
 * @returns {boolean}
 */
export function isDate(text) {
  return parseDate(text) !== null;
}

function parts(text) {
  const date = parseDate(text);
  if (!date) throw new TypeError(`not a YYYY-MM-DD date: ${JSON.stringify(text)}`);
  return date;
}

function format({ year, month, day }) {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * `days` later (earlier when negative).
 * @param {string} date `YYYY-MM-DD`.
 * @param {number} days
 * @returns {string} `YYYY-MM-DD`.
 */
export function addDays(date, days) {
  return format(fromDayNumber(dayNumber(parts(date)) + days));
}

/**
 * The same month and day `years` later; 29 February becomes 1 March in a common year, so that
 * `addYears(registered, 6) > today` holds exactly until the sixth anniversary.
 * @param {string} date `YYYY-MM-DD`.
 * @param {number} years
 * @returns {string} `YYYY-MM-DD`.
 */
export function addYears(date, years) {
  const { year, month, day } = parts(date);
  const target = year + years;
  return day > daysInMonth(target, month)
    ? format({ year: target, month: 3, day: 1 })
    : format({ year: target, month, day });
}

/**
 * How many days `later` is after `earlier` (negative when before).
 * @param {string} earlier `YYYY-MM-DD`.
 * @param {string} later `YYYY-MM-DD`.
 * @returns {number}
 */
export function daysBetween(earlier, later) {
  return dayNumber(parts(later)) - dayNumber(parts(earlier));
}

/**
 * The ISO weekday: 1 for Monday through 7 for Sunday.
 * @param {string} date `YYYY-MM-DD`.
 * @returns {number}
 */
export function weekday(date) {
  // 1970-01-01 was a Thursday.
  return (((dayNumber(parts(date)) + 3) % 7) + 7) % 7 + 1;
}
