/**
 * A step response with the journey's own texts in the user's language: the human-readable
 * fields of the step's data, options and their schemas, and the error message, each replaced by
 * its translation in the journey's `texts` when there is one. Ids, values and patterns are never
 * touched: only these keys' string values.
 */
import type { StepResponse } from '../../../engine/http/contract/types.js';

const TEXT_KEYS = new Set(['title', 'text', 'label', 'description', 'help', 'placeholder', 'message', 'submitLabel']);

export type JourneyText = (text: string) => string;

function translateTexts<T>(value: T, translate: JourneyText): T {
  if (Array.isArray(value)) return value.map((item) => translateTexts(item, translate)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = typeof item === 'string' && TEXT_KEYS.has(key) ? translate(item) : translateTexts(item, translate);
  }
  return out as T;
}

export function localizeResponse(response: StepResponse, translate: JourneyText): StepResponse {
  return {
    ...response,
    step: response.step ? { ...response.step, data: translateTexts(response.step.data, translate), options: translateTexts(response.step.options, translate) } : response.step,
    error: response.error ? { ...response.error, message: translate(response.error.message) } : response.error,
  };
}
