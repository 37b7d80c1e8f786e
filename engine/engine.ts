/**
 * Builds an engine from its configuration: store → security → registry → runtime → HTTP.
 * The composition root (server.ts) and the tests both start here.
 */
import { failureLimits } from './runtime/failure-limits.js';
import { leasedServices } from './runtime/leased-services.js';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import type { EngineConfig } from './config.js';
import { createApp } from './http/app.js';
import { EngineMetrics } from './metrics.js';
import { parseRateLimits } from './http/rate-limit.js';
import { JourneyAdmin } from './runtime/journey-admin.js';
import { JourneyRuntime } from './runtime/journey-runtime.js';
import { JourneyCallService } from './runtime/calls/journey-calls.js';
import { SessionService } from './runtime/session-service.js';
import { createOutboundHttp } from './security/outbound-http.js';
import { uncharged } from './runtime/run-scope.js';
import { resealUnderCurrentKey } from './security/reseal.js';
import { createSealer } from './security/sealing.js';
import { TokenService } from './security/tokens.js';
import { StepRegistry } from './steps/registry.js';
import { MessagingError, type Messaging, type OutboundHttp, type StepDefinition, type StepServices, type UserDirectory } from './steps/step-types.js';
import { AllChannelsFailedError, CountryNotAllowedError, SendLimitError, createMessageDelivery } from './channels/delivery.js';
import { outboxProvider } from './channels/outbox-provider.js';
import { unconfiguredProvider, type ChannelName } from './channels/channel.js';
import { smtpEmailProvider } from './channels/smtp-email.js';
import { twilioSmsProvider } from './channels/twilio-sms.js';
import { whatsappCloudProvider } from './channels/whatsapp-cloud.js';
import { openStore } from './store/open-store.js';
import { EmailLinkService } from './links/email-links.js';
import type { Store } from './store/store.js';
import { JourneyAnalytics } from './analytics/journey-analytics.js';
import { attemptsWithEvents, authenticatorsWithEvents } from './webhooks/credential-events.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookSubscriptions } from './webhooks/subscriptions.js';

export interface EngineOptions {
  steps: Array<StepDefinition<any>>;
  now?: () => Date;
  logger?: Logger;
  /** Process metrics (CPU, memory, event loop) in /metrics: on for the server, off in tests. */
  defaultMetrics?: boolean;
  /** Outbound HTTP for `http.request` steps instead of the guarded client (the offline journey tests' fake, testing/). */
  http?: OutboundHttp;
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
  metrics: EngineMetrics;
  /** Webhook subscriptions (admin API) and the outbox's dispatcher (server.ts starts it). */
  webhooks: WebhookSubscriptions;
  dispatcher: WebhookDispatcher;
  analytics: JourneyAnalytics;
  /** The services lent to steps (the offline journey tests seed users' credentials through them). */
  services: StepServices;
  /** Email links' page side (find, consume): the offline journey tests open links through it. */
  links: EmailLinkService;
  close(): Promise<void>;
}

export async function createEngine(config: EngineConfig, options: EngineOptions): Promise<Engine> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization'] });
  const store = await openStore(config.databaseUrl);
  const metrics = new EngineMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const sealer = createSealer(config.secretKey, config.previousSecretKeys);
  await resealUnderCurrentKey(store, sealer, logger);
  const tokens = new TokenService({ store, sealer, issuer: config.issuer, ttlSeconds: config.tokenTtlSeconds, now });
  const registry = new StepRegistry().register(...options.steps);
  const links = new EmailLinkService({ store: store.links, sealer, publicUrl: config.publicUrl, now });

  // A run's writes and outbound effects take its session's lease first (runtime/leased-services.ts).
  const services: StepServices = leasedServices({
    users: userDirectory(store, now),
    http: unchargedHttp(options.http ?? createOutboundHttp(config.httpAllowedHosts)),
    credentials: {
      // Confirmed and removed authenticators and user lockouts raise webhook events with the change.
      authenticators: authenticatorsWithEvents(store.authenticators, now),
      attempts: attemptsWithEvents(store.attempts, now),
      recoveryCodes: store.recoveryCodes,
      keyedHash: (purpose, value) => sealer.keyedHash(purpose, value),
      matchesKeyedHash: (purpose, value, stored) => sealer.matchesKeyedHash(purpose, value, stored),
      seal: (plaintext, context) => sealer.seal(plaintext, context),
      unseal: (sealed, context) => sealer.unseal(sealed, context),
    },
    messaging: unchargedMessaging(createMessaging(config, store, now, logger, metrics)),
    links,
    relyingParty: { id: config.webauthn.rpId, name: config.webauthn.rpName, origins: config.webauthn.origins },
    limits: failureLimits(store.counters, now),
    // Sub-journeys run on the runtime built next (it is only called once a session runs).
    journeys: new JourneyCallService(() => runtime, 120_000),
  });
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
          // Only an established user is the token's subject: a typed username proves nothing.
          userId: context.auth ? context.auth.userId : null,
          authentication: context.auth?.authTime ? { amr: context.auth.amr, authTime: context.auth.authTime } : null,
          claims,
          testRun: context.testRun,
        })
      ).token,
    onUnexpectedError: (error, where) => logger.error({ err: error, ...where }, 'step failed unexpectedly'),
  });
  const sessions = new SessionService(runtime, {
    // The OpenID provider's interactions send the hosted runner back to the engine's own origin.
    redirectOrigins: config.publicUrl ? [...new Set([...config.redirectOrigins, new URL(config.publicUrl).origin])] : config.redirectOrigins,
    publicUrl: config.publicUrl,
    // Renewed every 5 s while a submit runs; after a crash the session is free again within 15 s.
    leaseSeconds: 15,
    advanceTimeoutMs: 120_000,
    cpuBudgetMs: config.runCpuBudgetMs,
  }, metrics);
  const admin = new JourneyAdmin(runtime);
  const webhooks = new WebhookSubscriptions({ store: store.webhooks, sealer, allowedHosts: config.webhooks.allowedHosts, now });
  const dispatcher = new WebhookDispatcher({
    store: store.webhooks,
    // Its own guard: webhook targets are allowed by WEBHOOK_ALLOWED_HOSTS, not the steps' list.
    http: createOutboundHttp(config.webhooks.allowedHosts),
    sealer,
    now,
    logger,
    settings: { ...config.webhooks, batch: 10 },
    onResult: (result) => metrics.webhookDelivery(result),
  });
  const analytics = new JourneyAnalytics(store, now);
  const keys = { adminApiKey: config.adminApiKey, appApiKeys: config.appApiKeys, appApiKeyNames: config.appApiKeyNames };
  const app = createApp({
    sessions,
    tokens,
    keys,
    corsOrigins: config.corsOrigins,
    rateLimits: parseRateLimits(config.rateLimits),
    counters: store.counters,
    now,
    admin,
    registry,
    store,
    links,
    logger,
    metrics,
    webhooks,
    analytics,
    ready: () => store.ping(),
    oidc: { publicUrl: config.publicUrl, ssoTtlSeconds: config.oidc.ssoTtlSeconds, sealer },
    frameAncestors: config.frameAncestors,
  });

  return {
    config,
    app,
    store,
    registry,
    runtime,
    sessions,
    admin,
    tokens,
    logger,
    metrics,
    webhooks,
    dispatcher,
    analytics,
    services,
    links,
    async close() {
      await dispatcher.stop();
      await store.close();
    },
  };
}

function userDirectory(store: Store, now: () => Date): UserDirectory {
  return {
    findById: (id) => store.users.findById(id),
    findByUsername: (username) => store.users.findByUsername(username),
    create: ({ id, username, attributes }) =>
      store.users.create({ id: id ?? randomUUID(), username: username ?? null, attributes: attributes ?? {}, createdAt: now().toISOString() }),
  };
}

/** The configured provider of each channel, else the dev outbox; errors mapped to step error codes. */
/** Waits on outbound HTTP and message providers are not charged to a run's CPU budget. */
function unchargedHttp(http: OutboundHttp): OutboundHttp {
  return { request: (request) => uncharged(() => http.request(request)) };
}

function unchargedMessaging(messaging: Messaging): Messaging {
  return { send: (message, channels, options) => uncharged(() => messaging.send(message, channels, options)) };
}

function createMessaging(config: EngineConfig, store: Store, now: () => Date, logger: Logger, metrics: EngineMetrics): Messaging {
  const { channels } = config;
  // The dev outbox stands in only on an installation with no provider at all (development).
  const development = !channels.twilio && !channels.whatsapp && !channels.smtp;
  const missing = (channel: ChannelName) => (development ? outboxProvider(channel, store.outbox, now) : unconfiguredProvider(channel));
  const delivery = createMessageDelivery({
    providers: {
      sms: channels.twilio ? twilioSmsProvider({ ...channels.twilio, timeoutMs: channels.timeoutMs }) : missing('sms'),
      whatsapp: channels.whatsapp ? whatsappCloudProvider({ ...channels.whatsapp, timeoutMs: channels.timeoutMs }) : missing('whatsapp'),
      email: channels.smtp ? smtpEmailProvider({ smtpUrl: channels.smtp.url, from: channels.smtp.from, timeoutMs: channels.timeoutMs }) : missing('email'),
    },
    counters: store.counters,
    limits: {
      destination: channels.sendLimit,
      client: channels.clientSendLimit,
      country: channels.countrySendLimit,
      global: channels.globalSendLimit,
      allowedCountries: channels.smsAllowedCountries,
    },
    now,
    logger,
    onResult: (channel, result) => metrics.message(channel, result),
  });
  return {
    async send(message, order, sendOptions) {
      try {
        return await delivery.send(message, order, sendOptions);
      } catch (error) {
        if (error instanceof SendLimitError) throw new MessagingError('rate_limited', error.message, { retryAfter: error.retryAfter, scope: error.scope });
        if (error instanceof CountryNotAllowedError) throw new MessagingError('country_not_allowed', error.message);
        if (error instanceof AllChannelsFailedError) throw new MessagingError('delivery_failed', 'the message could not be delivered on any channel');
        throw error;
      }
    },
  };
}
