// Hostile test item `js-spin`: `submit` and `query` spin forever without a host call, for the CPU
// limit (epoch deadline) on a SpiderMonkey guest. Used by the host's black-box tests; `describe`
// and `on-action` behave (as tests/plugins/support's do), so the item loads normally.
import { defineItem, itemInfo, state, terminalState, action } from '../sdk/yiwang.js';

export const item = defineItem({
  info: {
    ...itemInfo('js-spin', '0.1.0', '测试事项：JavaScript 死循环', 'test-lab'),
    summary: '宿主资源限制测试用事项，不对外提供服务。',
    legalBasis: ['平台隔离测试，无设定依据'],
    audience: '测试人员',
    statutoryDays: 1,
    promisedDays: 1,
    channels: ['web'],
    workflow: {
      initial: 'submitted',
      states: [state('submitted', '待答复', 1), terminalState('answered', '已答复')],
      actions: [action('answer', '答复', ['submitted'], ['answered'], ['reviewer'], { commentRequired: true })],
    },
  },

  submit() {
    while (true) {}
  },

  query() {
    while (true) {}
  },
});
