// Case 5 of hostile input round 2: a comparison whose plan.json is truncated, edited or deleted.
// Commands that read it fail with exit 1 (a damaged file, not a bad command line) and name a
// command that recovers; `seal status DIR --repair` and a rerun of the same `seal compare`
// write it again from compare.json, keeping every finished task. Case 9: `seal status` on a
// plan of many tasks stays within a screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { buildPlan } from '../../src/compare/plan.js';
import { settingsOf } from '../../src/compare/run-comparison.js';
import { recordFailure } from '../../src/compare/run-task.js';
import { STATUS_LINES } from '../../src/cli/status.js';
import { CompareProgress, TASK_LINES } from '../../src/cli/compare-progress.js';
import { refused, seal, snapshot, tinyIdx } from './support.js';

const ARGS = ['--model', 'small-cnn', '--width', '0.25', '--methods', 'normal', '--seeds', '0', '--eval', 'none'];
const TRAINING = ['--generations', '2', '--epochs', '1', '--batch-size', '16', '--jobs', '1', '--threads', '1'];

test('case 5: a damaged plan.json is named with exit 1 and a command that repairs it, keeping finished tasks', (t) => {
  const { dir, cleanup } = tempDir('hostile-plan-repair');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  const command = ['compare', '--dataset', `idx:${data}`, ...ARGS, ...TRAINING, '--out', out];
  const first = seal(command, { timeoutMs: 60_000 });
  assert.equal(first.status, 0, first.stderr);
  const layout = new CompareLayout(out);
  const original = readFileSync(layout.planFile, 'utf8');
  const tasksBefore = [...snapshot(join(out, 'tasks'))];
  const repairHint = `seal status ${out} --repair`;

  // Truncated: every reader says so, with exit 1 and the repair command.
  writeFileSync(layout.planFile, original.slice(0, 100));
  for (const args of [
    ['status', out],
    ['worker', out, 'report'],
  ])
    refused(seal(args), 1, 'plan.json is not valid JSON', repairHint);
  const repaired = seal(['status', out, '--repair']);
  assert.equal(repaired.status, 0, repaired.stderr);
  assert.match(repaired.stdout, /is not valid JSON/);
  assert.match(repaired.stdout, /wrote .*plan\.json again from compare\.json: 3 tasks, 3 of them done and kept/);
  assert.equal(readFileSync(layout.planFile, 'utf8'), original);
  const sound = seal(['status', out, '--repair']);
  assert.equal(sound.status, 0, sound.stderr);
  assert.match(sound.stdout, /is sound \(3 tasks, 3 done\): nothing to repair/);

  // Edited by hand: the same exit and hint.
  const edited = JSON.parse(original) as { tasks: { id: string; config?: { lr?: number } }[] };
  const task = edited.tasks.find((x) => x.id === 'train-normal-s0');
  assert.ok(task?.config);
  task.config.lr = 0.5;
  writeFileSync(layout.planFile, JSON.stringify(edited));
  refused(seal(['status', out]), 1, 'task train-normal-s0 differs', repairHint);

  // Deleted: the same command run again writes it and runs nothing that was done.
  rmSync(layout.planFile);
  refused(seal(['status', out]), 1, 'has compare.json but no plan.json', repairHint);
  const again = seal(command, { timeoutMs: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /wrote plan\.json again from compare\.json/);
  assert.equal(readFileSync(layout.planFile, 'utf8'), original);
  assert.deepEqual([...snapshot(join(out, 'tasks'))], tasksBefore, 'no task ran again');

  // Other settings with a damaged plan: refused as other settings, nothing written.
  writeFileSync(layout.planFile, '{');
  refused(seal([...command, '--lr', '0.05'], { timeoutMs: 60_000 }), 2, 'holds a comparison with other settings');
  assert.equal(readFileSync(layout.planFile, 'utf8'), '{');

  // compare.json damaged as well: nothing to rebuild from, and the message says what to do.
  writeFileSync(layout.settingsFile, '[1,');
  refused(seal(['status', out, '--repair']), 1, 'compare.json cannot be read either', 'new --out folder');
});

test('case 9: seal status on a plan of many tasks prints a screenful and counts the rest', (t) => {
  const { dir, cleanup } = tempDir('hostile-status-lines');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  const settings = settingsOf({
    out,
    methods: ['normal', 'llf', 'seal'],
    seeds: Array.from({ length: 20 }, (_, i) => i),
    evals: [],
    train: { model: 'small-cnn', generations: 3, epochs: 1 },
  });
  const plan = buildPlan(settings);
  assert.ok(plan.tasks.length > STATUS_LINES, `${plan.tasks.length} tasks`);
  const layout = new CompareLayout(out);
  layout.create(settings, plan);
  recordFailure(layout, 'train-gen0-s7', 'exit code 1');
  const r = seal(['status', out]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(
    lines[0] ?? '',
    new RegExp(`0/${plan.tasks.length} tasks done, 0 running, ${plan.tasks.length - 1} waiting, 1 failed`),
  );
  assert.match(lines[1] ?? '', /^ {2}failed +train-gen0-s7 /);
  assert.equal(
    lines[2],
    `  … and ${plan.tasks.length - 1} more (0/${plan.tasks.length - 1} tasks done, 0 running, ${plan.tasks.length - 1} waiting)`,
  );
  assert.match(lines.at(-1) ?? '', /^retry: /);
  assert.ok(lines.length <= 5, r.stdout);
});

test('case 9: a comparison of many tasks prints summaries, not a line per task, and still every failure', (t) => {
  const { dir, cleanup } = tempDir('hostile-progress-lines');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  const settings = settingsOf({
    out,
    methods: ['normal', 'seal'],
    seeds: Array.from({ length: 20 }, (_, i) => i),
    evals: [],
    train: { model: 'small-cnn', generations: 3, epochs: 1 },
  });
  const plan = buildPlan(settings);
  assert.ok(plan.tasks.length > TASK_LINES, `${plan.tasks.length} tasks`);
  const layout = new CompareLayout(out);
  layout.create(settings, plan);
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  const progress = new CompareProgress(stream, layout, plan, 2);
  for (const task of plan.tasks) {
    progress.start(task);
    progress.end(
      task,
      task.id === 'train-seal-s3' ? { ok: false, seconds: 1, error: 'exit code 1' } : { ok: true, seconds: 1 },
    );
  }
  progress.stop();
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 4, text);
  assert.match(lines[0] ?? '', new RegExp(`^\\(${plan.tasks.length} tasks: progress is summarised every 30 s`));
  assert.match(lines[1] ?? '', /^\[compare\] 0\/\d+ tasks done, 0 running, \d+ waiting; elapsed 0s, ETA \?/);
  assert.match(lines[2] ?? '', /^\[FAILED\] train-seal-s3 after 1\.0 s: exit code 1/);
  assert.match(lines[3] ?? '', /^\[compare\] 0\/\d+ tasks done/);
});

test('a plan.json of the previous format (seal-plan-1) is named as such, and --repair writes it in this one', (t) => {
  const { dir, cleanup } = tempDir('hostile-plan-format');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  const settings = settingsOf({ out, methods: ['normal', 'seal'], seeds: [0], evals: [], train: { epochs: 2 } });
  const plan = buildPlan(settings);
  const layout = new CompareLayout(out);
  layout.create(settings, plan);
  const current = readFileSync(layout.planFile, 'utf8');
  // The previous format held each training task's given values, unresolved.
  const old = {
    ...plan,
    format: 'seal-plan-1',
    tasks: plan.tasks.map((x) =>
      x.kind === 'train' ? { ...x, config: { epochs: 2, method: x.config.method, seed: x.config.seed } } : x,
    ),
  };
  writeFileSync(layout.planFile, JSON.stringify(old));
  refused(
    seal(['status', out]),
    1,
    'plan.json was written by another version of seal (format seal-plan-1, this one reads seal-plan-2)',
    `seal status ${out} --repair`,
  );
  const r = seal(['status', out, '--repair']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(layout.planFile, 'utf8'), current);
  assert.equal(seal(['status', out]).status, 0);
});
