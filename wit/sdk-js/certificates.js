// The electronic licence library (`yiwang:service/certificates@0.2.0`). Import this module only
// if the item's world imports `certificates` (grants `certificates_issue` / `certificates_read`
// name the kinds).
import { issue, find } from 'yiwang:service/certificates@0.2.0';
import { hostFailure, parseStored } from './yiwang.js';

/**
 * A certificate with its `data` parsed (the WIT record `certificate`, camelCase).
 * @typedef {object} Certificate
 * @property {string} serial The serial number printed on it.
 * @property {string} kind
 * @property {string} holder The holder's ID number (or unified social credit code).
 * @property {object} data
 * @property {string} issuedOn `YYYY-MM-DD`.
 * @property {string|undefined} validUntil `YYYY-MM-DD`, undefined when it does not expire.
 * @property {string|undefined} caseNumber
 */

function parsed(certificate) {
  return { ...certificate, data: parseStored(`certificate ${certificate.serial}`, certificate.data) };
}

/**
 * Issue a certificate of a granted `kind` to the applicant of the current case, valid for
 * `validDays` from today (none: no expiry). Takes effect when the call succeeds; issuing the same
 * kind twice for one case returns the first. A host error fails the call
 * (`certificates.issue: denied: …`).
 * @param {string} kind kebab-case; give it a label in the catalog (`labels.certificates`).
 * @param {object} data Serialised to JSON.
 * @param {number} [validDays]
 * @returns {Certificate}
 */
export function issueCertificate(kind, data, validDays) {
  try {
    return parsed(issue(kind, JSON.stringify(data ?? {}), validDays ?? undefined));
  } catch (error) {
    hostFailure('certificates.issue', error);
  }
}

/**
 * The valid certificates of a granted `kind` held by `holder`. A host error fails the call
 * (`certificates.find: …`).
 * @param {string} kind
 * @param {string} holder An ID number or unified social credit code.
 * @returns {Certificate[]}
 */
export function findCertificates(kind, holder) {
  try {
    return find(kind, holder).map(parsed);
  } catch (error) {
    hostFailure('certificates.find', error);
  }
}
