/**
 * The hosted runner's language (issue #21, docs/http-api.md "The hosted runner's language"):
 * i18next holds the shipped languages (en, fr) and the journey's own `texts`; the language is
 * negotiated from `?lang=` first, then the browser's preferred languages (navigator.languages, the
 * list it sends as Accept-Language), against the shipped languages and the journey's locales.
 */
import { createInstance, type i18n } from 'i18next';
import { en } from '../locales/en.js';
import { fr } from '../locales/fr.js';
import type { Translate } from '../renderer/texts.js';

export const SHIPPED_LANGUAGES = ['en', 'fr'] as const;

export function createRunnerI18n(): i18n {
  const instance = createInstance();
  void instance.init({
    lng: 'en',
    fallbackLng: 'en',
    resources: { en: { runner: en }, fr: { runner: fr } },
    ns: ['runner', 'journey'],
    defaultNS: 'runner',
    // Keys are flat in the runner's files, and a journey's keys are its texts (dots, colons and all).
    keySeparator: false,
    nsSeparator: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  return instance;
}

/** The runner's texts in one language, as the renderer's translator (renderer/texts.ts). */
export function translatorFor(instance: i18n, lng: string): Translate {
  const fixed = instance.getFixedT(lng, 'runner');
  return (key, values) => fixed(key, values ?? {});
}

/** What the user asks for, best first: `?lang=`, then the browser's languages. */
export function requestedLanguages(search: string, browser: readonly string[]): string[] {
  const asked = new URLSearchParams(search).get('lang');
  return [...(asked ? [asked] : []), ...browser].filter((tag) => /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag));
}

/**
 * The first requested language available as it is (case aside), else by its primary subtag
 * (fr-CA → fr), else by an available regional form of it (pt → pt-BR); English when none is.
 */
export function negotiateLanguage(requested: readonly string[], available: readonly string[]): string {
  const lower = available.map((a) => a.toLowerCase());
  for (const tag of requested) {
    const wanted = tag.toLowerCase();
    const primary = wanted.split('-')[0];
    const found = lower.indexOf(wanted) >= 0 ? lower.indexOf(wanted) : lower.indexOf(primary) >= 0 ? lower.indexOf(primary) : lower.findIndex((a) => a.split('-')[0] === primary);
    if (found >= 0) return available[found];
  }
  return 'en';
}

/** Adds a journey's texts and answers the locales it has. */
export function addJourneyTexts(instance: i18n, texts: Record<string, Record<string, string>> | undefined): string[] {
  if (!texts) return [];
  for (const [locale, bundle] of Object.entries(texts)) instance.addResourceBundle(locale, 'journey', bundle, true, true);
  return Object.keys(texts);
}
