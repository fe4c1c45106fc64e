// seal worker on a task that is already done (by hand, or by a cluster job that started late)
// leaves it as it is: no file of the comparison is written, and one line says where its result is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { seal, snapshot, tinyIdx, unchanged } from './support.js';

test('case 6: seal worker on a done task changes nothing and says where its result is', (t) => {
  const { dir, cleanup } = tempDir('hostile-worker-done');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  const args = ['--model', 'small-cnn', '--width', '0.25', '--methods', 'normal', '--seeds', '0', '--eval', 'none'];
  const training = ['--generations', '2', '--epochs', '2', '--batch-size', '16', '--jobs', '1', '--threads', '1'];
  const done = seal(['compare', '--dataset', `idx:${data}`, ...args, ...training, '--out', out], { timeoutMs: 60_000 });
  assert.equal(done.status, 0, done.stderr);
  const before = snapshot(out);
  const results: [string, string][] = [
    ['train-gen0-s0', join(out, 'runs', 'gen0-s0')],
    ['train-normal-s0', join(out, 'runs', 'normal-s0')],
    ['report', join(out, 'report.html')],
  ];
  for (const [task, result] of results) {
    for (const extra of [[], ['--threads', '1'], ['--failed', 'exit code 1 (slurm job 5_0)']]) {
      const r = seal(['worker', out, task, ...extra]);
      assert.equal(r.status, 0, r.stderr);
      unchanged(out, before);
      assert.equal(
        r.stdout,
        `task ${task} is already done (${join(out, 'tasks', `${task}.done.json`)}); its result is in ${result}; nothing to do\n`,
      );
      assert.equal(r.stderr, '');
    }
  }
});
