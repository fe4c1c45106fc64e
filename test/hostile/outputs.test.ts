// Case 7 of hostile input round 2: a checkpoint or an evaluation file deleted or changed after its
// task finished. Each finished task records its outputs (size and SHA-256); `seal status` shows
// the task as damaged, `seal report` refuses to report from it naming the file, and running the
// same `seal compare` again redoes exactly that task and the tasks that used it, keeping the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { CompareLayout } from '../../src/io/compare-dir.js';
import { fileSha256, type OutputFile } from '../../src/io/output-files.js';
import { refused, seal, tinyIdx } from './support.js';

const ARGS = ['--model', 'small-cnn', '--width', '0.25', '--methods', 'normal', '--seeds', '0', '--eval', 'depth'];
const TRAINING = ['--generations', '2', '--epochs', '1', '--batch-size', '16', '--jobs', '1', '--threads', '1'];

const doneFiles = (out: string): Map<string, string> =>
  new Map(
    readdirSync(join(out, 'tasks'))
      .filter((f) => f.endsWith('.done.json'))
      .map((f) => [f, readFileSync(join(out, 'tasks', f), 'utf8')]),
  );

test('case 7: deleted or changed outputs are named, and a rerun redoes exactly their tasks and those after', (t) => {
  const { dir, cleanup } = tempDir('hostile-outputs');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  const command = ['compare', '--dataset', `idx:${data}`, ...ARGS, ...TRAINING, '--out', out];
  const first = seal(command, { timeoutMs: 120_000 });
  assert.equal(first.status, 0, first.stderr);
  const layout = new CompareLayout(out);

  // Every finished task but the report records its files with their size and digest.
  const gen0 = layout.readTaskFile<{ outputs: OutputFile[] }>('train-gen0-s0', 'done');
  const ckpt = gen0?.outputs.find((o) => o.file === 'runs/gen0-s0/checkpoints/gen-0.safetensors');
  assert.ok(ckpt, JSON.stringify(gen0));
  assert.equal(ckpt.sha256, fileSha256(join(out, ckpt.file)));
  const evalDone = layout.readTaskFile<{ outputs: OutputFile[] }>('eval-normal-s0-g1', 'done');
  assert.deepEqual(
    evalDone?.outputs.map((o) => o.file),
    ['evals/normal-s0/gen-1.depth.json'],
  );

  // An evaluation file deleted: status, report and the rerun name it; only it and the report run again.
  const result = join(out, 'evals/normal-s0/gen-1.depth.json');
  const resultBytes = readFileSync(result, 'utf8');
  rmSync(result);
  const status = seal(['status', out]);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /1 damaged/);
  assert.match(status.stdout, /damaged +eval-normal-s0-g1 .*evals\/normal-s0\/gen-1\.depth\.json is missing/);
  refused(
    seal(['report', out]),
    1,
    'evals/normal-s0/gen-1.depth.json is missing (task eval-normal-s0-g1)',
    'it runs those 2 tasks again',
  );
  const before = doneFiles(out);
  const again = seal(command, { timeoutMs: 120_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /evals\/normal-s0\/gen-1\.depth\.json is missing \(task eval-normal-s0-g1\)/);
  assert.match(again.stderr, /2 tasks run again/);
  const after = doneFiles(out);
  for (const [f, text] of before)
    if (f !== 'eval-normal-s0-g1.done.json' && f !== 'report.done.json') assert.equal(after.get(f), text, f);
  assert.notEqual(after.get('eval-normal-s0-g1.done.json'), before.get('eval-normal-s0-g1.done.json'));
  const untimed = (text: string) => ({ ...(JSON.parse(text) as object), seconds: 0 });
  assert.deepEqual(untimed(readFileSync(result, 'utf8')), untimed(resultBytes), 'the evaluation gives the same result');

  // A checkpoint changed in place (same size): the report's digest check finds it; the rerun
  // moves the run aside, trains it again (to the same bytes) and redoes everything after it.
  const file = join(out, ckpt.file);
  const bytes = readFileSync(file);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  writeFileSync(file, flipped);
  refused(seal(['report', out]), 1, `${ckpt.file} is changed (task train-gen0-s0)`);
  const third = seal(command, { timeoutMs: 120_000 });
  assert.equal(third.status, 0, third.stderr);
  const moved = /moved to (\S+)\n/.exec(third.stderr)?.[1];
  assert.ok(moved && existsSync(join(moved, ckpt.file)), third.stderr);
  assert.deepEqual(readFileSync(join(moved, ckpt.file)), flipped, 'the damaged file is kept, not deleted');
  assert.equal(fileSha256(file), ckpt.sha256, 'training again gives the same checkpoint');
  assert.match(third.stderr, /5 tasks run again/, 'every task of this plan used generation 0');
  const report = seal(['report', out]);
  assert.equal(report.status, 0, report.stderr);
});
