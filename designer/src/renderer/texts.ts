/**
 * The texts the step view shows of its own (buttons, hints), through whichever translator the
 * page provides: the hosted runner gives its i18next `t` for the user's language; without one
 * (the designer's test panel) they are English. Journeys' own texts are translated before they
 * reach the view (runner/localize.ts).
 */
import { createInstance } from 'i18next';
import { createContext, useContext } from 'react';
import { en, type RunnerTextKey } from '../locales/en.js';

export type Translate = (key: RunnerTextKey, values?: Record<string, string | number>) => string;

const english = createInstance();
void english.init({ lng: 'en', resources: { en: { runner: en } }, ns: ['runner'], defaultNS: 'runner', keySeparator: false, nsSeparator: false, interpolation: { escapeValue: false }, initAsync: false });

export const englishTexts: Translate = (key, values) => english.t(key, values ?? {});

export const TextsContext = createContext<Translate>(englishTexts);

export function useTexts(): Translate {
  return useContext(TextsContext);
}
