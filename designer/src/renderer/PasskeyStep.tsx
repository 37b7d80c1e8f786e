/**
 * passkey.register and passkey.authenticate in the step view: a button that runs the browser's
 * WebAuthn ceremony (@simplewebauthn/browser) with the options the step shows and submits the
 * answer; a clear message when the browser has no passkey support; a cancelled or timed-out
 * ceremony is reported to the step (option `cancel`), which answers `not_allowed` with a fresh
 * challenge. With `autofill` (passkey.authenticate), the username field offers the browser's saved
 * passkeys (conditional UI) while a typed username continues the usual way.
 */
import { useEffect, useRef, useState } from 'react';
import {
  WebAuthnAbortService,
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { StepOption, StepResponse } from '../../../engine/http/contract/types.js';
import { useTexts } from './texts.js';
import type { JsonObject } from '../../../engine/http/contract/journey-document.js';

type Step = NonNullable<StepResponse['step']>;

export interface PasskeyStepProps {
  step: Step;
  busy: string | null;
  /** Submits an option with its data; resolves when the engine answered (the view then re-renders). */
  submit: (option: StepOption, data?: JsonObject) => Promise<void>;
  /** The step's other options (skip, the username form) rendered by the generic view. */
  children?: React.ReactNode;
}

export const NO_SUPPORT_MESSAGE = 'This browser cannot use passkeys. Use another browser or device, or another way to sign in.';

/** Why a ceremony ended without a credential, for the user: null when the step should hear of it. */
function localMessage(error: unknown): string | null {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') return null;
  if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  if (name === 'SecurityError') return 'This page is not allowed to use passkeys for this site.';
  return error instanceof Error && error.message ? error.message : 'The passkey could not be used. Try again.';
}

export function PasskeyStep({ step, busy, submit, children }: PasskeyStepProps) {
  const t = useTexts();
  const data = (step.data ?? {}) as { options?: JsonObject; autofill?: boolean };
  const registering = step.type === 'passkey.register';
  const ceremony = step.options.find((o) => o.id === (registering ? 'register' : 'verify'));
  const cancel = step.options.find((o) => o.id === 'cancel');
  const [supported] = useState(() => browserSupportsWebAuthn());
  const [message, setMessage] = useState<string | null>(null);
  const running = useRef(false);

  const finish = async (credential: unknown) => {
    if (ceremony) await submit(ceremony, { credential: credential as JsonObject });
  };
  const failed = async (error: unknown) => {
    const local = localMessage(error);
    if (local) return setMessage(local);
    // Cancelled or timed out: the step answers not_allowed (and spends the challenge).
    if (cancel && !(error instanceof Error && error.name === 'AbortError')) await submit(cancel);
  };

  const run = async () => {
    if (!data.options || running.current) return;
    setMessage(null);
    running.current = true;
    try {
      const credential = registering
        ? await startRegistration({ optionsJSON: data.options as unknown as PublicKeyCredentialCreationOptionsJSON })
        : await startAuthentication({ optionsJSON: data.options as unknown as PublicKeyCredentialRequestOptionsJSON });
      await finish(credential);
    } catch (error) {
      await failed(error);
    } finally {
      running.current = false;
    }
  };

  // Conditional UI: wait for a passkey picked from the username field's suggestions. Once per
  // step response: each one carries a new challenge.
  useEffect(() => {
    if (registering || !data.autofill || !data.options) return;
    let active = true;
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill())) return;
      try {
        const credential = await startAuthentication({
          optionsJSON: data.options as unknown as PublicKeyCredentialRequestOptionsJSON,
          useBrowserAutofill: true,
        });
        if (active) await finish(credential);
      } catch (error) {
        // Aborted when the view changes or the button starts its own ceremony: nothing to say.
        if (active && error instanceof Error && error.name !== 'AbortError') setMessage(localMessage(error));
      }
    })();
    return () => {
      active = false;
      WebAuthnAbortService.cancelCeremony();
    };
  }, [step]);

  return (
    <div className="sv-passkey" data-testid="passkey-step">
      {!supported && (
        <p className="sv-alert" role="alert" data-testid="passkey-unsupported">
          {t('passkey.unsupported')}
        </p>
      )}
      {message && (
        <p className="sv-alert" role="alert" data-testid="passkey-message">
          {message}
        </p>
      )}
      <p className="sv-text">
        {registering ? t('passkey.registerText') : t('passkey.signInText')}
      </p>
      {children}
      {ceremony && (
        <div className="sv-actions sv-actions-stack">
          <button
            type="button"
            className={`sv-button ${data.autofill ? 'sv-secondary' : 'sv-primary'}`}
            disabled={!supported || busy !== null}
            onClick={() => void run()}
            data-testid="passkey-button"
            {...(data.autofill ? {} : { 'data-primary': true })}
          >
            {ceremony.label ?? (registering ? t('passkey.create') : t('passkey.signIn'))}
          </button>
        </div>
      )}
    </div>
  );
}
