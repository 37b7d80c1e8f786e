/**
 * What the waiting step offers, in Authsignal's words. The routes never name a step type: they
 * read the step's `offers` from the step catalogue (engine/sdk.ts, StepOffers), so any step that
 * declares them, built-in or custom, answers the Authsignal SDKs. This module is the one place
 * where the engine's neutral proof methods become Authsignal's verification methods.
 */
import type { MessageChannel, ProofMethod, StepOffers } from '../../engine/sdk.js';

/** Authsignal's name for each proof method, in the order Authsignal lists them. */
export const VERIFICATION_METHOD = {
  totp: 'AUTHENTICATOR_APP',
  sms: 'SMS',
  whatsapp: 'WHATSAPP',
  email: 'EMAIL_OTP',
  recovery_code: 'RECOVERY_CODE',
  passkey: 'PASSKEY',
} as const satisfies Record<ProofMethod, string>;

export type VerificationMethod = (typeof VERIFICATION_METHOD)[ProofMethod];

/** The channel segment of the SDK's routes (`/client/challenge/email-otp`) and the channel it names. */
export const ROUTE_CHANNEL = { sms: 'sms', whatsapp: 'whatsapp', 'email-otp': 'email' } as const satisfies Record<string, MessageChannel>;
export type RouteChannel = keyof typeof ROUTE_CHANNEL;

/** Where the integration reads the declarations: the engine's step registry. */
export interface StepCatalogue {
  get(type: string): { offers?: StepOffers } | undefined;
}

/** A waiting step as the session service answers it: its type and the options it offers now. */
export interface WaitingStep {
  type: string;
  options: ReadonlyArray<{ id: string }>;
}

export function offersOf(catalogue: StepCatalogue, step: WaitingStep): StepOffers {
  return catalogue.get(step.type)?.offers ?? {};
}

/** An option the step offers now; an absent option is the step acting on entry, so always "now". */
const offeredNow = (step: WaitingStep, option: string | undefined) => option === undefined || step.options.some((o) => o.id === option);

// Passkeys (issue 17).
/** The option that takes a new passkey (the registration response) now, if any. */
export function passkeyEnrolOption(offers: StepOffers, step: WaitingStep): string | null {
  const enrol = offers.enrol?.find((e) => e.method === 'passkey');
  return enrol?.option && offeredNow(step, enrol.option) ? enrol.option : null;
}

/** The option that checks a passkey (the authentication response) now, if any. */
export function passkeyVerifyOption(offers: StepOffers, step: WaitingStep): string | null {
  return offers.verify?.find((v) => v.method === 'passkey' && offeredNow(step, v.option))?.option ?? null;
}

/** How the step enrols an authenticator app: `{ option }` to submit, `{}` when it enrolled on entry, null when it does not. */
export function totpEnrolment(offers: StepOffers, step: WaitingStep): { option?: string } | null {
  const enrol = offers.enrol?.find((e) => e.method === 'totp');
  return enrol && offeredNow(step, enrol.option) ? { option: enrol.option } : null;
}

/** The option that checks an authenticator app code now, if any. */
export function totpVerifyOption(offers: StepOffers, step: WaitingStep): string | null {
  return offers.verify?.find((v) => v.method === 'totp' && offeredNow(step, v.option))?.option ?? null;
}

/** How the step sends a code on the channel: `{ option }` to submit, `{}` when it sent on entry, null when it does not. */
export function codeSending(offers: StepOffers, step: WaitingStep, channel: MessageChannel): { option?: string } | null {
  const send = offers.send?.find((s) => s.channel === channel);
  return send && offeredNow(step, send.option) ? { option: send.option } : null;
}

const isChannel = (method: ProofMethod): method is MessageChannel => method === 'sms' || method === 'whatsapp' || method === 'email';

/**
 * The option that checks a code the step sent, if one is offered now. Any channel's: the SDK's
 * `sms.verify` also takes a code that fell back to WhatsApp.
 */
export function sentCodeVerifyOption(offers: StepOffers, step: WaitingStep): string | null {
  return offers.verify?.find((v) => isChannel(v.method) && offeredNow(step, v.option))?.option ?? null;
}

/**
 * The methods the step lets the client use now, in Authsignal's order: what it can enrol, what it
 * sends (or sent), and what it checks — except a code it sends, which is a method only once it can
 * be sent (the option checking it stands for whichever channel the code went by).
 */
export function offeredMethods(offers: StepOffers, step: WaitingStep): VerificationMethod[] {
  const sends = new Set<ProofMethod>((offers.send ?? []).map((s) => s.channel));
  const methods = new Set<ProofMethod>();
  for (const e of offers.enrol ?? []) if (offeredNow(step, e.option)) methods.add(e.method);
  for (const s of offers.send ?? []) if (offeredNow(step, s.option)) methods.add(s.channel);
  for (const v of offers.verify ?? []) if (!sends.has(v.method) && offeredNow(step, v.option)) methods.add(v.method);
  return (Object.keys(VERIFICATION_METHOD) as ProofMethod[]).filter((m) => methods.has(m)).map((m) => VERIFICATION_METHOD[m]);
}
