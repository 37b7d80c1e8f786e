/**
 * Journey validation: the document schema, each step's config against its type's schema,
 * expressions compiled, branches and targets, and graph checks (start, terminals, busy loops,
 * unreachable steps). Pure (no Node APIs), so the designer runs the same module in the browser.
 */
import { collect, compileExpression, isExpression } from '../runtime/expressions.js';
import { declaredBranches, resolvePointer, type StepRegistry } from '../steps/registry.js';
import type { JsonSchema, StepDefinition } from '../steps/step-types.js';
import { checkAuthentication } from './check-authentication.js';
import { checkDataFlow } from './data-flow/check-data-flow.js';
import type { Diagnostic, DiagnosticCode, ValidationResult } from './diagnostics.js';
import { journeySchema } from './journey-schema.js';
import { createAjv, describeError, errorPointer, pointer, type ValidateFunction } from './schema-validator.js';
import { unsupportedSchemaPatterns } from './schema-patterns.js';
import { UnsupportedPatternError, unsupportedPattern } from '../security/linear-regex.js';

export type { Diagnostic, DiagnosticCode, ValidationResult };

type AnyRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is AnyRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

export class JourneyValidator {
  private readonly ajv = createAjv();
  private readonly validateDocument: ValidateFunction;
  private readonly configValidators = new Map<string, ValidateFunction>();
  private readonly schemaProblems = new Map<string, { message: string; unsupported: boolean } | null>();

  constructor(private readonly registry: StepRegistry) {
    this.validateDocument = this.ajv.compile(journeySchema);
  }

  /**
   * `context.outputShapes`: shapes known outside the document of what some steps write, by step id
   * (a `journey.call`'s output: the called journey's claims, which only the store knows).
   */
  validate(document: unknown, context: { outputShapes?: ReadonlyMap<string, JsonSchema> } = {}): ValidationResult {
    const diagnostics: Diagnostic[] = [];
    const add = (d: Diagnostic) => diagnostics.push(d);

    if (!this.validateDocument(document)) {
      for (const error of this.validateDocument.errors ?? []) {
        add({ severity: 'error', code: 'invalid_document', message: describeError(error), path: errorPointer(error) });
      }
    }
    if (!isRecord(document) || !isRecord(document.steps)) return finish(diagnostics);
    const steps = document.steps as Record<string, unknown>;

    if (isRecord(document.input)) this.checkSchemaCompiles(document.input, '/input', undefined, 'invalid_document', add);

    if (typeof document.start === 'string' && !Object.hasOwn(steps, document.start)) {
      add({ severity: 'error', code: 'missing_start', message: `start step "${document.start}" does not exist`, path: '/start' });
    }

    const graph = new Map<string, string[]>();
    const definitions = new Map<string, StepDefinition>();
    for (const [stepId, step] of Object.entries(steps)) {
      if (!isRecord(step)) continue;
      const base = pointer('steps', stepId);
      const definition = typeof step.type === 'string' ? this.registry.get(step.type) : undefined;
      if (typeof step.type === 'string' && !definition) {
        add({ severity: 'error', code: 'unknown_step_type', message: `step type "${step.type}" is not registered`, path: `${base}/type`, stepId });
      }
      const config = step.config === undefined ? {} : step.config;
      if (definition) {
        definitions.set(stepId, definition);
        this.checkConfig(definition, config, stepId, base, add);
      }
      collect(config, [], (path, source) => {
        try {
          compileExpression(source);
        } catch (error) {
          add({
            severity: 'error',
            code: 'expression_syntax',
            message: `expression does not compile: ${(error as Error).message}`,
            path: `${base}/config${pointer(...path)}`,
            stepId,
          });
          return;
        }
        // Regex literals run on RE2: one it cannot run is refused now, not when the step runs.
        for (const regex of compileExpression(source).regexes) {
          const problem = unsupportedPattern(regex.source, regex.flags);
          if (problem) add({ severity: 'error', code: 'unsupported_pattern', message: problem.message, path: `${base}/config${pointer(...path)}`, stepId });
        }
      });

      const declared = definition ? declaredBranches(definition, config) : null;
      const wired = isRecord(step.branches) ? (step.branches as Record<string, unknown>) : {};
      const targets: string[] = [];
      for (const [branch, target] of Object.entries(wired)) {
        const path = `${base}/branches${pointer(branch)}`;
        if (declared && branch !== 'failure' && !declared.includes(branch)) {
          add({ severity: 'error', code: 'unknown_branch', message: `step type "${definition!.type}" has no branch "${branch}"`, path, stepId });
        }
        if (typeof target !== 'string') continue;
        if (!Object.hasOwn(steps, target)) {
          add({ severity: 'error', code: 'missing_target', message: `branch "${branch}" points to missing step "${target}"`, path, stepId });
        } else {
          targets.push(target);
        }
      }
      for (const branch of declared ?? []) {
        if (branch !== 'failure' && !Object.hasOwn(wired, branch)) {
          add({
            severity: 'warning',
            code: 'unwired_branch',
            message: `branch "${branch}" is not connected; taking it ends the session failed`,
            path: `${base}/branches${pointer(branch)}`,
            stepId,
          });
        }
      }
      graph.set(stepId, targets);
    }

    if (typeof document.start === 'string' && graph.has(document.start)) {
      this.checkGraph(document.start, graph, definitions, add);
    }
    checkPasswordMinLength(steps, add);
    checkAuthentication(document, steps, add);
    checkDataFlow(document, steps, definitions, add, context.outputShapes);
    return finish(diagnostics);
  }

  private checkConfig(definition: StepDefinition, config: unknown, stepId: string, base: string, add: (d: Diagnostic) => void) {
    const validate = this.configValidator(definition);
    if (!validate(config)) {
      for (const error of validate.errors ?? []) {
        // A field holding an expression is only known at run time (and checked again then).
        if (holdsExpression(config, error.instancePath)) continue;
        add({
          severity: 'error',
          code: 'invalid_config',
          message: describeError(error),
          path: `${base}/config${errorPointer(error)}`,
          stepId,
        });
      }
    }
    // Branch names derived from config must be unique; option and case schemas must compile.
    const names = declaredBranches(definition, config);
    if (names && !Array.isArray(definition.branches)) {
      const { from, key } = definition.branches as { from: string; key: string };
      const seen = new Set<string>();
      names.forEach((name, index) => {
        if (seen.has(name)) {
          add({ severity: 'error', code: 'invalid_config', message: `branch "${name}" is declared twice`, path: `${base}/config${from}/${index}${pointer(key)}`, stepId });
        }
        seen.add(name);
      });
    }
    if (!Array.isArray(definition.branches) && isRecord(config)) {
      const { from } = definition.branches as { from: string };
      const items = resolvePointer(config, from);
      if (Array.isArray(items)) {
        items.forEach((item, index) => {
          if (isRecord(item) && isRecord(item.schema)) {
            this.checkSchemaCompiles(item.schema, `${base}/config${from}/${index}/schema`, stepId, 'invalid_config', add);
          }
        });
      }
    }
  }

  private checkSchemaCompiles(
    schema: AnyRecord,
    path: string,
    stepId: string | undefined,
    code: 'invalid_config' | 'invalid_document',
    add: (d: Diagnostic) => void,
  ) {
    // Patterns run on RE2: each one it cannot run is named by its own path.
    const unsupported = unsupportedSchemaPatterns(schema);
    for (const found of unsupported) {
      add({ severity: 'error', code: 'unsupported_pattern', message: found.message, path: `${path}${found.path}`, ...(stepId ? { stepId } : {}) });
    }
    const problem = this.schemaProblem(schema);
    if (problem === null || (problem.unsupported && unsupported.length)) return;
    add({
      severity: 'error',
      code: problem.unsupported ? 'unsupported_pattern' : code,
      message: problem.unsupported ? problem.message : `not a valid JSON Schema: ${problem.message}`,
      path,
      ...(stepId ? { stepId } : {}),
    });
  }

  /** Why a schema does not compile, or null; remembered by content, since compiling costs milliseconds. */
  private schemaProblem(schema: AnyRecord): { message: string; unsupported: boolean } | null {
    const key = JSON.stringify(schema);
    const known = this.schemaProblems.get(key);
    if (known !== undefined) return known;
    let problem: { message: string; unsupported: boolean } | null = null;
    try {
      this.ajv.compile(schema);
    } catch (error) {
      problem = { message: (error as Error).message, unsupported: error instanceof UnsupportedPatternError };
    } finally {
      // Only compilability is checked here: keep nothing, so an `$id` never clashes with itself later.
      this.ajv.removeSchema(schema);
    }
    if (this.schemaProblems.size >= 5000) this.schemaProblems.delete(this.schemaProblems.keys().next().value!);
    this.schemaProblems.set(key, problem);
    return problem;
  }

  private configValidator(definition: StepDefinition): ValidateFunction {
    let validate = this.configValidators.get(definition.type);
    if (!validate) {
      validate = this.ajv.compile(definition.configSchema as object);
      this.configValidators.set(definition.type, validate);
    }
    return validate;
  }

  private checkGraph(start: string, graph: Map<string, string[]>, definitions: Map<string, StepDefinition>, add: (d: Diagnostic) => void) {
    const reachable = new Set<string>([start]);
    const queue = [start];
    while (queue.length) {
      for (const next of graph.get(queue.shift()!) ?? []) {
        if (!reachable.has(next)) {
          reachable.add(next);
          queue.push(next);
        }
      }
    }
    const unknownTypes = [...reachable].some((id) => !definitions.has(id));
    if (!unknownTypes && ![...reachable].some((id) => definitions.get(id)?.terminal)) {
      add({ severity: 'error', code: 'no_terminal', message: 'no complete or reject step is reachable from the start', path: '/start' });
    }
    for (const stepId of graph.keys()) {
      if (!reachable.has(stepId)) {
        add({ severity: 'warning', code: 'unreachable_step', message: `step "${stepId}" cannot be reached from the start`, path: pointer('steps', stepId), stepId });
      }
    }
    for (const component of stronglyConnectedComponents(graph)) {
      const cyclic = component.length > 1 || (graph.get(component[0]) ?? []).includes(component[0]);
      if (!cyclic) continue;
      // Unknown types are reported on their own; assume they may wait.
      if (component.some((id) => !definitions.has(id) || definitions.get(id)!.interactive)) continue;
      const first = [...component].sort()[0];
      add({
        severity: 'error',
        code: 'busy_loop',
        message: `steps ${component.map((id) => `"${id}"`).join(', ')} form a loop in which no step waits for the client`,
        path: pointer('steps', first),
        stepId: first,
      });
    }
  }
}

/** Step types that prove a factor other than a password (a password.set minLength below 15 needs one). */
export const SECOND_FACTOR_STEP_TYPES: readonly string[] = [
  'totp.authenticate',
  'totp.register',
  'sms.otp',
  'email.otp',
  'challenge',
  'email.link',
  'passkey.authenticate',
  'passkey.register',
];

/**
 * NIST SP 800-63B rev 4: a password that is the only factor has at least 15 characters; 8 are
 * enough only beside another factor. So a password.set minLength below 15 (or computed by an
 * expression) is an error in a journey that has no step proving a second factor.
 */
function checkPasswordMinLength(steps: Record<string, unknown>, add: (d: Diagnostic) => void) {
  const types = Object.values(steps).map((step) => (isRecord(step) ? step.type : undefined));
  if (types.some((type) => typeof type === 'string' && SECOND_FACTOR_STEP_TYPES.includes(type))) return;
  for (const [stepId, step] of Object.entries(steps)) {
    if (!isRecord(step) || step.type !== 'password.set' || !isRecord(step.config)) continue;
    const minLength = step.config.minLength;
    if (!(typeof minLength === 'number' && minLength < 15) && !isExpression(minLength)) continue;
    add({
      severity: 'error',
      code: 'invalid_config',
      message: `a minLength below 15 (or given by an expression) needs a step proving a second factor in the journey (${SECOND_FACTOR_STEP_TYPES.join(', ')})`,
      path: `${pointer('steps', stepId)}/config/minLength`,
      stepId,
    });
  }
}

function finish(diagnostics: Diagnostic[]): ValidationResult {
  return { valid: !diagnostics.some((d) => d.severity === 'error'), diagnostics };
}

/** True when the value at `instancePath`, or one of its ancestors, is an expression string. */
function holdsExpression(config: unknown, instancePath: string): boolean {
  if (instancePath === '') return isExpression(config);
  const tokens = instancePath.slice(1).split('/');
  for (let i = 0; i <= tokens.length; i++) {
    if (isExpression(resolvePointer(config, '/' + tokens.slice(0, i).join('/')))) return true;
  }
  return false;
}

/** Tarjan's algorithm, iterative so that a 10,000-step journey cannot overflow the stack. */
export function stronglyConnectedComponents(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];

  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const target = edges[frame.next++];
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
