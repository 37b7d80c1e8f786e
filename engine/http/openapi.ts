/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`, generated from the
 * route table (contract/routes.ts), the schemas (contract/schemas.ts) and the error table: nothing
 * in it is written twice. A schema that is a named component is referenced, never inlined.
 *
 * Pure: no Node or express imports.
 */
import { ERROR_CODES, ERROR_STATUS, ERROR_TABLE, type ErrorCode } from './contract/error-table.js';
import { ROUTES, type Auth, type OperationSpec, type ResponseSpec } from './contract/routes.js';
import { COMPONENT_SCHEMAS, DIAGNOSTIC_CODES } from './contract/schemas.js';

export { DIAGNOSTIC_CODES, ERROR_CODES, ERROR_STATUS };

const COMPONENT_NAMES = new Map<object, string>(Object.entries(COMPONENT_SCHEMAS).map(([name, schema]) => [schema, name]));

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A route's schema with its named components (and arrays of them) referenced. */
function referenced(schema: object): object {
  const name = COMPONENT_NAMES.get(schema);
  if (name) return ref(name);
  const items = (schema as { type?: unknown; items?: object }).items;
  if ((schema as { type?: unknown }).type === 'array' && items) return { ...schema, items: referenced(items) };
  return schema;
}

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  none: [],
  'optional-key': [{}, { appKey: [] }, { adminKey: [] }],
  session: [{ sessionToken: [] }],
  'app-or-admin': [{ appKey: [] }, { adminKey: [] }],
  admin: [{ adminKey: [] }],
};

const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };

function success(response: ResponseSpec): object {
  const media = response.media ?? 'application/json';
  const headers = { ...requestIdHeader, ...(media === 'text/html' ? { 'Cache-Control': { schema: { const: 'no-store' } } } : {}), ...response.headers };
  const schema = response.schema ?? (media === 'text/html' ? { type: 'string' } : undefined);
  return { description: response.description, headers, ...(schema ? { content: { [media]: { schema: referenced(schema) } } } : {}) };
}

/** One error response per status, its code enum narrowed to the codes this operation can answer. */
function errors(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'internal' as const]) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_TABLE[code].when}`).join('; '),
      headers: {
        ...requestIdHeader,
        ...(status === 429 ? { 'Retry-After': { description: 'Seconds until the window resets.', schema: { type: 'integer' } } } : {}),
      },
      content: {
        'application/json': { schema: { allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: list } } } } }] } },
      },
    };
  }
  return responses;
}

function responsesOf(op: OperationSpec): Record<string, object> {
  const responses: Record<string, object> = {};
  const html = Object.values(op.responses).some((r) => r.media === 'text/html');
  // Pages answer HTML at every status, a bug included; everything else answers the error table.
  const all = html ? { 500: { description: 'A bug: a page saying nothing was changed.', media: 'text/html' } as ResponseSpec, ...op.responses } : op.responses;
  for (const [status, response] of Object.entries(all)) responses[status] = success(response);
  if (!html) Object.assign(responses, errors(op.errors));
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
}

function operationOf(operationId: string, op: OperationSpec): object {
  const parameters = [
    ...(op.parameters ?? []),
    ...Object.entries(op.query?.schema.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      ...(op.query?.descriptions?.[name] ? { description: op.query.descriptions[name] } : {}),
      schema,
    })),
  ];
  const media = op.body?.media ?? 'application/json';
  return {
    operationId,
    summary: op.summary,
    tags: [op.tag],
    security: SECURITY[op.auth],
    ...(op.description ? { description: op.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: op.body.required, content: { [media]: { schema: referenced(op.body.schema) } } } } : {}),
    responses: responsesOf(op),
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const [operationId, op] of Object.entries(ROUTES) as Array<[string, OperationSpec]>) {
    (paths[op.path] ??= {})[op.method] = operationOf(operationId, op);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'Journey engine HTTP API',
      version: '1',
      description:
        'Apps start journeys, answer their steps and validate the resulting tokens; admins manage journeys. ' +
        'Every refusal answers `{ "error": { "code", "message", "details"? } }` with the status of its code.',
    },
    tags: [
      { name: 'sessions', description: 'Running journeys (apps and browsers).' },
      { name: 'tokens', description: 'Result tokens.' },
      { name: 'admin', description: 'The admin API (admin key).' },
      { name: 'operations', description: 'Health, metrics and this document.' },
      { name: 'links', description: 'Email link pages (`email.link`): HTML for browsers, not JSON.' },
      { name: 'oidc', description: 'The OpenID provider\'s clients (admin key); the provider itself is under /oidc (docs/oidc.md).' },
    ],
    paths,
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY: everything under /v1 except the session routes.' },
        appKey: { type: 'http', scheme: 'bearer', description: 'One of APP_API_KEYS: start any journey and validate tokens; not the admin API.' },
        sessionToken: { type: 'http', scheme: 'bearer', description: 'The `sessionToken` of a step response: that one session only.' },
      },
      headers: {
        RequestId: { description: 'The request id (yours when it matches `^[A-Za-z0-9._-]{1,64}$`).', schema: { type: 'string' } },
      },
      schemas: COMPONENT_SCHEMAS,
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildDocument>;

let cached: string | undefined;

/** The document (a fresh copy each call, so callers may change it freely). */
export function openApiDocument(): OpenApiDocument {
  cached ??= JSON.stringify(buildDocument());
  return JSON.parse(cached) as OpenApiDocument;
}
