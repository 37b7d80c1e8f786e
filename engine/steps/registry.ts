import type { StepCatalogueEntry } from '../http/contract/types.js';
import type { JsonObject, StepDefinition } from './step-types.js';

/** Step types by name. Built-in and custom steps join it the same way. */
export class StepRegistry {
  private readonly definitions = new Map<string, StepDefinition>();

  register(...definitions: Array<StepDefinition<any>>): this {
    for (const definition of definitions) {
      if (this.definitions.has(definition.type)) {
        throw new Error(`step type "${definition.type}" is already registered`);
      }
      this.definitions.set(definition.type, definition as StepDefinition);
    }
    return this;
  }

  get(type: string): StepDefinition | undefined {
    return this.definitions.get(type);
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  catalogue(): StepCatalogueEntry[] {
    return [...this.definitions.values()]
      .map((d) => ({
        type: d.type,
        title: d.title,
        category: d.category,
        description: d.description,
        configSchema: d.configSchema,
        // Derived declarations always carry `extra`, so the designer reads one shape.
        branches: Array.isArray(d.branches) ? d.branches : { extra: [], ...(d.branches as { from: string; key: string }) },
        interactive: d.interactive,
        terminal: d.terminal ?? false,
        ...(d.writes ? { writes: d.writes as unknown as JsonObject } : {}),
      }))
      .sort((a, b) => a.type.localeCompare(b.type));
  }
}

/** The branch names a step declares for a given (literal) config; null when they cannot be known statically. */
export function declaredBranches(definition: StepDefinition, config: unknown): string[] | null {
  const declaration = definition.branches;
  if (Array.isArray(declaration)) return [...declaration];
  const { from, key, extra = [] } = declaration as { from: string; key: string; extra?: readonly string[] };
  const items = resolvePointer(config, from);
  if (items === undefined) return [...extra];
  if (!Array.isArray(items)) return null;
  const names: string[] = [];
  for (const item of items) {
    const name = item && typeof item === 'object' ? (item as JsonObject)[key] : undefined;
    if (typeof name !== 'string') return null;
    names.push(name);
  }
  return [...names, ...extra];
}

export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, token)) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}
