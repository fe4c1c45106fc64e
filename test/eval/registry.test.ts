// Every evaluation of the registry (timm-style: a check per entry): its options have defaults of
// their kind, its comparison sizes are options of its own, a sample result gives its metrics and
// summary, and `seal eval --help` lists every option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOptions, defaultsOf, parseOptionValue } from '../../src/config/options.js';
import { EVALUATORS, evaluationOf, findEvaluation } from '../../src/eval/registry.js';
import { EVAL_USAGE } from '../../src/cli/eval.js';
import { COMPARE_USAGE } from '../../src/cli/compare.js';
import { ConfigError } from '../../src/errors.js';

const target = { spec: 'mnist', classes: 10, train: 600, test: 500, image: '1x28x28' };
const cells = [{ classifier: 'nearest-centroid', ways: 5, shots: 1, accuracy: { mean: 0.5, halfWidth: 0.02 } }];
/** The part of each evaluation's result its metrics and summary read. */
const SAMPLES: Record<string, object> = {
  transfer: { protocol: 'linear-probe', testAccuracy: 0.91, target },
  fewshot: { target, cells },
  depth: {
    probes: ['stem', 'layer1.0'],
    numProbes: 2,
    test: { mean: 1.25, histogram: [1, 2, 3], networkAccuracy: 0.9 },
    train: { mean: 0.75 },
  },
  sharpness: { topEigenvalue: { eigenvalue: 12.5 }, trace: { trace: 40, standardError: 2 } },
};

test('every evaluation declares options with defaults of their kind, and its comparison sizes among them', () => {
  assert.deepEqual(Object.keys(EVALUATORS), ['transfer', 'fewshot', 'depth', 'sharpness']);
  for (const [kind, ev] of Object.entries(EVALUATORS)) {
    assert.ok(ev.help.length > 0, kind);
    assert.ok(Object.keys(ev.options).length > 0, kind);
    for (const [name, spec] of Object.entries(ev.options)) {
      assert.ok(spec.help.length > 0, `${kind} --${name} has help`);
      assert.notEqual(spec.default, undefined, `${kind} --${name} has a default`);
      // A default written on the command line reads back as itself.
      const raw = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
      assert.deepEqual(parseOptionValue(name, spec, raw), spec.default, `${kind} --${name}`);
    }
    assert.deepEqual(checkOptions(ev.options, {}, kind), defaultsOf(ev.options));
    for (const name of Object.keys(ev.compareOptions))
      assert.ok(name in ev.options, `${kind}: compare option ${name} is an option`);
    checkOptions(ev.options, ev.compareOptions, kind);
  }
});

test('an option of the same name means the same in every evaluation (seal eval all applies it to each)', () => {
  const seen = new Map<string, string>();
  for (const ev of Object.values(EVALUATORS)) {
    for (const [name, spec] of Object.entries(ev.options)) {
      const shape = JSON.stringify({ kind: spec.kind, min: spec.min, values: spec.values, default: spec.default });
      assert.equal(seen.get(name) ?? shape, shape, `--${name}`);
      seen.set(name, shape);
    }
  }
});

test("a sample result gives each evaluation's metrics, histogram and summary", () => {
  const metrics = (kind: string) =>
    evaluationOf(kind)
      .metrics(SAMPLES[kind] as object)
      .map((m) => [m.info.name, m.value]);
  assert.deepEqual(metrics('transfer'), [['transfer_mnist', 0.91]]);
  assert.deepEqual(metrics('fewshot'), [['fewshot_mnist_5w1s_nearest-centroid', 0.5]]);
  assert.deepEqual(metrics('depth'), [
    ['depth_test', 1.25],
    ['depth_train', 0.75],
  ]);
  assert.deepEqual(metrics('sharpness'), [
    ['sharpness_top', 12.5],
    ['sharpness_trace', 40],
  ]);
  assert.deepEqual(evaluationOf('depth').histogram?.(SAMPLES.depth as object), {
    split: 'test',
    probes: ['stem', 'layer1.0'],
    counts: [1, 2, 3],
  });
  assert.equal(evaluationOf('transfer').histogram, undefined);
  assert.equal(
    evaluationOf('transfer').summary(SAMPLES.transfer as object),
    'transfer (linear-probe) to mnist: test top-1 91.00%',
  );
  assert.equal(
    evaluationOf('fewshot').summary(SAMPLES.fewshot as object),
    '5-way 1-shot nearest-centroid: 50.00% ± 2.00',
  );
  assert.match(
    evaluationOf('depth').summary(SAMPLES.depth as object),
    /^prediction depth: test 1\.250, train 0\.750 \(of 2 probes\); network accuracy 90\.00%$/,
  );
  assert.match(
    evaluationOf('sharpness').summary(SAMPLES.sharpness as object),
    /^sharpness: top eigenvalue 12\.50, trace 40\.00 ± 2\.0$/,
  );
  // Few-shot results written before they recorded their target.
  assert.deepEqual(
    evaluationOf('fewshot')
      .metrics({ cells })
      .map((m) => m.info.name),
    ['fewshot_target_5w1s_nearest-centroid'],
  );
});

test('unknown evaluations and options read from a plan of the wrong kind are refused', () => {
  assert.equal(findEvaluation('toString'), undefined);
  assert.throws(
    () => evaluationOf('probe'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /unknown evaluation 'probe'/.test(e.message) &&
      /choose from transfer, fewshot, depth, sharpness/.test(e.message),
  );
  assert.throws(
    () => checkOptions(evaluationOf('depth').options, { k: '30' }, 'evaluation depth'),
    /evaluation depth: option k: expected an integer in \[1, 10000\], got '30'/,
  );
  assert.throws(
    () => checkOptions(evaluationOf('transfer').options, { mode: 'probes' }, 'evaluation transfer'),
    /option mode: expected one of probe, finetune/,
  );
});

test("the usage of seal eval (and seal compare's --eval) is generated from the registry", () => {
  for (const [kind, ev] of Object.entries(EVALUATORS)) {
    assert.ok(EVAL_USAGE.includes(`  ${kind.padEnd(10)} ${ev.help}\n`), kind);
    for (const [name, spec] of Object.entries(ev.options)) {
      assert.ok(
        EVAL_USAGE.includes(`--${name.padEnd(16)} ${spec.help} [${String(spec.default)}]`),
        `${kind} --${name}`,
      );
    }
  }
  assert.ok(EVAL_USAGE.includes(`[--kinds ${Object.keys(EVALUATORS).join(',')}]`));
  assert.ok(COMPARE_USAGE.includes(`[--eval ${Object.keys(EVALUATORS).join(',')}]`));
});
