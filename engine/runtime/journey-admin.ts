/**
 * The admin side of journeys: drafts (saved even with errors, guarded by revision), immutable
 * published versions (numbered per id, never reused), restore and delete. Every change is written
 * with its audit entry (and `journey.published` with its webhook event) in one transaction.
 */
import type { Journey } from '../journey/journey-schema.js';
import type { ValidationResult } from '../journey/validate-journey.js';
import type { JsonObject } from '../steps/step-types.js';
import { RevisionConflictError, type JourneySummary, type VersionRecord } from '../store/store.js';
import type { JourneyView as ContractJourneyView } from '../http/contract/types.js';
import { auditRecords, type AuditActor } from '../audit/audit-entry.js';
import { journeyPublished } from '../webhooks/events.js';
import { EngineError } from './errors.js';
import { semanticDiff } from '../journey/semantic-diff.js';
import type { JourneyDiff } from '../http/contract/types.js';
import { hashDocument, type JourneyRuntime } from './journey-runtime.js';
import { callOutputShapes, callersOf, checkCalls } from './calls/check-calls.js';

/** The API's journey view (engine/http/contract) and the draft's revision, which HTTP sends as the ETag. */
export type JourneyView = ContractJourneyView & { revision: number };

/** Changes the engine makes itself (sample journeys on first start). */
export const SYSTEM_ACTOR: AuditActor = { actor: 'system', clientAddress: null };

export class JourneyAdmin {
  constructor(private readonly runtime: JourneyRuntime) {}

  private get journeys() {
    return this.runtime.store.journeys;
  }

  validate(document: unknown): ValidationResult {
    return this.runtime.validator.validate(document);
  }

  list(): Promise<JourneySummary[]> {
    return this.journeys.list();
  }

  async get(id: string): Promise<JourneyView> {
    const draft = await this.journeys.getDraft(id);
    if (!draft) throw new EngineError('not_found', `no journey "${id}"`);
    const versions = await this.journeys.listVersions(id);
    return {
      draft: draft.document,
      diagnostics: (await this.validateWithCalls(draft.document)).diagnostics,
      versions: versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })),
      revision: draft.revision,
    };
  }

  async save(id: string, document: JsonObject, expectedRevision?: number, by: AuditActor = SYSTEM_ACTOR): Promise<ValidationResult & { revision: number }> {
    if (document.id === undefined) document = { ...document, id };
    if (document.id !== id) throw new EngineError('invalid_request', `the document id "${String(document.id)}" differs from the path "${id}"`);
    const result = await this.validateWithCalls(document);
    const now = this.runtime.now();
    // The draft replaced, for the diff (with If-Match it is exactly the one the save replaces).
    const before = await this.journeys.getDraft(id);
    const records = auditRecords(by, 'journey.saved', { type: 'journey', id }, { valid: result.valid, ...semanticDiff(before?.document ?? null, document) }, now);
    try {
      const saved = await this.journeys.saveDraft(id, document, now.toISOString(), expectedRevision, records);
      return { ...result, revision: saved.revision };
    } catch (error) {
      if (error instanceof RevisionConflictError) throw new EngineError('conflict', 'the draft changed since it was read (If-Match)');
      throw error;
    }
  }

  async publish(id: string, by: AuditActor = SYSTEM_ACTOR): Promise<{ version: number; publishedAt: string }> {
    const draft = await this.journeys.getDraft(id);
    if (!draft) throw new EngineError('not_found', `no journey "${id}"`);
    const hash = hashDocument(draft.document);
    try {
      // Compiling validates (once): a journey with errors is refused with its diagnostics.
      this.runtime.compile(draft.document as Journey, hash);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'validation_failed') {
        throw new EngineError('validation_failed', 'the journey has errors and cannot be published', error.details);
      }
      throw error;
    }
    // What it calls must exist, take its input and not call back (#20).
    const callProblems = (await this.callDiagnostics(draft.document, false)).filter((d) => d.severity === 'error');
    if (callProblems.length) throw new EngineError('validation_failed', 'the journey has errors and cannot be published', { diagnostics: callProblems });
    const now = this.runtime.now();
    const previous = await this.journeys.getLatestVersion(id);
    const previousDocument = previous ? await this.journeys.getDocument(previous.documentHash) : null;
    const diff = semanticDiff(previousDocument, draft.document);
    const version = await this.journeys.publish(id, hash, draft.document, now.toISOString(), (v) => ({
      ...auditRecords(by, 'journey.published', { type: 'journey', id }, { version: v.version, documentHash: hash, draftRevision: draft.revision, previousVersion: previous?.version ?? null, ...diff }, now),
      events: [journeyPublished(v, by.actor, now)],
    }));
    return { version: version.version, publishedAt: version.publishedAt };
  }

  async version(id: string, version: number): Promise<JsonObject> {
    const record = await this.requireVersion(id, version);
    return (await this.journeys.getDocument(record.documentHash))!;
  }

  async restore(id: string, version: number, by: AuditActor = SYSTEM_ACTOR): Promise<ValidationResult & { revision: number }> {
    const document = await this.version(id, version);
    const now = this.runtime.now();
    const before = await this.journeys.getDraft(id);
    const records = auditRecords(by, 'journey.restored', { type: 'journey', id }, { version, ...semanticDiff(before?.document ?? null, document) }, now);
    const saved = await this.journeys.saveDraft(id, document, now.toISOString(), undefined, records);
    return { ...this.validate(document), revision: saved.revision };
  }

  async delete(id: string, by: AuditActor = SYSTEM_ACTOR): Promise<void> {
    // An OpenID client signing its users in with this journey would break (#18): refused first.
    const clients = await this.runtime.store.oidcClients.usingJourney(id);
    if (clients.length) throw new EngineError('journey_in_use', `OpenID clients sign their users in with journey "${id}": ${clients.join(', ')}`, { clients });
    // A published version calling it would fail at its call step (#20): refused, callers named.
    const callers = await callersOf(id, this.journeys);
    if (callers.length) throw new EngineError('journey_in_use', `published journeys call journey "${id}": ${callers.join(', ')}`, { callers });
    const draft = await this.journeys.getDraft(id);
    const latest = await this.journeys.getLatestVersion(id);
    const records = auditRecords(by, 'journey.deleted', { type: 'journey', id }, { revision: draft?.revision ?? null, latestVersion: latest?.version ?? null }, this.runtime.now());
    if (!(await this.journeys.delete(id, records))) throw new EngineError('not_found', `no journey "${id}"`);
  }

  /** The document validator's result with the checks of its calls (which need the store) added. */
  async validateWithCalls(document: unknown): Promise<ValidationResult> {
    // Data flow sees each call's output with the shape of the called journey's claims.
    const doc = withSteps(document);
    const outputShapes = doc ? await callOutputShapes(doc, { journeys: this.journeys }) : undefined;
    const result = this.runtime.validator.validate(document, { outputShapes });
    const calls = await this.callDiagnostics(document, true);
    if (!calls.length) return result;
    return { valid: result.valid && !calls.some((d) => d.severity === 'error'), diagnostics: [...result.diagnostics, ...calls] };
  }

  private async callDiagnostics(document: unknown, draft: boolean) {
    const doc = withSteps(document);
    if (!doc) return [];
    return checkCalls(doc, { journeys: this.journeys, schemaValidator: (schema) => this.runtime.schemaValidator(schema) }, { draft });
  }

  /** What `to` changes from `from` (#19): each a version number or `draft`. */
  async diff(id: string, from: number | 'draft', to: number | 'draft'): Promise<JourneyDiff> {
    const [before, after] = await Promise.all([this.documentAt(id, from), this.documentAt(id, to)]);
    return semanticDiff(before, after);
  }

  private async documentAt(id: string, ref: number | 'draft'): Promise<JsonObject> {
    if (ref !== 'draft') return this.version(id, ref);
    const draft = await this.journeys.getDraft(id);
    if (!draft) throw new EngineError('not_found', `no journey "${id}"`);
    return draft.document;
  }

  private async requireVersion(id: string, version: number): Promise<VersionRecord> {
    const record = await this.journeys.getVersion(id, version);
    if (!record) throw new EngineError('not_found', `journey "${id}" has no version ${version}`);
    return record;
  }
}

/** The document as a journey when it has steps to look at (a draft may be anything). */
function withSteps(document: unknown): Journey | null {
  const doc = document as Journey;
  return doc && typeof doc === 'object' && doc.steps && typeof doc.steps === 'object' ? doc : null;
}
