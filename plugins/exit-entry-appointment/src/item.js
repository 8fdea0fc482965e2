// 出入境证件办理进度与预约查询: the information service (查询) of the Dongguan exit-entry
// administration (东莞市公安局出入境管理支队). A logged-in citizen sees the progress of their own
// applications for passports and permits to Hong Kong, Macao and Taiwan — accepted, approved,
// produced, ready to collect or mailed, and where to collect them — and their appointments,
// read from the shared `exit-entry-applications` registry, every read in their data-use ledger.
//
// There is nothing to apply for: `submit` refuses every form and the workflow has no actions.
import { defineItem, invalid, refuse } from '../sdk/yiwang.js';
import { lookupJson } from '../sdk/registries.js';
import { info, queryOnly } from './catalog.js';
import { requestedKind } from './input.js';
import { DATASET, readRecord, statement } from './statement.js';

/** The refusal for staff, couriers and other non-citizen accounts. */
export const CITIZENS_ONLY = '出入境证件办理记录只能由申请人本人使用群众账号登录查询';
/** The refusal for a citizen account without an ID number. */
export const ID_NUMBER_REQUIRED = '您的账号尚未登记居民身份证号码，请完成实名认证后再查询';
/** The ledger's purpose of each read. */
export const PURPOSE = '出入境证件办理进度与预约查询：申请人本人查询办证进度和预约';

/** The ID number whose record `actor` may read: only a citizen's own. */
function subject(actor) {
  if (actor.role !== 'citizen') refuse(CITIZENS_ONLY);
  const own = (actor.idNumber ?? '').trim().toUpperCase();
  if (own === '') refuse(ID_NUMBER_REQUIRED);
  return own;
}

export const item = defineItem({
  info,

  submit() {
    invalid(queryOnly());
  },

  onAction(_ctx, _actor, _case, action) {
    refuse(`本事项为查询服务，没有“${action}”这项办件操作。`);
  },

  // The input is checked and the asker decided before the registry is read, so a refused or
  // invalid query reads nothing and leaves nothing in anyone's ledger.
  query(ctx, actor, input) {
    const kind = requestedKind(input);
    const idNumber = subject(actor);
    const found = lookupJson(DATASET, idNumber, PURPOSE);
    const record = found === null ? null : readRecord(found);
    return statement(record, actor.name, kind, ctx.today);
  },
});
