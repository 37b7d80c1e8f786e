/**
 * Builds an engine from its configuration: store → security → registry → runtime → HTTP.
 * The composition root (server.ts) and the tests both start here.
 */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import type { EngineConfig } from './config.js';
import { createApp } from './http/app.js';
import { JourneyAdmin } from './runtime/journey-admin.js';
import { JourneyRuntime } from './runtime/journey-runtime.js';
import { SessionService } from './runtime/session-service.js';
import { createOutboundHttp } from './security/outbound-http.js';
import { createSealer } from './security/sealing.js';
import { TokenService } from './security/tokens.js';
import { StepRegistry } from './steps/registry.js';
import type { StepDefinition, StepServices, UserDirectory } from './steps/step-types.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface EngineOptions {
  steps: Array<StepDefinition<any>>;
  now?: () => Date;
  logger?: Logger;
}

export interface Engine {
  config: EngineConfig;
  app: Express;
  store: Store;
  registry: StepRegistry;
  runtime: JourneyRuntime;
  sessions: SessionService;
  admin: JourneyAdmin;
  tokens: TokenService;
  logger: Logger;
  close(): Promise<void>;
}

export async function createEngine(config: EngineConfig, options: EngineOptions): Promise<Engine> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const store = await openStore(config.databaseUrl);
  const sealer = createSealer(config.secretKey, config.previousSecretKeys);
  const tokens = new TokenService({ store, sealer, issuer: config.issuer, ttlSeconds: config.tokenTtlSeconds, now });
  const registry = new StepRegistry().register(...options.steps);

  const services: StepServices = {
    users: userDirectory(store, now),
    http: createOutboundHttp(config.httpAllowedHosts),
    credentials: {
      authenticators: store.authenticators,
      attempts: store.attempts,
      recoveryCodes: store.recoveryCodes,
      seal: (plaintext, context) => sealer.seal(plaintext, context),
      unseal: (sealed, context) => sealer.unseal(sealed, context),
    },
  };
  const runtime = new JourneyRuntime({
    registry,
    store,
    services,
    sealer,
    now,
    issueToken: async ({ context, claims }) =>
      (
        await tokens.issue({
          sessionId: context.sessionId,
          journeyId: context.journeyId,
          journeyVersion: context.journeyVersion,
          userId: context.user?.id ?? null,
          claims,
          testRun: context.testRun,
        })
      ).token,
    onUnexpectedError: (error, where) => logger.error({ err: error, ...where }, 'step failed unexpectedly'),
  });
  const sessions = new SessionService(runtime, {
    redirectOrigins: config.redirectOrigins,
    publicUrl: config.publicUrl,
    // Longer than the longest advance, so a slow submit is never taken over while it runs.
    leaseSeconds: 150,
    advanceTimeoutMs: 120_000,
  });
  const admin = new JourneyAdmin(runtime);
  const keys = { adminApiKey: config.adminApiKey, appApiKeys: config.appApiKeys };
  const app = createApp({
    sessions,
    tokens,
    keys,
    corsOrigins: config.corsOrigins,
    admin,
    registry,
    store,
    logger,
    ready: () => store.ping(),
  });

  return { config, app, store, registry, runtime, sessions, admin, tokens, logger, close: () => store.close() };
}

function userDirectory(store: Store, now: () => Date): UserDirectory {
  return {
    findById: (id) => store.users.findById(id),
    findByUsername: (username) => store.users.findByUsername(username),
    create: ({ id, username, attributes }) =>
      store.users.create({ id: id ?? randomUUID(), username: username ?? null, attributes: attributes ?? {}, createdAt: now().toISOString() }),
  };
}
