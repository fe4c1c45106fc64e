// Errors that say what went wrong, where, what was expected, and what to do.

/** Base class: a stable `code` for programs and a `hint` line for people. */
export class SealError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\nhint: ${hint}` : message);
    this.name = new.target.name;
  }
}

/** A bad option or config key: names the key, the expected and the received value. */
export class ConfigError extends SealError {
  constructor(message: string, hint?: string) {
    super('CONFIG', message, hint);
  }
}

/**
 * A bad value of one option, named by its option name (`baseline: 'x' is not an arm`): the
 * library's words. The CLI names the option by its flag instead (cli/args.ts asFlags).
 */
export class OptionError extends ConfigError {
  constructor(
    readonly option: string,
    readonly said: string,
    hint?: string,
  ) {
    super(`${option}: ${said}`, hint);
  }
}

/** A checkpoint or run folder that cannot be used. */
export class CheckpointError extends SealError {
  constructor(message: string, hint?: string) {
    super('CHECKPOINT', message, hint);
  }
}

/** A non-finite loss: training stopped, the last good checkpoint is intact. */
export class DivergenceError extends SealError {
  constructor(message: string, hint?: string) {
    super('DIVERGED', message, hint);
  }
}

/** Training stopped on request at a resume point: running the same command again continues it. */
export class StoppedError extends SealError {
  constructor(message: string, hint?: string) {
    super('STOPPED', message, hint);
  }
}

/** Exit status of a command that stopped at a resume point on request (EX_TEMPFAIL): run it
 * again to continue. A cluster job script can requeue on it. */
export const EXIT_RESUMABLE = 75;

/** A comparison's plan.json that is missing or damaged while its compare.json is there: a runtime
 * failure (exit 1) that `seal status DIR --repair` mends. */
export class PlanError extends SealError {
  constructor(message: string, dir: string) {
    super(
      'PLAN',
      message,
      `\`seal status ${dir} --repair\` writes plan.json again from compare.json, keeping every finished task (or run the same \`seal compare\` command again)`,
    );
  }
}

/** A file or folder that could not be created, read or written: names the path and the reason. */
export class IoError extends SealError {
  constructor(message: string, hint?: string) {
    super('IO', message, hint);
  }
}

/**
 * The exit status for an error: 2 when the command line asked for something impossible (a flag,
 * an option value, a dataset name), 3 when training diverged, 1 when a file or folder could not
 * be used.
 */
export function exitCodeOf(e: SealError): number {
  if (e.code === 'CONFIG' || e.code === 'DATA_UNKNOWN' || e.code === 'DATA_OPTION') return 2;
  if (e.code === 'STOPPED') return EXIT_RESUMABLE;
  return e.code === 'DIVERGED' ? 3 : 1;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The candidate closest to `name` (case-insensitive edit distance). */
export function nearest(name: string, candidates: readonly string[]): string {
  let best = candidates[0] ?? '';
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** EX_SOFTWARE: seal itself failed. */
export const EXIT_BUG = 70;

/**
 * What an error tells a user, and the exit status it gives: seal's own errors their message and
 * hint; a system error nobody wrapped its one line; anything else one line asking for a bug report.
 */
export function describeFailure(e: unknown): { message: string; hint: string | null; exit: number } {
  if (e instanceof SealError)
    return { message: e.message.split('\nhint: ')[0] as string, hint: e.hint ?? null, exit: exitCodeOf(e) };
  const sys = e as NodeJS.ErrnoException;
  if (typeof sys?.code === 'string' && typeof sys.syscall === 'string')
    return { message: sys.message, hint: null, exit: 1 };
  const text = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
  return {
    message: `internal error: ${text}. This is a bug in seal: please report it with the command that caused it (SEAL_DEBUG=1 shows where it happened).`,
    hint: null,
    exit: EXIT_BUG,
  };
}
