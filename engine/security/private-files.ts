/**
 * The data directory and the files the server creates in it hold secrets (SECRET_KEY, the admin
 * key, sealed credentials): the directory is made 0700 and the files 0600, by an explicit chmod
 * after creation, so the result does not depend on the process umask. Existing directories and
 * files are left as they are (an operator may have chosen their modes).
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) with mode 0700; answers whether anything was created. */
export function ensurePrivateDir(dir: string): boolean {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return false;
  // Every directory this call created, from `first` down to `target`.
  for (let path = target; ; path = dirname(path)) {
    chmodSync(path, PRIVATE_DIR_MODE);
    if (path === resolve(first) || path === dirname(path)) break;
  }
  return true;
}

/**
 * Creates `path` exclusively with mode 0600 and `content`; answers false (writing nothing) when it
 * already exists, so that concurrent starts keep the first one's file.
 */
export function createPrivateFile(path: string, content = ''): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    if (content) writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Sets mode 0600 on `path` when it exists. */
export function restrictFile(path: string): void {
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
