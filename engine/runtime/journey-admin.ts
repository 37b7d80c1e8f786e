/**
 * The admin side of journeys: drafts (saved even with errors, guarded by revision), immutable
 * published versions (numbered per id, never reused), restore and delete.
 */
import type { Journey } from '../journey/journey-schema.js';
import type { ValidationResult } from '../journey/validate-journey.js';
import type { JsonObject } from '../steps/step-types.js';
import { RevisionConflictError, type JourneySummary, type VersionRecord } from '../store/store.js';
import type { JourneyView as ContractJourneyView } from '../http/contract/types.js';
import { EngineError } from './errors.js';
import { hashDocument, type JourneyRuntime } from './journey-runtime.js';

/** The API's journey view (engine/http/contract) and the draft's revision, which HTTP sends as the ETag. */
export type JourneyView = ContractJourneyView & { revision: number };

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
      diagnostics: this.validate(draft.document).diagnostics,
      versions: versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })),
      revision: draft.revision,
    };
  }

  async save(id: string, document: JsonObject, expectedRevision?: number): Promise<ValidationResult & { revision: number }> {
    if (document.id === undefined) document = { ...document, id };
    if (document.id !== id) throw new EngineError('invalid_request', `the document id "${String(document.id)}" differs from the path "${id}"`);
    const result = this.validate(document);
    try {
      const saved = await this.journeys.saveDraft(id, document, this.runtime.now().toISOString(), expectedRevision);
      return { ...result, revision: saved.revision };
    } catch (error) {
      if (error instanceof RevisionConflictError) throw new EngineError('conflict', 'the draft changed since it was read (If-Match)');
      throw error;
    }
  }

  async publish(id: string): Promise<{ version: number; publishedAt: string }> {
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
    const version = await this.journeys.publish(id, hash, draft.document, this.runtime.now().toISOString());
    return { version: version.version, publishedAt: version.publishedAt };
  }

  async version(id: string, version: number): Promise<JsonObject> {
    const record = await this.requireVersion(id, version);
    return (await this.journeys.getDocument(record.documentHash))!;
  }

  async restore(id: string, version: number): Promise<ValidationResult & { revision: number }> {
    const document = await this.version(id, version);
    const saved = await this.journeys.saveDraft(id, document, this.runtime.now().toISOString());
    return { ...this.validate(document), revision: saved.revision };
  }

  async delete(id: string): Promise<void> {
    // An OpenID client signing its users in with this journey would break (#18): refused first.
    const clients = await this.runtime.store.oidcClients.usingJourney(id);
    if (clients.length) throw new EngineError('journey_in_use', `OpenID clients sign their users in with journey "${id}": ${clients.join(', ')}`, { clients });
    if (!(await this.journeys.delete(id))) throw new EngineError('not_found', `no journey "${id}"`);
  }

  private async requireVersion(id: string, version: number): Promise<VersionRecord> {
    const record = await this.journeys.getVersion(id, version);
    if (!record) throw new EngineError('not_found', `journey "${id}" has no version ${version}`);
    return record;
  }
}
