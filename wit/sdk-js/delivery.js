// Courier pick-ups and mail-outs for the current case (`yiwang:service/delivery@0.2.0`). Import
// this module only if the item's world imports `delivery` (grant `delivery = true`).
import { requestPickup as pickupCall, requestShipment as shipmentCall } from 'yiwang:service/delivery@0.2.0';
import { hostFailure } from './yiwang.js';

/**
 * Where a courier goes (the WIT record `address`).
 * @typedef {object} Address
 * @property {string} name
 * @property {string} phone
 * @property {string} address
 */

/**
 * Ask a courier to collect `contents` (paper materials) from the applicant; returns the tracking
 * number. A host error fails the call (`delivery.request-pickup: …`).
 * @param {Address} from
 * @param {string[]} contents Codes; give each a label in the catalog (`labels.deliveries`).
 * @returns {string}
 */
export function requestPickup(from, contents) {
  try {
    return pickupCall({ name: from.name, phone: from.phone, address: from.address }, [...contents]);
  } catch (error) {
    hostFailure('delivery.request-pickup', error);
  }
}

/**
 * Ask a courier to deliver `contents` (a licence, a sticker) to the applicant; returns the
 * tracking number. A host error fails the call (`delivery.request-shipment: …`).
 * @param {Address} to
 * @param {string[]} contents Codes; give each a label in the catalog (`labels.deliveries`).
 * @returns {string}
 */
export function requestShipment(to, contents) {
  try {
    return shipmentCall({ name: to.name, phone: to.phone, address: to.address }, [...contents]);
  } catch (error) {
    hostFailure('delivery.request-shipment', error);
  }
}
