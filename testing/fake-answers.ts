/**
 * Answers the fakes compute: `{ "$code": to }` reads the latest code sent to `to` from the dev
 * outbox (the message providers of the test engine), `{ "$totp": user }` is the code of that
 * user's authenticator app ("enrolled": the one that scanned this case's enrolment QR code), and
 * `{ "$passkey": user }` the
 * virtual passkey's answer to the step's WebAuthn options ("new": a new passkey, to register).
 */
import type { StepResponse } from '../engine/runtime/session-service.js';
import { SoftAuthenticator } from './fakes/soft-authenticator.js';
import { TotpDevice } from './fakes/totp-device.js';
import { TEST_ORIGIN, TEST_RP_ID, type TestEngine, type UserDevices } from './test-engine.js';

export interface CaseFakes extends UserDevices {
  test: TestEngine;
  /** The step the answer is for. */
  lastStep?: StepResponse['step'];
}

export async function resolveAnswer(value: unknown, fakes: CaseFakes): Promise<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const fake = value as Record<string, unknown>;
  if (typeof fake.$code === 'string') return codeSentTo(fake.$code, fakes);
  if (typeof fake.$totp === 'string') return totpDevice(fake.$totp, fakes).code();
  if (typeof fake.$passkey === 'string') return passkeyAnswer(fake.$passkey, fakes);
  return value;
}

async function codeSentTo(to: string, fakes: CaseFakes): Promise<string> {
  const [latest] = await fakes.test.engine.store.outbox.list({ to, limit: 1 });
  if (!latest) throw new Error(`no message was sent to ${to}`);
  const code = latest.body.match(/(?<![\dA-Za-z])\d{4,10}(?![\dA-Za-z])/);
  if (!code) throw new Error(`the latest message to ${to} holds no code: ${JSON.stringify(latest.body)}`);
  return code[0];
}

/** An enrolment step on screen: the app scans its URI. */
function enrolment(fakes: CaseFakes): void {
  const data = fakes.lastStep?.data as { uri?: unknown } | undefined;
  if (typeof data?.uri !== 'string' || fakes.totp.has('enrolled')) return;
  fakes.totp.set('enrolled', TotpDevice.scan(data.uri, fakes.test.clock.now));
}

function totpDevice(user: string, fakes: CaseFakes): TotpDevice {
  if (user === 'enrolled') enrolment(fakes);
  const device = fakes.totp.get(user);
  if (!device) {
    throw new Error(user === 'enrolled' ? 'no enrolment QR code was shown in this case before this answer' : `user "${user}" has no authenticator app (give it "totp": true)`);
  }
  return device;
}

function passkeyAnswer(user: string, fakes: CaseFakes): unknown {
  const options = (fakes.lastStep?.data as { options?: Record<string, unknown> } | undefined)?.options;
  if (!options || typeof options.challenge !== 'string') throw new Error('the step shows no WebAuthn options to answer with a passkey');
  let passkey = fakes.passkeys.get(user);
  const creating = typeof options.user === 'object' && options.user !== null;
  if (creating) {
    if (!passkey) {
      passkey = new SoftAuthenticator({ origin: TEST_ORIGIN, rpId: TEST_RP_ID });
      fakes.passkeys.set(user, passkey);
    }
    return passkey.create(options as never);
  }
  if (!passkey) throw new Error(`user "${user}" has no passkey (give it "passkey": true, or register one as "new")`);
  return passkey.get(options as never);
}
