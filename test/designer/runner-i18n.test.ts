/**
 * The hosted runner's language negotiation and the journey texts' translation (designer/src/runner),
 * as pure functions; test/e2e/runner-language.test.ts runs them in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../designer/src/locales/en.js';
import { fr } from '../../designer/src/locales/fr.js';
import { localizeResponse } from '../../designer/src/runner/localize.js';
import { addJourneyTexts, createRunnerI18n, negotiateLanguage, requestedLanguages } from '../../designer/src/runner/runner-i18n.js';
import type { StepResponse } from '../../engine/http/contract/types.js';

describe('the runner language', () => {
  it('asks ?lang= first, then the browser’s languages, ignoring what is not a language tag', () => {
    expect(requestedLanguages('?session=s&lang=ar', ['fr-FR', 'en'])).toEqual(['ar', 'fr-FR', 'en']);
    expect(requestedLanguages('?lang=<script>', ['de'])).toEqual(['de']);
    expect(requestedLanguages('', [])).toEqual([]);
  });

  it('takes the first requested language available, by its exact tag, its primary subtag or a regional form', () => {
    expect(negotiateLanguage(['de-DE', 'fr-CA', 'en'], ['en', 'fr'])).toBe('fr');
    expect(negotiateLanguage(['pt'], ['en', 'fr', 'pt-BR'])).toBe('pt-BR');
    expect(negotiateLanguage(['PT-br'], ['en', 'pt-BR', 'pt'])).toBe('pt-BR');
    expect(negotiateLanguage(['de', 'it'], ['en', 'fr'])).toBe('en');
    expect(negotiateLanguage([], ['en', 'fr'])).toBe('en');
  });

  it('ships French in full: every English entry, none empty', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(fr)) expect(text.trim(), key).not.toBe('');
  });

  it('translates the journey’s texts by locale with i18next, plurals and all', () => {
    const i18n = createRunnerI18n();
    expect(addJourneyTexts(i18n, { fr: { 'Your age: in years.': 'Votre âge : en années.' } })).toEqual(['fr']);
    expect(i18n.t('Your age: in years.', { ns: 'journey', lng: 'fr', defaultValue: 'Your age: in years.' })).toBe('Votre âge : en années.');
    expect(i18n.t('Not translated', { ns: 'journey', lng: 'fr', defaultValue: 'Not translated' })).toBe('Not translated');
    expect(i18n.t('otp.resendsLeft', { lng: 'fr', count: 2 })).toBe('2 renvois restants');
    expect(i18n.t('otp.resendsLeft', { lng: 'en', count: 1 })).toBe('1 resend left');
    expect(i18n.dir('ar')).toBe('rtl');
    expect(i18n.dir('he')).toBe('rtl');
    expect(i18n.dir('fr')).toBe('ltr');
  });

  it('replaces only human-readable texts in a step response, never ids, values or patterns', () => {
    const response = {
      sessionId: 's', sessionToken: 't', journeyId: 'j', journeyVersion: 1, status: 'waiting', url: null, result: null,
      error: { code: 'too_young', message: 'Continue' },
      step: {
        id: 'Continue', type: 'form', name: 'ask',
        data: { title: 'Continue', value: 'Continue' },
        options: [{ id: 'Continue', label: 'Continue', schema: { type: 'object', properties: { Continue: { type: 'string', title: 'Continue', pattern: 'Continue' } } } }],
      },
    } as unknown as StepResponse;
    const out = localizeResponse(response, (text) => (text === 'Continue' ? 'Continuer' : text));
    expect(out.step!.id).toBe('Continue');
    expect(out.step!.data).toEqual({ title: 'Continuer', value: 'Continue' });
    expect(out.step!.options[0]).toEqual({ id: 'Continue', label: 'Continuer', schema: { type: 'object', properties: { Continue: { type: 'string', title: 'Continuer', pattern: 'Continue' } } } });
    expect(out.error).toEqual({ code: 'too_young', message: 'Continuer' });
  });
});
