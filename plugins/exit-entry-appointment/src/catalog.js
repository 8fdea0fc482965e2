// The catalog entry (办事指南) of an information service: what the public catalog shows, the
// schema of the query's input (there is no application form), and a workflow of one terminal
// state with no actions, since no case is ever opened.
import { itemInfo, requiredMaterial, terminalState, wholeError } from '../sdk/yiwang.js';

export const CODE = 'exit-entry-appointment';
export const VERSION = '1.0.0';
export const DEPARTMENT = 'dongguan-exit-entry';
export const NAME = '出入境证件办理进度与预约查询';

/** The code `submit` refuses every application with. */
export const QUERY_ONLY = 'query-only';
/** The workflow's only state. */
export const NOT_APPLICABLE = 'not-applicable';

/** The documents (证件) the exit-entry administration issues, by code, in the order shown. */
export const KINDS = {
  passport: '普通护照',
  'hk-macao-permit': '往来港澳通行证',
  'hk-macao-endorsement': '往来港澳通行证签注',
  'taiwan-permit': '往来台湾通行证',
  'taiwan-endorsement': '往来台湾通行证签注',
};

/** The whole-form refusal of every application. */
export function queryOnly() {
  return wholeError(QUERY_ONLY, '本事项为查询服务，无需申请');
}

/** The schema of the query's input, `{"kind"?}`. */
export function inputSchema() {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: NAME,
    description: '本事项为查询服务：以下为查询条件，可不填。',
    type: 'object',
    additionalProperties: false,
    properties: {
      kind: {
        type: 'string',
        title: '证件类型',
        description: '不填则查询全部证件',
        oneOf: Object.entries(KINDS).map(([code, label]) => ({ const: code, title: label })),
      },
    },
  };
}

/** The catalog entry. */
export function info() {
  return {
    ...itemInfo(CODE, VERSION, NAME, DEPARTMENT),
    summary:
      '在东莞市申请出入境证件的群众登录后，即可查询本人普通护照、往来港澳通行证、往来台湾通行证' +
      '及其签注的办理进度（受理、审批、制证、可领取或已寄出）、领取地点和方式，以及本人的办证预约。' +
      '可按证件类型筛选。只能查询本人记录，每次查询都会记入本人的数据使用记录。' +
      '本事项为即时查询，无需申请、无需提交材料。',
    legalBasis: [
      '《中华人民共和国出境入境管理法》',
      '《中华人民共和国护照法》',
      '《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》',
      '《中国公民往来台湾地区管理办法》',
    ],
    audience: '在东莞市申请出入境证件的个人，经实名认证登录后查询本人记录。',
    materials: [requiredMaterial('居民身份证', '通过实名认证登录核验身份，无需另行提交。')],
    // 即时办结: answered on the spot, there is no case to time.
    statutoryDays: 0,
    promisedDays: 0,
    channels: ['web', 'mobile', 'wechat', 'alipay'],
    formSchema: inputSchema(),
    workflow: {
      initial: NOT_APPLICABLE,
      states: [terminalState(NOT_APPLICABLE, '查询服务，无需办理')],
      actions: [],
    },
  };
}
