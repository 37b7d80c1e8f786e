/**
 * The generated bad-input corpus: every endpoint of the HTTP API (shared/spec/http-api.md) crossed
 * with malformed bodies, wrong auth, wrong types, unknown and invalid ids, odd unicode,
 * prototype keys, template strings and oversized or deeply nested input.
 *
 * Cases are plain data built at collection time; what they need at run time (session ids,
 * tokens, user ids…) comes from the `Fixture` the suite builds before sending them. Every case
 * here must leave the database exactly as it found it: the cases that are accepted (`accept`) are
 * read-only requests (lists, validation) whose answer is checked instead.
 */
import { gzipSync } from 'node:zlib';
import type { RawRequest } from './raw-http.js';

// ---------------------------------------------------------------------------------------------
// Fixture: what the suite prepares before the corpus runs
// ---------------------------------------------------------------------------------------------

export interface SessionRef {
  sessionId: string;
  sessionToken: string;
}

export interface Fixture {
  adminKey: string;
  appKey: string;
  /** Journey ids. */
  journeys: {
    /** public: ask (form: go {name ≤ 20, no extra keys} | cancel) → shown (display) → done; cancel → reject */
    form: string;
    /** not public, same shape */
    private: string;
    /** public, input schema { email (with @), no extra keys } */
    input: string;
    /** a valid draft never published */
    draftOnly: string;
    /** a draft with errors, never publishable */
    broken: string;
    /** published, then deleted */
    deleted: string;
    /** a valid draft with an input schema, never published nor test-run */
    inputDraft: string;
  };
  /** The published version of `form`. */
  formVersion: number;
  /** The form journey's draft document (equal to its published version). */
  formDocument: Record<string, unknown>;
  /** form sessions waiting at "ask". `waiting` is the usual target; `other` lends its token. */
  waiting: SessionRef;
  other: SessionRef;
  completed: SessionRef;
  rejected: SessionRef;
  /** waiting, but past its TTL (410) */
  expired: SessionRef;
  users: { a: string; b: string; authenticatorA: string };
  tokens: {
    /** a real token never validated: refused validations must not consume it */
    fresh: string;
    used: string;
    expired: string;
    testRun: string;
    forged: string;
    algNone: string;
    hs256: string;
    tampered: string;
    truncated: string;
    noKid: string;
    unknownKid: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Cases and expectations
// ---------------------------------------------------------------------------------------------

export const ENDPOINTS = [
  'start',
  'getSession',
  'submit',
  'validateToken',
  'jwks',
  'steps',
  'journeysList',
  'journeyGet',
  'journeyPut',
  'journeyDelete',
  'publish',
  'versionGet',
  'restore',
  'testRuns',
  'validate',
  'sessionsList',
  'sessionGet',
  'outbox',
  'usersList',
  'userGet',
  'userDelete',
  'userUnlock',
  'authenticatorDelete',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The documented refusals (status → codes), from the spec's errors table. */
export const DOCUMENTED: Record<number, readonly string[]> = {
  400: ['invalid_request'],
  401: ['unauthorized'],
  403: ['forbidden'],
  404: ['not_found'],
  409: ['stale_step', 'conflict', 'session_ended'],
  410: ['session_expired'],
  422: ['validation_failed'],
  429: ['rate_limited'],
};

export type Refusal = readonly [status: number, code: string];

export type Expectation =
  /** refused with one of these (status, code) pairs */
  | { kind: 'refuse'; allowed: readonly Refusal[] }
  /** a read-only request answered 200; `check` asserts on the body */
  | { kind: 'accept'; why: string; check: (body: any, fx: Fixture) => void; alsoRefuse?: readonly Refusal[] };

export type Group =
  | 'malformed-json'
  | 'content-type'
  | 'empty-body'
  | 'wrong-types'
  | 'missing-fields'
  | 'extra-fields'
  | 'huge-body'
  | 'deep-nesting'
  | 'odd-unicode'
  | 'unknown-ids'
  | 'invalid-ids'
  | 'auth'
  | 'session-state'
  | 'bad-tokens'
  | 'templates'
  | 'prototype-keys'
  | 'over-long'
  | 'query'
  | 'methods';

export interface AbuseCase {
  name: string;
  group: Group;
  endpoint: Endpoint;
  build(fx: Fixture): RawRequest;
  expect: Expectation;
  /** A session that must come out unchanged (its GET answer and its stored revision). */
  session?: (fx: Fixture) => SessionRef;
  /** Longest acceptable answer time. */
  maxMs?: number;
}

const refuse = (...allowed: Refusal[]): Expectation => ({ kind: 'refuse', allowed });
const R400: Refusal = [400, 'invalid_request'];
const R401: Refusal = [401, 'unauthorized'];
const R403: Refusal = [403, 'forbidden'];
const R404: Refusal = [404, 'not_found'];
const R409stale: Refusal = [409, 'stale_step'];
const R409ended: Refusal = [409, 'session_ended'];
const R410: Refusal = [410, 'session_expired'];
const R422: Refusal = [422, 'validation_failed'];

// ---------------------------------------------------------------------------------------------
// Request building
// ---------------------------------------------------------------------------------------------

type Body = { json: unknown } | { raw: string | Buffer };

interface RequestOptions {
  /** The whole Authorization header value; null for none. */
  authorization?: string | Buffer | null;
  body?: Body;
  /** Content-Type; defaults to application/json when there is a body; null for none. */
  contentType?: string | null;
  headers?: Array<[string, string | Buffer]>;
  chunked?: boolean;
}

function request(method: string, path: string, options: RequestOptions = {}): RawRequest {
  const headers: Array<[string, string | Buffer]> = [];
  if (options.authorization !== undefined && options.authorization !== null) headers.push(['Authorization', options.authorization]);
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    body = 'json' in options.body ? JSON.stringify(options.body.json) : options.body.raw;
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null) headers.push(['Content-Type', contentType]);
  } else if (options.contentType) {
    headers.push(['Content-Type', options.contentType]);
  }
  headers.push(...(options.headers ?? []));
  return { method, path, headers, body, chunked: options.chunked };
}

const bearer = (value: string) => `Bearer ${value}`;
const json = (value: unknown): Body => ({ json: value });
const raw = (value: string | Buffer): Body => ({ raw: value });

/** Percent-encodes a path segment (lone surrogates are not encodable this way: write their bytes by hand). */
const seg = (value: string) => encodeURIComponent(value);

// ---------------------------------------------------------------------------------------------
// The endpoints, each with a real target and a request that would succeed (or change state)
// ---------------------------------------------------------------------------------------------

type AuthKind = 'admin' | 'key' | 'session' | 'none' | 'start';

interface EndpointSpec {
  endpoint: Endpoint;
  method: string;
  path(fx: Fixture): string;
  auth: AuthKind;
  /** The right credential (undefined: none needed). */
  credential(fx: Fixture): string | undefined;
  /** A body the endpoint would accept: a lenient parser or a bypassed check would then change state. */
  body?(fx: Fixture): unknown;
  session?: (fx: Fixture) => SessionRef;
}

const admin = (fx: Fixture) => fx.adminKey;
const waiting = (fx: Fixture) => fx.waiting;

/** A journey document that differs from the stored draft: saving it would be visible. */
const hijackedForm = (fx: Fixture) => ({ ...fx.formDocument, name: 'hijacked by the abuse suite' });

const SPECS: EndpointSpec[] = [
  { endpoint: 'start', method: 'POST', path: (fx) => `/v1/journeys/${fx.journeys.form}/start`, auth: 'start', credential: () => undefined, body: () => ({}) },
  { endpoint: 'getSession', method: 'GET', path: (fx) => `/v1/sessions/${fx.waiting.sessionId}`, auth: 'session', credential: (fx) => fx.waiting.sessionToken, session: waiting },
  {
    endpoint: 'submit',
    method: 'POST',
    path: (fx) => `/v1/sessions/${fx.waiting.sessionId}/submit`,
    auth: 'session',
    credential: (fx) => fx.waiting.sessionToken,
    body: () => ({ stepId: 'ask', option: 'cancel' }),
    session: waiting,
  },
  { endpoint: 'validateToken', method: 'POST', path: () => '/v1/tokens/validate', auth: 'key', credential: (fx) => fx.appKey, body: (fx) => ({ token: fx.tokens.fresh }) },
  { endpoint: 'jwks', method: 'GET', path: () => '/.well-known/jwks.json', auth: 'none', credential: () => undefined },
  { endpoint: 'steps', method: 'GET', path: () => '/v1/admin/steps', auth: 'admin', credential: admin },
  { endpoint: 'journeysList', method: 'GET', path: () => '/v1/admin/journeys', auth: 'admin', credential: admin },
  { endpoint: 'journeyGet', method: 'GET', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}`, auth: 'admin', credential: admin },
  { endpoint: 'journeyPut', method: 'PUT', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}`, auth: 'admin', credential: admin, body: hijackedForm },
  { endpoint: 'journeyDelete', method: 'DELETE', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}`, auth: 'admin', credential: admin },
  { endpoint: 'publish', method: 'POST', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}/publish`, auth: 'admin', credential: admin },
  { endpoint: 'versionGet', method: 'GET', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}/versions/${fx.formVersion}`, auth: 'admin', credential: admin },
  { endpoint: 'restore', method: 'POST', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}/versions/${fx.formVersion}/restore`, auth: 'admin', credential: admin },
  { endpoint: 'testRuns', method: 'POST', path: (fx) => `/v1/admin/journeys/${fx.journeys.form}/test-runs`, auth: 'admin', credential: admin, body: () => ({}) },
  { endpoint: 'validate', method: 'POST', path: () => '/v1/admin/validate', auth: 'admin', credential: admin, body: (fx) => fx.formDocument },
  { endpoint: 'sessionsList', method: 'GET', path: () => '/v1/admin/sessions', auth: 'admin', credential: admin },
  { endpoint: 'sessionGet', method: 'GET', path: (fx) => `/v1/admin/sessions/${fx.waiting.sessionId}`, auth: 'admin', credential: admin },
  { endpoint: 'outbox', method: 'GET', path: () => '/v1/admin/outbox', auth: 'admin', credential: admin },
  { endpoint: 'usersList', method: 'GET', path: () => '/v1/admin/users', auth: 'admin', credential: admin },
  { endpoint: 'userGet', method: 'GET', path: (fx) => `/v1/admin/users/${fx.users.a}`, auth: 'admin', credential: admin },
  { endpoint: 'userDelete', method: 'DELETE', path: (fx) => `/v1/admin/users/${fx.users.b}`, auth: 'admin', credential: admin },
  { endpoint: 'userUnlock', method: 'POST', path: (fx) => `/v1/admin/users/${fx.users.a}/unlock`, auth: 'admin', credential: admin },
  {
    endpoint: 'authenticatorDelete',
    method: 'DELETE',
    path: (fx) => `/v1/admin/users/${fx.users.a}/authenticators/${fx.users.authenticatorA}`,
    auth: 'admin',
    credential: admin,
  },
];

function specRequest(spec: EndpointSpec, fx: Fixture, overrides: RequestOptions & { path?: string } = {}): RawRequest {
  const credential = spec.credential(fx);
  const body = 'body' in overrides ? overrides.body : spec.body ? json(spec.body(fx)) : undefined;
  return request(spec.method, overrides.path ?? spec.path(fx), {
    authorization: 'authorization' in overrides ? overrides.authorization : credential === undefined ? null : bearer(credential),
    body,
    contentType: overrides.contentType,
    headers: overrides.headers,
    chunked: overrides.chunked,
  });
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const HUGE = 300 * 1024;
const hugeJson = () => `{"pad":"${'x'.repeat(HUGE)}"}`;
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

/** 2 MB of JSON whitespace inside a valid document, gzipped to a few kB: the limit applies to what it inflates to. */
const gzipBomb = () => gzipSync(Buffer.from(`{"stepId":"ask","option":"cancel","data":${' '.repeat(2 * 1024 * 1024)}null}`));

/** Odd unicode, as JS strings (sent inside JSON, so lone surrogates travel as \u escapes). */
const ODD: Array<[label: string, value: string]> = [
  ['NUL', '\u0000'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', '\udc00'],
  ['RTL override', '\u202e'],
  ['zero-width joiner', '\u200d'],
  ['4-byte emoji', '\u{1F600}'],
  ['combining accent', '\u0301'],
  ['BOM inside', '\ufeff'],
];

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

export function generateCorpus(): AbuseCase[] {
  const cases: AbuseCase[] = [];
  const add = (c: AbuseCase) => cases.push(c);
  const spec = (endpoint: Endpoint) => SPECS.find((s) => s.endpoint === endpoint)!;

  // ---- 1. Generic attacks on every endpoint ------------------------------------------------
  for (const s of SPECS) {
    const base = { endpoint: s.endpoint, session: s.session } as const;
    const validText = (fx: Fixture) => JSON.stringify(s.body ? s.body(fx) : {});
    add({ ...base, group: 'malformed-json', name: `${s.endpoint}: truncated JSON body`, build: (fx) => specRequest(s, fx, { body: raw(validText(fx).slice(0, -1)) }), expect: refuse(R400) });
    add({ ...base, group: 'malformed-json', name: `${s.endpoint}: JSON with a trailing comma`, build: (fx) => specRequest(s, fx, { body: raw(validText(fx).replace(/}$/, ',}').replace(/^\{,\}$/, '{"a":1,}')) }), expect: refuse(R400) });
    add({ ...base, group: 'huge-body', name: `${s.endpoint}: 300 kB body with Content-Length`, build: (fx) => specRequest(s, fx, { body: raw(hugeJson()) }), expect: refuse(R400), maxMs: 3000 });
    add({ ...base, group: 'huge-body', name: `${s.endpoint}: 300 kB body, chunked (no length up front)`, build: (fx) => specRequest(s, fx, { body: raw(hugeJson()), chunked: true }), expect: refuse(R400), maxMs: 3000 });
    add({ ...base, group: 'content-type', name: `${s.endpoint}: a valid body sent as text/plain`, build: (fx) => specRequest(s, fx, { body: raw(validText(fx)), contentType: 'text/plain' }), expect: refuse(R400) });
    add({ ...base, group: 'content-type', name: `${s.endpoint}: a valid body without Content-Type`, build: (fx) => specRequest(s, fx, { body: raw(validText(fx)), contentType: null }), expect: refuse(R400) });
    add({ ...base, group: 'content-type', name: `${s.endpoint}: a valid body as application/x-www-form-urlencoded`, build: (fx) => specRequest(s, fx, { body: raw('stepId=ask&option=cancel&token=x'), contentType: 'application/x-www-form-urlencoded' }), expect: refuse(R400) });

    // Authentication, where the endpoint needs it.
    const variants = authVariants(s);
    for (const v of variants) {
      add({ ...base, group: 'auth', name: `${s.endpoint}: ${v.label}`, build: (fx) => specRequest(s, fx, { authorization: v.header(fx), path: v.path?.(fx) }), expect: v.expect });
    }
  }

  // ---- 2. Malformed JSON, content types and empty bodies on the body endpoints ---------------
  const submitSpec = spec('submit');
  // Bodies that, read leniently, would be a valid "cancel" (ending the session): a lenient
  // parser shows up as a changed session.
  const MALFORMED: Array<[string, string | Buffer, readonly Refusal[]]> = [
    ['truncated', '{"stepId":"ask","option":"cancel"', [R400]],
    ['trailing comma', '{"stepId":"ask","option":"cancel",}', [R400]],
    ['NaN', '{"stepId":"ask","option":"cancel","data":NaN}', [R400]],
    ['Infinity literal', '{"stepId":"ask","option":"cancel","data":Infinity}', [R400]],
    ['block comment', '/* hi */{"stepId":"ask","option":"cancel"}', [R400]],
    ['line comment', '{"stepId":"ask", // hi\n"option":"cancel"}', [R400]],
    ['single quotes', "{'stepId':'ask','option':'cancel'}", [R400]],
    ['unquoted keys', '{stepId:"ask",option:"cancel"}', [R400]],
    ['hex number', '{"stepId":"ask","option":"cancel","data":0x10}', [R400]],
    ['two BOMs', '\ufeff\ufeff{"stepId":"ask","option":"cancel"}', [R400]],
    // One UTF-8 BOM may be ignored (RFC 8259 §8.1): then the body is an unknown option.
    ['one BOM before an unknown option', '\ufeff{"stepId":"ask","option":"nope"}', [R400, R422]],
    ['UTF-16LE bytes declared UTF-8', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"stepId":"ask","option":"cancel"}', 'utf16le')]), [R400]],
    ['two documents', '{"stepId":"ask","option":"cancel"}{"stepId":"ask","option":"cancel"}', [R400]],
    ['trailing garbage', '{"stepId":"ask","option":"cancel"}xyz', [R400]],
    ['top-level string', '"cancel"', [R400]],
    ['top-level null', 'null', [R400]],
    ['top-level number', '42', [R400]],
    ['top-level array', '["ask","cancel"]', [R400]],
    ['invalid escape', '{"stepId":"a\\qsk","option":"cancel"}', [R400]],
    ['raw control character in a string', '{"stepId":"ask\u0001","option":"cancel"}', [R400]],
    ['bad unicode escape', '{"stepId":"ask","option":"cancel\\u12"}', [R400]],
    ['whitespace only', '   \n\t ', [R400]],
    ['invalid UTF-8 bytes in a string', Buffer.concat([Buffer.from('{"stepId":"ask","option":"cancel'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]), [R400, R422]],
    // JSON.parse keeps the last duplicate: "nope", an unknown option. First-wins would cancel.
    ['duplicate key (last wins)', '{"stepId":"ask","option":"cancel","option":"nope"}', [R400, R422]],
  ];
  for (const [label, body, allowed] of MALFORMED) {
    add({ endpoint: 'submit', group: 'malformed-json', name: `submit: malformed JSON (${label})`, session: waiting, build: (fx) => specRequest(submitSpec, fx, { body: raw(body) }), expect: refuse(...allowed) });
  }
  const CONTENT_TYPES: Array<[string, RequestOptions]> = [
    ['multipart/form-data', { contentType: 'multipart/form-data; boundary=x', body: raw('--x\r\nContent-Disposition: form-data; name="stepId"\r\n\r\nask\r\n--x--\r\n') }],
    ['charset=utf-16', { contentType: 'application/json; charset=utf-16' }],
    ['charset=latin1', { contentType: 'application/json; charset=latin1' }],
    ['text/json', { contentType: 'text/json' }],
    ['application/json-patch+json', { contentType: 'application/json-patch+json' }],
    ['Content-Encoding: gzip with garbage', { headers: [['Content-Encoding', 'gzip']] }],
    ['Content-Encoding: x-unknown', { headers: [['Content-Encoding', 'x-unknown']] }],
    ['gzip bomb (2 MB inflated)', { headers: [['Content-Encoding', 'gzip']], body: raw(gzipBomb()) }],
  ];
  for (const [label, options] of CONTENT_TYPES) {
    add({
      endpoint: 'submit',
      group: 'content-type',
      name: `submit: ${label}`,
      session: waiting,
      build: (fx) => specRequest(submitSpec, fx, { body: raw('{"stepId":"ask","option":"cancel"}'), ...options }),
      expect: refuse(R400),
      maxMs: 3000,
    });
  }
  add({ endpoint: 'submit', group: 'empty-body', name: 'submit: empty body with Content-Type: application/json', session: waiting, build: (fx) => specRequest(submitSpec, fx, { body: raw('') }), expect: refuse(R400) });
  add({ endpoint: 'submit', group: 'empty-body', name: 'submit: no body at all', session: waiting, build: (fx) => specRequest(submitSpec, fx, { body: undefined }), expect: refuse(R400) });

  // The same malformed shapes on every other body endpoint.
  const otherBodies: Array<[Endpoint, (fx: Fixture) => string]> = [
    ['start', () => JSON.stringify({ input: { a: 1 } })],
    ['validateToken', (fx) => JSON.stringify({ token: fx.tokens.fresh })],
    ['validate', (fx) => JSON.stringify(fx.formDocument)],
    ['journeyPut', (fx) => JSON.stringify(hijackedForm(fx))],
    ['testRuns', () => JSON.stringify({ input: { a: 1 } })],
  ];
  const MANGLE: Array<[string, (text: string) => string | Buffer]> = [
    ['truncated in the middle', (t) => t.slice(0, Math.floor(t.length / 2))],
    ['trailing comma', (t) => t.replace(/}$/, ',}')],
    ['NaN value', (t) => t.replace(/}$/, ',"n":NaN}')],
    ['comment', (t) => `// hi\n${t}`],
    ['single-quoted keys', (t) => t.replaceAll('"', "'")],
    ['two BOMs', (t) => `\ufeff\ufeff${t}`],
    ['two documents', (t) => `${t}${t}`],
    ['top-level string', (t) => JSON.stringify(t)],
    ['UTF-16LE bytes', (t) => Buffer.from(t, 'utf16le')],
  ];
  for (const [endpoint, valid] of otherBodies) {
    const s = spec(endpoint);
    for (const [label, mangle] of MANGLE) {
      add({ endpoint, group: 'malformed-json', name: `${endpoint}: malformed JSON (${label})`, build: (fx) => specRequest(s, fx, { body: raw(mangle(valid(fx))) }), expect: refuse(R400) });
    }
  }
  add({ endpoint: 'validateToken', group: 'empty-body', name: 'validateToken: empty body with Content-Type: application/json', build: (fx) => specRequest(spec('validateToken'), fx, { body: raw('') }), expect: refuse(R400) });
  add({ endpoint: 'validateToken', group: 'empty-body', name: 'validateToken: no body at all', build: (fx) => specRequest(spec('validateToken'), fx, { body: undefined }), expect: refuse(R400) });
  // A journey is required: an empty body is not a JSON object ("any other body answers 400").
  add({
    endpoint: 'journeyPut',
    group: 'empty-body',
    name: 'journeyPut: empty body with Content-Type: application/json (a new id)',
    build: (fx) => specRequest(spec('journeyPut'), fx, { path: '/v1/admin/journeys/abuse-empty-body', body: raw('') }),
    expect: refuse(R400),
  });
  add({
    endpoint: 'journeyPut',
    group: 'empty-body',
    name: 'journeyPut: no body at all (a new id)',
    build: (fx) => specRequest(spec('journeyPut'), fx, { path: '/v1/admin/journeys/abuse-no-body', body: undefined }),
    expect: refuse(R400),
  });
  add({ endpoint: 'validate', group: 'empty-body', name: 'validate: empty body with Content-Type: application/json', build: (fx) => specRequest(spec('validate'), fx, { body: raw('') }), expect: refuse(R400) });
  add({ endpoint: 'validate', group: 'empty-body', name: 'validate: no body at all', build: (fx) => specRequest(spec('validate'), fx, { body: undefined }), expect: refuse(R400) });

  // ---- 3. Wrong types, missing and extra fields, per body schema ------------------------------
  const WRONG: Array<[string, unknown]> = [
    ['number', 5],
    ['boolean', true],
    ['null', null],
    ['array', ['ask']],
    ['object', { id: 'ask' }],
    ['empty string', ''],
  ];
  const submitBody = (fx: Fixture, body: unknown) => specRequest(submitSpec, fx, { body: json(body) });
  for (const [label, value] of [...WRONG, ['65 characters', 'x'.repeat(65)] as [string, unknown]]) {
    add({ endpoint: 'submit', group: label === '65 characters' ? 'over-long' : 'wrong-types', name: `submit: stepId is ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId: value, option: 'cancel' }), expect: refuse(R400) });
    add({ endpoint: 'submit', group: label === '65 characters' ? 'over-long' : 'wrong-types', name: `submit: option is ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: value }), expect: refuse(R400) });
  }
  for (const [label, value] of [['a string', 'alice'], ['a number', 5], ['true', true], ['an array', [{ name: 'alice' }]]] as Array<[string, unknown]>) {
    add({ endpoint: 'submit', group: 'wrong-types', name: `submit: data for "go" is ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: value }), expect: refuse(R422) });
  }
  for (const [label, value] of [...WRONG, ['21 characters (max 20)', 'x'.repeat(21)] as [string, unknown]]) {
    add({ endpoint: 'submit', group: 'wrong-types', name: `submit: data.name is ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: { name: value } }), expect: refuse(R422) });
  }
  for (const [label, body] of [
    ['no stepId', { option: 'cancel' }],
    ['no option', { stepId: 'ask' }],
    ['only data', { data: {} }],
    ['an empty object', {}],
  ] as Array<[string, unknown]>) {
    add({ endpoint: 'submit', group: 'missing-fields', name: `submit: ${label}`, session: waiting, build: (fx) => submitBody(fx, body), expect: refuse(R400) });
  }
  add({ endpoint: 'submit', group: 'missing-fields', name: 'submit: "go" without data (its schema requires name)', session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go' }), expect: refuse(R422) });
  for (const [label, body] of [
    ['an unknown top-level key', { stepId: 'ask', option: 'cancel', extra: 1 }],
    ['a sessionId in the body', { stepId: 'ask', option: 'cancel', sessionId: '00000000-0000-4000-8000-000000000000' }],
    ['a differently-cased key', { stepId: 'ask', option: 'cancel', StepId: 'ask' }],
  ] as Array<[string, unknown]>) {
    add({ endpoint: 'submit', group: 'extra-fields', name: `submit: ${label}`, session: waiting, build: (fx) => submitBody(fx, body), expect: refuse(R400) });
  }
  add({ endpoint: 'submit', group: 'extra-fields', name: 'submit: an extra key in the data (additionalProperties: false)', session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: { name: 'alice', admin: true } }), expect: refuse(R422) });
  add({ endpoint: 'submit', group: 'extra-fields', name: 'submit: data for an option without a schema', session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'cancel', data: { reason: 'x' } }), expect: refuse(R422) });

  // start: { input?: object, ui?: { redirectUrl?: string 1..2048 } }, no other keys.
  const startSpec = spec('start');
  const startOn = (journey: (fx: Fixture) => string, body: unknown) => (fx: Fixture) =>
    specRequest(startSpec, fx, { path: `/v1/journeys/${journey(fx)}/start`, body: json(body) });
  const form = (fx: Fixture) => fx.journeys.form;
  const inputJourney = (fx: Fixture) => fx.journeys.input;
  for (const [label, value] of WRONG.filter(([l]) => l !== 'object')) {
    add({ endpoint: 'start', group: 'wrong-types', name: `start: input is ${label}`, build: startOn(form, { input: value }), expect: refuse(R400) });
    add({ endpoint: 'start', group: 'wrong-types', name: `start: ui is ${label}`, build: startOn(form, { ui: value }), expect: refuse(R400) });
    add({ endpoint: 'start', group: 'wrong-types', name: `start: ui.redirectUrl is ${label}`, build: startOn(form, { ui: { redirectUrl: value } }), expect: refuse(R400) });
  }
  add({ endpoint: 'start', group: 'wrong-types', name: 'start: body is an array', build: startOn(form, [{ input: {} }]), expect: refuse(R400) });
  add({ endpoint: 'start', group: 'extra-fields', name: 'start: an unknown top-level key', build: startOn(form, { inputs: {} }), expect: refuse(R400) });
  add({ endpoint: 'start', group: 'extra-fields', name: 'start: a sessionId in the body', build: startOn(form, { input: {}, sessionId: 'x' }), expect: refuse(R400) });
  add({ endpoint: 'start', group: 'extra-fields', name: 'start: an unknown key in ui', build: startOn(form, { ui: { redirectUrl: 'https://app.example.com/', target: '_top' } }), expect: refuse(R400) });
  add({ endpoint: 'start', group: 'over-long', name: 'start: ui.redirectUrl of 2049 characters', build: startOn(form, { ui: { redirectUrl: `https://app.example.com/${'x'.repeat(2049 - 24)}` } }), expect: refuse(R400) });
  for (const [label, input] of [
    ['missing email', {}],
    ['email is a number', { email: 5 }],
    ['email without @', { email: 'alice' }],
    ['an extra key', { email: 'a@example.com', admin: true }],
    ['a template string as email (no @)', { email: '{% $now() %}' }],
    ['200 kB email without @', { email: 'x'.repeat(200 * 1024) }],
  ] as Array<[string, unknown]>) {
    add({ endpoint: 'start', group: label.includes('200 kB') ? 'over-long' : label.includes('template') ? 'templates' : 'wrong-types', name: `start: input schema fails (${label})`, build: startOn(inputJourney, { input }), expect: refuse(R422) });
  }
  for (const [label, url] of [
    ['javascript: URL', 'javascript:alert(1)'],
    ['relative URL', '/done'],
    ['origin not listed', 'https://evil.example/cb'],
    ['template string', '{% $now() %}'],
    ['RTL override in the host', 'https://app\u202e.example.com/'],
  ] as Array<[string, string]>) {
    add({ endpoint: 'start', group: label.includes('template') ? 'templates' : 'wrong-types', name: `start: ui.redirectUrl refused (${label})`, build: startOn(form, { ui: { redirectUrl: url } }), expect: refuse(R422) });
  }

  // tokens/validate: { token: string 1..8192 }, no other keys. A bad body must not consume the token.
  const validateSpec = spec('validateToken');
  const validateBody = (body: (fx: Fixture) => unknown) => (fx: Fixture) => specRequest(validateSpec, fx, { body: json(body(fx)) });
  for (const [label, value] of WRONG) {
    add({ endpoint: 'validateToken', group: 'wrong-types', name: `validateToken: token is ${label}`, build: validateBody(() => ({ token: value })), expect: refuse(R400) });
  }
  add({ endpoint: 'validateToken', group: 'wrong-types', name: 'validateToken: the real token inside an array', build: validateBody((fx) => ({ token: [fx.tokens.fresh] })), expect: refuse(R400) });
  add({ endpoint: 'validateToken', group: 'missing-fields', name: 'validateToken: no token', build: validateBody(() => ({})), expect: refuse(R400) });
  add({ endpoint: 'validateToken', group: 'extra-fields', name: 'validateToken: a real token plus an unknown key', build: validateBody((fx) => ({ token: fx.tokens.fresh, extra: 1 })), expect: refuse(R400) });
  add({ endpoint: 'validateToken', group: 'extra-fields', name: 'validateToken: a real token under another key', build: validateBody((fx) => ({ jwt: fx.tokens.fresh })), expect: refuse(R400) });
  add({ endpoint: 'validateToken', group: 'over-long', name: 'validateToken: token of 8193 characters', build: validateBody(() => ({ token: 'x'.repeat(8193) })), expect: refuse(R400) });

  // test-runs: { input?: object, version?: integer ≥ 1 }, no other keys (ui refused).
  const testRunSpec = spec('testRuns');
  const testRun = (body: unknown, journey: (fx: Fixture) => string = form) => (fx: Fixture) =>
    specRequest(testRunSpec, fx, { path: `/v1/admin/journeys/${journey(fx)}/test-runs`, body: json(body) });
  for (const [label, value] of WRONG.filter(([l]) => l !== 'object')) {
    add({ endpoint: 'testRuns', group: 'wrong-types', name: `testRuns: input is ${label}`, build: testRun({ input: value }), expect: refuse(R400) });
  }
  for (const [label, value] of [...WRONG.filter(([l]) => l !== 'number'), ['0', 0], ['-1', -1], ['1.5', 1.5], ['"1"', '1']] as Array<[string, unknown]>) {
    add({ endpoint: 'testRuns', group: 'wrong-types', name: `testRuns: version is ${label}`, build: testRun({ version: value }), expect: refuse(R400) });
  }
  // 1e400 is valid JSON that overflows to Infinity: a wrong type, or simply no such version.
  add({ endpoint: 'testRuns', group: 'wrong-types', name: 'testRuns: version 1e400 (Infinity)', build: (fx) => specRequest(testRunSpec, fx, { body: raw('{"version":1e400}') }), expect: refuse(R400, R404) });
  add({ endpoint: 'testRuns', group: 'extra-fields', name: 'testRuns: ui is refused', build: testRun({ ui: {} }), expect: refuse(R400) });
  add({ endpoint: 'testRuns', group: 'extra-fields', name: 'testRuns: an unknown key next to version', build: testRun({ version: 1, x: 1 }), expect: refuse(R400) });
  add({ endpoint: 'testRuns', group: 'wrong-types', name: 'testRuns: body is an array', build: testRun([]), expect: refuse(R400) });
  add({ endpoint: 'testRuns', group: 'unknown-ids', name: 'testRuns: unknown version 999', build: testRun({ version: 999 }), expect: refuse(R404) });
  add({ endpoint: 'testRuns', group: 'unknown-ids', name: 'testRuns: version 1e20 (an integer, but no such version)', build: (fx) => specRequest(testRunSpec, fx, { body: raw('{"version":100000000000000000000}') }), expect: refuse(R404) });
  add({ endpoint: 'testRuns', group: 'wrong-types', name: 'testRuns: a draft with errors', build: testRun({}, (fx) => fx.journeys.broken), expect: refuse(R422) });
  add({ endpoint: 'testRuns', group: 'wrong-types', name: 'testRuns: input fails the input schema of a published journey', build: testRun({ input: { email: 5 } }, inputJourney), expect: refuse(R422) });
  // The draft was never run or published: refusing its input must not store anything either.
  add({ endpoint: 'testRuns', group: 'wrong-types', name: 'testRuns: input fails the input schema of a never-run draft', build: testRun({ input: { email: 5 } }, (fx) => fx.journeys.inputDraft), expect: refuse(R422) });

  // validate and PUT: a journey object.
  const validateJourneySpec = spec('validate');
  const putSpec = spec('journeyPut');
  for (const [label, body] of [
    ['an array', '[]'],
    ['a string', '"journey"'],
    ['null', 'null'],
    ['a number', '1'],
  ] as Array<[string, string]>) {
    add({ endpoint: 'validate', group: 'wrong-types', name: `validate: body is ${label}`, build: (fx) => specRequest(validateJourneySpec, fx, { body: raw(body) }), expect: refuse(R400) });
    add({ endpoint: 'journeyPut', group: 'wrong-types', name: `journeyPut: body is ${label}`, build: (fx) => specRequest(putSpec, fx, { body: raw(body) }), expect: refuse(R400) });
  }
  for (const [label, id] of [
    ['another id', 'abuse-other'],
    ['a number', 5],
    ['null', null],
    ['an empty string', ''],
    ['true', true],
    ['the id with a trailing space', 'abuse-form '],
    ['the id in upper case', 'ABUSE-FORM'],
    ['the id with a NUL', 'abuse-form\u0000'],
    ['the id with a zero-width joiner', 'abuse\u200d-form'],
    ['a template string', '{% "abuse-form" %}'],
  ] as Array<[string, unknown]>) {
    add({ endpoint: 'journeyPut', group: label.includes('template') ? 'templates' : 'wrong-types', name: `journeyPut: body id is ${label} (differs from the path)`, build: (fx) => specRequest(putSpec, fx, { body: json({ ...hijackedForm(fx), id }) }), expect: refuse(R400) });
  }
  for (const [label, value] of [
    ['not an ETag', 'abc'],
    ['a quoted non-number', '"abc"'],
    ['an unterminated quote', '"1'],
    ['a weak non-number', 'W/"x"'],
    ['a negative revision', '"-1"'],
    ['a fraction', '"1.5"'],
    ['a list of ETags', '"1", "2"'],
  ] as Array<[string, string]>) {
    add({ endpoint: 'journeyPut', group: 'wrong-types', name: `journeyPut: If-Match is ${label}`, build: (fx) => specRequest(putSpec, fx, { headers: [['If-Match', value]] }), expect: refuse(R400) });
  }
  add({ endpoint: 'journeyPut', group: 'session-state', name: 'journeyPut: a stale If-Match', build: (fx) => specRequest(putSpec, fx, { headers: [['If-Match', '"999"']] }), expect: refuse([409, 'conflict']) });
  add({ endpoint: 'journeyPut', group: 'session-state', name: 'journeyPut: If-Match "0" on an existing draft', build: (fx) => specRequest(putSpec, fx, { headers: [['If-Match', '"0"']] }), expect: refuse([409, 'conflict']) });
  add({ endpoint: 'publish', group: 'wrong-types', name: 'publish: a draft with errors', build: (fx) => specRequest(spec('publish'), fx, { path: `/v1/admin/journeys/${fx.journeys.broken}/publish` }), expect: refuse(R422) });

  // ---- 4. Deeply nested bodies ---------------------------------------------------------------
  for (const endpoint of ['start', 'submit', 'validateToken', 'validate', 'journeyPut', 'testRuns'] as Endpoint[]) {
    const s = spec(endpoint);
    // PUT goes to a fresh id, so that a body saved by mistake cannot clobber the form journey's draft.
    const path = endpoint === 'journeyPut' ? { path: '/v1/admin/journeys/abuse-deep' } : {};
    for (const depth of [10_000, 100_000]) {
      add({ endpoint, group: 'deep-nesting', session: s.session, name: `${endpoint}: ${depth.toLocaleString('en')} levels of arrays as the body`, build: (fx) => specRequest(s, fx, { ...path, body: raw(nestedArrays(depth)) }), expect: refuse(R400), maxMs: 2000 });
    }
    // The body is an object: the validator may also just report it (it stores nothing).
    const expectation: Expectation =
      endpoint === 'validate'
        ? { kind: 'accept', why: 'validation stores nothing and reports the unknown key', alsoRefuse: [R400], check: (body) => { if (body.valid !== false) throw new Error('reported valid'); } }
        : refuse(R400);
    add({ endpoint, group: 'deep-nesting', session: s.session, name: `${endpoint}: 10,000 levels of objects as the body`, build: (fx) => specRequest(s, fx, { ...path, body: raw(nestedObjects(10_000)) }), expect: expectation, maxMs: 2000 });
  }
  add({ endpoint: 'submit', group: 'deep-nesting', session: waiting, name: 'submit: 10,000 levels of arrays inside data', build: (fx) => specRequest(submitSpec, fx, { body: raw(`{"stepId":"ask","option":"go","data":{"name":${nestedArrays(10_000)}}}`) }), expect: refuse(R400, R422), maxMs: 2000 });
  add({ endpoint: 'start', group: 'deep-nesting', name: 'start: 10,000 levels of objects inside input', build: (fx) => specRequest(startSpec, fx, { body: raw(`{"input":${nestedObjects(10_000)}}`) }), expect: refuse(R400, R422), maxMs: 2000 });
  add({ endpoint: 'testRuns', group: 'deep-nesting', name: 'testRuns: 10,000 levels of arrays inside input', build: (fx) => specRequest(testRunSpec, fx, { body: raw(`{"input":{"x":${nestedArrays(10_000)}}}`) }), expect: refuse(R400, R422), maxMs: 2000 });
  add({ endpoint: 'testRuns', group: 'deep-nesting', name: 'testRuns: 10,000 levels of objects inside input', build: (fx) => specRequest(testRunSpec, fx, { body: raw(`{"input":${nestedObjects(10_000)}}`) }), expect: refuse(R400, R422), maxMs: 2000 });
  const deepStepJourney = (fx: Fixture, deep: string) =>
    JSON.stringify({ ...hijackedForm(fx), id: 'abuse-deep' }).replace('"config":{"claims":{', `"config":{"claims":{"deep":${deep},`);
  add({ endpoint: 'validate', group: 'deep-nesting', name: 'validate: 10,000 levels of arrays inside a step config', build: (fx) => specRequest(validateJourneySpec, fx, { body: raw(deepStepJourney(fx, nestedArrays(10_000))) }), expect: refuse(R400, R422), maxMs: 2000 });
  add({ endpoint: 'journeyPut', group: 'deep-nesting', name: 'journeyPut: 10,000 levels of arrays inside a step config', build: (fx) => specRequest(putSpec, fx, { path: '/v1/admin/journeys/abuse-deep', body: raw(deepStepJourney(fx, nestedArrays(10_000))) }), expect: refuse(R400, R422), maxMs: 2000 });

  // ---- 5. Session state: stale, ended, expired ------------------------------------------------
  add({ endpoint: 'submit', group: 'session-state', name: 'submit: a stepId that is not the current step', session: waiting, build: (fx) => submitBody(fx, { stepId: 'shown', option: 'continue' }), expect: refuse(R409stale) });
  add({ endpoint: 'submit', group: 'session-state', name: 'submit: to a completed session', session: (fx) => fx.completed, build: (fx) => request('POST', `/v1/sessions/${fx.completed.sessionId}/submit`, { authorization: bearer(fx.completed.sessionToken), body: json({ stepId: 'shown', option: 'continue' }) }), expect: refuse(R409ended) });
  add({ endpoint: 'submit', group: 'session-state', name: 'submit: to a rejected session', session: (fx) => fx.rejected, build: (fx) => request('POST', `/v1/sessions/${fx.rejected.sessionId}/submit`, { authorization: bearer(fx.rejected.sessionToken), body: json({ stepId: 'ask', option: 'cancel' }) }), expect: refuse(R409ended) });
  add({ endpoint: 'submit', group: 'session-state', name: 'submit: to a session past its TTL', session: (fx) => fx.expired, build: (fx) => request('POST', `/v1/sessions/${fx.expired.sessionId}/submit`, { authorization: bearer(fx.expired.sessionToken), body: json({ stepId: 'ask', option: 'cancel' }) }), expect: refuse(R410) });
  add({ endpoint: 'getSession', group: 'session-state', name: 'getSession: a session past its TTL', session: (fx) => fx.expired, build: (fx) => request('GET', `/v1/sessions/${fx.expired.sessionId}`, { authorization: bearer(fx.expired.sessionToken) }), expect: refuse(R410) });
  add({ endpoint: 'submit', group: 'auth', name: "submit: the completed session's token on the waiting session", session: waiting, build: (fx) => specRequest(submitSpec, fx, { authorization: bearer(fx.completed.sessionToken) }), expect: refuse(R401) });

  // ---- 6. Odd unicode and template strings in option names, step ids and data -----------------
  const OPTION_NAMES: Array<[string, string]> = [
    ...ODD.map(([label, ch]) => [`"cancel" + ${label}`, `cancel${ch}`] as [string, string]),
    ['RTL override before "cancel"', '\u202ecancel'],
    ['full-width "ｃａｎｃｅｌ"', 'ｃａｎｃｅｌ'],
    ['Cyrillic homoglyph "сancel"', '\u0441ancel'],
    ['upper case', 'CANCEL'],
    ['a trailing space', 'cancel '],
    ['only a lone surrogate', '\ud800'],
    ['only an emoji', '\u{1F600}'],
    ['a template string', '{% "cancel" %}'],
    ['a JSONata expression', '$string("cancel")'],
    ['"toString"', 'toString'],
    ['"__proto__" (as a value)', '__proto__'],
    ['"constructor" (as a value)', 'constructor'],
    ['"hasOwnProperty"', 'hasOwnProperty'],
    ['the implicit "failure" branch', 'failure'],
  ];
  for (const [label, option] of OPTION_NAMES) {
    add({ endpoint: 'submit', group: label.includes('template') || label.includes('JSONata') ? 'templates' : 'odd-unicode', name: `submit: option ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option }), expect: refuse(R422) });
  }
  const STEP_IDS: Array<[string, string]> = [
    ...ODD.map(([label, ch]) => [`"ask" + ${label}`, `ask${ch}`] as [string, string]),
    ['upper case', 'ASK'],
    ['a template string', '{% "ask" %}'],
    ['"__proto__" (as a value)', '__proto__'],
    ['"toString"', 'toString'],
  ];
  for (const [label, stepId] of STEP_IDS) {
    add({ endpoint: 'submit', group: label.includes('template') ? 'templates' : 'odd-unicode', name: `submit: stepId ${label}`, session: waiting, build: (fx) => submitBody(fx, { stepId, option: 'cancel' }), expect: refuse(R409stale) });
  }
  for (const [label, value] of [...ODD, ['a template string', '{% $now() %}'], ['a JSONata expression', '$sum([1,2])']] as Array<[string, string]>) {
    add({ endpoint: 'submit', group: label.includes('template') || label.includes('JSONata') ? 'templates' : 'odd-unicode', name: `submit: data value with ${label} for an option without a schema`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'cancel', data: { value } }), expect: refuse(R422) });
    add({ endpoint: 'submit', group: label.includes('template') || label.includes('JSONata') ? 'templates' : 'odd-unicode', name: `submit: data key with ${label} (additionalProperties: false)`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: { name: 'alice', [`name${value}`]: 'x' } }), expect: refuse(R422) });
  }
  for (const [label, ch] of [['4-byte emoji', '\u{1F600}'], ['lone surrogate', '\ud800'], ['NUL', '\u0000'], ['RTL override', '\u202e']] as Array<[string, string]>) {
    add({ endpoint: 'submit', group: 'odd-unicode', name: `submit: data.name of 21 × ${label} (max 20)`, session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: { name: ch.repeat(21) } }), expect: refuse(R422) });
  }
  add({ endpoint: 'submit', group: 'over-long', name: 'submit: 200 kB data string for an option without a schema', session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'cancel', data: { value: 'x'.repeat(200 * 1024) } }), expect: refuse(R422) });
  add({ endpoint: 'submit', group: 'over-long', name: 'submit: 200 kB data.name', session: waiting, build: (fx) => submitBody(fx, { stepId: 'ask', option: 'go', data: { name: 'x'.repeat(200 * 1024) } }), expect: refuse(R422) });

  // ---- 7. Prototype keys in user input (client routes refuse them outright) -------------------
  const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
  let marker = 0;
  const pollution = () => `{"polluted_by_abuse_${++marker}":true,"isAdmin":true}`;
  for (const key of PROTO_KEYS) {
    const payload = () => (key === 'constructor' ? `{"prototype":${pollution()}}` : pollution());
    const submitPlaces: Array<[string, () => string]> = [
      ['at the top level', () => `{"${key}":${payload()},"stepId":"ask","option":"cancel"}`],
      ['in data', () => `{"stepId":"ask","option":"go","data":{"name":"alice","${key}":${payload()}}}`],
      ['3 levels down in data', () => `{"stepId":"ask","option":"cancel","data":{"a":{"b":{"${key}":${payload()}}}}}`],
      ['inside an array in data', () => `{"stepId":"ask","option":"cancel","data":{"list":[1,{"${key}":${payload()}}]}}`],
    ];
    for (const [where, body] of submitPlaces) {
      const text = body();
      add({ endpoint: 'submit', group: 'prototype-keys', name: `submit: "${key}" ${where}`, session: waiting, build: (fx) => specRequest(submitSpec, fx, { body: raw(text) }), expect: refuse(R400) });
    }
    const startPlaces: Array<[string, string]> = [
      ['at the top level', `{"${key}":${payload()}}`],
      ['in input', `{"input":{"${key}":${payload()}}}`],
      ['5 levels down in input', `{"input":{"a":{"b":{"c":{"d":{"${key}":${payload()}}}}}}}`],
      ['in ui', `{"ui":{"${key}":${payload()}}}`],
    ];
    for (const [where, text] of startPlaces) {
      add({ endpoint: 'start', group: 'prototype-keys', name: `start: "${key}" ${where}`, build: (fx) => specRequest(startSpec, fx, { body: raw(text) }), expect: refuse(R400) });
    }
    const tokenText = (fx: Fixture) => `{"${key}":${pollution()},"token":${JSON.stringify(fx.tokens.fresh)}}`;
    add({ endpoint: 'validateToken', group: 'prototype-keys', name: `validateToken: "${key}" next to a real token`, build: (fx) => specRequest(validateSpec, fx, { body: raw(tokenText(fx)) }), expect: refuse(R400) });
    // Admin routes parse without the reviver: the body schema must still refuse the key.
    const testRunText = `{"${key}":{"version":1}}`;
    add({ endpoint: 'testRuns', group: 'prototype-keys', name: `testRuns: "${key}" at the top level`, build: (fx) => specRequest(testRunSpec, fx, { body: raw(testRunText) }), expect: refuse(R400) });
    add({
      endpoint: 'validate',
      group: 'prototype-keys',
      name: `validate: "${key}" inside a journey is reported, not obeyed`,
      build: (fx) => specRequest(validateJourneySpec, fx, { body: raw(JSON.stringify(fx.formDocument).replace('"settings":{', `"settings":{"${key}":${pollution()},`)) }),
      expect: {
        kind: 'accept',
        why: 'validation stores nothing; the key must come back as a diagnostic',
        alsoRefuse: [R400],
        check: (body) => {
          if (body.valid !== false) throw new Error(`a journey with "${key}" in its settings was reported valid`);
        },
      },
    });
  }

  // ---- 8. Unknown and invalid ids in paths ----------------------------------------------------
  const JOURNEY_IDS: Array<[string, (fx: Fixture) => string, readonly Refusal[]]> = [
    ['unknown', () => 'abuse-no-such-journey', [R404]],
    ['upper case', () => 'ABUSE-FORM', [R404]],
    ['65 characters', () => 'a'.repeat(65), [R404]],
    ['10,000 characters', () => 'a'.repeat(10_000), [R404]],
    ['"." (dot)', () => '.', [R404]],
    ['percent-encoded ".."', () => '%2e%2e', [R404]],
    ['percent-encoded "../abuse-form"', (fx) => `..%2F${fx.journeys.form}`, [R404]],
    ['id + percent-encoded "/"', (fx) => `${fx.journeys.form}%2F`, [R404]],
    ['id + NUL', (fx) => `${fx.journeys.form}%00`, [R404]],
    ['id + space', (fx) => `${fx.journeys.form}%20`, [R404]],
    ['id + newline', (fx) => `${fx.journeys.form}%0A`, [R404]],
    ['RTL override + id', (fx) => `%E2%80%AE${fx.journeys.form}`, [R404]],
    ['id + zero-width joiner', (fx) => `${fx.journeys.form}%E2%80%8D`, [R404]],
    ['an emoji', () => seg('\u{1F600}'), [R404]],
    ['a lone surrogate (WTF-8 bytes)', () => '%ED%A0%80', [R400, R404]],
    ['an invalid percent-encoding', () => '%E0%A4%A', [R400, R404]],
    ['a template string', () => seg('{% $now() %}'), [R404]],
    ['"__proto__"', () => '__proto__', [R404]],
  ];
  const journeyPathEndpoints: Array<[Endpoint, string, (id: string, fx: Fixture) => string, Body | undefined]> = [
    ['journeyGet', 'GET', (id) => `/v1/admin/journeys/${id}`, undefined],
    ['journeyDelete', 'DELETE', (id) => `/v1/admin/journeys/${id}`, undefined],
    ['publish', 'POST', (id) => `/v1/admin/journeys/${id}/publish`, undefined],
    ['versionGet', 'GET', (id, fx) => `/v1/admin/journeys/${id}/versions/${fx.formVersion}`, undefined],
    ['restore', 'POST', (id, fx) => `/v1/admin/journeys/${id}/versions/${fx.formVersion}/restore`, undefined],
    ['testRuns', 'POST', (id) => `/v1/admin/journeys/${id}/test-runs`, json({})],
  ];
  for (const [endpoint, method, path, body] of journeyPathEndpoints) {
    for (const [label, id, allowed] of JOURNEY_IDS) {
      add({
        endpoint,
        group: label === 'unknown' ? 'unknown-ids' : label.includes('template') ? 'templates' : label.includes('characters') ? 'over-long' : 'invalid-ids',
        name: `${endpoint}: journey id ${label}`,
        build: (fx) => request(method, path(id(fx), fx), { authorization: bearer(fx.adminKey), body }),
        expect: refuse(...allowed),
      });
    }
  }
  // PUT with an invalid path id and a body whose id matches it.
  for (const [label, id, allowed] of JOURNEY_IDS.filter(([l]) => !['unknown', '10,000 characters'].includes(l))) {
    add({ endpoint: 'journeyPut', group: 'invalid-ids', name: `journeyPut: path id ${label}`, build: (fx) => request('PUT', `/v1/admin/journeys/${id(fx)}`, { authorization: bearer(fx.adminKey), body: json(hijackedForm(fx)) }), expect: refuse(R400, ...allowed) });
  }
  // start: the journey id is looked up, never pattern-checked.
  for (const [label, id, allowed] of [
    ...JOURNEY_IDS,
    ['a draft never published', (fx: Fixture) => fx.journeys.draftOnly, [R404]],
    ['a draft with errors', (fx: Fixture) => fx.journeys.broken, [R404]],
    ['a deleted journey', (fx: Fixture) => fx.journeys.deleted, [R404]],
  ] as Array<[string, (fx: Fixture) => string, readonly Refusal[]]>) {
    add({ endpoint: 'start', group: label === 'unknown' || label.startsWith('a d') ? 'unknown-ids' : 'invalid-ids', name: `start: journey id ${label}`, build: (fx) => request('POST', `/v1/journeys/${id(fx)}/start`, { body: json({}) }), expect: refuse(...allowed) });
  }
  // A deleted journey is gone everywhere.
  for (const [endpoint, method, path, body] of journeyPathEndpoints) {
    add({ endpoint, group: 'unknown-ids', name: `${endpoint}: a deleted journey`, build: (fx) => request(method, path(fx.journeys.deleted, fx), { authorization: bearer(fx.adminKey), body }), expect: refuse(R404) });
  }
  add({ endpoint: 'testRuns', group: 'unknown-ids', name: 'testRuns: version 1 of a deleted journey', build: (fx) => request('POST', `/v1/admin/journeys/${fx.journeys.deleted}/test-runs`, { authorization: bearer(fx.adminKey), body: json({ version: 1 }) }), expect: refuse(R404) });
  add({ endpoint: 'publish', group: 'unknown-ids', name: 'publish: a journey without a draft', build: (fx) => request('POST', '/v1/admin/journeys/abuse-no-such-journey/publish', { authorization: bearer(fx.adminKey) }), expect: refuse(R404) });

  // Version numbers.
  const VERSIONS: Array<[string, string]> = [
    ['unknown (999)', '999'],
    ['0', '0'],
    ['-1', '-1'],
    ['1.5', '1.5'],
    ['abc', 'abc'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['20 digits', '99999999999999999999'],
    ['hexadecimal "0x1"', '0x1'],
    ['exponent "1e0"', '1e0'],
    ['"1.0"', '1.0'],
    ['leading space "%201"', '%201'],
    ['"1" + NUL', '1%00'],
    ['percent-encoded "../1"', '..%2F1'],
  ];
  for (const [label, version] of VERSIONS) {
    add({ endpoint: 'versionGet', group: label.startsWith('unknown') ? 'unknown-ids' : 'invalid-ids', name: `versionGet: version ${label}`, build: (fx) => request('GET', `/v1/admin/journeys/${fx.journeys.form}/versions/${version}`, { authorization: bearer(fx.adminKey) }), expect: refuse(R404) });
  }
  for (const [label, version] of VERSIONS.filter(([l]) => ['unknown (999)', '0', 'abc', 'hexadecimal "0x1"', 'leading space "%201"'].includes(l))) {
    add({ endpoint: 'restore', group: label.startsWith('unknown') ? 'unknown-ids' : 'invalid-ids', name: `restore: version ${label}`, build: (fx) => request('POST', `/v1/admin/journeys/${fx.journeys.form}/versions/${version}/restore`, { authorization: bearer(fx.adminKey) }), expect: refuse(R404) });
  }

  // Session ids (client routes and the admin view).
  const SESSION_IDS: Array<[string, (fx: Fixture) => string, readonly Refusal[]]> = [
    ['unknown (a random UUID)', () => '3f0c2a8e-6a55-4c1e-9d0b-5d5f2c7a9e11', [R404]],
    ['the real id in upper case', (fx) => fx.waiting.sessionId.toUpperCase(), [R404]],
    ['the real id + NUL', (fx) => `${fx.waiting.sessionId}%00`, [R404]],
    ['the real id + space', (fx) => `${fx.waiting.sessionId}%20`, [R404]],
    ['the real id + zero-width joiner', (fx) => `${fx.waiting.sessionId}%E2%80%8D`, [R404]],
    ['percent-encoded "../" + the real id', (fx) => `..%2F${fx.waiting.sessionId}`, [R404]],
    ['percent-encoded ".."', () => '%2e%2e', [R404]],
    ['10,000 characters', () => 'a'.repeat(10_000), [R404]],
    ['an emoji', () => seg('\u{1F600}'), [R404]],
    ['a lone surrogate (WTF-8 bytes)', () => '%ED%A0%80', [R400, R404]],
    ['a template string', () => seg('{% $now() %}'), [R404]],
    ['"__proto__"', () => '__proto__', [R404]],
    ['"constructor"', () => 'constructor', [R404]],
    ["another session's id", (fx) => fx.other.sessionId, [R401]],
  ];
  for (const [label, id, allowed] of SESSION_IDS) {
    const group: Group = label.startsWith('unknown') ? 'unknown-ids' : label.includes('template') ? 'templates' : label.includes('characters') ? 'over-long' : 'invalid-ids';
    add({ endpoint: 'getSession', group, name: `getSession: session id ${label}`, session: waiting, build: (fx) => request('GET', `/v1/sessions/${id(fx)}`, { authorization: bearer(fx.waiting.sessionToken) }), expect: refuse(...allowed) });
    add({ endpoint: 'submit', group, name: `submit: session id ${label}`, session: waiting, build: (fx) => request('POST', `/v1/sessions/${id(fx)}/submit`, { authorization: bearer(fx.waiting.sessionToken), body: json({ stepId: 'ask', option: 'cancel' }) }), expect: refuse(...allowed) });
    if (!label.startsWith('another')) {
      add({ endpoint: 'sessionGet', group, name: `sessionGet: session id ${label}`, build: (fx) => request('GET', `/v1/admin/sessions/${id(fx)}`, { authorization: bearer(fx.adminKey) }), expect: refuse(...allowed) });
    }
  }
  // Raw traversal: the request target goes out unnormalised.
  for (const [label, path] of [
    ['"/../" between session and submit', (fx: Fixture) => `/v1/sessions/${fx.waiting.sessionId}/../${fx.waiting.sessionId}/submit/..`],
    ['"/../admin/…" after the session', (fx: Fixture) => `/v1/sessions/${fx.waiting.sessionId}/../../admin/journeys/${fx.journeys.form}`],
    ['a doubled slash', (fx: Fixture) => `/v1/sessions//${fx.waiting.sessionId}/submit`],
    ['an encoded slash inside the id', (fx: Fixture) => `/v1/sessions/${fx.waiting.sessionId}%2Fsubmit`],
  ] as Array<[string, (fx: Fixture) => string]>) {
    add({ endpoint: 'submit', group: 'invalid-ids', name: `submit: path with ${label}`, session: waiting, build: (fx) => request('POST', path(fx), { authorization: bearer(fx.waiting.sessionToken), body: json({ stepId: 'ask', option: 'cancel' }) }), expect: refuse(R404) });
  }
  add({ endpoint: 'journeyDelete', group: 'invalid-ids', name: 'journeyDelete: raw "../" climbing out of another journey', build: (fx) => request('DELETE', `/v1/admin/journeys/abuse-no-such-journey/../${fx.journeys.form}`, { authorization: bearer(fx.adminKey) }), expect: refuse(R404) });

  // Users and authenticators.
  const USER_IDS: Array<[string, (fx: Fixture) => string, readonly Refusal[]]> = [
    ['unknown', () => 'abuse-no-such-user', [R404]],
    ['a random UUID', () => '9b2f8c1e-1d4a-4f6e-8a7b-0c3d5e6f7a8b', [R404]],
    ['the real id in upper case', (fx) => fx.users.a.toUpperCase(), [R404]],
    ['the real id + NUL', (fx) => `${fx.users.a}%00`, [R404]],
    ['the real id + space', (fx) => `${fx.users.a}%20`, [R404]],
    ['the real id + percent-encoded "/authenticators/…"', (fx) => `${fx.users.a}%2Fauthenticators%2F${fx.users.authenticatorA}`, [R404]],
    ['percent-encoded ".."', () => '%2e%2e', [R404]],
    ['"%" itself', () => '%25', [R404]],
    ['10,000 characters', () => 'u'.repeat(10_000), [R404]],
    ['an emoji', () => seg('\u{1F600}'), [R404]],
    ['RTL override', () => seg('\u202eabuse'), [R404]],
    ['a lone surrogate (WTF-8 bytes)', () => '%ED%A0%80', [R400, R404]],
    ['a template string', () => seg('{% $user.id %}'), [R404]],
    ['"__proto__"', () => '__proto__', [R404]],
  ];
  for (const [endpoint, method, path] of [
    ['userGet', 'GET', (id: string) => `/v1/admin/users/${id}`],
    ['userDelete', 'DELETE', (id: string) => `/v1/admin/users/${id}`],
    ['userUnlock', 'POST', (id: string) => `/v1/admin/users/${id}/unlock`],
  ] as Array<[Endpoint, string, (id: string) => string]>) {
    for (const [label, id, allowed] of USER_IDS) {
      add({ endpoint, group: label === 'unknown' || label.startsWith('a random') ? 'unknown-ids' : label.includes('template') ? 'templates' : label.includes('characters') ? 'over-long' : 'invalid-ids', name: `${endpoint}: user id ${label}`, build: (fx) => request(method, path(id(fx)), { authorization: bearer(fx.adminKey) }), expect: refuse(...allowed) });
    }
  }
  for (const [label, path, allowed] of [
    ['an unknown authenticator of a real user', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/3a1b2c3d-0000-4000-8000-000000000000`, [R404]],
    ["a real authenticator under another user's id", (fx: Fixture) => `/v1/admin/users/${fx.users.b}/authenticators/${fx.users.authenticatorA}`, [R404]],
    ['a real authenticator under an unknown user', (fx: Fixture) => `/v1/admin/users/abuse-no-such-user/authenticators/${fx.users.authenticatorA}`, [R404]],
    ['the real authenticator id in upper case', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/${fx.users.authenticatorA.toUpperCase()}`, [R404]],
    ['the real authenticator id + NUL', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/${fx.users.authenticatorA}%00`, [R404]],
    ['percent-encoded ".." as the authenticator', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/%2e%2e`, [R404]],
    ['10,000 characters as the authenticator', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/${'a'.repeat(10_000)}`, [R404]],
    ['a lone surrogate as the authenticator', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/%ED%B0%80`, [R400, R404]],
    ['"__proto__" as the authenticator', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/authenticators/__proto__`, [R404]],
  ] as Array<[string, (fx: Fixture) => string, readonly Refusal[]]>) {
    add({ endpoint: 'authenticatorDelete', group: label.includes('unknown') || label.includes('another') ? 'unknown-ids' : 'invalid-ids', name: `authenticatorDelete: ${label}`, build: (fx) => request('DELETE', path(fx), { authorization: bearer(fx.adminKey) }), expect: refuse(...allowed) });
  }

  // ---- 9. Tokens: wrong, expired, forged (a well-formed request answers 200 {valid:false}) ----
  const invalidToken = (why: string): Expectation => ({
    kind: 'accept',
    why: `tokens/validate answers 200 { valid: false, reason: "invalid" } for ${why} (spec: "Always 200 for a well-formed request")`,
    check: (body) => {
      if (body?.valid !== false || body?.reason !== 'invalid') throw new Error(`expected { valid: false, reason: "invalid" }, got ${JSON.stringify(body)}`);
    },
  });
  const TOKENS: Array<[string, (fx: Fixture) => string]> = [
    ['not a JWT', () => 'not-a-jwt'],
    ['three empty parts', () => '..'],
    ['"a.b.c"', () => 'a.b.c'],
    ['an expired token', (fx) => fx.tokens.expired],
    ['a token signed by another key under the real kid', (fx) => fx.tokens.forged],
    ['alg: none', (fx) => fx.tokens.algNone],
    ['HS256 keyed with the public key', (fx) => fx.tokens.hs256],
    ['a tampered payload', (fx) => fx.tokens.tampered],
    ['a truncated signature', (fx) => fx.tokens.truncated],
    ['a header without kid', (fx) => fx.tokens.noKid],
    ['an unknown kid', (fx) => fx.tokens.unknownKid],
    ['a test-run token', (fx) => fx.tokens.testRun],
    ['a session token', (fx) => fx.waiting.sessionToken],
    ['the admin key', (fx) => fx.adminKey],
    ['a template string', () => '{% $now() %}'],
    ['a lone surrogate', () => '\ud800.\ud800.\ud800'],
    ['NUL bytes', () => '\u0000.\u0000.\u0000'],
    ['8192 characters', () => `${'a'.repeat(4000)}.${'b'.repeat(4000)}.${'c'.repeat(190)}`],
  ];
  for (const [label, token] of TOKENS) {
    add({ endpoint: 'validateToken', group: 'bad-tokens', name: `validateToken: ${label}`, build: validateBody((fx) => ({ token: token(fx) })), expect: invalidToken(label) });
  }
  add({
    endpoint: 'validateToken',
    group: 'bad-tokens',
    name: 'validateToken: a token already used',
    build: validateBody((fx) => ({ token: fx.tokens.used })),
    expect: {
      kind: 'accept',
      why: 'a second validation answers 200 { valid: false, reason: "already_used" }',
      check: (body) => {
        if (body?.valid !== false || body?.reason !== 'already_used') throw new Error(`expected already_used, got ${JSON.stringify(body)}`);
      },
    },
  });

  // ---- 10. Query parameters --------------------------------------------------------------------
  const adminGet = (path: string) => (fx: Fixture) => request('GET', path, { authorization: bearer(fx.adminKey) });
  for (const [label, query] of [
    ['limit=abc', 'limit=abc'],
    ['limit=-1', 'limit=-1'],
    ['limit of 5 digits', 'limit=12345'],
    ['limit=1.5', 'limit=1.5'],
    ['limit=1e3', 'limit=1e3'],
    ['empty limit', 'limit='],
    ['limit with NUL', 'limit=1%00'],
    ['limit with a lone surrogate', 'limit=%ED%A0%80'],
    ['limit given twice', 'limit=1&limit=2'],
    ['status=WAITING', 'status=WAITING'],
    ['status=done', 'status=done'],
    ['empty status', 'status='],
    ['status with NUL', 'status=waiting%00'],
    ['status with RTL override', 'status=%E2%80%AEwaiting'],
    ['status given twice', 'status=waiting&status=completed'],
    ['journeyId given twice', 'journeyId=a&journeyId=b'],
  ] as Array<[string, string]>) {
    add({ endpoint: 'sessionsList', group: 'query', name: `sessionsList: ${label}`, build: adminGet(`/v1/admin/sessions?${query}`), expect: refuse(R400) });
  }
  const emptyList = (what: string): Expectation => ({
    kind: 'accept',
    why: `a filter that matches nothing answers 200 [] (${what})`,
    check: (body) => {
      if (!Array.isArray(body) || body.length !== 0) throw new Error(`expected [], got ${JSON.stringify(body).slice(0, 300)}`);
    },
  });
  const anyList: Expectation = {
    kind: 'accept',
    why: 'an ignored parameter answers the plain list',
    check: (body) => {
      if (!Array.isArray(body)) throw new Error(`expected an array, got ${JSON.stringify(body).slice(0, 300)}`);
    },
  };
  const ODD_QUERY: Array<[string, string]> = [
    ['NUL', '%00'],
    ['lone surrogate', '%ED%A0%80'],
    ['RTL override', '%E2%80%AE'],
    ['zero-width joiner', 'a%E2%80%8Db'],
    ['4-byte emoji', '%F0%9F%98%80'],
    ['template string', seg('{% $now() %}')],
    ['SQL', seg("' OR 1=1 --")],
    ['"__proto__"', '__proto__'],
    ['8 kB', 'q'.repeat(8 * 1024)],
  ];
  for (const [label, value] of ODD_QUERY) {
    add({ endpoint: 'sessionsList', group: 'query', name: `sessionsList: journeyId ${label}`, build: adminGet(`/v1/admin/sessions?journeyId=${value}`), expect: emptyList(label) });
    add({ endpoint: 'usersList', group: 'query', name: `usersList: username ${label}`, build: adminGet(`/v1/admin/users?username=${value}`), expect: emptyList(label) });
    add({ endpoint: 'outbox', group: 'query', name: `outbox: sessionId ${label}`, build: adminGet(`/v1/admin/outbox?sessionId=${value}`), expect: emptyList(label) });
    add({ endpoint: 'outbox', group: 'query', name: `outbox: to ${label}`, build: adminGet(`/v1/admin/outbox?to=${value}`), expect: emptyList(label) });
  }
  for (const [endpoint, path] of [
    ['sessionsList', '/v1/admin/sessions?__proto__[isAdmin]=1&constructor[prototype][x]=1'],
    ['usersList', '/v1/admin/users?username[]=a&username[]=b'],
    ['outbox', '/v1/admin/outbox?__proto__=x&sessionId[0]=a'],
    ['journeysList', '/v1/admin/journeys?__proto__[polluted]=1'],
    ['steps', '/v1/admin/steps?constructor[prototype][polluted]=1'],
    ['jwks', '/.well-known/jwks.json?kid=..%2F..%2Fetc%2Fpasswd&__proto__[x]=1'],
  ] as Array<[Endpoint, string]>) {
    add({ endpoint, group: 'query', name: `${endpoint}: prototype-looking or bracketed query keys`, build: endpoint === 'jwks' ? () => request('GET', path) : adminGet(path), expect: endpoint === 'jwks' ? { kind: 'accept', why: 'the JWKS takes no parameters', check: (b) => { if (!Array.isArray(b?.keys)) throw new Error('no keys'); } } : anyList });
  }

  // ---- 11. Methods the API does not have ---------------------------------------------------------
  for (const [endpoint, method, path] of [
    ['journeyPut', 'PATCH', (fx: Fixture) => `/v1/admin/journeys/${fx.journeys.form}`],
    ['getSession', 'PUT', (fx: Fixture) => `/v1/sessions/${fx.waiting.sessionId}`],
    ['getSession', 'DELETE', (fx: Fixture) => `/v1/sessions/${fx.waiting.sessionId}`],
    ['validateToken', 'GET', () => '/v1/tokens/validate'],
    ['steps', 'POST', () => '/v1/admin/steps'],
    ['jwks', 'POST', () => '/.well-known/jwks.json'],
    ['userUnlock', 'GET', (fx: Fixture) => `/v1/admin/users/${fx.users.a}/unlock`],
    // Not a CORS route: the documented answer for anything unrouted is 404 JSON.
    ['journeyGet', 'OPTIONS', (fx: Fixture) => `/v1/admin/journeys/${fx.journeys.form}`],
  ] as Array<[Endpoint, string, (fx: Fixture) => string]>) {
    add({ endpoint, group: 'methods', name: `${endpoint}: ${method} is not a method of this route`, build: (fx) => request(method, path(fx), { authorization: endpoint === 'getSession' ? bearer(fx.waiting.sessionToken) : bearer(fx.adminKey), body: method === 'GET' || method === 'OPTIONS' ? undefined : json({}) }), expect: refuse(R404) });
  }

  // Names must be unique: they are test titles.
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`duplicate case name: ${c.name}`);
    seen.add(c.name);
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Authentication variants per endpoint kind
// ---------------------------------------------------------------------------------------------

interface AuthVariant {
  label: string;
  header: (fx: Fixture) => string | Buffer | null;
  path?: (fx: Fixture) => string;
  expect: Expectation;
}

function authVariants(s: EndpointSpec): AuthVariant[] {
  const wrong = (fx: Fixture) => (s.auth === 'session' ? `${s.credential(fx)}x` : 'wrong-key-0123456789');
  const right = (fx: Fixture) => s.credential(fx) ?? fx.appKey;
  const malformed: AuthVariant[] = [
    { label: 'Basic scheme with the right secret', header: (fx) => `Basic ${Buffer.from(`admin:${right(fx)}`).toString('base64')}`, expect: refuse(R401) },
    { label: '"Bearer" with no token', header: () => 'Bearer', expect: refuse(R401) },
    { label: '"Bearer " with no token', header: () => 'Bearer ', expect: refuse(R401) },
    { label: 'a wrong credential', header: (fx) => bearer(wrong(fx)), expect: refuse(R401) },
    { label: 'lower-case "bearer" and a wrong credential', header: (fx) => `bearer ${wrong(fx)}`, expect: refuse(R401) },
    { label: 'two spaces and a wrong credential', header: (fx) => `Bearer  ${wrong(fx)}`, expect: refuse(R401) },
    { label: 'the right credential followed by junk', header: (fx) => `Bearer ${right(fx)} junk`, expect: refuse(R401) },
    { label: 'the right credential without a scheme', header: (fx) => right(fx), expect: refuse(R401) },
    { label: '"Token" scheme with the right credential', header: (fx) => `Token ${right(fx)}`, expect: refuse(R401) },
    { label: 'the right credential glued to "Bearer"', header: (fx) => `Bearer${right(fx)}`, expect: refuse(R401) },
    { label: 'the right credential in quotes', header: (fx) => `Bearer "${right(fx)}"`, expect: refuse(R401) },
    { label: 'non-ASCII bytes in the credential', header: () => Buffer.concat([Buffer.from('Bearer '), Buffer.from([0xff, 0xfe, 0xe2, 0x80, 0xae])]), expect: refuse(R401) },
    { label: 'an 8 kB credential', header: () => bearer('k'.repeat(8 * 1024)), expect: refuse(R401) },
  ];
  switch (s.auth) {
    case 'none':
      // The JWKS needs no key; a present but bad header may be refused or ignored.
      return [
        {
          label: 'a Basic Authorization header',
          header: () => 'Basic YWRtaW46eA==',
          expect: { kind: 'accept', why: 'the JWKS needs no key', alsoRefuse: [R401], check: (b) => { if (!Array.isArray(b?.keys)) throw new Error('no keys'); } },
        },
      ];
    case 'start':
      // Wrong keys are refused even on a public journey; no key at all only on a non-public one.
      return [
        ...malformed.filter((v) => !v.label.includes('right credential')),
        { label: 'no key on a non-public journey', header: () => null, path: (fx) => `/v1/journeys/${fx.journeys.private}/start`, expect: refuse(R401) },
        { label: 'a session token as the key on a non-public journey', header: (fx) => bearer(fx.waiting.sessionToken), path: (fx) => `/v1/journeys/${fx.journeys.private}/start`, expect: refuse(R401) },
        { label: 'Basic scheme with the app key on a non-public journey', header: (fx) => `Basic ${Buffer.from(`app:${fx.appKey}`).toString('base64')}`, path: (fx) => `/v1/journeys/${fx.journeys.private}/start`, expect: refuse(R401) },
      ];
    case 'key':
      return [
        { label: 'no key', header: () => null, expect: refuse(R401) },
        { label: 'a session token as the key', header: (fx) => bearer(fx.waiting.sessionToken), expect: refuse(R401) },
        ...malformed,
      ];
    case 'admin':
      return [
        { label: 'no key', header: () => null, expect: refuse(R401) },
        { label: 'the app key', header: (fx) => bearer(fx.appKey), expect: refuse(R403) },
        { label: 'the app key with lower-case "bearer"', header: (fx) => `bearer ${fx.appKey}`, expect: refuse(R403) },
        { label: 'a session token as the key', header: (fx) => bearer(fx.waiting.sessionToken), expect: refuse(R401) },
        ...malformed,
      ];
    case 'session':
      return [
        { label: 'no session token', header: () => null, expect: refuse(R401) },
        { label: 'the admin key instead of the session token', header: (fx) => bearer(fx.adminKey), expect: refuse(R401) },
        { label: 'the app key instead of the session token', header: (fx) => bearer(fx.appKey), expect: refuse(R401) },
        { label: "another session's token", header: (fx) => bearer(fx.other.sessionToken), expect: refuse(R401) },
        { label: 'a forged token of the right shape', header: () => bearer(Buffer.alloc(32, 7).toString('base64url')), expect: refuse(R401) },
        { label: 'the session token in upper case', header: (fx) => bearer(fx.waiting.sessionToken.toUpperCase()), expect: refuse(R401) },
        { label: 'the session token truncated', header: (fx) => bearer(fx.waiting.sessionToken.slice(0, -1)), expect: refuse(R401) },
        ...malformed,
      ];
  }
}
