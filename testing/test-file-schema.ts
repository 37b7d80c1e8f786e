/**
 * The journey test file (`*.test.json`) once, as JSON Schema: the runner validates files against
 * it, its types derive from it (FromSchema), and testing/journey-test.schema.json (what a file's
 * `$schema` names, for editors' autocompletion) is written from it (a test keeps the two equal).
 */
import type { FromSchema } from 'json-schema-to-ts';

/** `{ "$code": "to" }`, `{ "$totp": "user" }`, `{ "$passkey": "user" }`: an answer a fake computes. */
const fakeAnswerSchema = {
  type: 'object',
  description: 'A value the fakes compute when the step is answered.',
  oneOf: [
    {
      required: ['$code'],
      additionalProperties: false,
      properties: { $code: { type: 'string', minLength: 1, description: 'The one-time code in the latest message sent to this address or phone number.' } },
    },
    {
      required: ['$totp'],
      additionalProperties: false,
      properties: {
        $totp: { type: 'string', minLength: 1, description: 'The current code of this user\'s authenticator app ("enrolled": the app that read the secret shown in this case).' },
      },
    },
    {
      required: ['$passkey'],
      additionalProperties: false,
      properties: {
        $passkey: { type: 'string', minLength: 1, description: 'The virtual passkey\'s answer to the step\'s WebAuthn options: a user\'s passkey by username, or "new" for a new one.' },
      },
    },
  ],
} as const;

const stepSchema = {
  type: 'object',
  description: 'One step the journey must wait at, and the answer to give it.',
  required: ['step', 'option'],
  additionalProperties: false,
  properties: {
    step: { type: 'string', minLength: 1, description: 'The id of the step the journey must be waiting at.' },
    error: { type: 'string', description: 'The error code the journey must show at this step (a refused answer or a failure it came back from).' },
    wait: { type: 'integer', minimum: 0, description: 'Seconds the clock moves on before answering.' },
    stepError: {
      type: 'boolean',
      description: 'The step meets an unexpected error handling this answer (as in a database outage): it fails with step_error and takes its failure branch.',
    },
    openLink: { type: 'string', minLength: 1, description: 'Before answering, open the link in the latest email to this address (as its recipient would, in the same browser).' },
    option: { type: 'string', minLength: 1, description: 'The option chosen.' },
    data: {
      type: 'object',
      description: 'The answer\'s data; any value may be a fake answer ($code, $totp, $passkey).',
      additionalProperties: { anyOf: [fakeAnswerSchema, {}] },
    },
  },
} as const;

const userSchema = {
  type: 'object',
  description: 'A user that exists before the case starts.',
  required: ['username'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, description: 'Default: user-<username>.' },
    username: { type: 'string', minLength: 1 },
    attributes: { type: 'object', description: 'e.g. { "email": "…", "phoneNumber": "…" }' },
    password: { type: 'string', minLength: 1 },
    totp: { type: 'boolean', description: 'Has an authenticator app (the fake device holds its secret: answer with { "$totp": username }).' },
    passkey: { type: 'boolean', description: 'Has a passkey (the virtual passkey: answer with { "$passkey": username }).' },
  },
} as const;

const httpResponseSchema = {
  type: 'object',
  description: 'A canned answer of the fake HTTP to http.request steps.',
  required: ['url'],
  additionalProperties: false,
  properties: {
    method: { type: 'string', default: 'GET' },
    url: { type: 'string', minLength: 1, description: 'The exact URL requested.' },
    status: { type: 'integer', minimum: 100, maximum: 599, default: 200 },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { description: 'A string is sent as is; anything else as JSON.' },
  },
} as const;

const caseSchema = {
  type: 'object',
  required: ['name', 'steps', 'expect'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    input: { type: 'object', description: 'The start input ($input).' },
    user: { type: 'string', minLength: 1, description: 'The username of a user the session starts with (established), as a server-side caller starts it (the Authsignal API).' },
    users: { type: 'array', items: userSchema },
    http: { type: 'array', items: httpResponseSchema },
    steps: { type: 'array', items: stepSchema },
    expect: {
      type: 'object',
      description: 'How the case ends.',
      required: ['status'],
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: ['completed', 'rejected', 'failed', 'waiting'] },
        claims: { type: 'object', description: 'Each claim named must equal this value (others are not checked).' },
        error: { type: 'string', description: 'The error code it ends with (rejected, failed) or shows (waiting).' },
        path: { type: 'array', items: { type: 'string' }, description: 'Every step entered, in order.' },
        step: { type: 'string', description: 'waiting: the step it waits at.' },
      },
    },
  },
} as const;

export const journeyTestFileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://journey-engine.dev/schemas/journey-test.schema.json',
  title: 'Journey tests',
  type: 'object',
  required: ['cases'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    journey: { type: 'string', description: 'The journey file, relative to this one. Default: this file\'s name without ".test".' },
    unreachable: {
      type: 'array',
      description: 'Branches no run can take (e.g. an option the step offers only under another config): left out of the coverage, and a case that takes one fails.',
      items: {
        type: 'object',
        required: ['branch', 'why'],
        additionalProperties: false,
        properties: {
          branch: { type: 'string', pattern: '^[^.]+\\.[^.]+$', description: 'stepId.outcome' },
          why: { type: 'string', minLength: 1 },
        },
      },
    },
    cases: { type: 'array', minItems: 1, items: caseSchema },
  },
} as const;

export type JourneyTestFile = FromSchema<typeof journeyTestFileSchema>;
export type JourneyTestCase = JourneyTestFile['cases'][number];
export type JourneyTestStep = NonNullable<JourneyTestCase['steps']>[number];
export type JourneyTestUser = NonNullable<JourneyTestCase['users']>[number];
export type JourneyTestHttp = NonNullable<JourneyTestCase['http']>[number];
