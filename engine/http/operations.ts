/**
 * Registers express handlers by operationId: the route table (contract/routes.ts) gives each
 * operation's method, path, caller and request schemas, and this applies them, so a handler
 * cannot be mounted at a path, or without the checks, its contract does not state. An unknown
 * operationId, one registered twice, or one of the table left without a handler throws at start-up.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Caller } from '../runtime/session-service.js';
import { ROUTES, type OperationId } from './contract/routes.js';
import { authorise, requireSessionToken, type Keys } from './auth.js';
import { checkBody } from './validate-body.js';

type Spec<Id extends OperationId> = (typeof ROUTES)[Id];

/** The validated JSON body; undefined for an operation without one (or whose handler reads it itself). */
type BodyOf<Id extends OperationId> = Spec<Id> extends { body: { afterAuthorisation: true } } ? undefined : ParsedBodyOf<Id>;
/** The body's type once checked. */
type ParsedBodyOf<Id extends OperationId> = Spec<Id> extends { body: { schema: infer S; media?: undefined } }
  ? S extends JSONSchema
    ? FromSchema<S>
    : never
  : undefined;
type QueryOf<Id extends OperationId> = Spec<Id> extends { query: { schema: infer S; validate: true } }
  ? S extends JSONSchema
    ? FromSchema<S>
    : never
  : Record<string, unknown>;

/** The JSON body of the operation's success answer (its first 2xx with a schema). */
type ReplyOf<Id extends OperationId> = Spec<Id>['responses'] extends { 200: { schema: infer S } }
  ? FromJson<S>
  : Spec<Id>['responses'] extends { 201: { schema: infer S } }
    ? FromJson<S>
    : never;
type FromJson<S> = S extends JSONSchema ? FromSchema<S> : never;
/** A value as res.json sends it: interfaces and readonly arrays become plain objects and arrays. */
type AsJson<T> = T extends readonly (infer U)[] ? AsJson<U>[] : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;

export interface OperationInput<Id extends OperationId> {
  /**
   * Answers the success status of the table with `body`, which must fit the documented schema
   * (a body that does not fit asks for a second argument of type never: a compile error).
   */
  reply: <T>(body: T, ..._fits: AsJson<T> extends ReplyOf<Id> ? [] : [never]) => void;
  /**
   * The body, checked against the operation's schema (a missing optional body is `{}`); undefined
   * where the contract checks it only after authorisation: the handler calls `parseBody` then.
   */
  body: BodyOf<Id>;
  parseBody: (raw: unknown) => ParsedBodyOf<Id>;
  query: QueryOf<Id>;
  /** Who calls (`optional-key`, `app-or-admin` and `admin` operations); `anonymous` otherwise. */
  caller: Caller;
  /** The bearer token of a `session` operation; empty otherwise. */
  sessionToken: string;
}

export type OperationHandler<Id extends OperationId> = (req: Request, res: Response, input: OperationInput<Id>) => unknown;

export interface Operations {
  /** Mounts the handler of `operationId` on `router`, after `before` (rate limits, body parsers). */
  handle<Id extends OperationId>(router: Router, operationId: Id, handler: OperationHandler<Id>, options?: { before?: RequestHandler[] }): void;
  /** Throws unless every operation of the table has a handler. */
  assertAllHandled(): void;
}

/** `/v1/sessions/{sessionId}` → `/v1/sessions/:sessionId`. */
export const expressPath = (path: string) => path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');

export function createOperations(keys: Keys): Operations {
  const handled = new Set<string>();
  return {
    handle(router, operationId, handler, options = {}) {
      if (!Object.hasOwn(ROUTES, operationId)) throw new Error(`no operation "${operationId}" in the route table`);
      if (handled.has(operationId)) throw new Error(`the operation "${operationId}" already has a handler`);
      handled.add(operationId);
      const spec = ROUTES[operationId] as unknown as {
        method: 'get' | 'post' | 'put' | 'delete';
        path: string;
        auth: 'none' | 'optional-key' | 'session' | 'app-or-admin' | 'admin';
        body?: { schema: object; required: boolean; media?: string; afterAuthorisation?: boolean };
        query?: { schema: object; validate: boolean };
      };
      const success = Number(Object.keys(ROUTES[operationId].responses).find((status) => status.startsWith('2')) ?? 200);
      const run: RequestHandler = async (req, res) => {
        const caller = authorise(spec.auth, req, keys);
        const sessionToken = spec.auth === 'session' ? requireSessionToken(req) : '';
        const query = spec.query?.validate ? checkBody(spec.query.schema, { ...req.query }, 'query') : { ...req.query };
        const parseBody = (raw: unknown) => checkBody(spec.body!.schema, spec.body!.required ? raw : (raw ?? {}));
        const eager = spec.body && spec.body.media === undefined && !spec.body.afterAuthorisation;
        const body = eager ? parseBody(req.body) : undefined;
        const reply = (value: unknown) => void res.status(success).json(value);
        await handler(req, res, { reply, body, parseBody, query, caller, sessionToken } as unknown as OperationInput<typeof operationId>);
      };
      router[spec.method](expressPath(spec.path), ...(options.before ?? []), run);
    },
    assertAllHandled() {
      const missing = Object.keys(ROUTES).filter((id) => !handled.has(id));
      if (missing.length) throw new Error(`operations of the route table without a handler: ${missing.join(', ')}`);
    },
  };
}
