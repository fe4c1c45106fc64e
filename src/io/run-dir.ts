// A run folder: config.json, metrics.jsonl (one row per epoch), summary.json and
// checkpoints/. Whole files are written to a temporary name and renamed.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';

/** Writes a whole file under a temporary name, then renames it: readers never see half a file. */
export function writeTextAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export class RunDir {
  constructor(readonly dir: string) {}

  get configFile(): string { return join(this.dir, 'config.json'); }
  get metricsFile(): string { return join(this.dir, 'metrics.jsonl'); }
  get summaryFile(): string { return join(this.dir, 'summary.json'); }
  get checkpointDir(): string { return join(this.dir, 'checkpoints'); }
  get resumeFile(): string { return join(this.checkpointDir, 'resume.safetensors'); }
  generationFile(g: number): string { return join(this.checkpointDir, `gen-${g}.safetensors`); }

  /** Creates the folder for a new run; refuses to overwrite another run's results. */
  create(config: unknown, versions: Record<string, string>): void {
    if (existsSync(this.metricsFile) || existsSync(this.resumeFile)) {
      throw new CheckpointError(`${this.dir} already holds a run`, `continue it with --resume ${this.dir}, or choose another --out folder`);
    }
    mkdirSync(this.checkpointDir, { recursive: true });
    writeJsonAtomic(this.configFile, { config, versions });
    writeFileSync(this.metricsFile, '');
  }

  readConfig(): Record<string, unknown> {
    if (!existsSync(this.configFile)) {
      throw new CheckpointError(`cannot resume: ${this.configFile} does not exist`, 'point --resume at the --out folder of an earlier `seal train` run');
    }
    let file: { config?: Record<string, unknown> };
    try {
      file = JSON.parse(readFileSync(this.configFile, 'utf8')) as { config?: Record<string, unknown> };
    } catch (e) {
      throw new CheckpointError(`cannot resume: ${this.configFile} is not valid JSON (${(e as Error).message})`);
    }
    if (typeof file.config !== 'object' || file.config === null) throw new CheckpointError(`cannot resume: ${this.configFile} has no "config" object`);
    return file.config;
  }

  appendMetrics(row: unknown): void { appendFileSync(this.metricsFile, JSON.stringify(row) + '\n'); }

  readMetrics(): unknown[] {
    if (!existsSync(this.metricsFile)) return [];
    return readFileSync(this.metricsFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  }

  /** Keeps the first `rows` rows: drops what was written after the checkpoint a resume starts from. */
  truncateMetrics(rows: number): unknown[] {
    const kept = this.readMetrics().slice(0, rows);
    writeTextAtomic(this.metricsFile, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    return kept;
  }

  writeSummary(summary: unknown): void { writeJsonAtomic(this.summaryFile, summary); }
}
