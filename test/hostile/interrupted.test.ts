// A task's worker stopped by a signal is interrupted, not failed: the comparison exits with 75
// (run it again to continue), and `seal status` says the task was interrupted, not that it failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { CLI, tinyIdx } from './support.js';

test('case 16: a worker stopped by SIGTERM: the comparison exits 75 and status says interrupted', async (t) => {
  const { dir, cleanup } = tempDir('hostile-interrupted');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  // Long enough that the signal lands during training.
  const args = [
    ...['compare', '--dataset', `idx:${data}`, '--model', 'small-cnn', '--width', '0.25', '--methods', 'normal'],
    ...['--seeds', '0', '--eval', 'none', '--generations', '2', '--epochs', '2000', '--batch-size', '16'],
    ...['--jobs', '1', '--threads', '1', '--out', out],
  ];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const started = join(out, 'tasks', 'train-gen0-s0.started.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(started), 'the first task started');
  // Some epochs in, so that the worker is inside the training loop.
  await new Promise((r) => setTimeout(r, 1500));
  const { pid } = JSON.parse(readFileSync(started, 'utf8')) as { pid: number };
  process.kill(pid, 'SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 75, stderr);
  assert.match(stderr, /the comparison was interrupted: 1 task stopped \(train-gen0-s0\)/);
  assert.match(stderr, /run the same `seal compare` command again/);
  const status = spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' });
  assert.match(status.stdout, /train-gen0-s0.*interrupted \(exit 75\)/);
  assert.doesNotMatch(status.stdout, /\bfailed\b/);
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`case 16: ${signal} to seal compare stops its workers at a resume point and exits 75`, async (t) => {
    const { dir, cleanup } = tempDir('hostile-coordinator-stop');
    t.after(cleanup);
    const data = tinyIdx(dir);
    const out = join(dir, 'cmp');
    const args = [
      ...['compare', '--dataset', `idx:${data}`, '--model', 'small-cnn', '--width', '0.25', '--methods', 'normal'],
      ...['--seeds', '0,1', '--eval', 'none', '--generations', '2', '--epochs', '2000', '--batch-size', '16'],
      ...['--jobs', '2', '--threads', '2', '--out', out],
    ];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const started = ['train-gen0-s0', 'train-gen0-s1'].map((id) => join(out, 'tasks', `${id}.started.json`));
    const deadline = Date.now() + 60_000;
    while (!started.every((f) => existsSync(f)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      started.every((f) => existsSync(f)),
      'both first tasks started',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const pids = started.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid);
    // To the coordinator alone, as a scheduler or `kill` sends it: it passes the request on.
    assert.ok(child.pid !== undefined);
    process.kill(child.pid, signal);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 75, stderr);
    assert.match(stderr, new RegExp(`${signal}: stopping: running training tasks finish their batch`));
    assert.match(stderr, /the comparison was stopped: 2 running tasks stopped, 5 of 5 not done/);
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} still runs`);
    for (const seed of [0, 1])
      assert.ok(existsSync(join(out, 'runs', `gen0-s${seed}`, 'checkpoints', 'resume.safetensors')), 'a resume point');
    const status = spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' });
    assert.match(status.stdout, /stopped +train-gen0-s0 .*interrupted \(exit 75\)/);
    assert.match(status.stdout, /stopped +train-gen0-s1 .*interrupted \(exit 75\)/);
  });
}
