// Arm names become folder and file names (runs/NAME-s0, tasks/eval-NAME-s0-g1.done.json, Slurm
// logs): a name too long for them, or one no file name can be, is refused when the plan is made,
// before anything is written, with the arm, what is wrong and the limit; never as ENAMETOOLONG
// after tasks have run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan, type CompareSettings } from '../../src/compare/plan.js';
import { put, tempDir } from '../data/fixtures.js';
import { refused, seal, tinyIdx } from './support.js';

const tiny = (data: string) => [
  '--dataset',
  `idx:${data}`,
  '--model',
  'resnet18-cifar',
  '--width',
  '0.0625',
  '--seeds',
  '0',
  '--generations',
  '2',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--threads',
  '1',
];

test('case 10: a 300-character arm name is refused before anything is written, naming the arm and the limit', (t) => {
  const { dir, cleanup } = tempDir('hostile-arm-long');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const long = 'a'.repeat(300);
  const out = join(dir, 'cmp');
  const expect = [
    `arm '${'a'.repeat(40)}…': its name is 300 bytes long`,
    'a file name holds at most 255 bytes',
    // eval-NAME-s0-g1 plus the 28 bytes of the longest file name made from a task id.
    "an arm's name is at most 216 bytes",
    'hint: give the arm a shorter name',
  ];
  refused(seal(['compare', ...tiny(data), '--eval', 'fewshot', '--arm', `${long}=normal`, '--out', out]), 2, ...expect);
  assert.ok(!existsSync(out), `${out} was written`);
  const plan = put(join(dir, 'arms.json'), JSON.stringify({ arms: [{ name: long, method: 'seal' }] }));
  refused(seal(['compare', ...tiny(data), '--eval', 'fewshot', '--plan', plan, '--out', out]), 2, ...expect);
  assert.ok(!existsSync(out), `${out} was written`);
  // Without evaluations the longest task id is train-NAME-s0.
  refused(
    seal(['compare', ...tiny(data), '--eval', 'none', '--arm', `${long}=normal`, '--out', out]),
    2,
    "an arm's name is at most 218 bytes",
  );
  assert.deepEqual(readdirSync(dir).sort(), ['arms.json', 'data']);
});

test('case 10: an arm name of exactly the longest length runs to the end; one byte more is refused', (t) => {
  const { dir, cleanup } = tempDir('hostile-arm-limit');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const name = `seal,ascent-lr-multiplier=-0.1,${'x'.repeat(218 - 31)}`;
  assert.equal(Buffer.byteLength(name), 218);
  const out = join(dir, 'cmp');
  const r = seal(['compare', ...tiny(data), '--eval', 'none', '--arm', `${name}=seal`, '--out', out], {
    timeoutMs: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(out, 'tasks', `train-${name}-s0.done.json`)));
  assert.ok(existsSync(join(out, 'report.json')));
  refused(
    seal(['compare', ...tiny(data), '--eval', 'none', '--arm', `${name}x=seal`, '--out', join(dir, 'cmp2')]),
    2,
    'its name is 219 bytes long',
  );
  assert.ok(!existsSync(join(dir, 'cmp2')));
});

const settings = (name: string, over: Partial<CompareSettings> = {}): CompareSettings => ({
  methods: [name],
  arms: [{ name, method: 'seal', overrides: {} }],
  seeds: [0, 1, 2],
  generations: 10,
  evals: ['fewshot'],
  train: {},
  evalOptions: { fewshot: {} },
  ...over,
});

test('case 10: the plan refuses names no file can have, and keeps the names of sweep cells', () => {
  for (const [name, why] of [
    ['', 'it is empty'],
    ['.', "'.' is not a folder name"],
    ['..', "'..' is not a folder name"],
    ['a/b', "it holds a '/'"],
    ['a\0b', 'it holds a NUL character'],
    ['a\nb', 'it holds a control character'],
  ] as const) {
    assert.throws(
      () => buildPlan(settings(name)),
      (e: Error) => {
        assert.equal(e.name, 'ConfigError');
        assert.ok(e.message.includes(`arm '${JSON.stringify(name).slice(1, -1)}': ${why}`), e.message);
        return true;
      },
    );
  }
  // The limit follows the longest seed and generation: eval-NAME-s123456-g99.
  assert.throws(
    () => buildPlan(settings('a'.repeat(211), { seeds: [0, 123456], generations: 100 })),
    /its name is 211 bytes long.*at most 210 bytes/,
  );
  for (const name of [
    'seal,ascent-lr-multiplier=-0.1',
    'seal,ascent-lr-multiplier=-0.01,ascent-epochs=2',
    'a'.repeat(216),
  ])
    assert.doesNotThrow(() => buildPlan(settings(name)));
});
