/**
 * Redaction for timelines and logs: values under secret-looking keys, and option fields the
 * journey marks `writeOnly` (or `format: password`), never leave the session.
 */
import type { JsonSchema } from '../steps/step-types.js';

export const REDACTED = '[redacted]';
const SECRET_KEY = /(code|otp|secret|password|passcode|passwd|pin|token|recovery|seed|private)/i;

export function redact(value: unknown, schema?: JsonSchema): unknown {
  if (Array.isArray(value)) {
    const items = schema && typeof schema === 'object' ? ((schema as { items?: JsonSchema }).items ?? undefined) : undefined;
    return value.map((item) => redact(item, items));
  }
  if (value && typeof value === 'object') {
    const properties = (schema as { properties?: Record<string, JsonSchema> } | undefined)?.properties ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const propertySchema = properties[key] as { writeOnly?: boolean; format?: string } | undefined;
      const secret = SECRET_KEY.test(key) || propertySchema?.writeOnly === true || propertySchema?.format === 'password';
      out[key] = secret ? REDACTED : redact(item, propertySchema as JsonSchema | undefined);
    }
    return out;
  }
  return value;
}
