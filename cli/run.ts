/**
 * `journey run`: a journey in the terminal. Each waiting step's data is printed, an option is
 * chosen (by number or id; a step with one option takes it), and each field of that option's
 * schema is asked for, converted to its type, and submitted. Refused answers are shown and asked
 * again. Works with piped stdin: one answer per line.
 */
import { JourneyApiError, type JourneyClient, type StepOption, type StepResponse } from '../client/index.js';
import type { Prompter } from './prompt.js';

export interface RunOptions {
  journeyId: string;
  input?: Record<string, unknown>;
  /** Run the draft (or `version`) as an admin test run. */
  draft?: boolean;
  version?: number;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

class InputEnded extends Error {
  constructor() {
    super('the input ended before the journey did');
  }
}

type Schema = Record<string, any>;

/** Answers the exit code: 0 completed, 1 rejected or failed. */
export async function runJourney(client: JourneyClient, options: RunOptions, prompter: Prompter, io: Io): Promise<number> {
  let response: StepResponse = options.draft
    ? await client.testRun(options.journeyId, { input: options.input, ...(options.version ? { version: options.version } : {}) })
    : await client.start(options.journeyId, options.input ? { input: options.input } : {});
  io.out(`session ${response.sessionId} (${response.journeyId} v${response.journeyVersion ?? 'draft'})\n`);

  try {
    for (;;) {
      if (response.status === 'completed') {
        io.out(`\n✔ completed\n`);
        io.out(`claims: ${JSON.stringify(response.result?.claims ?? {}, null, 2)}\n`);
        io.out(`token: ${response.result?.token}\n`);
        return 0;
      }
      if (response.status !== 'waiting' || !response.step) {
        io.out(`\n✘ ${response.status}: ${response.error ? `${response.error.code}: ${response.error.message}` : 'no reason given'}\n`);
        return 1;
      }
      const step = response.step;
      io.out(`\n── ${step.name} (${step.type}) ──\n`);
      printData(step.data, io);
      if (response.error) io.out(`! ${response.error.code}: ${response.error.message}\n`);

      const option = await chooseOption(step.options, prompter, io);
      const data = option.schema ? await askData(option.schema as Schema, prompter, io) : undefined;
      try {
        response = await client.submit(response, { stepId: step.id, option: option.id, ...(data !== undefined ? { data } : {}) });
      } catch (error) {
        if (!(error instanceof JourneyApiError)) throw error;
        if (error.code === 'validation_failed') {
          io.out(`✘ refused: ${error.message}\n`);
          for (const e of (error.details as { errors?: Array<{ path: string; message: string }> } | undefined)?.errors ?? []) {
            io.out(`  ${e.path || '(data)'} ${e.message}\n`);
          }
          continue; // a refused submit changes nothing: ask the same step again
        }
        if (error.code === 'stale_step' || error.code === 'conflict') {
          io.out(`! ${error.message}; reloading\n`);
          response = await client.get(response);
          continue;
        }
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof InputEnded) {
      io.err(`journey run: ${error.message} (session ${response.sessionId} is still ${response.status})\n`);
      return 1;
    }
    throw error;
  }
}

function printData(data: Record<string, unknown>, io: Io) {
  const { title, text, ...rest } = data;
  if (typeof title === 'string') io.out(`${title}\n`);
  if (typeof text === 'string') io.out(`${text}\n`);
  for (const [key, value] of Object.entries(rest)) {
    io.out(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
  }
}

async function line(prompter: Prompter, question: string): Promise<string> {
  const answer = await prompter.ask(question);
  if (answer === null) throw new InputEnded();
  return answer.trim();
}

async function chooseOption(options: StepOption[], prompter: Prompter, io: Io): Promise<StepOption> {
  if (options.length === 1) {
    io.out(`→ ${options[0].label ?? options[0].id}\n`);
    return options[0];
  }
  options.forEach((o, i) => io.out(`  ${i + 1}) ${o.label ?? o.id}${o.label ? ` [${o.id}]` : ''}\n`));
  for (;;) {
    const answer = await line(prompter, `option (1-${options.length}): `);
    const byNumber = /^\d+$/.test(answer) ? options[Number(answer) - 1] : undefined;
    const chosen = byNumber ?? options.find((o) => o.id === answer);
    if (chosen) return chosen;
    io.out(`  choose a number from 1 to ${options.length}, or an option id\n`);
  }
}

/** Asks each field of an object schema; a schema without properties is asked as one JSON value. */
async function askData(schema: Schema, prompter: Prompter, io: Io): Promise<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  if (names.length === 0) {
    for (;;) {
      const answer = await line(prompter, 'data (JSON, empty for none): ');
      if (answer === '') return undefined;
      try {
        return JSON.parse(answer);
      } catch {
        io.out('  not valid JSON\n');
      }
    }
  }
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
  const data: Record<string, unknown> = {};
  for (const name of names) {
    const field = properties[name];
    const value = await askField(name, field, required.has(name), prompter, io);
    if (value !== undefined) data[name] = value;
  }
  return data;
}

function fieldType(field: Schema): string {
  const type = field.type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? 'string';
  if (typeof type === 'string') return type;
  if (Array.isArray(field.enum)) return 'enum';
  return 'json';
}

async function askField(name: string, field: Schema, required: boolean, prompter: Prompter, io: Io): Promise<unknown> {
  const type = fieldType(field);
  const choices: unknown[] | undefined = Array.isArray(field.enum) ? field.enum : undefined;
  const label = typeof field.title === 'string' && field.title !== name ? `${field.title} (${name})` : name;
  const hints = [
    choices ? choices.map((c, i) => `${i + 1}=${JSON.stringify(c)}`).join(', ') : type,
    field.default !== undefined ? `default ${JSON.stringify(field.default)}` : null,
    required ? 'required' : 'optional',
  ].filter(Boolean);
  if (typeof field.description === 'string') io.out(`  ${field.description}\n`);
  for (;;) {
    const answer = await line(prompter, `${label} [${hints.join('; ')}]: `);
    if (answer === '') {
      if (field.default !== undefined) return field.default;
      if (!required) return undefined;
      io.out(`  ${name} is required\n`);
      continue;
    }
    const value = convert(answer, type, choices);
    if (value.ok) return value.value;
    io.out(`  ${value.problem}\n`);
  }
}

function convert(answer: string, type: string, choices?: unknown[]): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (choices) {
    if (/^\d+$/.test(answer) && choices[Number(answer) - 1] !== undefined) return { ok: true, value: choices[Number(answer) - 1] };
    const found = choices.find((c) => String(c) === answer);
    return found !== undefined ? { ok: true, value: found } : { ok: false, problem: `choose one of ${choices.map((c) => JSON.stringify(c)).join(', ')}` };
  }
  switch (type) {
    case 'string':
      return { ok: true, value: answer };
    case 'integer':
    case 'number': {
      const n = Number(answer);
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) return { ok: false, problem: `not ${type === 'integer' ? 'an integer' : 'a number'}` };
      return { ok: true, value: n };
    }
    case 'boolean':
      if (/^(y|yes|true|1)$/i.test(answer)) return { ok: true, value: true };
      if (/^(n|no|false|0)$/i.test(answer)) return { ok: true, value: false };
      return { ok: false, problem: 'answer yes or no' };
    default:
      try {
        return { ok: true, value: JSON.parse(answer) };
      } catch {
        return { ok: false, problem: 'not valid JSON' };
      }
  }
}
