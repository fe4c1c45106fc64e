// A method's run forked from the shared generation 0 is bit-identical to training that method
// from scratch (same thread count): every weight and buffer after the last generation, and
// every metrics row but the timings. Checked for every method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, setNumThreads, train, type EpochRow } from '../../src/index.js';
import { METHOD_NAMES } from '../../src/config/schema.js';
import { CompareLayout, runName } from '../../src/io/compare-dir.js';
import { buildPlan, type CompareSettings, type TrainSettings } from '../../src/compare/plan.js';
import { runTask } from '../../src/compare/run-task.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
const TRAIN: TrainSettings = {
  dataset: 'fashion-mnist',
  model: 'resnet18-cifar',
  width: 0.125,
  generations: 3,
  epochs: 2,
  batchSize: 64,
  limitTrain: 256,
  limitTest: 128,
  evalInterval: 1,
  ascentEpochs: 1,
  cropPadding: 2,
};
const stable = ({ seconds, trainSeconds, dataSeconds, ...rest }: EpochRow) => rest;
const rows = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => stable(JSON.parse(l) as EpochRow));

test(
  'every method forked from the shared generation 0 equals the method trained from scratch, bit for bit',
  { skip: fashion },
  async () => {
    setNumThreads(1);
    const dir = mkdtempSync(join(tmpdir(), 'seal-fork-'));
    try {
      const settings: CompareSettings = {
        methods: [...METHOD_NAMES],
        seeds: [3],
        generations: 3,
        evals: [],
        train: TRAIN,
        evalOptions: {},
      };
      const plan = buildPlan(settings);
      const layout = new CompareLayout(join(dir, 'cmp'));
      assert.equal(
        plan.tasks.filter((t) => t.kind === 'train').length,
        METHOD_NAMES.length + 1,
        'generation 0 once, then one run per method',
      );
      for (const t of plan.tasks.filter((x) => x.kind === 'train')) {
        await runTask(layout, plan, t.id, { line: () => undefined, report: async () => undefined });
      }
      for (const method of METHOD_NAMES) {
        const scratch = join(dir, `scratch-${runName(method, 3)}`);
        const r = await train({ ...TRAIN, method, seed: 3, out: scratch } as never);
        r.model.dispose();
        const forked = layout.runDir(method, 3);
        assert.deepEqual(rows(forked), rows(scratch), `${method}: metrics rows`);
        const a = await loadSafetensors(join(forked, 'checkpoints', 'gen-2.safetensors'));
        const b = await loadSafetensors(join(scratch, 'checkpoints', 'gen-2.safetensors'));
        assert.deepEqual([...a.tensors.keys()], [...b.tensors.keys()]);
        for (const [name, t] of a.tensors) {
          const u = b.tensors.get(name);
          assert.ok(u, name);
          assert.deepEqual(t.toArray(), u.toArray(), `${method}: ${name} differs`);
        }
        for (const t of [...a.tensors.values(), ...b.tensors.values()]) t.dispose();
        assert.deepEqual(
          JSON.parse(readFileSync(join(forked, 'summary.json'), 'utf8')),
          JSON.parse(readFileSync(join(scratch, 'summary.json'), 'utf8')),
          `${method}: summary`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
