// Flags checked against this machine before any data is read: threads against its cores, the
// device against the build, and an ascent method left without an ascent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { backendInfo } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { refused, seal, snapshot, unchanged } from './support.js';

const cores = availableParallelism();
const limit = Math.min(1024, 4 * cores);

test('case 3: --threads: a million is refused at once, beyond 4 per core too, and more than the cores warns', (t) => {
  const { dir, cleanup } = tempDir('hostile-threads');
  t.after(cleanup);
  const before = snapshot(dir);
  const out = join(dir, 'run');
  refused(
    seal(['train', '--threads', '1000000', '--out', out], { timeoutMs: 20_000 }),
    2,
    "--threads: expected an integer in [1, 1024], got '1000000'",
  );
  refused(
    seal(['train', '--threads', String(limit + 1), '--out', out]),
    2,
    `--threads: expected at most ${limit} threads (4 per core; this machine has ${cores} cores), got ${limit + 1}`,
  );
  for (const args of [
    ['info', '--threads', '1000000'],
    ['eval', 'depth', '--checkpoint', 'x', '--threads', '1000000'],
    ['worker', dir, 'x', '--threads', '1000000'],
  ]) {
    refused(seal(args, { timeoutMs: 20_000 }), 2, "--threads: expected an integer in [1, 1024], got '1000000'");
  }
  const r = seal(['info', '--threads', String(cores + 1)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`seal: warning: --threads ${cores + 1} is more than the ${cores} cores of this machine`),
  );
  unchanged(dir, before);
});

test(
  '--device: an unknown one and CUDA on a build or machine without it are one error each',
  { skip: backendInfo().cudaAvailable && 'this machine has CUDA' },
  () => {
    refused(seal(['train', '--device', 'tpu']), 2, "--device: expected 'cpu', 'cuda' or 'cuda:N', got 'tpu'");
    const cuda = backendInfo().builtWithCuda
      ? 'no CUDA device is visible'
      : 'this seal runs on a CPU-only build of libtorch';
    refused(seal(['train', '--device', 'cuda']), 2, `--device cuda: ${cuda}`);
    refused(seal(['eval', 'depth', '--checkpoint', 'x', '--device', 'cuda:1']), 2, '--device cuda:1: ');
    refused(
      seal(['eval', 'depth', '--checkpoint', 'x', '--device', 'tpu']),
      2,
      "--device: expected 'cpu', 'cuda' or 'cuda:N', got 'tpu'",
    );
  },
);

test('SEAL with k = 0 ascent epochs warns that it trains like normal; k >= 1 does not', () => {
  // A dataset that does not exist fails right after the flag checks, so nothing trains.
  const args = ['train', '--method', 'seal', '--generations', '2', '--dataset', 'folder:/nonexistent/seal-k0'];
  const r = seal([...args, '--epochs', '1']);
  refused(r, 1, '/nonexistent/seal-k0');
  assert.match(
    r.stderr,
    /seal: warning: --method seal with k = 0 ascent epochs \(--ascent-epochs; by default E\/4 rounded, here 1\/4\) has no ascent phase and trains exactly like --method normal/,
  );
  assert.match(seal([...args, '--epochs', '4', '--ascent-epochs', '0']).stderr, /warning: --method seal with k = 0/);
  assert.doesNotMatch(seal([...args, '--epochs', '2']).stderr, /warning/);
  assert.doesNotMatch(seal([...args, '--epochs', '1', '--method', 'normal']).stderr, /warning/);
  assert.match(seal(['train', '--help']).stdout, /seal warns when k is 0/);
});
