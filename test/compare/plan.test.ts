// The task graph: what is shared, what depends on what, and the refusals of bad plans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPlan,
  checkPlan,
  evalFile,
  evalOptionsOf,
  settingsDiff,
  type CompareSettings,
} from '../../src/compare/plan.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { readPlan } from '../../src/compare/run-task.js';
import { ConfigError } from '../../src/errors.js';

const S: CompareSettings = {
  methods: ['normal', 'llf', 'seal'],
  seeds: [0, 1],
  generations: 3,
  evals: ['transfer', 'depth'],
  train: { epochs: 4, width: 0.25 },
  evalOptions: { transfer: evalOptionsOf('transfer', { 'limit-train': 500 }), depth: evalOptionsOf('depth', {}) },
};

test('generation 0 is trained and evaluated once per seed; every later checkpoint once', () => {
  const p = buildPlan(S);
  const kinds = (k: string) => p.tasks.filter((t) => t.kind === k);
  assert.equal(kinds('train').length, 2 + 3 * 2);
  // gen 0 once per seed + generations 1..2 of each (method, seed)
  assert.equal(kinds('evaluate').length, 2 + 3 * 2 * 2);
  assert.equal(kinds('report').length, 1);
  const seal = p.tasks.find((t) => t.id === 'train-seal-s1');
  assert.ok(seal?.kind === 'train');
  assert.deepEqual(seal.deps, ['train-gen0-s1']);
  assert.deepEqual(seal.fork, { from: 'runs/gen0-s1', generation: 0 });
  assert.equal(seal.config.method, 'seal');
  const g0 = p.tasks.find((t) => t.id === 'train-gen0-s1');
  assert.ok(g0?.kind === 'train');
  assert.equal(g0.untilGeneration, 1);
  assert.equal(g0.config.generations, 3, "the schedule keeps the comparison's generations");
  // Resolved when the plan is made: every key is there, typed, and the worker resolves nothing.
  assert.equal(g0.config.epochs, 4);
  assert.equal(g0.config.ascentEpochs, 1, 'k = E/4, resolved');
  assert.equal(g0.config.seed, 1);
  assert.equal('out' in g0.config || 'threads' in g0.config, false, 'the worker sets out and threads');
  const ev = p.tasks.find((t) => t.id === 'eval-seal-s0-g2');
  assert.ok(ev?.kind === 'evaluate');
  assert.deepEqual(ev.deps, ['train-seal-s0']);
  assert.equal(ev.evals[0]?.options['limit-train'], 500);
  assert.equal(ev.evals[0]?.options.target, 'mnist', 'defaults are filled in');
  assert.equal(evalFile(S, 'llf', 1, 0, 'depth'), 'evals/gen0-s1/gen-0.depth.json');
  assert.equal(evalFile(S, 'llf', 1, 2, 'depth'), 'evals/llf-s1/gen-2.depth.json');
  assert.deepEqual(p.tasks.find((t) => t.id === 'report')?.deps.length, p.tasks.length - 1);
  // Every dependency precedes its task, so the plan runs in its own order.
  p.tasks.forEach((t, i) =>
    t.deps.forEach((d) => assert.ok(p.tasks.findIndex((x) => x.id === d) < i, `${d} before ${t.id}`)),
  );
});

test('unknown evaluation options and edited plans are refused, naming what differs', () => {
  assert.throws(
    () => evalOptionsOf('transfer', { shots: 3 }),
    (e: unknown) => e instanceof ConfigError && /evaluation transfer: unknown option shots/.test(e.message),
  );
  assert.throws(() => evalOptionsOf('probe', {}), /unknown evaluation 'probe'/);
  const p = buildPlan(S);
  const edited = JSON.parse(JSON.stringify(p)) as typeof p;
  const t = edited.tasks.find((x) => x.id === 'train-llf-s0');
  if (t?.kind === 'train') t.config.lr = 0.5;
  assert.throws(
    () => checkPlan(edited, 'DIR/plan.json'),
    /DIR\/plan\.json: task train-llf-s0 differs from what the plan's settings give/,
  );
  assert.throws(() => checkPlan({ format: 'other' }, 'DIR/plan.json'), /is not a seal plan/);
  assert.deepEqual(settingsDiff(S, { ...S, seeds: [0, 1, 2], train: { ...S.train, epochs: 6 } }), [
    'seeds: [0,1] vs [0,1,2]',
    'train.epochs: 4 vs 6',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'seal-plan-'));
  try {
    const layout = new CompareLayout(dir);
    assert.throws(() => readPlan(layout), /has no plan\.json/);
    writeFileSync(layout.planFile, '{"format": ');
    assert.throws(() => readPlan(layout), /plan\.json is not valid JSON/);
    writeFileSync(layout.planFile, JSON.stringify(p));
    assert.equal(readPlan(layout).tasks.length, p.tasks.length);
    assert.ok(readFileSync(layout.planFile, 'utf8').length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
