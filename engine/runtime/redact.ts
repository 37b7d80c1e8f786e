/**
 * Redaction for timelines and logs: values under secret-looking keys, and option fields the
 * journey marks `writeOnly` (or `format: password`), never leave the session.
 */
import type { JsonSchema } from '../steps/step-types.js';

export const REDACTED = '[redacted]';
/** Words that mark a key as secret, matched against the words of the key (camelCase, snake_case, kebab-case). */
const SECRET_WORDS = new Set(['code', 'codes', 'otp', 'totp', 'secret', 'secrets', 'password', 'passcode', 'passwd', 'pin', 'token', 'tokens', 'recovery', 'seed', 'private', 'pwd']);

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((word) => SECRET_WORDS.has(word));
}

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
      const secret = isSecretKey(key) || propertySchema?.writeOnly === true || propertySchema?.format === 'password';
      out[key] = secret ? REDACTED : redact(item, propertySchema as JsonSchema | undefined);
    }
    return out;
  }
  return value;
}
