// Hostile but fair inputs: run `seal` on them and check the answer is one clear paragraph with
// the right exit status, and that nothing on disk changed but what was asked for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, createModel, resolveConfig, saveSafetensors } from '../../src/index.js';
import { idxImages, idxLabels, pattern, put } from '../data/fixtures.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `seal ARGS` (killed after `timeoutMs`, so a hang fails the test instead of the suite). */
export function seal(
  args: string[],
  opts: { timeoutMs?: number; env?: Record<string, string>; nodeArgs?: string[] } = {},
): CliResult {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    env: { ...process.env, SEAL_DEBUG: '', ...opts.env },
  });
  assert.equal(r.signal, null, `seal ${args.join(' ')} was killed by ${r.signal} (a hang?); stderr:\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Asserts a refusal: the exit status (2 bad input, 1 a file or folder that cannot be used), no
 * stack trace, and every pattern in stderr (the flag or file, what was expected, what was found).
 */
export function refused(r: CliResult, status: number, ...patterns: (RegExp | string)[]): void {
  assert.equal(r.status, status, `expected exit ${status}, got ${r.status}; stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `a stack trace:\n${r.stderr}`);
  assert.match(r.stderr, /^seal: /m);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(r.stderr.includes(p), `stderr lacks '${p}':\n${r.stderr}`);
    else assert.match(r.stderr, p);
  }
}

/** Every file and folder under `dir` with its size, modification time and first bytes, to compare before and after. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(`${p}/`, '');
        walk(p);
      } else {
        const st = statSync(p);
        out.set(p, `${st.size}:${st.mtimeMs}:${readFileSync(p).subarray(0, 4096).toString('base64')}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** Asserts that `dir` is as `before` left it. */
export function unchanged(dir: string, before: Map<string, string>): void {
  assert.deepEqual(snapshot(dir), before, `${dir} changed`);
}

/** The metadata a generation checkpoint of seal carries, for a tiny model. */
export const SOURCE = {
  spec: 'fashion-mnist',
  channels: 1,
  height: 28,
  width: 28,
  numClasses: 10,
  mean: [0.286],
  std: [0.353],
};
export const MODEL = { model: 'resnet18-cifar', width: 0.0625 } as const;

/** Writes a gen-0 checkpoint of a tiny model; `edit` may change its metadata first. */
export async function writeCheckpoint(
  file: string,
  edit: (m: Record<string, string>) => void = () => {},
): Promise<void> {
  const model = createModel({
    ...MODEL,
    inChannels: SOURCE.channels,
    numClasses: SOURCE.numClasses,
    device: 'cpu',
    generator: new Generator(0),
  });
  const config = resolveConfig([{ source: 'test', values: { ...MODEL, method: 'normal' } }]);
  const metadata: Record<string, string> = {
    format: 'seal-model-1',
    generation: '0',
    config: JSON.stringify(config),
    source: JSON.stringify(SOURCE),
  };
  edit(metadata);
  await saveSafetensors(file, model.stateEntries(), metadata);
  model.dispose();
}

/** A two-class 8x8 IDX dataset in DIR/data (32 training, 16 test images): runs train in seconds. */
export function tinyIdx(dir: string): string {
  const data = join(dir, 'data');
  const labels = (n: number) => Array.from({ length: n }, (_, i) => i % 2);
  put(join(data, 'train-images-idx3-ubyte'), idxImages(32, 8, 8, pattern));
  put(join(data, 'train-labels-idx1-ubyte'), idxLabels(labels(32)));
  put(
    join(data, 't10k-images-idx3-ubyte'),
    idxImages(16, 8, 8, (i, p) => pattern(i + 99, p)),
  );
  put(join(data, 't10k-labels-idx1-ubyte'), idxLabels(labels(16)));
  return data;
}
