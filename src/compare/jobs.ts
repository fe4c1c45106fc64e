// Runs the (method, seed) jobs of a comparison as child `seal` processes, a few at a time,
// each with its share of the cores. A job trains (or resumes) its run, then evaluates every
// generation checkpoint that has no result yet; anything already on disk is skipped, so a
// killed comparison continues where it stopped.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SealError } from '../errors.js';
import { CompareLayout, runName } from './layout.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface JobSpec { method: string; seed: number }
export interface JobPlan {
  layout: CompareLayout;
  generations: number;
  /** `seal train` flags shared by every run (without --method, --seed, --out, --threads). */
  trainArgs: string[];
  /** Evaluation kinds and the extra `seal eval <kind>` flags of each. */
  evals: { kind: string; args: string[] }[];
  jobs: number;
  threads: number;
}

export interface JobEvents {
  /** A line of a child's output, or a note of what is being skipped. */
  line(job: string, text: string): void;
}

/** True when the run folder holds every generation checkpoint and a complete summary. */
export function runFinished(layout: CompareLayout, method: string, seed: number, generations: number): boolean {
  const summary = `${layout.runDir(method, seed)}/summary.json`;
  if (!existsSync(summary)) return false;
  const s = JSON.parse(readFileSync(summary, 'utf8')) as { generations: unknown[] };
  return s.generations.length >= generations && Array.from({ length: generations }, (_, g) => existsSync(layout.checkpoint(method, seed, g))).every(Boolean);
}

function exec(args: string[], name: string, events: JobEvents): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (l.trim() !== '') events.line(name, l);
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new SealError('COMPARE_JOB', `${name}: \`seal ${args.slice(0, 2).join(' ')} …\` failed (${signal ?? `exit ${code}`}):\n${err.trim()}`,
        'fix the cause and run the same `seal compare` command again; finished work is kept'));
    });
  });
}

async function runJob(plan: JobPlan, job: JobSpec, events: JobEvents): Promise<void> {
  const { layout } = plan;
  const name = runName(job.method, job.seed);
  const dir = layout.runDir(job.method, job.seed);
  const threads = ['--threads', String(plan.threads)];
  if (runFinished(layout, job.method, job.seed, plan.generations)) {
    events.line(name, 'training already finished');
  } else if (existsSync(`${dir}/config.json`)) {
    events.line(name, 'resuming training');
    await exec(['train', '--resume', dir], name, events);
  } else {
    mkdirSync(dirname(dir), { recursive: true });
    await exec(['train', ...plan.trainArgs, '--method', job.method, '--seed', String(job.seed), '--out', dir, ...threads], name, events);
  }
  for (let g = 0; g < plan.generations; g++) {
    for (const ev of plan.evals) {
      const file = layout.evalFile(job.method, job.seed, g, ev.kind);
      if (existsSync(file)) continue;
      mkdirSync(dirname(file), { recursive: true });
      events.line(name, `evaluating generation ${g}: ${ev.kind}`);
      await exec(['eval', ev.kind, '--checkpoint', layout.checkpoint(job.method, job.seed, g), ...ev.args, ...threads, '--out', file], name, events);
    }
  }
}

/** Runs every job, `plan.jobs` at a time; the first failure stops new jobs and is thrown. */
export async function runJobs(plan: JobPlan, jobs: JobSpec[], events: JobEvents): Promise<void> {
  const queue = [...jobs];
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job && failure === null; job = queue.shift()) {
      try {
        await runJob(plan, job, events);
      } catch (e) {
        failure = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.jobs, jobs.length)) }, worker));
  if (failure !== null) throw failure;
}
