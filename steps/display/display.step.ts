import { defineStep } from '../../engine/sdk.js';

export const displayStep = defineStep({
  type: 'display',
  title: 'Display Information',
  category: 'input',
  description: 'Shows a message (and optional data) to the client, who continues with "continue".',
  interactive: true,
  writes: {},
  branches: ['next'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      title: { type: 'string', title: 'Title' },
      text: { type: 'string', title: 'Text' },
      data: { type: 'object', title: 'Data to show' },
    },
  },
  run(ctx) {
    if (ctx.submission) return ctx.branch('next');
    const { title, text, data } = ctx.config;
    return ctx.ask({
      data: { ...(title !== undefined ? { title } : {}), ...(text !== undefined ? { text } : {}), ...(data !== undefined ? { data } : {}) },
      options: [{ id: 'continue', label: 'Continue' }],
    });
  },
});
