/**
 * The typed client of the journey engine (fetch only: Node 18+ and browsers).
 *
 *   const client = new JourneyClient({ baseUrl: 'https://auth.example.com', apiKey });
 *   let step = await client.start('login-totp');
 *   step = await client.submit(step, { stepId: step.step!.id, option: 'totp', data: { … } });
 */
export { JourneyClient, type JourneyClientOptions, type JourneyDraft, type JourneyDocument, type SaveResult } from './client.js';
export { JourneyApiError, ERROR_STATUS, isApiErrorCode, isJourneyApiError } from './errors.js';
export type * from './types.js';
