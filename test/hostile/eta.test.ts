// Case 17 of hostile input round 2: a comparison gives an ETA from its start, made from the
// throughput measured when it started, corrected as tasks finish, and says how sure it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { buildPlan } from '../../src/compare/plan.js';
import { settingsOf } from '../../src/compare/run-comparison.js';
import { priorSeconds, type Prior, type TaskStatus } from '../../src/compare/task-status.js';
import { planPrior } from '../../src/compare/estimate.js';
import { eta } from '../../src/cli/compare-progress.js';
import { seal } from './support.js';

const settings = settingsOf({
  out: 'unused',
  methods: ['normal', 'seal'],
  seeds: [0, 1],
  evals: ['depth'],
  train: { model: 'small-cnn', width: 0.25, generations: 3, epochs: 2, limitTrain: 512, batchSize: 64 },
});
const plan = buildPlan(settings);
const waiting = (): TaskStatus[] =>
  plan.tasks.map((task) => ({ task, state: 'waiting', detail: '', seconds: null, log: null }));

test('case 17: before any task has finished the ETA comes from the prior and says it is rough', () => {
  const none = eta(waiting(), 3, 2);
  assert.equal(none.seconds, null);
  assert.match(none.basis, /known once a task has finished/);
  const prior: Prior = { secondsPerEpoch: 3, epochs: 2 };
  const first = eta(waiting(), 3, 2, prior);
  const total = plan.tasks.reduce((a, t) => a + priorSeconds(t, prior), 0);
  assert.ok(total > 0);
  assert.equal(first.seconds, total / 2);
  assert.equal(first.basis, 'rough: from the throughput measured at the start');
  // A training task of generation 0 trains 1 generation x 2 epochs; a method's run the other 2.
  const gen0 = plan.tasks.find((t) => t.id === 'train-gen0-s0');
  const later = plan.tasks.find((t) => t.id === 'train-seal-s0');
  assert.ok(gen0 && later);
  assert.equal(priorSeconds(gen0, prior), 6);
  assert.equal(priorSeconds(later, prior), 12);
});

test('case 17: finished tasks correct the prior, and the ETA says from how many', () => {
  const prior: Prior = { secondsPerEpoch: 3, epochs: 2 };
  // Generation 0 took twice the prior: every class still unmeasured is scaled by 2.
  const st = waiting().map((s) =>
    s.task.id.startsWith('train-gen0-') ? { ...s, state: 'done' as const, seconds: 12 } : s,
  );
  const corrected = eta(st, 3, 1, prior);
  assert.match(corrected.basis, /^rough: the throughput measured at the start, corrected by 2 finished tasks$/);
  const evals = st.filter((s) => s.task.kind === 'evaluate').length;
  const trains = st.filter((s) => s.task.kind === 'train' && s.state !== 'done').length;
  // Method runs: the generation-0 mean (12 s) x their 2 generations; evaluations: 2 x the prior's epoch; report: 2 s.
  assert.equal(corrected.seconds, trains * 24 + evals * 6 + 2);
  // Once every class has a finished task, the prior no longer counts.
  const measured = st.map((s) =>
    s.task.id === 'train-seal-s0' || s.task.id === 'eval-gen0-s0-g0' ? { ...s, state: 'done' as const, seconds: 5 } : s,
  );
  const sure = eta(measured, 3, 1, prior);
  assert.match(sure.basis, /^from \d+ finished tasks$/);
});

test('case 17: planPrior measures an epoch of the plan on this machine; seal status shows the rough ETA', (t) => {
  const prior = planPrior(plan);
  assert.ok(prior !== null);
  assert.equal(prior.epochs, 2);
  // A plan of named arms (a sweep's cells): the prior trains the first arm's method, not its name.
  const cells = settingsOf({
    out: 'unused',
    methods: [],
    arms: [{ name: 'seal,ascent-epochs=1', method: 'seal', overrides: { ascentEpochs: 1 } }],
    seeds: [0],
    evals: [],
    train: { model: 'small-cnn', width: 0.25, generations: 2, epochs: 3, limitTrain: 256, batchSize: 64 },
  });
  assert.equal(planPrior(buildPlan(cells))?.epochs, 3);
  assert.ok(prior.secondsPerEpoch > 0 && Number.isFinite(prior.secondsPerEpoch), String(prior.secondsPerEpoch));
  const { dir, cleanup } = tempDir('hostile-eta');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  const layout = new CompareLayout(out);
  layout.create(settings, plan);
  const before = seal(['status', out]);
  assert.equal(before.status, 0, before.stderr);
  assert.match(before.stdout.split('\n')[0] ?? '', /; ETA \? \(known once a task has finished\)$/);
  layout.writeThroughput({ secondsPerEpoch: 30, epochs: 2 });
  const r = seal(['status', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0] ?? '', /; ETA \d+m\d\ds \(rough: from the throughput measured at the start\)$/);
});
