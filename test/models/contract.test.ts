// Contract: every registered model keeps the Classifier contract (groups that hold every parameter
// once, features → head = forward, intermediates from the same pass) and goes through the whole
// pipeline: two generations of SEAL and of LLF, a checkpoint, loading it back as the same model,
// and every evaluation, at tiny sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULTS,
  Generator,
  MODELS,
  MODEL_NAMES,
  fewShotEval,
  fineTune,
  groupParameters,
  linearProbe,
  liveTensors,
  loadModelCheckpoint,
  noGrad,
  predictionDepth,
  randn,
  setNumThreads,
  sharpness,
  splitParameters,
  tidy,
  train,
  type Classifier,
  type ModelName,
} from '../../src/index.js';
import { tinyData } from '../support/tiny-data.js';

// One thread: the tiny models gain nothing from more, and a busy machine makes more much slower.
setNumThreads(1);

const finite = (xs: number[]) => xs.every((v) => Number.isFinite(v));
const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

test('the registry lists every model name the config accepts', () => {
  assert.deepEqual(Object.keys(MODELS).sort(), [...MODEL_NAMES].sort());
});

/** The structure every Classifier declares, checked on a fresh model. */
function checkStructure(name: ModelName, model: Classifier): void {
  const params = model.namedParameters().map(([n]) => n);
  const groups = model.layerGroups();
  assert.deepEqual(
    groups.flatMap(groupParameters).map(([n]) => n),
    params,
    `${name}: the groups hold every parameter once, in order`,
  );
  assert.ok(
    groups.every((g) => g.modules.length > 0),
    `${name}: no empty group`,
  );
  assert.equal(new Set(groups.map((g) => g.name)).size, groups.length, `${name}: group names are unique`);
  const targets = model.reinitTargets(model.namedParameters()).map(([n]) => n);
  assert.ok(
    targets.length > 0 && targets.every((n) => n.endsWith('.weight') && params.includes(n)),
    `${name}: re-initialisation targets`,
  );
  const split = splitParameters(model, DEFAULTS.splitAt);
  assert.ok(
    split.early.length > 0 && split.late.length > 0,
    `${name}: both sides of the default split hold parameters`,
  );

  model.eval();
  tidy(() =>
    noGrad(() => {
      const x = randn([3, 1, 8, 8], { generator: new Generator(4) });
      const features = model.forwardFeatures(x);
      assert.deepEqual(features.shape, [3, model.featureDim]);
      const logits = model.forward(x);
      assert.deepEqual(logits.shape, [3, 4]);
      assert.ok(
        maxDiff(model.forwardHead(features).toNumbers(), logits.toNumbers()) < 1e-5,
        `${name}: forwardHead(forwardFeatures(x)) = forward(x)`,
      );
      const inter = model.intermediates(x);
      assert.equal(inter.activations.length, model.intermediateNames().length);
      assert.ok(
        inter.activations.every((a) => a.ndim === 4 && a.shape[0] === 3),
        `${name}: activations are [B, C, H, W] maps`,
      );
      assert.ok(
        maxDiff(inter.features.toNumbers(), features.toNumbers()) < 1e-5,
        `${name}: intermediates' features = forwardFeatures`,
      );
    }),
  );
  model.train();
}

for (const name of MODEL_NAMES) {
  test(`${name}: contract, then train → checkpoint → load → every evaluation`, async () => {
    const fresh = MODELS[name]({
      model: name,
      width: 0.125,
      inChannels: 1,
      numClasses: 4,
      device: 'cpu',
      generator: new Generator(0),
    });
    checkStructure(name, fresh);
    fresh.dispose();

    const data = tinyData({ train: 96, test: 32 });
    const target = tinyData({ classes: 3, size: 6, train: 60, test: 60, seed: 21 });
    const dir = mkdtempSync(join(tmpdir(), 'seal-contract-'));
    try {
      for (const method of ['seal', 'llf'] as const) {
        const out = join(dir, method);
        const r = await train(
          {
            method,
            model: name,
            width: 0.125,
            generations: 2,
            epochs: 2,
            ascentEpochs: 1,
            batchSize: 32,
            evalInterval: 1,
            cropPadding: 1,
            seed: 3,
            threads: 1,
            out,
          },
          { data },
        );
        assert.equal(r.rows.length, 4);
        assert.ok(
          r.rows.every((row) => Number.isFinite(row.trainLoss) && row.testTop1 !== null),
          `${name} ${method}: finite losses, every epoch evaluated`,
        );
        if (method === 'seal')
          assert.deepEqual(
            r.rows.map((row) => row.phase),
            ['descent', 'descent', 'ascent', 'descent'],
          );

        const ckpt = await loadModelCheckpoint(join(out, 'checkpoints', 'gen-1.safetensors'));
        try {
          assert.equal(
            ckpt.model.constructor,
            r.model.constructor,
            `${name}: the checkpoint rebuilds the model it was written from`,
          );
          const trained = new Map(r.model.stateEntries());
          for (const [n, t] of ckpt.model.stateEntries())
            assert.deepEqual(t.toNumbers(), trained.get(n)?.toNumbers(), `${name}: ${n}`);
          r.model.dispose();
          if (method === 'llf') continue;

          const live = liveTensors();
          const probe = linearProbe(ckpt, target, { l2Grid: [1e-2, 1], batchSize: 32 });
          assert.equal(probe.counts.features, ckpt.model.featureDim);
          assert.ok(probe.testAccuracy >= 0 && probe.testAccuracy <= 1);

          const fs = fewShotEval(ckpt, target, { ways: 3, shots: [1, 5], queries: 5, episodes: 6, seed: 1 });
          assert.deepEqual(
            fs.cells.map((c) => `${c.classifier}/${c.shots}`),
            ['nearest-centroid/1', 'logistic/1', 'nearest-centroid/5', 'logistic/5'],
          );
          assert.ok(finite(fs.cells.map((c) => c.accuracy.mean)));

          const pd = predictionDepth(ckpt.model, data, ckpt.source, {
            k: 5,
            supportSize: 64,
            testSize: 16,
            seed: 2,
            batchSize: 32,
          });
          assert.deepEqual(pd.probes, ckpt.model.intermediateNames());
          assert.equal(pd.numProbes, pd.probes.length);
          assert.equal(pd.test.count, 16);
          assert.equal(pd.test.histogram.length, pd.numProbes + 1);
          assert.ok(pd.test.depths.every((d) => d >= 0 && d <= pd.numProbes));

          const sh = sharpness(ckpt.model, data.train, ckpt.source, {
            sampleSize: 32,
            batchSize: 32,
            maxIterations: 3,
            tolerance: 0,
            traceSamples: 2,
            seed: 3,
          });
          assert.equal(
            sh.parameterCount,
            ckpt.model.parameters().reduce((s, p) => s + p.size, 0),
          );
          assert.ok(finite([sh.loss, sh.topEigenvalue.eigenvalue, sh.trace.trace]));
          assert.equal(liveTensors(), live, `${name}: the evaluations leave no tensors behind`);

          const { result, model } = await fineTune(ckpt, target, { epochs: 1, batchSize: 32, padding: 0, seed: 3 });
          assert.equal(model.constructor, ckpt.model.constructor);
          assert.equal(result.epochs.length, 1);
          assert.ok(finite([result.epochs[0]!.trainLoss, result.testTop1]));
          tidy(() => assert.deepEqual(model.forward(randn([2, 1, 8, 8])).shape, [2, 3]));
          model.dispose();
        } finally {
          ckpt.model.dispose();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
