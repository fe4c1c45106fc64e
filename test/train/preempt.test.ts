// Stopping on request at a batch: the resume point written there continues the run to the
// same end, bit for bit, as a run that was never stopped, for every method with its own
// per-generation or per-epoch state; and `seal train` does it on SIGUSR2 with exit status 75.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EXIT_RESUMABLE,
  loadSafetensors,
  setNumThreads,
  StoppedError,
  train,
  type BatchPosition,
  type EpochRow,
  type MethodName,
  type TrainOptions,
} from '../../src/index.js';
import { readSafetensorsMetadata } from '../../src/io/safetensors.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { buildPlan, type TrainSettings } from '../../src/compare/plan.js';
import { runTask } from '../../src/compare/run-task.js';
import { tinyData } from '../support/tiny-data.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
// 160 images in batches of 32: 5 batches per epoch.
const SMALL = {
  model: 'resnet18-cifar',
  width: 0.125,
  generations: 2,
  epochs: 3,
  batchSize: 32,
  evalInterval: 1,
  cropPadding: 1,
  ascentEpochs: 1,
  seed: 7,
  threads: 1,
} as const;
const data = () => tinyData({ train: 160, test: 48 });
const stable = ({ seconds, trainSeconds, dataSeconds, ...rest }: EpochRow) => rest;
const rows = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => stable(JSON.parse(l) as EpochRow));
const json = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** Every tensor of two safetensors files equal, bit for bit, under the same names. */
async function assertSameTensors(a: string, b: string, what: string): Promise<void> {
  const x = await loadSafetensors(a),
    y = await loadSafetensors(b);
  try {
    assert.deepEqual([...x.tensors.keys()].sort(), [...y.tensors.keys()].sort(), `${what}: tensor names`);
    for (const [name, t] of x.tensors)
      assert.deepEqual(t.toArray(), y.tensors.get(name)?.toArray(), `${what}: ${name} differs`);
  } finally {
    for (const t of [...x.tensors.values(), ...y.tensors.values()]) t.dispose();
  }
}

async function assertSameRun(dir: string, ref: string, what: string): Promise<void> {
  assert.deepEqual(rows(dir), rows(ref), `${what}: metrics rows`);
  assert.deepEqual(json(join(dir, 'summary.json')), json(join(ref, 'summary.json')), `${what}: summary`);
  await assertSameTensors(
    join(dir, 'checkpoints', `gen-${SMALL.generations - 1}.safetensors`),
    join(ref, 'checkpoints', `gen-${SMALL.generations - 1}.safetensors`),
    `${what}: last generation`,
  );
  await assertSameTensors(
    join(dir, 'checkpoints', 'resume.safetensors'),
    join(ref, 'checkpoints', 'resume.safetensors'),
    `${what}: resume point`,
  );
}

/** A stop after batch `batch` (0-based) of an epoch, or, with batch 'end', after the epoch's row. */
type StopAt = { generation: number; epoch: number; batch: number | 'end' };

/** Trains `method` in `dir`, stopping at each of `stops` in turn and resuming, to the end. */
async function trainWithStops(method: MethodName, dir: string, stops: StopAt[]): Promise<void> {
  const pending = [...stops];
  let flag = false;
  const hit = (g: number, e: number, b: number | 'end') => {
    const s = pending[0];
    if (s && s.generation === g && s.epoch === e && s.batch === b) {
      flag = true;
      pending.shift();
    }
  };
  const opts: TrainOptions = {
    data: data(),
    onBatch: ({ generation, epoch, batch }) => hit(generation, epoch, batch),
    onEpoch: (row) => hit(row.generation, row.epoch, 'end'),
    stopRequested: () => {
      const f = flag;
      flag = false;
      return f;
    },
  };
  let r = await train({ ...SMALL, method, out: dir }, opts);
  for (const s of stops) {
    const expected: BatchPosition =
      s.batch === 'end'
        ? s.epoch + 1 < SMALL.epochs
          ? { generation: s.generation, epoch: s.epoch + 1, batch: 0 }
          : { generation: s.generation + 1, epoch: 0, batch: 0 }
        : { generation: s.generation, epoch: s.epoch, batch: s.batch + 1 };
    assert.deepEqual(r.stopped, expected, `${method}: where it stopped`);
    r.model.dispose();
    assert.equal(
      rows(dir).length,
      expected.generation * SMALL.epochs + expected.epoch,
      `${method}: no row for the part of an epoch that ran`,
    );
    const meta = readSafetensorsMetadata(join(dir, 'checkpoints', 'resume.safetensors'));
    if (s.batch === 'end') {
      assert.equal(meta.format, 'seal-resume-1');
    } else {
      assert.equal(meta.format, 'seal-resume-2');
      assert.deepEqual(JSON.parse(meta.progress ?? ''), expected, `${method}: the resume point is at the batch`);
    }
    r = await train([], { ...opts, resume: dir });
  }
  assert.equal(r.stopped, null);
  assert.equal(pending.length, 0, `${method}: every stop was reached`);
  r.model.dispose();
}

const CASES: { method: MethodName; stops: StopAt[]; why: string }[] = [
  // An ascent epoch, the epoch whose momentum reset must not run again, the last batch of an epoch.
  {
    method: 'seal',
    stops: [
      { generation: 0, epoch: 2, batch: 4 },
      { generation: 1, epoch: 0, batch: 1 },
      { generation: 1, epoch: 1, batch: 2 },
    ],
    why: 'ascent, momentum reset, end of epoch',
  },
  // Epoch 0 of generation 1: the re-initialisation must not run again on resume.
  { method: 'llf', stops: [{ generation: 1, epoch: 0, batch: 2 }], why: 're-initialisation' },
  { method: 'ke', stops: [{ generation: 1, epoch: 0, batch: 0 }], why: 're-initialisation' },
  {
    method: 'normal',
    stops: [
      { generation: 0, epoch: 0, batch: 'end' },
      { generation: 0, epoch: 1, batch: 3 },
    ],
    why: 'between epochs, inside one',
  },
];

for (const { method, stops, why } of CASES) {
  test(`${method} stopped at a batch and resumed equals the run never stopped, bit for bit (${why})`, async () => {
    setNumThreads(1);
    const dir = mkdtempSync(join(tmpdir(), `seal-preempt-${method}-`));
    try {
      const full = await train({ ...SMALL, method, out: join(dir, 'full') }, { data: data() });
      assert.equal(full.stopped, null);
      full.model.dispose();
      await trainWithStops(method, join(dir, 'stopped'), stops);
      await assertSameRun(join(dir, 'stopped'), join(dir, 'full'), method);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('stopping before the first batch leaves a run folder that --resume starts from the beginning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-preempt-first-'));
  try {
    const r = await train(
      { ...SMALL, method: 'normal', generations: 1, out: join(dir, 'run') },
      { data: data(), stopRequested: () => true },
    );
    r.model.dispose();
    assert.deepEqual(r.stopped, { generation: 0, epoch: 0, batch: 0 });
    assert.equal(rows(join(dir, 'run')).length, 0);
    const full = await train({ ...SMALL, method: 'normal', generations: 1, out: join(dir, 'full') }, { data: data() });
    full.model.dispose();
    const resumed = await train([], { resume: join(dir, 'run'), data: data() });
    resumed.model.dispose();
    assert.deepEqual(rows(join(dir, 'run')), rows(join(dir, 'full')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "a comparison's training task stopped at a batch throws StoppedError without its done file; run again, it finishes",
  { skip: fashion },
  async () => {
    setNumThreads(1);
    const dir = mkdtempSync(join(tmpdir(), 'seal-preempt-task-'));
    try {
      const settings: TrainSettings = {
        dataset: 'fashion-mnist',
        model: 'resnet18-cifar',
        width: 0.125,
        generations: 1,
        epochs: 2,
        batchSize: 64,
        limitTrain: 256,
        limitTest: 128,
        evalInterval: 1,
      };
      const plan = buildPlan({
        methods: ['normal'],
        seeds: [3],
        generations: 1,
        evals: [],
        train: settings,
        evalOptions: {},
      });
      const layout = new CompareLayout(join(dir, 'cmp'));
      const task = plan.tasks.find((t) => t.kind === 'train');
      assert.ok(task);
      const quiet = { line: () => undefined, report: async () => undefined };
      let asked = 0;
      // Asked before the epoch, then after each batch: the third answer stops after batch 2.
      await assert.rejects(
        runTask(layout, plan, task.id, { ...quiet, stopRequested: () => ++asked === 3 }),
        (e: unknown) => {
          assert.ok(e instanceof StoppedError);
          assert.match(e.message, /stopped after batch 2 of generation 0, epoch 1, at a resume point in /);
          assert.match(e.message, /hint: run the task again to continue: seal worker /);
          return true;
        },
      );
      assert.ok(!existsSync(layout.taskFile(task.id, 'done')));
      await runTask(layout, plan, task.id, quiet);
      assert.ok(existsSync(layout.taskFile(task.id, 'done')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const RUN = [
  'train',
  '--method',
  'seal',
  '--model',
  'resnet18',
  '--width',
  '0.125',
  '--generations',
  '2',
  '--epochs',
  '3',
  '--ascent-epochs',
  '1',
  '--batch-size',
  '32',
  '--limit-train',
  '1024',
  '--limit-test',
  '256',
  '--eval-interval',
  '1',
  '--seed',
  '3',
  '--threads',
  '1',
];

test(
  'seal train stops on SIGUSR2 with status 75 and a resume point; --resume ends as a run never stopped',
  { skip: fashion },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-preempt-cli-'));
    try {
      const full = spawnSync(process.execPath, [CLI, ...RUN, '--out', join(dir, 'full')], { encoding: 'utf8' });
      assert.equal(full.status, 0, full.stderr);

      const run = join(dir, 'stopped');
      const child = spawn(process.execPath, [CLI, ...RUN, '--out', run], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '',
        stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const written = () =>
        existsSync(join(run, 'metrics.jsonl'))
          ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length
          : 0;
      while (written() < 1 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      assert.equal(child.exitCode, null, 'the run finished before the signal');
      child.kill('SIGUSR2');
      assert.equal(await exited, EXIT_RESUMABLE, stderr);
      assert.match(stderr, /SIGUSR2: stopping after the current batch and writing a resume point/);
      assert.ok(stdout.includes(`continue with: seal train --resume ${run}`), stdout);
      assert.ok(existsSync(join(run, 'checkpoints', 'resume.safetensors')));
      assert.ok(rows(run).length < 6, 'it stopped before the end');

      const resumed = spawnSync(process.execPath, [CLI, 'train', '--resume', run], { encoding: 'utf8' });
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.match(resumed.stdout, /resuming (after )?generation \d, epoch \d/);
      await assertSameRun(run, join(dir, 'full'), 'CLI');
      await assertSameTensors(
        join(run, 'checkpoints', 'gen-0.safetensors'),
        join(dir, 'full', 'checkpoints', 'gen-0.safetensors'),
        'CLI: generation 0',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
