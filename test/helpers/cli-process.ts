/**
 * A command run as a real subprocess, its output captured: the `journey` CLI (node with tsx's
 * loader, as the bin launcher runs it) or any other program a suite drives. The settings a
 * developer's shell may hold (JOURNEY_SERVER, JOURNEY_API_KEY, CUSTOM_STEPS) are cleared so a run
 * sees only what the test gives it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  /** Default: the repository root. */
  cwd?: string;
  /** Added to (or overriding) the cleared environment. */
  env?: Record<string, string>;
  /** Written to the process' stdin, which is then closed (default: nothing). */
  stdin?: string;
}

export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<ProcessRun> {
  const env = { ...process.env, JOURNEY_SERVER: undefined, JOURNEY_API_KEY: undefined, CUSTOM_STEPS: undefined, ...options.env } as NodeJS.ProcessEnv;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** `journey …` as a subprocess from the repository root. */
export function runJourneyCli(args: string[], options: Omit<ProcessOptions, 'cwd'> = {}): Promise<ProcessRun> {
  return runProcess(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], options);
}
