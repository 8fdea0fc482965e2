// {{name}}: a form, the SDK's default workflow, one registry read and a notification.
import { defineItem, itemInfo, fieldError, invalid, refuse, wholeError } from '../sdk/yiwang.js';
import { lookupJson } from '../sdk/registries.js';
import { notifyApplicant } from '../sdk/notify.js';

// The catalog entry (办事指南). The version must go up with each upload: keep it equal to
// package.json's.
const info = itemInfo('{{code}}', '0.1.0', '{{name}}', '{{department}}');
info.legalBasis = ['《示例办法》（请改为本事项的设定依据）'];
info.formSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['topic', 'phone'],
  properties: {
    topic: { type: 'string', title: '咨询事项', minLength: 2, maxLength: 200 },
    phone: { type: 'string', title: '联系电话', pattern: '^1[3-9][0-9]{9}$' },
  },
};

export const item = defineItem({
  info,

  // The host has checked the form against `formSchema`; what it cannot check belongs here.
  submit(ctx, applicant, form) {
    invalid(form.topic.trim() === '' ? [fieldError('topic', 'blank', '请填写咨询事项。')] : []);
    if (!applicant.idNumber) refuse('请先完成实名认证');
    // What the household registry (户籍登记) says of the applicant; `null` when nothing.
    const household = lookupJson('household-registry', applicant.idNumber, '核对户籍地址');
    if (household === null) invalid(wholeError('no-household', '未在户籍登记中找到申请人'));
    notifyApplicant('已受理', `您咨询的“${form.topic.trim()}”已受理。`);
    return { derived: { address: household.address, phone: form.phone } };
  },
});
