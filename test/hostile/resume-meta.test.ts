// A resume point's metadata is checked before anything is changed: a missing or damaged
// metricsRows, more rows than metrics.jsonl holds, or a generation outside the schedule is one
// error naming the file, and the run folder stays as it was. Temporary files that a kill left
// behind are removed on the next start; a run that diverges before its first checkpoint says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { refused, seal, snapshot, tinyIdx, unchanged } from './support.js';

/** seal train on the tiny data; `over` replaces flags (a flag may be given only once). */
const trainArgs = (data: string, over: Record<string, string> = {}) => [
  'train',
  ...Object.entries({
    dataset: `idx:${data}`,
    model: 'resnet18-cifar',
    width: '0.0625',
    generations: '2',
    epochs: '2',
    'batch-size': '16',
    threads: '1',
    ...over,
  }).flatMap(([k, v]) => [`--${k}`, v]),
];

/** Rewrites the resume file's metadata with `edit` applied (the tensors stay). */
async function editResume(file: string, edit: (m: Record<string, string>) => void): Promise<void> {
  const { tensors, metadata } = await loadSafetensors(file);
  edit(metadata);
  await saveSafetensors(file, [...tensors], metadata);
  for (const t of tensors.values()) t.dispose();
}

test('bad resume metadata is refused naming the file and field, and nothing in the run folder changes', async (t) => {
  const { dir, cleanup } = tempDir('hostile-resume-meta');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const run = join(dir, 'run');
  // A finished run: 4 metrics rows, its resume point at generation 1, epoch 1.
  const first = seal([...trainArgs(data), '--out', run]);
  assert.equal(first.status, 0, first.stderr);
  const resume = join(run, 'checkpoints', 'resume.safetensors');
  const original = (await loadSafetensors(resume)).metadata;
  const cases: [(m: Record<string, string>) => void, string[]][] = [
    [
      (m) => {
        delete m['metricsRows'];
      },
      [resume, '"metricsRows" is missing, not a whole number'],
    ],
    [
      (m) => {
        m['metricsRows'] = 'lots';
      },
      ['"metricsRows" is "lots", not a whole number'],
    ],
    [
      (m) => {
        m['metricsRows'] = '99';
      },
      [`counts 99 metrics rows, but ${join(run, 'metrics.jsonl')} has 4`],
    ],
    [
      (m) => {
        m['progress'] = JSON.stringify({ generation: 7, epoch: 1 });
      },
      ['generation is 7; this run has generations 0 to 1'],
    ],
    [
      (m) => {
        m['progress'] = JSON.stringify({ generation: -5, epoch: 1 });
      },
      ['generation is -5; this run has generations 0 to 1'],
    ],
    [
      (m) => {
        m['progress'] = '{"generation": 1,';
      },
      ['the resume metadata\'s "progress" is not JSON'],
    ],
    [
      (m) => {
        m['summary'] = '[]';
      },
      ['"summary" is not a run summary'],
    ],
  ];
  for (const [edit, patterns] of cases) {
    await editResume(resume, (m) => {
      Object.assign(m, original);
      edit(m);
    });
    const before = snapshot(run);
    refused(seal(['train', '--resume', run]), 1, ...patterns, 'nothing was changed');
    unchanged(run, before);
  }
});

test('temporary files left by a cut-short write are removed on resume; a run that diverges before any checkpoint says so', (t) => {
  const { dir, cleanup } = tempDir('hostile-resume-temp');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const run = join(dir, 'run');
  assert.equal(seal([...trainArgs(data, { generations: '1' }), '--out', run]).status, 0);
  // No process has pid 2^22 + 1 (above Linux's pid_max default).
  const orphan = join(run, 'checkpoints', 'gen-0.safetensors.tmp-4194305');
  writeFileSync(orphan, 'half a checkpoint');
  const again = seal(['train', '--resume', run]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(
    again.stderr,
    new RegExp(
      `seal: warning: removed ${orphan.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, left by a write that was cut short`,
    ),
  );
  assert.ok(!existsSync(orphan));

  const diverged = seal([...trainArgs(data, { lr: '1e30', 'batch-size': '8' }), '--out', join(dir, 'boom')]);
  assert.equal(diverged.status, 3, diverged.stderr);
  assert.match(diverged.stderr, /training diverged: .* at generation 0, epoch 0 \(/);
  assert.match(diverged.stderr, /No checkpoint had been written yet\./);
  assert.doesNotMatch(diverged.stderr, /last good state is in/);
});
