/** The built-in step types, registered by the composition root exactly as custom steps are. */
import type { StepDefinition } from '../engine/sdk.js';
import { allowListStep } from './allow-list/allow-list.step.js';
import { challengeStep } from './challenge/challenge.step.js';
import { completeStep } from './complete/complete.step.js';
import { conditionStep } from './condition/condition.step.js';
import { displayStep } from './display/display.step.js';
import { formStep } from './form/form.step.js';
import { httpRequestStep } from './http-request/http-request.step.js';
import { passwordAuthenticateStep } from './password-authenticate/password-authenticate.step.js';
import { passwordSetStep } from './password-set/password-set.step.js';
import { rejectStep } from './reject/reject.step.js';
import { riskDecisionStep } from './risk-decision/risk-decision.step.js';
import { setVariablesStep } from './set-variables/set-variables.step.js';
import { emailOtpStep } from './email-otp/email-otp.step.js';
import { emailLinkStep } from './email-link/email-link.step.js';
import { smsOtpStep } from './sms-otp/sms-otp.step.js';
import { switchStep } from './switch/switch.step.js';
import { totpAuthenticateStep } from './totp-authenticate/totp-authenticate.step.js';
import { totpRegisterStep } from './totp-register/totp-register.step.js';
import { userIdentifyStep } from './user-identify/user-identify.step.js';
import { authenticatorCheckStep } from './authenticator-check/authenticator-check.step.js';
import { userUnlockStep } from './user-unlock/user-unlock.step.js';
import { passkeyAuthenticateStep } from './passkey-authenticate/passkey-authenticate.step.js';
import { passkeyRegisterStep } from './passkey-register/passkey-register.step.js';
import { journeyCallStep } from './journey-call/journey-call.step.js';

export const builtInSteps: Array<StepDefinition<any>> = [
  formStep,
  displayStep,
  conditionStep,
  switchStep,
  setVariablesStep,
  riskDecisionStep,
  httpRequestStep,
  userIdentifyStep,
  userUnlockStep,
  authenticatorCheckStep,
  totpRegisterStep,
  totpAuthenticateStep,
  passwordSetStep,
  passwordAuthenticateStep,
  smsOtpStep,
  emailOtpStep,
  emailLinkStep,
  challengeStep,
  completeStep,
  rejectStep,
  passkeyRegisterStep,
  passkeyAuthenticateStep,
  journeyCallStep,
  // The worked example of a custom step (docs/custom-steps.md), registered like every other.
  allowListStep,
];
