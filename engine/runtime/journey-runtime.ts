/**
 * Holds what every session run needs: the registry, the validator, the step services, and the
 * compiled journeys, cached by the hash of their document (a published version never changes,
 * so its machine, expressions and validators are built once per process).
 */
import { createHash } from 'node:crypto';
import type { Journey } from '../journey/journey-schema.js';
import { createAjv, type ValidateFunction } from '../journey/schema-validator.js';
import { JourneyValidator } from '../journey/validate-journey.js';
import type { StepRegistry } from '../steps/registry.js';
import type { JsonObject, StepServices } from '../steps/step-types.js';
import type { Sealer } from '../security/sealing.js';
import type { Store } from '../store/store.js';
import { compileJourney, type CompiledJourney } from './compile-journey.js';
import { EngineError } from './errors.js';
import type { SessionContext } from './session-context.js';

export interface RuntimeOptions {
  registry: StepRegistry;
  store: Store;
  services: StepServices;
  sealer: Sealer;
  now: () => Date;
  issueToken(subject: { context: SessionContext; claims: JsonObject }): Promise<string>;
  onUnexpectedError(error: unknown, where: { stepId: string; type: string; journeyId?: string; journeyVersion?: number | null }): void;
  cacheSize?: number;
}

export class JourneyRuntime {
  readonly validator: JourneyValidator;
  private readonly cache = new Map<string, CompiledJourney>();
  private readonly ajvWithDefaults = createAjv({ useDefaults: true });
  private readonly ajv = createAjv();
  private readonly configValidators = new Map<string, ValidateFunction>();
  private readonly schemaValidators = new Map<string, ValidateFunction>();

  constructor(readonly options: RuntimeOptions) {
    this.validator = new JourneyValidator(options.registry);
  }

  get store(): Store {
    return this.options.store;
  }

  now(): Date {
    return this.options.now();
  }

  /** The compiled journey for a stored document hash (loaded and compiled on first use). */
  async load(hash: string): Promise<CompiledJourney> {
    const cached = this.cache.get(hash);
    if (cached) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.cache.delete(hash);
      this.cache.set(hash, cached);
      return cached;
    }
    const document = await this.options.store.journeys.getDocument(hash);
    if (!document) throw new EngineError('not_found', 'the journey version of this session no longer exists');
    return this.compile(document as Journey, hash);
  }

  /** Validates and compiles a document; refuses one with errors (422 with its diagnostics). */
  compile(document: Journey, hash = hashDocument(document)): CompiledJourney {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const result = this.validator.validate(document);
    if (!result.valid) {
      throw new EngineError('validation_failed', 'the journey has errors', { diagnostics: result.diagnostics });
    }
    const compiled = compileJourney(document, hash, {
      registry: this.options.registry,
      services: this.options.services,
      now: this.options.now,
      issueToken: this.options.issueToken,
      onUnexpectedError: this.options.onUnexpectedError,
      sealStepData: (data, sessionId) => this.sealStepData(data, sessionId),
      unsealStepData: (sealed, sessionId) => this.unsealStepData(sealed, sessionId),
      compileConfigSchema: (type, schema) => {
        let validate = this.configValidators.get(type);
        if (!validate) {
          validate = this.ajvWithDefaults.compile(schema);
          this.configValidators.set(type, validate);
        }
        return validate;
      },
      compileSchema: (schema) => this.schemaValidator(schema),
    });
    this.cache.set(hash, compiled);
    const limit = this.options.cacheSize ?? 256;
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value!);
    return compiled;
  }

  /** Step data a step marked sensitive is sealed, bound to its session. */
  sealStepData(data: JsonObject, sessionId: string): string {
    return this.options.sealer.seal(JSON.stringify(data), `step-data:${sessionId}`);
  }

  unsealStepData(sealed: string, sessionId: string): JsonObject {
    return JSON.parse(this.options.sealer.unseal(sealed, `step-data:${sessionId}`)) as JsonObject;
  }

  /** A cached validator for a schema carried in data (option schemas, input schemas). */
  schemaValidator(schema: object): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.schemaValidators.get(key);
    if (!validate) {
      // Journeys' schemas are anonymous here: an `$id` would clash across journeys in one ajv.
      const { $id: _id, ...anonymous } = structuredClone(schema) as Record<string, unknown>;
      validate = this.ajv.compile(anonymous);
      this.schemaValidators.set(key, validate);
    }
    return validate;
  }
}

/** A stable hash of a document: keys sorted, so formatting and key order do not matter. */
export function hashDocument(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
