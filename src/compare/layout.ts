// Where a comparison keeps its files, so that a re-run (or `seal status`) finds what is done:
//   DIR/compare.json                       the settings (a re-run must use the same)
//   DIR/plan.json                          the task graph made from them (plan.ts)
//   DIR/runs/gen0-s<seed>/                 generation 0 of a seed, trained once, shared by the methods
//   DIR/runs/<method>-s<seed>/             one `seal train` run folder per (method, seed); its
//                                          generation 0 is a copy of the shared one
//   DIR/evals/<run>/gen-<g>.<kind>.json    one evaluation of one generation checkpoint
//   DIR/tasks/<task>.{started,done,failed}.json   what each task's worker did, and when
//   DIR/logs/<task>.out, .err              each task's output
//   DIR/report.json, report.md, report.html
import { join } from 'node:path';

export const runName = (method: string, seed: number): string => `${method.replace('+', '-')}-s${seed}`;
/** The run folder name of a seed's shared generation 0. */
export const gen0Name = (seed: number): string => `gen0-s${seed}`;

export class CompareLayout {
  constructor(readonly dir: string) {}
  get settingsFile(): string { return join(this.dir, 'compare.json'); }
  get planFile(): string { return join(this.dir, 'plan.json'); }
  /** A path of the plan (relative to the comparison folder) on this machine. */
  path(relative: string): string { return join(this.dir, relative); }
  runDir(method: string, seed: number): string { return join(this.dir, 'runs', runName(method, seed)); }
  checkpoint(method: string, seed: number, generation: number): string {
    return join(this.runDir(method, seed), 'checkpoints', `gen-${generation}.safetensors`);
  }
  taskFile(task: string, state: 'started' | 'done' | 'failed'): string { return join(this.dir, 'tasks', `${task}.${state}.json`); }
  log(task: string, stream: 'out' | 'err'): string { return join(this.dir, 'logs', `${task}.${stream}`); }
  get reportJson(): string { return join(this.dir, 'report.json'); }
  get reportMd(): string { return join(this.dir, 'report.md'); }
  get reportHtml(): string { return join(this.dir, 'report.html'); }
}
