// Several evaluations of a checkpoint in one pass give what each gives alone: the features of
// overlapping subsets are computed once (the probe's test subset is cut from the few-shot
// episodes' whole split) and the numbers stay those of separate runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { train } from '../../src/index.js';
import { loadModelCheckpoint } from '../../src/eval/model-checkpoint.js';
import { evaluateCheckpoint, type EvalRecord } from '../../src/eval/run.js';
import { evalOptionsOf } from '../../src/compare/plan.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
/** A result without its timings. */
const strip = (r: EvalRecord) =>
  JSON.parse(JSON.stringify(r, (k, v) => (/seconds/i.test(k) ? undefined : v))) as unknown;

test('one pass over transfer, few-shot and depth equals each evaluation run alone', { skip: fashion }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-evalall-'));
  try {
    const r = await train({
      method: 'normal',
      model: 'resnet18-cifar',
      width: 0.125,
      generations: 1,
      epochs: 1,
      limitTrain: 512,
      limitTest: 256,
      out: join(dir, 'run'),
    });
    r.model.dispose();
    const ckptFile = join(dir, 'run', 'checkpoints', 'gen-0.safetensors');
    const requests = [
      { kind: 'transfer', options: evalOptionsOf('transfer', { 'limit-train': 600, 'limit-test': 700 }) },
      {
        kind: 'fewshot',
        options: evalOptionsOf('fewshot', { 'limit-test': 2000, episodes: 40, classifiers: 'nearest-centroid' }),
      },
      { kind: 'depth', options: evalOptionsOf('depth', { support: 200, 'test-size': 100, k: 5 }) },
    ];
    const ckpt = await loadModelCheckpoint(ckptFile);
    const together: EvalRecord[] = [];
    await evaluateCheckpoint(ckpt, requests, {
      device: 'cpu',
      onResult: (x) => {
        together.push(x);
      },
    });
    const alone: EvalRecord[] = [];
    for (const q of requests)
      await evaluateCheckpoint(ckpt, [q], {
        device: 'cpu',
        onResult: (x) => {
          alone.push(x);
        },
      });
    ckpt.model.dispose();
    assert.equal(together.length, 3);
    for (let i = 0; i < 3; i++)
      assert.deepEqual(strip(together[i] as EvalRecord), strip(alone[i] as EvalRecord), `${requests[i]?.kind}`);

    // The CLI: `seal eval all --kinds` writes one file per kind, equal to `seal eval <kind>`.
    const out = join(dir, 'all');
    const all = spawnSync(
      process.execPath,
      [
        CLI,
        'eval',
        'all',
        '--kinds',
        'fewshot,depth',
        '--checkpoint',
        ckptFile,
        '--episodes',
        '30',
        '--support',
        '200',
        '--test-size',
        '100',
        '--k',
        '5',
        '--out-dir',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(all.status, 0, all.stderr);
    const one = spawnSync(
      process.execPath,
      [
        CLI,
        'eval',
        'depth',
        '--checkpoint',
        ckptFile,
        '--support',
        '200',
        '--test-size',
        '100',
        '--k',
        '5',
        '--out',
        join(dir, 'depth.json'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(one.status, 0, one.stderr);
    const read = (f: string) => strip(JSON.parse(readFileSync(f, 'utf8')) as EvalRecord);
    assert.deepEqual(read(join(out, 'gen-0.depth.json')), read(join(dir, 'depth.json')));
    assert.ok(existsSync(join(out, 'gen-0.fewshot.json')));
    const bad = spawnSync(
      process.execPath,
      [CLI, 'eval', 'all', '--kinds', 'depth', '--checkpoint', ckptFile, '--episodes', '3'],
      { encoding: 'utf8' },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --episodes for seal eval depth/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
