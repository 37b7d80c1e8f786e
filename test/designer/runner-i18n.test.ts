/**
 * The hosted runner's language negotiation and the journey texts' translation (designer/src/runner),
 * as pure functions; test/e2e/runner-language.test.ts runs them in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../designer/src/locales/en.js';
import { fr } from '../../designer/src/locales/fr.js';
import { refusalText } from '../../designer/src/renderer/error-texts.js';
import { collect, errorsFromDetails, fieldsOf } from '../../designer/src/renderer/schema-fields.js';
import type { Translate } from '../../designer/src/renderer/texts.js';
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

  describe('the form’s and the engine’s refusals, in the runner’s language', () => {
    const i18n = createRunnerI18n();
    const french: Translate = (key, values) => i18n.getFixedT('fr', 'runner')(key, values ?? {});
    const schema = {
      type: 'object',
      required: ['email', 'age', 'nickname', 'code'],
      properties: {
        email: { type: 'string', format: 'email', title: 'E-mail' },
        age: { type: 'integer', minimum: 18, title: 'Âge' },
        nickname: { type: 'string', minLength: 3, title: 'Pseudo' },
        code: { type: 'string', pattern: '^[0-9]{6}$' },
      },
    };
    const fields = fieldsOf(schema, 'sms.otp');

    it('checks the fields in French when the runner is, in English without a translator (the designer’s test panel)', () => {
      const empty = { email: '', age: '', nickname: '', code: '' };
      expect(collect(fields, empty, french).errors).toEqual({
        email: 'E-mail est obligatoire', age: 'Âge est obligatoire', nickname: 'Pseudo est obligatoire', code: 'code est obligatoire',
      });
      expect(collect(fields, empty).errors.email).toBe('E-mail is required');
      const wrong = { email: 'nobody', age: '12', nickname: 'ab', code: '12' };
      expect(collect(fields, wrong, french).errors).toEqual({
        email: 'Saisissez une adresse e-mail valide',
        age: 'Âge doit être au moins 18',
        nickname: 'Pseudo doit comporter au moins 3 caractères',
        code: 'Saisissez le code à 6 chiffres',
      });
      expect(collect(fields, { ...wrong, age: '1.5' }, french).errors.age).toBe('Âge doit être un nombre entier');
      expect(collect(fields, wrong).errors).toMatchObject({ age: 'Âge must be at least 18', nickname: 'Pseudo must be at least 3 characters', code: 'Enter the 6-digit code' });
    });

    it('says the engine’s 422 from its keyword and params, never from Ajv’s English', () => {
      const details = {
        errors: [
          { path: '', keyword: 'required', params: { missingProperty: 'email' }, message: "must have required property 'email'" },
          { path: '/nickname', keyword: 'minLength', params: { limit: 3 }, message: 'must NOT have fewer than 3 characters' },
          { path: '/age', keyword: 'maximum', params: { comparison: '<=', limit: 120 }, message: 'must be <= 120' },
          { path: '', keyword: 'additionalProperties', params: { additionalProperty: 'x' }, message: 'must NOT have additional properties' },
        ],
      };
      expect(errorsFromDetails(details, fields, french)).toEqual({
        fields: { email: 'E-mail est obligatoire', nickname: 'Pseudo doit comporter au moins 3 caractères', age: 'Âge doit être au plus 120' },
        general: 'La réponse a été refusée : must NOT have additional properties',
      });
      expect(errorsFromDetails(details, fields).fields.nickname).toBe('Pseudo must be at least 3 characters');
    });

    it('says a step’s or the API’s refusal by its code and count, keeping a message it has no text for', () => {
      expect(refusalText({ code: 'invalid_code', message: 'the code is not valid: 2 attempts left', attemptsLeft: 2 }, french)).toBe('Le code n’est pas valide : 2 tentatives restantes');
      expect(refusalText({ code: 'invalid_code', message: '', attemptsLeft: 1 }, french)).toBe('Le code n’est pas valide : 1 tentative restante');
      expect(refusalText({ code: 'invalid_code', message: '', attemptsLeft: 0 }, french)).toBe('Le code n’est pas valide : plus aucune tentative');
      expect(refusalText({ code: 'invalid_code', message: '', attemptsLeft: 0 }, (key, values) => i18n.getFixedT('en', 'runner')(key, values ?? {}))).toBe('The code is not valid: no attempts left');
      expect(refusalText({ code: 'invalid_code', message: 'the code is not valid: 2 attempts left' }, french)).toBe('Le code n’est pas valide');
      expect(refusalText({ code: 'rate_limited', message: 'too many requests: at most 5 per 60 s' }, french)).toBe('Trop de tentatives pour le moment. Patientez un instant puis réessayez.');
      expect(refusalText({ code: 'rate_limited', message: 'too many failed passkey attempts from this network: try again in 600 s', retryAfter: 600 }, french)).toBe('Trop de tentatives pour le moment. Réessayez dans 600 secondes.');
      expect(refusalText({ code: 'too_young', message: 'revenez plus tard' }, french)).toBe('Revenez plus tard');
    });
  });
});
