// Creating folders given on the command line, with errors that name the path and the reason.
// Node's mkdirSync(recursive) loops forever where mkdir answers ENOENT although the parent
// exists (/proc/x: the parent is there, but procfs accepts no new entries), so parents are
// created here one at a time.
import { mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { IoError } from '../errors.js';
import { checkPathName } from './path-name.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  ENOENT: 'no such file or folder',
  EEXIST: 'it already exists',
};

/** The reason of a failed file operation in words, with its code. */
export function reasonOf(e: unknown, bytes?: number): string {
  const { code, message } = e as NodeJS.ErrnoException;
  const words = code !== undefined && REASONS[code] !== undefined ? `${REASONS[code]} (${code})` : message;
  return code === 'ENOSPC' && bytes !== undefined
    ? `${words}; it needed ${bytes.toLocaleString('en-US')} bytes`
    : words;
}

/** An IoError "`what`: reason", keeping the original error as its cause. */
export function ioError(what: string, e: unknown, bytes?: number): IoError {
  if (e instanceof IoError) return e;
  const err = new IoError(
    `${what}: ${reasonOf(e, bytes)}`,
    (e as NodeJS.ErrnoException).code === 'ENOSPC'
      ? 'free some space (or choose a folder on another disk) and run the command again'
      : undefined,
  );
  err.cause = e;
  return err;
}

const HINT = 'choose a folder you can write to';

/**
 * Creates `dir` and its missing parents, outermost first; returns those it created. Errors say
 * "cannot create `label`" (default: the folder DIR) and which part failed, and why.
 */
export function makeDirs(dir: string, label = `the folder ${dir}`): string[] {
  const target = resolve(dir);
  const part = (p: string) => (p === target ? '' : `its parent ${p} `);
  const missing: string[] = [];
  let p = target;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        throw new IoError(`cannot create ${label}: ${part(p) || `${p} `}cannot be examined: ${reasonOf(e)}`, HINT);
      missing.unshift(p);
      if (dirname(p) === p) break;
      p = dirname(p);
      continue;
    }
    if (!isDir) throw new IoError(`cannot create ${label}: ${p === target ? 'it' : p} is a file, not a folder`, HINT);
    break;
  }
  const created: string[] = [];
  for (const m of missing) {
    try {
      mkdirSync(m);
      created.push(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(m, { throwIfNoEntry: false })?.isDirectory()) continue; // made meanwhile by another process
      const why = code === 'ENOENT' ? `the file system of ${dirname(m)} accepts no new folders (ENOENT)` : reasonOf(e);
      throw new IoError(`cannot create ${label}: ${part(m) ? `creating ${part(m)}failed: ` : ''}${why}`, HINT);
    }
  }
  return created;
}

/**
 * Checks, before any work starts, that the folder `dir` given as `flag` exists or can be created,
 * and that files can be made in it: creates what is missing and a probe inside, then removes
 * both again, so nothing on disk changes.
 */
export function checkCreatable(dir: string, flag: string): void {
  checkPathName(dir, flag);
  const created = makeDirs(dir, `${flag} ${dir}`);
  try {
    rmdirSync(mkdtempSync(join(dir, '.seal-probe-')));
  } catch (e) {
    throw new IoError(`cannot write in ${flag} ${dir}: ${reasonOf(e)}`, HINT);
  } finally {
    for (const d of created.reverse()) rmdirSync(d);
  }
}

/**
 * Checks, before any work starts, that the file `file` given as `flag` can be written when the
 * work is done: its folder exists and takes new files, and the name is not a folder.
 */
export function checkWritableFile(file: string, flag: string): void {
  checkPathName(file, flag);
  const dir = dirname(resolve(file));
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IoError(
      `${flag} ${file}: its folder ${dir} ${missing ? 'does not exist' : `cannot be used: ${reasonOf(e)}`}`,
      missing ? 'create it first, or write the file elsewhere' : HINT,
    );
  }
  if (!isDir) throw new IoError(`${flag} ${file}: ${dir} is a file, not a folder`, HINT);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
    throw new IoError(
      `${flag} ${file}: it is a folder; expected the name of a file to write`,
      `e.g. ${join(file, 'result.json')}`,
    );
  try {
    rmdirSync(mkdtempSync(join(dir, '.seal-probe-')));
  } catch (e) {
    throw new IoError(`${flag} ${file}: cannot create files in ${dir}: ${reasonOf(e)}`, HINT);
  }
}
