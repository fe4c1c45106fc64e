// A run folder: config.json, metrics.jsonl (one row per epoch), summary.json and
// checkpoints/. Whole files are written to a temporary name and renamed.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { ioError, makeDirs } from './dirs.js';
import { checkRegularFile, MAX_JSON_BYTES } from './regular-file.js';

/** Writes a whole file under a temporary name, then renames it: readers never see half a file. */
export function writeTextAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(`cannot write ${path}`, e, Buffer.byteLength(text));
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** A JSON file's value; a missing file or one that is not JSON throws. */
export function readJson<T>(file: string): T {
  checkRegularFile(file, 'file', MAX_JSON_BYTES);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A JSON file, or null where there is none; a file that is not JSON is an error. */
export function readJsonIfAny<T>(file: string): T | null {
  return existsSync(file) ? readJson<T>(file) : null;
}

/** Creates `dir` and its missing parents; a path that cannot be a folder is an IoError naming it. */
export function ensureDir(dir: string): void {
  makeDirs(dir);
}

/** A generation checkpoint's path inside a run folder, '/'-separated (plan.json keeps such paths). */
export const generationCheckpoint = (g: number): string => `checkpoints/gen-${g}.safetensors`;

export class RunDir {
  constructor(readonly dir: string) {}

  get configFile(): string {
    return join(this.dir, 'config.json');
  }
  get metricsFile(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get summaryFile(): string {
    return join(this.dir, 'summary.json');
  }
  get checkpointDir(): string {
    return join(this.dir, 'checkpoints');
  }
  get resumeFile(): string {
    return join(this.checkpointDir, 'resume.safetensors');
  }
  generationFile(g: number): string {
    return join(this.dir, generationCheckpoint(g));
  }
  /** Whether a checkpoint to resume from was written (a run killed before its first has none). */
  hasResumePoint(): boolean {
    return existsSync(this.resumeFile);
  }
  hasMetrics(): boolean {
    return existsSync(this.metricsFile);
  }
  /** Whether the folder holds a run (config.json is its claim). */
  hasConfig(): boolean {
    return existsSync(this.configFile);
  }

  private taken(file: string): CheckpointError {
    return new CheckpointError(
      `${this.dir} already holds a run (${file} exists)`,
      `continue it with --resume ${this.dir}, or choose another --out folder`,
    );
  }

  /** Refuses a folder that already holds a run (create() claims it for good). */
  checkFree(): void {
    for (const f of [this.configFile, this.metricsFile, this.resumeFile]) if (existsSync(f)) throw this.taken(f);
  }

  /**
   * Creates the folder for a new run; refuses to overwrite another run's results. The claim is
   * config.json, linked into place whole: of two processes starting runs in one folder, exactly
   * one succeeds (a link, unlike a rename, fails when the name exists).
   */
  create(config: unknown, versions: Record<string, string>): void {
    this.checkFree();
    makeDirs(this.dir);
    const text = JSON.stringify({ config, versions }, null, 2) + '\n';
    const tmp = `${this.configFile}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, text);
      try {
        linkSync(tmp, this.configFile);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
        // A file system without hard links: an exclusive create claims the name instead.
        writeFileSync(this.configFile, text, { flag: 'wx' });
      }
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'EEXIST'
        ? this.taken(this.configFile)
        : ioError(`cannot write ${this.configFile}`, e, Buffer.byteLength(text));
    } finally {
      rmSync(tmp, { force: true });
    }
    try {
      mkdirSync(this.checkpointDir, { recursive: true });
      writeFileSync(this.metricsFile, '');
    } catch (e) {
      throw ioError(`cannot start the run in ${this.dir}`, e);
    }
  }

  readConfig(): Record<string, unknown> {
    if (!existsSync(this.configFile)) {
      throw new CheckpointError(
        `cannot resume: ${this.configFile} does not exist`,
        'point --resume at the --out folder of an earlier `seal train` run',
      );
    }
    checkRegularFile(this.configFile, 'cannot resume:', MAX_JSON_BYTES);
    let text: string;
    try {
      text = readFileSync(this.configFile, 'utf8');
    } catch (e) {
      throw ioError(`cannot resume: cannot read ${this.configFile}`, e);
    }
    let file: unknown;
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new CheckpointError(`cannot resume: ${this.configFile} is not valid JSON (${(e as Error).message})`);
    }
    const config = typeof file === 'object' && file !== null ? (file as { config?: unknown }).config : undefined;
    if (typeof config !== 'object' || config === null || Array.isArray(config))
      throw new CheckpointError(`cannot resume: ${this.configFile} has no "config" object`);
    return config as Record<string, unknown>;
  }

  appendMetrics(row: unknown): void {
    const line = JSON.stringify(row) + '\n';
    try {
      appendFileSync(this.metricsFile, line);
    } catch (e) {
      throw ioError(`cannot append to ${this.metricsFile}`, e, Buffer.byteLength(line));
    }
  }

  /**
   * The rows of metrics.jsonl. A last line cut short (a kill or a full disk during an append;
   * no newline after it) is dropped with a warning, since the checkpoint that would count it
   * was never written; any other line that is not JSON is an error naming it.
   */
  readMetrics(): unknown[] {
    if (!existsSync(this.metricsFile)) return [];
    const text = readFileSync(this.metricsFile, 'utf8');
    const lines = text.split('\n');
    const rows: unknown[] = [];
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        rows.push(JSON.parse(l) as unknown);
      } catch (e) {
        if (i === lines.length - 1) {
          process.emitWarning(
            `${this.metricsFile}: dropped its last line, which was cut short (${l.length} characters without a newline)`,
            { code: 'SEAL_TORN_METRICS' },
          );
          return;
        }
        throw new CheckpointError(
          `${this.metricsFile}: line ${i + 1} is not JSON (${(e as Error).message})`,
          'the file was edited or damaged; restore it, or start the run again in another folder',
        );
      }
    });
    return rows;
  }

  /**
   * Removes the temporary files (`NAME.tmp-PID`) of writes that a kill or a full disk cut short,
   * in the folder and its checkpoints/, unless their process still runs. Returns their paths.
   */
  removeOrphanTemps(): string[] {
    const removed: string[] = [];
    for (const dir of [this.dir, join(this.dir, 'checkpoints')]) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        const m = /\.tmp-(\d+)$/.exec(name);
        if (!m || processRuns(Number(m[1]))) continue;
        rmSync(join(dir, name), { force: true });
        removed.push(join(dir, name));
      }
    }
    return removed;
  }

  /** Keeps the first `rows` rows: drops what was written after the checkpoint a resume starts from. */
  truncateMetrics(rows: number, read: unknown[] = this.readMetrics()): unknown[] {
    const kept = read.slice(0, rows);
    writeTextAtomic(this.metricsFile, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    return kept;
  }

  writeSummary(summary: unknown): void {
    writeJsonAtomic(this.summaryFile, summary);
  }

  /** summary.json, or null before the first generation ended. */
  readSummary(): unknown {
    return readJsonIfAny<unknown>(this.summaryFile);
  }
}

/**
 * Starts the run folder `to` as a copy of run `from` after its generation `generation`: the
 * checkpoints up to it, the resume point at its end, its metrics rows and summary, and `config`
 * (another method, same settings). Built under a temporary name and renamed, so a kill leaves
 * either no folder or a whole one.
 */
export function forkRun(
  from: string,
  to: string,
  generation: number,
  config: Record<string, unknown>,
  resumeProgress: { generation: number; epoch: number; batch?: number },
  epochs: number,
): void {
  const src = new RunDir(from);
  if (
    resumeProgress.generation !== generation ||
    resumeProgress.epoch !== epochs - 1 ||
    resumeProgress.batch !== undefined
  ) {
    const inside = resumeProgress.batch !== undefined ? ` before batch ${resumeProgress.batch + 1}` : '';
    throw new CheckpointError(
      `cannot start ${to} from ${from}: its resume point is generation ${resumeProgress.generation}, epoch ${resumeProgress.epoch + 1}${inside}, not the end of generation ${generation}`,
      `${from} was trained further or is unfinished; remove ${to} and ${from} and run the comparison again`,
    );
  }
  if (existsSync(to)) {
    throw new CheckpointError(
      `cannot start the run ${to}: something is already there, but not a run (no config.json)`,
      `move ${to} away; the comparison creates this folder itself`,
    );
  }
  const tmp = `${to}.fork-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const dst = new RunDir(tmp);
  mkdirSync(dst.checkpointDir, { recursive: true });
  for (let g = 0; g <= generation; g++) copyFileSync(src.generationFile(g), dst.generationFile(g));
  copyFileSync(src.resumeFile, dst.resumeFile);
  const rows = src.readMetrics().filter((r) => (r as { generation: number }).generation <= generation);
  writeFileSync(dst.metricsFile, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  copyFileSync(src.summaryFile, dst.summaryFile);
  const versions = readJson<{ versions?: unknown }>(src.configFile).versions ?? {};
  writeJsonAtomic(dst.configFile, { config, versions, forkedFrom: { run: from, generation } });
  renameSync(tmp, to);
}

/**
 * Whether a process with this pid runs on this machine. A zombie does not count: a killed worker
 * whose parent died too stays one until init reaps it.
 */
export function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = `/proc/${pid}/stat`;
  try {
    return readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return true;
  }
}
