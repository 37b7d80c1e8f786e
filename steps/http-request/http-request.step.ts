import { defineStep, OutboundHttpError } from '../../engine/sdk.js';
import { outputVariableSchema } from '../shared-schemas.js';

export const httpRequestStep = defineStep({
  type: 'http.request',
  title: 'HTTP Request',
  category: 'integration',
  description:
    'Calls an HTTP API (hosts limited by HTTP_ALLOWED_HOSTS). Stores { status, headers, body } in the output variable; a JSON body is parsed. Fails http_error on a non-2xx status.',
  interactive: false,
  writes: {
    output: { shape: { type: 'object', additionalProperties: false, properties: { status: { type: 'integer' }, headers: { type: 'object' }, body: {} } } },
  },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', minLength: 1, title: 'URL' },
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'GET', title: 'Method' },
      headers: { type: 'object', additionalProperties: { type: 'string' }, title: 'Headers' },
      body: { title: 'Body', description: 'Sent as JSON (a string is sent as is).' },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 30000, default: 5000, title: 'Timeout (ms)' },
      outputVariable: outputVariableSchema,
    },
  },
  async run(ctx) {
    const { url, method, headers = {}, body, timeoutMs } = ctx.config;
    const hasBody = body !== undefined && method !== 'GET';
    const requestHeaders: Record<string, string> = { accept: 'application/json', ...headers };
    if (hasBody && typeof body !== 'string' && !Object.keys(requestHeaders).some((h) => h.toLowerCase() === 'content-type')) {
      requestHeaders['content-type'] = 'application/json';
    }
    try {
      const response = await ctx.services.http.request({
        url,
        method,
        headers: requestHeaders,
        body: hasBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
        timeoutMs,
      });
      const output = { status: response.status, headers: response.headers, body: parseBody(response.body, response.headers['content-type']) };
      if (response.status < 200 || response.status > 299) {
        return ctx.fail({ code: 'http_error', message: `the API answered ${response.status}`, details: { status: response.status } });
      }
      return ctx.branch('success', { output });
    } catch (error) {
      if (error instanceof OutboundHttpError) return ctx.fail({ code: error.code, message: error.message });
      throw error;
    }
  },
});

function parseBody(text: string, contentType: string | undefined): unknown {
  if (contentType && /json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
