/**
 * The `journey` command line: validate journey files offline, import/export/publish drafts, and
 * run a journey interactively. Answers an exit code: 0 fine, 1 failed (errors in a journey, a
 * refusal of the server, a journey that did not complete), 2 wrong usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { JourneyApiError, JourneyClient, type Diagnostic } from '../client/index.js';
import { JsonSyntaxError, locatePointer, parseJson, positionOf } from './json-locate.js';
import { Prompter } from './prompt.js';
import { runJourney, type Io } from './run.js';
import { testJourneys } from './test-command.js';
import { journeyDiff, printDiff } from './diff.js';

export const USAGE = `journey — the journey engine's command line

  journey validate <file…> [--steps <module,…>]
      Validates journey files offline with the built-in steps (and custom ones from --steps or
      CUSTOM_STEPS). Prints each diagnostic as file:line:column. Exits 1 when any has errors.
  journey test [<path…>] [--coverage-json <file>] [--min-branch-coverage <n>] [--steps <module,…>]
      Runs journey tests (*.test.json; a folder: the ones in it; default journeys/) offline, in
      this process (docs/testing-journeys.md). Prints each case, then each journey's steps and
      branches covered. Exits 1 when a case fails or branch coverage is under the minimum (%).
  journey import <file> [--id <journeyId>] [--publish]      (admin key)
      Saves the file as the journey's draft (PUT); --publish publishes it when it has no errors.
  journey export <journeyId> [--version <n>] [--out <file>]   (admin key)
      Writes the draft (or a published version) as JSON to stdout or --out.
  journey publish <journeyId>                                 (admin key)
  journey run <journeyId> [--input <json>] [--draft [--version <n>]]
      Runs the journey in the terminal: shows each step, asks for the chosen option's fields
      (one answer per line, also from piped stdin). --draft test-runs the draft (admin key).
  journey diff <a> <b> [--json]                               (admin key for server sides)
      What b changes from a: each a journey file, or id@<version> / id@draft on the server. Prints
      one change a line (kind, JSON pointer, before -> after), or --json the API's { changes }.
  journey clients list|get <clientId>|delete <clientId>|rotate-secret <clientId>   (admin key)
  journey clients create <file>  |  journey clients update <clientId> <file>       (admin key)
      The OpenID provider's clients (docs/oidc.md). The file holds the client as the admin API
      takes it (redirectUris, journeyId, acrJourneys…). Prints the client as JSON; a secret is
      printed once, when it is made (create, rotate-secret).

Options for the server commands (or the environment):
  --server <url>   JOURNEY_SERVER    e.g. http://localhost:3000
  --key <key>      JOURNEY_API_KEY   the admin key (or an app key for run)
`;

class UsageError extends Error {}

export interface Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export async function main(argv: string[], streams: Streams): Promise<number> {
  const io: Io = { out: (t) => void streams.stdout.write(t), err: (t) => void streams.stderr.write(t) };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string', short: 's' },
        key: { type: 'string', short: 'k' },
        out: { type: 'string', short: 'o' },
        id: { type: 'string' },
        version: { type: 'string' },
        input: { type: 'string' },
        steps: { type: 'string' },
        draft: { type: 'boolean' },
        publish: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'coverage-json': { type: 'string' },
        'min-branch-coverage': { type: 'string' },
      },
    });
  } catch (error) {
    io.err(`journey: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command || command === 'help') {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }

  const client = () => {
    const baseUrl = values.server ?? streams.env.JOURNEY_SERVER;
    if (!baseUrl) throw new UsageError('the server is required: --server <url> or JOURNEY_SERVER');
    return new JourneyClient({ baseUrl, apiKey: values.key ?? streams.env.JOURNEY_API_KEY });
  };
  const one = (what: string) => {
    if (args.length !== 1) throw new UsageError(`${command} takes one ${what}`);
    return args[0];
  };
  const version = () => {
    if (values.version === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(values.version)) throw new UsageError('--version must be a positive integer');
    return Number(values.version);
  };

  try {
    switch (command) {
      case 'validate':
        if (args.length === 0) throw new UsageError('validate takes one or more files');
        return await validateFiles(args, values.steps ?? streams.env.CUSTOM_STEPS, io);
      case 'test': {
        const minimum = values['min-branch-coverage'];
        if (minimum !== undefined && !/^\d+(\.\d+)?$/.test(minimum)) throw new UsageError('--min-branch-coverage must be a percentage (0 to 100)');
        return await testJourneys(
          { paths: args, customSteps: values.steps ?? streams.env.CUSTOM_STEPS, coverageJson: values['coverage-json'], minBranchCoverage: minimum === undefined ? undefined : Number(minimum) },
          io,
        );
      }
      case 'import':
        return await importFile(client(), one('file'), { id: values.id, publish: values.publish ?? false }, io);
      case 'export':
        return await exportJourney(client(), one('journey id'), { version: version(), out: values.out }, io);
      case 'publish':
        return await publishJourney(client(), one('journey id'), io);
      case 'clients':
        return await oidcClients(client, args, io);
      case 'diff': {
        if (args.length !== 2) throw new UsageError('diff takes two journeys: files, or id@<version> / id@draft');
        const diff = await journeyDiff(args[0], args[1], { client, readDocument: async (name) => (await readJourneyFile(name)).document });
        if (values.json) io.out(`${JSON.stringify(diff, null, 2)}\n`);
        else printDiff(diff, io);
        return 0;
      }
      case 'run': {
        let input: Record<string, unknown> | undefined;
        if (values.input !== undefined) {
          try {
            input = JSON.parse(values.input) as Record<string, unknown>;
          } catch {
            throw new UsageError('--input must be a JSON object');
          }
        }
        const prompter = new Prompter(streams.stdin as never, streams.stdout as never);
        try {
          return await runJourney(client(), { journeyId: one('journey id'), input, draft: values.draft, version: version() }, prompter, io);
        } finally {
          prompter.close();
        }
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`journey: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof JourneyApiError) {
      io.err(`journey ${command}: ${error.status} ${error.code}: ${error.message}\n`);
      const details = error.details as { diagnostics?: Diagnostic[]; errors?: unknown } | undefined;
      if (details?.diagnostics) printDiagnostics(details.diagnostics, io.err);
      else if (details !== undefined) io.err(`${JSON.stringify(details, null, 2)}\n`);
      return 1;
    }
    io.err(`journey ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------

/** `file:line:column: severity code: message (pointer)`; without a file, only the pointer. */
function formatDiagnostic(d: Diagnostic, file?: { name: string; text: string }): string {
  const where = file ? (({ line, column }) => `${file.name}:${line}:${column}: `)(locatePointer(file.text, d.path)) : '';
  return `${where}${d.severity} ${d.code}: ${d.message}${d.path ? ` (${d.path})` : ''}\n`;
}

function printDiagnostics(diagnostics: Diagnostic[], write: (t: string) => void, file?: { name: string; text: string }) {
  for (const d of diagnostics) write(formatDiagnostic(d, file));
}

async function readJourneyFile(name: string): Promise<{ text: string; document: unknown }> {
  const text = await readFile(name, 'utf8');
  try {
    return { text, document: parseJson(text) };
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = positionOf(text, error.offset);
      throw new FileError(`${name}:${line}:${column}: error invalid_json: ${error.message}`);
    }
    throw error;
  }
}

class FileError extends Error {}

async function validateFiles(files: string[], customSteps: string | undefined, io: Io): Promise<number> {
  // Loaded here only: the step registry pulls in every built-in step.
  const [{ builtInSteps }, { StepRegistry }, { JourneyValidator }, { loadCustomSteps }] = await Promise.all([
    import('../steps/index.js'),
    import('../engine/steps/registry.js'),
    import('../engine/journey/validate-journey.js'),
    import('../engine/custom-steps.js'),
  ]);
  const modules = (customSteps ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const registry = new StepRegistry().register(...builtInSteps, ...(await loadCustomSteps(modules)));
  const validator = new JourneyValidator(registry);

  let failed = false;
  for (const name of files) {
    let file: { text: string; document: unknown };
    try {
      file = await readJourneyFile(name);
    } catch (error) {
      io.out(error instanceof FileError ? `${error.message}\n` : `${name}: error: ${(error as Error).message}\n`);
      failed = true;
      continue;
    }
    const result = validator.validate(file.document);
    printDiagnostics(result.diagnostics, io.out, { name, text: file.text });
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.length - errors;
    io.out(`${name}: ${result.valid ? 'valid' : 'invalid'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})\n`);
    if (!result.valid) failed = true;
  }
  return failed ? 1 : 0;
}

async function importFile(client: JourneyClient, name: string, options: { id?: string; publish: boolean }, io: Io): Promise<number> {
  let file: { text: string; document: unknown };
  try {
    file = await readJourneyFile(name);
  } catch (error) {
    io.err(`${error instanceof FileError ? error.message : `${name}: ${(error as Error).message}`}\n`);
    return 1;
  }
  const document = file.document as Record<string, unknown>;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    io.err(`${name}: a journey file holds a JSON object\n`);
    return 1;
  }
  const id = options.id ?? (typeof document.id === 'string' ? document.id : undefined);
  if (!id) {
    io.err(`${name}: the journey has no "id" (give one with --id)\n`);
    return 1;
  }
  const saved = await client.saveJourney(document, { id, ifMatch: null });
  printDiagnostics(saved.diagnostics, io.out, { name, text: file.text });
  if (!saved.valid) {
    io.out(`imported ${id} as a draft with errors: it cannot be published until they are fixed\n`);
    return 1;
  }
  io.out(`imported ${id} (draft revision ${saved.etag ?? '?'})\n`);
  if (options.publish) {
    const published = await client.publish(id);
    io.out(`published ${id} version ${published.version}\n`);
  }
  return 0;
}

async function exportJourney(client: JourneyClient, id: string, options: { version?: number; out?: string }, io: Io): Promise<number> {
  const document = options.version === undefined ? (await client.getJourney(id)).draft : await client.getVersion(id, options.version);
  const text = JSON.stringify(document, null, 2) + '\n';
  if (options.out) {
    await writeFile(options.out, text);
    io.err(`exported ${id}${options.version ? ` version ${options.version}` : ' (draft)'} to ${options.out}\n`);
  } else {
    io.out(text);
  }
  return 0;
}

/** `journey clients …`: the OpenID provider's clients (#18), as the admin API shapes them. */
async function oidcClients(client: () => JourneyClient, args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  const arity = (count: number, usage: string) => {
    if (rest.length !== count) throw new UsageError(`clients ${usage}`);
  };
  const print = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  const withSecret = (value: { clientSecret?: string }) => {
    print(value);
    if (value.clientSecret) io.err('the client secret is shown this once: keep it now\n');
    return 0;
  };
  switch (action) {
    case 'list':
      arity(0, 'list takes no arguments');
      print(await client().listOidcClients());
      return 0;
    case 'get':
      arity(1, 'get takes one client id');
      print(await client().getOidcClient(rest[0]));
      return 0;
    case 'create':
      arity(1, 'create takes one file');
      return withSecret(await client().createOidcClient((await readClientFile(rest[0])) as never));
    case 'update':
      arity(2, 'update takes a client id and a file');
      return withSecret(await client().updateOidcClient(rest[0], (await readClientFile(rest[1])) as never));
    case 'delete':
      arity(1, 'delete takes one client id');
      await client().deleteOidcClient(rest[0]);
      io.out(`deleted ${rest[0]}\n`);
      return 0;
    case 'rotate-secret':
      arity(1, 'rotate-secret takes one client id');
      return withSecret(await client().rotateOidcClientSecret(rest[0]));
    default:
      throw new UsageError(action ? `unknown clients command "${action}"` : 'clients takes list, get, create, update, delete or rotate-secret');
  }
}

async function readClientFile(name: string): Promise<unknown> {
  const text = await readFile(name, 'utf8');
  try {
    return parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = positionOf(text, error.offset);
      throw new Error(`${name}:${line}:${column}: ${error.message}`);
    }
    throw error;
  }
}

async function publishJourney(client: JourneyClient, id: string, io: Io): Promise<number> {
  const published = await client.publish(id);
  io.out(`published ${id} version ${published.version} at ${published.publishedAt}\n`);
  return 0;
}
