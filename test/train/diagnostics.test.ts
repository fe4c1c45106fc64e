// The per-epoch measurements in metrics rows: each side's relative displacement is what a direct
// computation from the weights before and after the epoch gives, a side that does not train
// moves by exactly 0, and the probe loss before and after the ascent sits on the ascent's first
// and last rows for SEAL, nowhere for normal training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULTS,
  evaluate,
  loadSafetensors,
  noGrad,
  saveSafetensors,
  setNumThreads,
  train,
  type EpochRow,
  type MethodName,
  type Module,
  type Split,
  type Tensor,
} from '../../src/index.js';
import { BatchLoader } from '../../src/data/loader.js';
import { stratifiedSubset } from '../../src/data/image-set.js';
import { deriveSeed } from '../../src/rng.js';
import { Progress } from '../../src/cli/progress.js';
import { tinyData } from '../support/tiny-data.js';

const SMALL = {
  model: 'resnet18-cifar',
  width: 0.125,
  generations: 2,
  epochs: 3,
  batchSize: 32,
  evalInterval: 1,
  cropPadding: 1,
  ascentEpochs: 2,
  seed: 7,
  threads: 1,
} as const;
const data = () => tinyData({ train: 160, test: 48 });

/** Every parameter as float64, by name. */
const snapshot = (model: Module): Map<string, Tensor> =>
  noGrad(() => new Map(model.namedParameters().map(([n, p]) => [n, p.to({ dtype: 'float64' })])));

/** ‖w − w0‖ / ‖w0‖ over one side, with libtorch's float64 sums. */
function direct(side: Split['early'], before: Map<string, Tensor>, after: Map<string, Tensor>): number {
  let moved = 0,
    size = 0;
  for (const [n] of side) {
    const [a, b] = [before.get(n) as Tensor, after.get(n) as Tensor];
    moved += b.sub(a).square().sum().item();
    size += a.square().sum().item();
  }
  return Math.sqrt(moved / size);
}

const free = (m: Map<string, Tensor>) => {
  for (const t of m.values()) t.dispose();
};

test('the displacement of each side is ‖w_end − w_start‖ / ‖w_start‖ over the epoch, every epoch', async () => {
  setNumThreads(1);
  let model: Module | null = null,
    split: Split | null = null,
    last: Map<string, Tensor> | null = null;
  const seen: { row: EpochRow; early: number; late: number }[] = [];
  const r = await train(
    { ...SMALL, method: 'seal' },
    {
      data: data(),
      // The re-initialisation-free SEAL: an epoch starts where the one before it ended.
      onStart: (i) => {
        model = i.model;
        split = i.split;
        last = snapshot(i.model);
      },
      onEpoch: (row) => {
        const now = snapshot(model as Module);
        const s = split as Split,
          before = last as Map<string, Tensor>;
        seen.push({ row, early: direct(s.early, before, now), late: direct(s.late, before, now) });
        free(before);
        last = now;
      },
    },
  );
  free(last as unknown as Map<string, Tensor>);
  r.model.dispose();
  assert.equal(seen.length, SMALL.generations * SMALL.epochs);
  for (const { row, early, late } of seen) {
    const at = `generation ${row.generation}, epoch ${row.epoch}`;
    assert.ok(early > 0 && late > 0, at);
    assert.ok(
      Math.abs((row.displacement.early as number) - early) <= 1e-12 * early,
      `${at}: early ${row.displacement.early} vs ${early}`,
    );
    assert.ok(
      Math.abs((row.displacement.late as number) - late) <= 1e-12 * late,
      `${at}: late ${row.displacement.late} vs ${late}`,
    );
  }
});

test("a side with lr 0 moves by exactly 0: freeze-late's later layers during the ascent", async () => {
  setNumThreads(1);
  const r = await train({ ...SMALL, method: 'freeze-late' }, { data: data() });
  r.model.dispose();
  for (const row of r.rows) {
    const frozen = row.phase === 'ascent';
    assert.equal(
      row.displacement.late === 0,
      frozen,
      `generation ${row.generation}, epoch ${row.epoch}: late ${row.displacement.late}`,
    );
    assert.ok((row.displacement.early as number) > 0);
  }
});

/** The probe loss as documented: 512 training images from the seed's 'probe' stream, eval mode, plain cross-entropy. */
function probe(model: Module, d: ReturnType<typeof data>): number {
  const set = stratifiedSubset(d.train, 512, deriveSeed(SMALL.seed, 'probe'));
  assert.equal(set.count, Math.min(512, d.train.count));
  return evaluate(model, new BatchLoader(set, { batchSize: DEFAULTS.evalBatchSize, mean: d.mean, std: d.std })).loss;
}

for (const [method, ascentEpochs] of [
  ['seal', 2],
  ['seal', 1],
  ['normal', 2],
] as [MethodName, number][]) {
  test(`${method} (k = ${ascentEpochs}): the probe loss before and after the ascent is on the right rows, and only there`, async () => {
    setNumThreads(1);
    // More images than the probe holds, so the probe is a proper subset.
    const d = tinyData({ train: 640, test: 48 });
    let model: Module | null = null,
      endOfZero = NaN,
      afterAscent = NaN;
    const r = await train(
      { ...SMALL, method, ascentEpochs },
      {
        data: d,
        onStart: (i) => {
          model = i.model;
        },
        onGeneration: ({ generation }) => {
          if (generation === 0) endOfZero = probe(model as Module, d);
        },
        onEpoch: (row) => {
          if (row.generation === 1 && row.epoch === ascentEpochs - 1) afterAscent = probe(model as Module, d);
        },
      },
    );
    r.model.dispose();
    for (const row of r.rows) {
      const ascent = method !== 'normal' && row.generation === 1;
      const before = ascent && row.epoch === 0 ? endOfZero : null;
      const after = ascent && row.epoch === ascentEpochs - 1 ? afterAscent : null;
      assert.deepEqual(
        [row.probeLossBefore, row.probeLossAfter],
        [before, after],
        `generation ${row.generation}, epoch ${row.epoch}`,
      );
    }
    if (method !== 'normal')
      assert.ok(Number.isFinite(endOfZero) && Number.isFinite(afterAscent) && endOfZero !== afterAscent);
  });
}

test("a resume point inside an epoch written without the epoch's start gives null displacements for that epoch only", async () => {
  setNumThreads(1);
  const dir = mkdtempSync(join(tmpdir(), 'seal-diagnostics-'));
  try {
    const full = await train({ ...SMALL, method: 'seal', out: join(dir, 'full') }, { data: data() });
    full.model.dispose();
    const run = join(dir, 'stopped');
    let stop = false;
    const stopped = await train(
      { ...SMALL, method: 'seal', out: run },
      {
        data: data(),
        onBatch: ({ generation, epoch, batch }) => {
          stop = generation === 1 && epoch === 0 && batch === 2;
        },
        stopRequested: () => stop,
      },
    );
    stopped.model.dispose();
    assert.deepEqual(stopped.stopped, { generation: 1, epoch: 0, batch: 3 });
    const file = join(run, 'checkpoints', 'resume.safetensors');
    const { tensors, metadata } = await loadSafetensors(file);
    const { epochStart, ...older } = metadata;
    assert.ok(
      epochStart !== undefined && [...tensors.keys()].some((k) => k.startsWith('epochStart.')),
      'the resume point keeps the epoch start',
    );
    await saveSafetensors(
      file,
      [...tensors].filter(([k]) => !k.startsWith('epochStart.')),
      older,
    );
    for (const t of tensors.values()) t.dispose();
    const resumed = await train([], { resume: run, data: data() });
    resumed.model.dispose();
    const strip = ({ seconds, trainSeconds, dataSeconds, displacement, probeLossBefore, ...rest }: EpochRow) => rest;
    assert.deepEqual(resumed.rows.map(strip), full.rows.map(strip), 'training itself is unchanged');
    resumed.rows.forEach((row, i) => {
      const lost = row.generation === 1 && row.epoch === 0;
      assert.deepEqual(row.displacement, lost ? { early: null, late: null } : full.rows[i]?.displacement);
      assert.equal(row.probeLossBefore, lost ? null : full.rows[i]?.probeLossBefore);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("seal train's epoch line shows each side's displacement, and the probe loss where the ascent starts or ends", () => {
  const lines: string[] = [];
  const out = {
    isTTY: false,
    write: (s: string) => {
      lines.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const progress = new Progress(out, 2, 3, 5, 0);
  const row: EpochRow = {
    generation: 1,
    epoch: 0,
    phase: 'ascent',
    lr: { late: 0.1, early: -0.001 },
    trainLoss: 1.2,
    trainAcc: 0.5,
    testTop1: null,
    testTop5: null,
    displacement: { early: 3.14e-4, late: 0.0222 },
    probeLossBefore: 0.41234,
    probeLossAfter: null,
    seconds: 1,
    trainSeconds: 1,
    dataSeconds: 0,
  };
  progress.epoch(row);
  progress.epoch({
    ...row,
    epoch: 1,
    displacement: { early: null, late: 0 },
    probeLossBefore: null,
    probeLossAfter: 0.5,
  });
  progress.epoch({ ...row, epoch: 2, phase: 'descent', probeLossBefore: null });
  assert.match(lines[0]!, / {2}Δw early 3\.1e-4 late 2\.2e-2 {2}probe loss before 0\.4123 {2}1\.0s\n$/);
  assert.match(lines[1]!, / {2}Δw early - late 0\.0e\+0 {2}probe loss after 0\.5000 {2}1\.0s\n$/);
  assert.match(lines[2]!, / {2}Δw early 3\.1e-4 late 2\.2e-2 {2}1\.0s\n$/);
});
