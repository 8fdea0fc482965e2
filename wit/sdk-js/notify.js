// Messages to the applicant (`yiwang:service/notify@0.2.0`). Import this module only if the
// item's world imports `notify` (grant `notify = true`).
import { send } from 'yiwang:service/notify@0.2.0';
import { hostFailure } from './yiwang.js';

/**
 * Queue a message to the applicant of the current case (app inbox, and SMS or e-mail where the
 * deployment has them); it is sent only if the call succeeds. A host error fails the call:
 * `fail("notify.send: …")`.
 * @param {string} subject
 * @param {string} body
 * @returns {void}
 * @throws {import('./yiwang.js').ItemError}
 */
export function notifyApplicant(subject, body) {
  try {
    send(String(subject), String(body));
  } catch (error) {
    hostFailure('notify.send', error);
  }
}
