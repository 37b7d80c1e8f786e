/**
 * The engine's refusals in the page's language, keyed by their code (and `attemptsLeft` for a
 * wrong code), never by parsing the engine's English: a step's error in a step response, or an
 * API error (rate_limited, network_error). A code without a text here keeps the message the
 * engine or the journey gave (a journey's own messages are translated by its `texts`).
 */
import type { RunnerTextKey } from '../locales/en.js';
import type { Translate } from './texts.js';
import { sentence } from './schema-fields.js';

const BY_CODE: Readonly<Record<string, RunnerTextKey>> = {
  expired_code: 'error.expiredCode',
  too_many_attempts: 'error.tooManyAttempts',
  locked: 'error.locked',
  invalid_credentials: 'error.invalidCredentials',
  resend_unavailable: 'error.resendUnavailable',
  no_code_sent: 'error.noCodeSent',
  rate_limited: 'error.rateLimited',
  network_error: 'error.network',
};

export interface RefusalLike {
  code: string;
  message: string;
  attemptsLeft?: number;
  retryAfter?: number;
}

export function refusalText(error: RefusalLike, t: Translate): string {
  if (error.code === 'invalid_code') return typeof error.attemptsLeft === 'number' ? t('error.invalidCode', { count: error.attemptsLeft }) : t('error.invalidCodePlain');
  if (error.code === 'rate_limited' && typeof error.retryAfter === 'number') return t('error.rateLimitedFor', { count: error.retryAfter });
  const key = Object.hasOwn(BY_CODE, error.code) ? BY_CODE[error.code] : undefined;
  return key ? t(key) : sentence(error.message);
}
