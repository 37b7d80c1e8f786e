/**
 * The worked example of a custom step (docs/custom-steps.md): it asks an HTTP API whether a
 * value (an email, a phone number, a user id) is allowed, and branches on the answer. Written
 * only against the public step SDK and registered exactly like the built-in steps.
 */
import { defineStep, OutboundHttpError } from '../../engine/sdk.js';

export const allowListStep = defineStep({
  type: 'example.allow-list',
  title: 'Allow-list Check',
  category: 'integration',
  description:
    'Asks an allow-list API whether a value is allowed: POSTs { value } to the URL and expects { allowed: boolean }. Branches "allowed" or "denied"; fails allow_list_unavailable when the API cannot answer.',
  interactive: false,
  writes: { variables: { allowList: { shape: { type: 'object', additionalProperties: false, properties: { allowed: { type: 'boolean' } } } } } },
  branches: ['allowed', 'denied'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'value'],
    properties: {
      url: { type: 'string', minLength: 1, title: 'Allow-list API URL' },
      value: { type: 'string', minLength: 1, maxLength: 320, title: 'Value to check' },
      apiKey: { type: 'string', title: 'API key (sent as a bearer token)' },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 10000, default: 2000, title: 'Timeout (ms)' },
    },
  },
  async run(ctx) {
    const { url, value, apiKey, timeoutMs } = ctx.config;
    let status: number;
    let body: string;
    try {
      ({ status, body } = await ctx.services.http.request({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ value }),
        timeoutMs,
      }));
    } catch (error) {
      if (error instanceof OutboundHttpError) return ctx.fail({ code: 'allow_list_unavailable', message: `the allow-list API could not answer (${error.code})` });
      throw error;
    }
    const answer = status >= 200 && status < 300 ? parse(body) : null;
    if (!answer || typeof answer.allowed !== 'boolean') {
      return ctx.fail({ code: 'allow_list_unavailable', message: `the allow-list API answered ${status} without { allowed }` });
    }
    return ctx.branch(answer.allowed ? 'allowed' : 'denied', { variables: { allowList: { allowed: answer.allowed } } });
  },
});

function parse(text: string): { allowed?: unknown } | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as { allowed?: unknown }) : null;
  } catch {
    return null;
  }
}
