/** Shapes of the engine's HTTP API that the designer and the runner use (docs/http-api.md). */

export type JsonObject = { [key: string]: unknown };
export type JsonSchema = JsonObject;

export interface StepDoc {
  type: string;
  name?: string;
  description?: string;
  config?: JsonObject;
  branches?: Record<string, string>;
  errorOutputVariable?: string;
  onFailure?: 'branch' | 'abort';
}

export interface Position {
  x: number;
  y: number;
}

export interface JourneySettings {
  public?: boolean;
  sessionTtlSeconds?: number;
  actions?: string[];
}

export interface JourneyDoc {
  $schema?: string;
  id: string;
  name?: string;
  description?: string;
  start: string;
  input?: JsonSchema;
  settings?: JourneySettings;
  steps: Record<string, StepDoc>;
  layout?: Record<string, Position>;
}

export type BranchDeclaration = string[] | { from: string; key: string; extra: string[] };

export interface CatalogueEntry {
  type: string;
  title: string;
  category: string;
  description: string;
  configSchema: JsonSchema;
  branches: BranchDeclaration;
  interactive: boolean;
  terminal: boolean;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  path: string;
  stepId?: string;
}

export interface JourneySummary {
  id: string;
  name?: string;
  updatedAt: string;
  latestVersion: number | null;
}

export interface JourneyView {
  draft: JourneyDoc;
  diagnostics: Diagnostic[];
  versions: Array<{ version: number; publishedAt: string }>;
  etag: string | null;
}

export interface StepOption {
  id: string;
  label?: string;
  schema?: JsonSchema;
}

export interface StepResponse {
  sessionId: string;
  sessionToken: string;
  journeyId: string;
  journeyVersion: number | null;
  status: 'waiting' | 'completed' | 'rejected' | 'failed' | 'expired' | string;
  step: { id: string; type: string; name: string; data: JsonObject; options: StepOption[] } | null;
  error: { code: string; message: string } | null;
  result: { token: string; claims: JsonObject } | null;
  url: string | null;
  /** Present when the start asked for the hosted runner: where to send the browser at the end. */
  ui?: { redirectUrl: string | null };
}

export interface TimelineEvent {
  at: string;
  stepId: string | null;
  type?: string;
  event: 'entered' | 'submitted' | 'branch' | 'error' | 'ended' | string;
  option?: string;
  branch?: string;
  error?: { code: string; message: string };
  durationMs?: number;
}

export interface OutboxMessage {
  id: string;
  channel: string;
  to: string;
  body: string;
  sessionId: string | null;
  createdAt: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}
