// Where a comparison keeps its files, so that a re-run (or `seal status`) finds what is done:
//   DIR/compare.json                       the settings (a re-run must use the same)
//   DIR/plan.json                          the task graph made from them (compare/plan.ts)
//   DIR/compare.lock                       the coordinator running the comparison (io/lock-file.ts)
//   DIR/runs/gen0-s<seed>/                 generation 0 of a seed, trained once, shared by the methods
//   DIR/runs/<method>-s<seed>/             one `seal train` run folder (run-dir.ts) per (method, seed);
//                                          its generation 0 is a copy of the shared one
//   DIR/evals/<run>/gen-<g>.<kind>.json    one evaluation of one generation checkpoint
//   DIR/tasks/<task>.{started,done,failed,error}.json   what each task's worker did, and when
//                                          (error: what its worker said failed, compare/worker-protocol.ts)
//   DIR/tasks/<task>.lock                  the worker running the task (io/lock-file.ts)
//   DIR/logs/<task>.out, .err              each task's output
//   DIR/slurm/jobs.json, <stamp>-<group>.sh       the Slurm launcher's submissions
//   DIR/report.json, report.md, report.html
// Paths inside plan.json are relative to DIR and '/'-separated, so a comparison folder can move.
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, PlanError } from '../errors.js';
import { ensureDir, generationCheckpoint, readJson, readJsonIfAny, RunDir, writeJsonAtomic } from './run-dir.js';

export const runName = (method: string, seed: number): string => `${method.replace('+', '-')}-s${seed}`;
/** The run folder name of a seed's shared generation 0. */
export const gen0Name = (seed: number): string => `gen0-s${seed}`;
/**
 * The file name of evaluation `id` of generation `g` (in an evaluation folder, or `seal eval all
 * --out-dir`): its kind, or KIND:TARGET written KIND.TARGET (eval/instances.ts).
 */
export const evalResultName = (g: number, id: string): string => `gen-${g}.${id.replace(':', '.')}.json`;

/** Relative paths of plan.json: a run folder, a checkpoint in it, the evaluation folder of a run. */
export const planPaths = {
  run: (name: string): string => `runs/${name}`,
  /** The run folder name of a relative run path. */
  runNameOf: (run: string): string => run.slice('runs/'.length),
  checkpoint: (run: string, g: number): string => `${run}/${generationCheckpoint(g)}`,
  evals: (name: string): string => `evals/${name}`,
  evalResult: (name: string, g: number, kind: string): string => `evals/${name}/${evalResultName(g, kind)}`,
};

/** What a task's files record; `error` is what its worker said failed (compare/worker-protocol.ts). */
export type TaskState = 'started' | 'done' | 'failed' | 'error';

export class CompareLayout {
  constructor(readonly dir: string) {}
  get settingsFile(): string {
    return join(this.dir, 'compare.json');
  }
  get planFile(): string {
    return join(this.dir, 'plan.json');
  }
  /** A path of the plan (relative to the comparison folder) on this machine. */
  path(relative: string): string {
    return join(this.dir, relative);
  }
  runDir(method: string, seed: number): string {
    return join(this.dir, planPaths.run(runName(method, seed)));
  }
  /** A run folder of the plan (relative path). */
  run(relative: string): RunDir {
    return new RunDir(this.path(relative));
  }
  checkpoint(method: string, seed: number, generation: number): string {
    return new RunDir(this.runDir(method, seed)).generationFile(generation);
  }
  /** The coordinator's lock: one seal compare (or sweep) at a time launches this folder's tasks. */
  get lockFile(): string {
    return join(this.dir, 'compare.lock');
  }
  /** A task's lock, apart from the coordinator's, so that the coordinator's own workers can take it. */
  taskLock(task: string): string {
    return join(this.dir, 'tasks', `${task}.lock`);
  }
  taskFile(task: string, state: TaskState): string {
    return join(this.dir, 'tasks', `${task}.${state}.json`);
  }
  log(task: string, stream: 'out' | 'err'): string {
    return join(this.dir, 'logs', `${task}.${stream}`);
  }
  get reportJson(): string {
    return join(this.dir, 'report.json');
  }
  get reportMd(): string {
    return join(this.dir, 'report.md');
  }
  get reportHtml(): string {
    return join(this.dir, 'report.html');
  }
  /** The throughput measured when the comparison started, for ETAs before any task has finished. */
  get throughputFile(): string {
    return join(this.dir, 'throughput.json');
  }
  get slurmDir(): string {
    return join(this.dir, 'slurm');
  }
  get jobsFile(): string {
    return join(this.slurmDir, 'jobs.json');
  }
  get slurmLogDir(): string {
    return join(this.dir, 'logs', 'slurm');
  }

  hasPlan(): boolean {
    return existsSync(this.planFile);
  }
  hasSettings(): boolean {
    return existsSync(this.settingsFile);
  }
  hasSlurmJobs(): boolean {
    return existsSync(this.slurmDir);
  }

  /** plan.json as JSON (checking it against its settings is compare/plan.ts's). */
  readPlanJson(): unknown {
    if (!this.hasPlan()) {
      if (this.hasSettings()) throw new PlanError(`${this.dir} has compare.json but no plan.json`, this.dir);
      throw new ConfigError(
        `${this.dir} has no plan.json`,
        'give the --out folder of a `seal compare` run (it writes the plan before anything runs)',
      );
    }
    try {
      return readJson(this.planFile);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      throw new PlanError(`${this.planFile} is not valid JSON (${e.message})`, this.dir);
    }
  }

  readSettings<T>(): T {
    if (!this.hasSettings()) {
      throw new ConfigError(
        `${this.dir} is not a comparison folder: ${this.settingsFile} does not exist`,
        'give the --out folder of a `seal compare` run',
      );
    }
    return readJson<T>(this.settingsFile);
  }

  /** Starts a comparison folder: its settings and plan. */
  create(settings: unknown, plan: unknown): void {
    mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(this.settingsFile, settings);
    writeJsonAtomic(this.planFile, plan);
  }

  /** Writes plan.json again (its repair, from compare.json). */
  writePlan(plan: unknown): void {
    writeJsonAtomic(this.planFile, plan);
  }

  /** Where outputs found damaged on `stamp` are moved, relative paths kept. */
  damagedDir(stamp: string): string {
    return join(this.dir, 'damaged', stamp);
  }
  /** Moves DIR/relative under damagedDir(stamp); false when there was nothing there. */
  moveAside(relative: string, stamp: string): boolean {
    const from = this.path(relative);
    if (!existsSync(from)) return false;
    const to = join(this.damagedDir(stamp), relative);
    ensureDir(dirname(to));
    renameSync(from, to);
    return true;
  }

  isDone(task: string): boolean {
    return existsSync(this.taskFile(task, 'done'));
  }
  /** A task file, or null where there is none or it cannot be read (a status read races its writer). */
  readTaskFile<T>(task: string, state: TaskState): T | null {
    try {
      return readJsonIfAny<T>(this.taskFile(task, state));
    } catch {
      return null;
    }
  }
  writeTaskFile(task: string, state: TaskState, value: unknown): void {
    ensureDir(join(this.dir, 'tasks'));
    writeJsonAtomic(this.taskFile(task, state), value);
  }
  removeTaskFile(task: string, state: TaskState): void {
    rmSync(this.taskFile(task, state), { force: true });
  }

  /** The task's log files, opened for appending. */
  openLogs(task: string): { out: WriteStream; err: WriteStream } {
    ensureDir(join(this.dir, 'logs'));
    return {
      out: createWriteStream(this.log(task, 'out'), { flags: 'a' }),
      err: createWriteStream(this.log(task, 'err'), { flags: 'a' }),
    };
  }

  /** Evaluation results, by the plan's relative evaluation folder. */
  evalResultFile(outDir: string, g: number, kind: string): string {
    return join(this.path(outDir), evalResultName(g, kind));
  }
  hasEvalResult(outDir: string, g: number, kind: string): boolean {
    return existsSync(this.evalResultFile(outDir, g, kind));
  }
  writeEvalResult(outDir: string, g: number, kind: string, result: unknown): void {
    writeJsonAtomic(this.evalResultFile(outDir, g, kind), result);
  }
  /** An evaluation result by its path in the plan, or null where it was not written. */
  readEvalResult<T>(relative: string): T | null {
    return readJsonIfAny<T>(this.path(relative));
  }

  writeThroughput(t: unknown): void {
    writeJsonAtomic(this.throughputFile, t);
  }
  /** throughput.json, or null where there is none or it cannot be read (it only informs an ETA). */
  readThroughput<T>(): T | null {
    try {
      return readJsonIfAny<T>(this.throughputFile);
    } catch {
      return null;
    }
  }

  writeReport(report: unknown): void {
    writeJsonAtomic(this.reportJson, report);
  }
  readReport<T>(): T {
    return readJson<T>(this.reportJson);
  }
  hasReport(): boolean {
    return existsSync(this.reportJson);
  }

  /** DIR/slurm/jobs.json as JSON, or null before the first submission; unreadable is an error. */
  readJobsJson(): unknown {
    return readJsonIfAny<unknown>(this.jobsFile);
  }
  writeJobs(jobs: unknown): void {
    writeJsonAtomic(this.jobsFile, jobs);
  }
  /** Writes a batch script into DIR/slurm/; returns its path. */
  writeScript(name: string, text: string): string {
    const file = join(this.slurmDir, name);
    writeFileSync(file, text, { mode: 0o755 });
    return file;
  }
  readScript(file: string): string {
    return readFileSync(file, 'utf8');
  }
}
