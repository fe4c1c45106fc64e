// The contract every entry of METHODS keeps (a new method is covered by adding it to the
// registry), then the plans method.md §3-§5 prescribes for each method at a few epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, createModel, splitParameters, resolveConfig, METHODS, type Tensor } from '../../src/index.js';
import { METHOD_NAMES, type MethodName, type ResolvedConfig } from '../../src/config/schema.js';
import { DESCEND, NORMAL_EPOCH, type EpochPlan, type GroupPlan } from '../../src/methods/hooks.js';
import { METHOD_ENTRIES } from '../../src/methods/registry.js';

// E = 8 gives k = E/4 = 2 ascent epochs; S and the wd multiplier are the reference's -0.01 and 0.
const E = 8,
  K = 2,
  G = 4;
const config = (method: MethodName): ResolvedConfig =>
  resolveConfig([{ source: 'test', values: { method, epochs: E } }]);
const SEAL_LIKE: MethodName[] = ['seal', 'llf+seal', 'reverse', 'freeze-late'];

/** The fields the loop acts on (a plan may carry more, e.g. hints for reports). */
const core = (p: EpochPlan) => ({
  early: { ...p.early },
  late: { ...p.late },
  resetOptimizer: p.resetOptimizer,
  phase: p.phase,
});
const ASCEND: GroupPlan = { lrMultiplier: -0.01, wdMultiplier: 0 };
const normal = core(NORMAL_EPOCH);

function plans(method: MethodName): EpochPlan[][] {
  const m = METHODS[method](config(method));
  return Array.from({ length: G }, (_, g) =>
    Array.from({ length: E }, (_, e) => m.planEpoch({ generation: g, epoch: e })),
  );
}

test('the registry holds exactly the configurable methods, each under its own name', () => {
  assert.deepEqual(Object.keys(METHODS).sort(), [...METHOD_NAMES].sort());
  assert.ok(Object.isFrozen(METHODS));
  for (const name of METHOD_NAMES) assert.equal(METHODS[name](config(name)).name, name);
});

for (const name of METHOD_NAMES) {
  test(`${name}: planEpoch is pure, finite, starts as normal training, and its phases match its lr signs`, () => {
    const m = METHODS[name](config(name));
    const forward = plans(name);
    // Asked again, in reverse order and of another instance: the same plans.
    for (let g = G - 1; g >= 0; g--) {
      for (let e = E - 1; e >= 0; e--) {
        assert.deepEqual(m.planEpoch({ generation: g, epoch: e }), forward[g]?.[e], `generation ${g}, epoch ${e}`);
      }
    }
    assert.deepEqual(plans(name), forward, 'a second instance plans alike');

    if (METHOD_ENTRIES[name].ownGenerationZero !== true) {
      for (let e = 0; e < E; e++) {
        assert.deepEqual(core(forward[0]?.[e] as EpochPlan), normal, `generation 0, epoch ${e} is normal training`);
      }
    }
    forward.forEach((gen, g) =>
      gen.forEach((p, e) => {
        const at = `generation ${g}, epoch ${e}`;
        for (const side of [p.early, p.late]) {
          assert.ok(
            Number.isFinite(side.lrMultiplier) && Number.isFinite(side.wdMultiplier),
            `${at}: finite multipliers`,
          );
          assert.ok(side.wdMultiplier >= 0, `${at}: a negative weight decay would push weights away from 0 in descent`);
        }
        const ascends = p.early.lrMultiplier < 0 || p.late.lrMultiplier < 0;
        assert.equal(
          p.phase,
          ascends ? 'ascent' : 'descent',
          `${at}: phase '${p.phase}' with lr multipliers ${p.early.lrMultiplier}, ${p.late.lrMultiplier}`,
        );
      }),
    );
  });

  test(`${name}: the ascent is a prefix of a generation, and the optimizer resets exactly at its end`, () => {
    plans(name).forEach((gen, g) => {
      const ascent = gen.findIndex((p) => p.phase !== 'ascent');
      const length = ascent < 0 ? E : ascent;
      gen.forEach((p, e) => {
        assert.equal(p.phase === 'ascent', e < length, `generation ${g}, epoch ${e}: ascent epochs come first`);
        // The loop itself resets at every generation start; a method resets at the switch only.
        assert.equal(p.resetOptimizer, length > 0 && e === length, `generation ${g}, epoch ${e}: resetOptimizer`);
      });
      if (SEAL_LIKE.includes(name)) assert.equal(length, g === 0 ? 0 : K, `generation ${g}: k = ${K} ascent epochs`);
      else assert.equal(length, 0, `${name} never ascends`);
    });
  });
}

test('SEAL (method.md §3): early layers ascend at S·lr with wd × 0 for k epochs of every generation >= 1', () => {
  const p = plans('seal');
  for (const g of [1, 2, 3]) {
    for (let e = 0; e < K; e++) {
      assert.deepEqual(core(p[g]?.[e] as EpochPlan), {
        early: ASCEND,
        late: { ...DESCEND },
        resetOptimizer: false,
        phase: 'ascent',
      });
    }
    assert.deepEqual(
      core(p[g]?.[K] as EpochPlan),
      { ...normal, resetOptimizer: true },
      `generation ${g}, epoch k: descent after a momentum reset`,
    );
    assert.deepEqual(core(p[g]?.[K + 1] as EpochPlan), normal);
    assert.deepEqual(core(p[g]?.[E - 1] as EpochPlan), normal);
  }
  assert.deepEqual(plans('llf+seal'), p, 'llf+seal plans its epochs as seal does (it differs at generation start)');
});

test('the ablations (method.md §2, §8): reverse ascends the later layers, freeze-late leaves them out', () => {
  const rev = plans('reverse'),
    frz = plans('freeze-late');
  assert.deepEqual(core(rev[1]?.[0] as EpochPlan), {
    early: { ...DESCEND },
    late: ASCEND,
    resetOptimizer: false,
    phase: 'ascent',
  });
  assert.deepEqual(core(frz[1]?.[1] as EpochPlan), {
    early: ASCEND,
    late: { lrMultiplier: 0, wdMultiplier: 0 },
    resetOptimizer: false,
    phase: 'ascent',
  });
  for (const p of [rev, frz]) assert.deepEqual(core(p[2]?.[K] as EpochPlan), { ...normal, resetOptimizer: true });
});

test('normal, LLF and KE descend everywhere with the whole net (method.md §4.3, §5, §4.4)', () => {
  for (const name of ['normal', 'llf', 'ke'] as MethodName[]) {
    for (const gen of plans(name)) for (const p of gen) assert.deepEqual(core(p), normal, name);
  }
});

test('S and the wd multiplier come from the config', () => {
  const values = { method: 'seal', epochs: 8, ascentLrMultiplier: -0.5, ascentWdMultiplier: 0.25 };
  const m = METHODS.seal(resolveConfig([{ source: 'test', values }]));
  assert.deepEqual({ ...m.planEpoch({ generation: 1, epoch: 0 }).early }, { lrMultiplier: -0.5, wdMultiplier: 0.25 });
});

// ------------------------------------------------------------------------------------------
// onGenerationStart on a tiny model.

function tinyModel() {
  return createModel({
    model: 'resnet18-cifar',
    width: 0.125,
    inChannels: 1,
    numClasses: 4,
    device: 'cpu',
    generator: new Generator(0),
  });
}

/** Every state entry (parameters and BatchNorm buffers) before and after one generation start. */
function generationStart(name: MethodName, generation = 1, seed = 0) {
  const model = tinyModel();
  const split = splitParameters(model, 'layer3');
  const values = () => new Map(model.stateEntries().map(([n, t]: [string, Tensor]) => [n, t.toNumbers()]));
  const before = values();
  METHODS[name](config(name)).onGenerationStart?.({ generation, model, split, seed });
  const after = values();
  const early = split.early.map(([n]) => n),
    late = split.late.map(([n]) => n);
  model.dispose();
  return { before, after, early, late };
}

test('methods that forget nothing leave every weight and BatchNorm statistic as it was', () => {
  for (const name of ['normal', 'seal', 'reverse', 'freeze-late'] as MethodName[]) {
    const { before, after } = generationStart(name);
    assert.deepEqual(after, before, name);
  }
});

for (const name of ['llf', 'llf+seal'] as MethodName[]) {
  test(`${name}: a generation start re-initialises the later conv and fc weights only (method.md §4.2)`, () => {
    const { before, after, early, late } = generationStart(name);
    assert.ok(early.length > 0 && late.length > 0);
    for (const n of early) assert.deepEqual(after.get(n), before.get(n), `early ${n} is kept`);
    const redrawn = late.filter((n) => /(conv\d|downsample\.0|fc)\.weight$/.test(n));
    for (const n of ['layer3.0.conv1.weight', 'layer4.0.downsample.0.weight', 'fc.weight'])
      assert.ok(redrawn.includes(n), n);
    for (const n of redrawn) {
      const a = after.get(n) as number[],
        b = before.get(n) as number[];
      assert.ok(
        a.every((v, i) => v !== b[i]),
        `late ${n} is redrawn everywhere`,
      );
    }
    for (const n of late.filter((x) => !redrawn.includes(x))) {
      assert.deepEqual(after.get(n), before.get(n), `${n} (BatchNorm or fc.bias) is kept`);
    }
    for (const n of [...before.keys()].filter((x) => /running_(mean|var)|num_batches_tracked/.test(x))) {
      assert.deepEqual(after.get(n), before.get(n), `${n}: running statistics are kept`);
    }
    // U(±1/√fan_in): fc has 64 inputs at width 1/8, layer3's first conv 16·3·3.
    assert.ok((after.get('fc.weight') as number[]).every((v) => Math.abs(v) <= 1 / 8));
    assert.ok((after.get('layer3.0.conv1.weight') as number[]).every((v) => Math.abs(v) <= 1 / Math.sqrt(144)));
    // The draws come from (seed, generation): the same again, other ones at another generation or seed.
    assert.deepEqual(generationStart(name).after.get('fc.weight'), after.get('fc.weight'));
    assert.notDeepEqual(generationStart(name, 2).after.get('fc.weight'), after.get('fc.weight'));
    assert.notDeepEqual(generationStart(name, 1, 1).after.get('fc.weight'), after.get('fc.weight'));
  });
}

test('ke: a generation start redraws part of the early layers too, and keeps BatchNorm', () => {
  const { before, after } = generationStart('ke');
  assert.notDeepEqual(
    after.get('conv1.weight'),
    before.get('conv1.weight'),
    'KE splits the whole net, the stem included',
  );
  assert.notDeepEqual(after.get('layer1.0.conv1.weight'), before.get('layer1.0.conv1.weight'));
  for (const n of [...before.keys()].filter((x) => /bn\d?\.|downsample\.1\./.test(x)))
    assert.deepEqual(after.get(n), before.get(n), n);
});
