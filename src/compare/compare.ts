// `seal compare` as a library call: methods × seeds runs, every generation evaluated, one
// report. Re-running with the same settings resumes; different settings in the same folder
// are refused rather than mixed.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolveConfig, kebab } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { writeJsonAtomic } from '../io/run-dir.js';
import type { Report } from '../report/types.js';
import { buildReport, type CompareSettings } from './aggregate.js';
import { EVAL_KINDS } from './evals.js';
import { runJobs, type JobEvents } from './jobs.js';
import { CompareLayout } from './layout.js';

export interface CompareOptions {
  out: string;
  methods: string[];
  seeds: number[];
  evals: string[];
  /** Training settings shared by every run (config keys; method, seed, out and threads are set per run). */
  train: Partial<RunConfig>;
  /** Parallel runs; the cores are split evenly between them. Default: on the CPU one run per core
   * (measured here: 2 runs x 1 thread finish 1.45x sooner than 1 run x 2 threads for narrow
   * ResNets), on a GPU one run at a time. */
  jobs?: number;
  threads?: number;
}

/** `seal train` flags for a set of config values. */
export function toFlags(values: Partial<RunConfig>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (typeof v === 'boolean') out.push(v ? `--${kebab(k)}` : `--no-${kebab(k)}`);
    else out.push(`--${kebab(k)}`, v === null ? 'null' : String(v));
  }
  return out;
}

function settingsOf(o: CompareOptions): CompareSettings {
  for (const k of ['method', 'seed', 'out', 'threads'] as const) {
    if (k in o.train) throw new ConfigError(`compare: --${k} is set per run; use --methods / --seeds / --out / --threads of seal compare instead`);
  }
  const unknown = o.evals.filter((e) => !(e in EVAL_KINDS));
  if (unknown.length > 0) throw new ConfigError(`--eval: unknown evaluation ${unknown.join(', ')}`, `choose from ${Object.keys(EVAL_KINDS).join(', ')}`);
  if (o.methods.length === 0 || o.seeds.length === 0) throw new ConfigError('compare needs at least one method and one seed');
  const resolved = resolveConfig([{ source: 'flags', values: { ...o.train, method: o.methods[0] } }]);
  for (const m of o.methods) resolveConfig([{ source: 'flags', values: { method: m } }]);
  return {
    methods: o.methods, seeds: o.seeds, generations: resolved.generations, evals: o.evals, train: { ...o.train },
    evalOptions: Object.fromEntries(o.evals.map((e) => [e, { args: EVAL_KINDS[e]?.args ?? [] }])),
  };
}

/** Runs (or finishes) the comparison in `o.out` and writes report.json; returns the report. */
export async function compare(o: CompareOptions, events: JobEvents): Promise<Report> {
  const layout = new CompareLayout(o.out);
  const settings = settingsOf(o);
  if (existsSync(layout.settingsFile)) {
    const before = JSON.parse(readFileSync(layout.settingsFile, 'utf8')) as CompareSettings;
    const diff = (Object.keys(settings) as (keyof CompareSettings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(settings[k]));
    if (diff.length > 0) {
      throw new ConfigError(`${o.out} holds a comparison with other settings (${diff.join(', ')} differ)`,
        'run the same command as before to continue it, or choose another --out folder');
    }
  } else {
    mkdirSync(o.out, { recursive: true });
    writeJsonAtomic(layout.settingsFile, settings);
  }
  const cores = o.threads ?? cpus().length;
  const onGpu = String(o.train.device ?? 'cpu').startsWith('cuda');
  const jobs = Math.max(1, Math.min(o.jobs ?? (onGpu ? 1 : cores), cores));
  await runJobs({
    layout, generations: settings.generations, trainArgs: toFlags(o.train),
    evals: o.evals.map((kind) => ({ kind, args: EVAL_KINDS[kind]?.args ?? [] })),
    jobs, threads: Math.max(1, Math.floor(cores / jobs)),
  }, o.methods.flatMap((method) => o.seeds.map((seed) => ({ method, seed }))), events);
  const report = buildReport(layout, settings);
  writeJsonAtomic(layout.reportJson, report);
  return report;
}

/** Rebuilds report.json from the files of a finished (or partial) comparison. */
export function rebuildReport(dir: string): Report {
  const layout = new CompareLayout(dir);
  if (!existsSync(layout.settingsFile)) throw new ConfigError(`${dir} is not a comparison folder: ${layout.settingsFile} does not exist`, 'give the --out folder of a `seal compare` run');
  const report = buildReport(layout, JSON.parse(readFileSync(layout.settingsFile, 'utf8')) as CompareSettings);
  writeJsonAtomic(layout.reportJson, report);
  return report;
}
