// Where a comparison keeps its files, so that a re-run finds what is done:
//   DIR/compare.json                       the settings (a re-run must use the same)
//   DIR/runs/<method>-s<seed>/             one `seal train` run folder per (method, seed)
//   DIR/evals/<method>-s<seed>/gen-<g>.<kind>.json   one evaluation of one generation checkpoint
//   DIR/report.json, report.md, report.html
import { join } from 'node:path';

export const runName = (method: string, seed: number): string => `${method.replace('+', '-')}-s${seed}`;

export class CompareLayout {
  constructor(readonly dir: string) {}
  get settingsFile(): string { return join(this.dir, 'compare.json'); }
  runDir(method: string, seed: number): string { return join(this.dir, 'runs', runName(method, seed)); }
  checkpoint(method: string, seed: number, generation: number): string {
    return join(this.runDir(method, seed), 'checkpoints', `gen-${generation}.safetensors`);
  }
  evalFile(method: string, seed: number, generation: number, kind: string): string {
    return join(this.dir, 'evals', runName(method, seed), `gen-${generation}.${kind}.json`);
  }
  get reportJson(): string { return join(this.dir, 'report.json'); }
  get reportMd(): string { return join(this.dir, 'report.md'); }
  get reportHtml(): string { return join(this.dir, 'report.html'); }
}
