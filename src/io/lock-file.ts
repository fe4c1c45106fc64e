// One owner at a time for something on disk: a comparison folder (its coordinator, seal compare
// or seal sweep) or one task of it (seal worker). Two owners would launch the same work twice
// and write its files twice. A lock is a small JSON file naming its holder; it appears whole or
// not at all (written under another name, then linked, which fails where the file exists), so of
// two processes starting together exactly one gets it. A holder killed with -9 leaves the file
// behind: a lock whose holder no longer runs on this machine is taken over, while one held on
// another machine cannot be checked from here and is refused.
import { linkSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SealError } from '../errors.js';
import { ioError, makeDirs } from './dirs.js';
import { processRuns } from './run-dir.js';

/** What a lock file says about the process that holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
  /** The scheduler job of the holder: Slurm keeps a job's id when it requeues the job. */
  job?: string;
}

export interface LockRequest {
  /** What the lock guards, in words, e.g. "the comparison folder runs/cmp". */
  what: string;
  /** The command taking it, for whoever is refused later (e.g. "seal compare"). */
  command: string;
  /** This process's scheduler job, where it runs in one. */
  job?: string;
  /** What to do while a live process holds it. */
  busyHint: string;
  /** Told in one line when the lock of a holder that is gone is taken over. */
  notice(text: string): void;
}

export interface HeldLock {
  readonly file: string;
  /** Removes the lock file if it is still this one's; safe to call more than once. */
  release(): void;
}

/** How often a lock that vanishes or changes hands between looks is tried again before giving up. */
const ATTEMPTS = 5;

/** Takes the lock `file` for this process, taking over a dead holder's; a live holder is an error naming it. */
export function takeLock(file: string, r: LockRequest): HeldLock {
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: r.command,
    ...(r.job !== undefined ? { job: r.job } : {}),
  };
  const created = makeDirs(dirname(file));
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      const mine = create(file, me);
      if (mine !== null) return held(file, mine, created);
      const found = readHolder(file, r);
      if (found === null) continue;
      const stale = staleReason(found.holder, me);
      if (stale === null) throw refusal(file, found.holder, me.host, r);
      if (removeIf(file, found.text))
        r.notice(`${r.what}: taking over ${file} from ${describe(found.holder)}: ${stale}`);
    }
  } catch (e) {
    removeEmpty(created);
    throw e;
  }
  removeEmpty(created);
  throw new SealError(
    'LOCKED',
    `${r.what}: its lock ${file} changed hands ${ATTEMPTS} times while seal tried to take it`,
    r.busyHint,
  );
}

const describe = (h: LockHolder): string => `${h.command} (pid ${h.pid} on ${h.host}, since ${h.since})`;

/**
 * Creates the lock file whole; its text, or null where it exists already. A lock is known by its
 * text (pid, host and start time), not by its inode: a file system hands a removed file's inode
 * number to the next file at once.
 */
function create(file: string, me: LockHolder): string | null {
  const tmp = `${file}.${process.pid}.tmp`;
  const text = JSON.stringify(me) + '\n';
  try {
    writeFileSync(tmp, text);
    linkSync(tmp, file);
    return text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw ioError(`cannot create the lock ${file}`, e);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The text of a lock file, or null where there is none. */
function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(`cannot read the lock ${file}`, e);
  }
}

/** The holder of an existing lock, and the lock's text; null where it is gone. */
function readHolder(file: string, r: LockRequest): { holder: LockHolder; text: string } | null {
  const text = readLock(file);
  if (text === null) return null;
  const holder = parseHolder(text);
  if (holder === null)
    throw new SealError(
      'LOCKED',
      `${r.what} is locked by ${file}, which does not say which process holds it (found ${JSON.stringify(text.slice(0, 80))})`,
      `if no seal process uses it, remove ${file} and run again`,
    );
  return { holder, text };
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder> | null;
    const ok = Number.isInteger(h?.pid) && typeof h?.host === 'string' && typeof h.command === 'string';
    return ok ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

/** Why the holder is gone, or null while it may still run. */
function staleReason(h: LockHolder, me: LockHolder): string | null {
  if (h.host === me.host) return processRuns(h.pid) ? null : `pid ${h.pid} is no longer running`;
  // A scheduler runs one start of a job at a time: a new start means the earlier one has ended.
  if (h.job !== undefined && h.job === me.job) return `its job ${h.job} has been started again`;
  return null;
}

function refusal(file: string, h: LockHolder, here: string, r: LockRequest): SealError {
  if (h.host === here) return new SealError('LOCKED', `${r.what} is in use by ${describe(h)}`, r.busyHint);
  return new SealError(
    'LOCKED',
    `${r.what} is in use by ${describe(h)}; from ${here}, seal cannot tell whether that process still runs`,
    `${r.busyHint}; if pid ${h.pid} on ${h.host} is gone, remove ${file} and run again`,
  );
}

/**
 * Removes the lock file if it is still the one read (`text`): two processes that found the same
 * dead holder must not both take over, the later one removing the earlier one's new lock.
 */
function removeIf(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioError(`cannot take over the lock ${file}`, e);
  }
  try {
    if (readFileSync(aside, 'utf8') === text) return true;
    giveBack(aside, file);
    return false;
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Puts back a lock that another process took over between the read and the rename. */
function giveBack(aside: string, file: string): void {
  try {
    linkSync(aside, file);
  } catch (e) {
    // EEXIST: a third process took the lock in the moment it was away; that one holds it now, and the
    // process it belonged to no longer has it on disk (three starting at once on a dead holder's lock).
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot put back the lock ${file}`, e);
  }
}

function held(file: string, mine: string, created: string[]): HeldLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        if (readLock(file) === mine) rmSync(file);
      } catch {
        // Released on the way out (a finally, or at exit), where an error would hide the command's own.
      }
      removeEmpty(created);
    },
  };
}

/** Removes the folders made for the lock, innermost first, where nothing else came into them. */
function removeEmpty(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}
