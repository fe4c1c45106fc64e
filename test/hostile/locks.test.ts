// One coordinator per comparison folder and one worker per task: a second seal compare, seal
// sweep or seal worker is refused while the first runs, naming its pid and host; the lock of a
// process killed with -9 is taken over with a warning; a lock held on another machine is refused
// with how to remove it; of processes that start together, exactly one gets the lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { put, tempDir } from '../data/fixtures.js';
import { CLI, refused, seal, snapshot, tinyIdx, unchanged } from './support.js';

const LOCK_MODULE = new URL('../../src/io/lock-file.js', import.meta.url).href;
const HOST = hostname();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A comparison of three tasks on 32 images; generation 0 trains long enough to be caught running. */
const compareArgs = (data: string, out: string) => [
  'compare',
  '--dataset',
  `idx:${data}`,
  '--model',
  'small-cnn',
  '--width',
  '0.25',
  '--methods',
  'normal',
  '--seeds',
  '0',
  '--generations',
  '2',
  '--epochs',
  '40',
  '--batch-size',
  '16',
  '--eval',
  'none',
  '--out',
  out,
];
const localArgs = (data: string, out: string) => [...compareArgs(data, out), '--jobs', '1', '--threads', '1'];

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));

async function waitFor(what: string, cond: () => boolean, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 3000 && !cond(); i++) {
    assert.equal(child.exitCode, null, `the comparison ended before ${what}`);
    await sleep(10);
  }
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** Every (generation, epoch, phase) row of a run's metrics.jsonl appears once. */
function assertRowsOnce(run: string): void {
  const keys = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const r = JSON.parse(l) as { generation: number; epoch: number; phase: string };
      return `${r.generation}/${r.epoch}/${r.phase}`;
    });
  assert.ok(keys.length > 0, `${run} has no metrics`);
  assert.deepEqual(keys, [...new Set(keys)], `${run}: rows written twice`);
}

const locksIn = (out: string) =>
  [...readdirSync(out), ...readdirSync(join(out, 'tasks')).map((f) => `tasks/${f}`)].filter((f) =>
    /\.lock|\.tmp$|\.stale$/.test(f),
  );

test('case 1: a second compare, sweep or worker is refused while the first runs; after kill -9 the next takes over', async (t) => {
  const { dir, cleanup } = tempDir('hostile-locks');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  const first = spawn(process.execPath, [CLI, ...localArgs(data, out)], { stdio: 'ignore', detached: true });
  const group = -(first.pid as number);
  const started = join(out, 'tasks', 'train-gen0-s0.started.json');
  try {
    await waitFor('generation 0 starts', () => existsSync(started), first);
    // Frozen, the first comparison and its worker are alive but cannot finish meanwhile.
    process.kill(group, 'SIGSTOP');
    assert.ok(!existsSync(join(out, 'tasks', 'train-gen0-s0.done.json')), 'generation 0 finished before the freeze');
    const busy = [`is in use by seal compare (pid ${first.pid} on ${HOST}, since `, `seal status ${out}`];
    refused(seal(localArgs(data, out), { timeoutMs: 30_000 }), 1, `the comparison folder ${out}`, ...busy);
    refused(
      seal(['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1,2', '--dataset', `idx:${data}`, '--out', out]),
      1,
      `the comparison folder ${out}`,
      ...busy,
    );
    const worker = (JSON.parse(readFileSync(started, 'utf8')) as { pid: number }).pid;
    refused(
      seal(['worker', out, 'train-gen0-s0'], { timeoutMs: 30_000 }),
      1,
      `task train-gen0-s0 of ${out} is in use by seal worker (pid ${worker} on ${HOST}, since `,
    );
    process.kill(group, 'SIGKILL');
    await exited(first);
    assert.deepEqual(locksIn(out).sort(), ['compare.lock', 'tasks/train-gen0-s0.lock'], 'kill -9 leaves its locks');

    const again = seal(localArgs(data, out), { timeoutMs: 60_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(
        `^seal: warning: the comparison folder ${out}: taking over ${join(out, 'compare.lock')} from seal compare \\(pid ${first.pid} on ${HOST}, since [^)]+\\): pid ${first.pid} is no longer running$`,
        'm',
      ),
    );
    const log = readFileSync(join(out, 'logs', 'train-gen0-s0.err'), 'utf8');
    assert.match(log, new RegExp(`taking over .*train-gen0-s0\\.lock from seal worker \\(pid ${worker} on `));
    for (const task of ['train-gen0-s0', 'train-normal-s0', 'report'])
      assert.ok(existsSync(join(out, 'tasks', `${task}.done.json`)), `${task} is not done`);
    for (const run of ['gen0-s0', 'normal-s0']) assertRowsOnce(join(out, 'runs', run));
    assert.deepEqual(locksIn(out), [], 'a finished comparison leaves no lock behind');
  } finally {
    if (first.exitCode === null && first.signalCode === null) process.kill(group, 'SIGKILL');
    await exited(first);
  }
});

test('case 1: a lock held on another machine is refused, naming its host and pid and how to remove it', (t) => {
  const { dir, cleanup } = tempDir('hostile-locks-host');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const out = join(dir, 'cmp');
  // A plan and nothing run: what a Slurm dry run writes.
  const plan = seal([...compareArgs(data, out), '--launcher', 'slurm', '--dry-run'], { env: { PATH: '/nonexistent' } });
  assert.equal(plan.status, 0, plan.stderr);
  const elsewhere = (job?: string) =>
    JSON.stringify({
      pid: 4242,
      host: 'node7.elsewhere',
      since: '2025-01-01T00:00:00.000Z',
      command: 'seal compare',
      job,
    });
  const lock = join(out, 'compare.lock');
  writeFileSync(lock, elsewhere());
  const before = snapshot(out);
  refused(
    seal(localArgs(data, out)),
    1,
    `the comparison folder ${out} is in use by seal compare (pid 4242 on node7.elsewhere, since 2025-01-01T00:00:00.000Z); from ${HOST}, seal cannot tell`,
    `if pid 4242 on node7.elsewhere is gone, remove ${lock} and run again`,
  );
  unchanged(out, before);

  // A Slurm job requeued onto another node finds the lock its earlier start left: that one has ended.
  const taskLock = join(out, 'tasks', 'train-gen0-s0.lock');
  put(taskLock, elsewhere('77'));
  for (const env of [{ SLURM_JOB_ID: '' }, { SLURM_JOB_ID: '78' }])
    refused(seal(['worker', out, 'train-gen0-s0'], { env }), 1, 'pid 4242 on node7.elsewhere', `remove ${taskLock}`);
  const requeued = seal(['worker', out, 'train-gen0-s0'], { env: { SLURM_JOB_ID: '77' } });
  assert.equal(requeued.status, 0, requeued.stderr);
  assert.match(
    requeued.stderr,
    /taking over .*train-gen0-s0\.lock from seal compare \(pid 4242 on node7\.elsewhere.*its job 77 has been started again/,
  );
  assert.ok(existsSync(join(out, 'tasks', 'train-gen0-s0.done.json')));
  assert.ok(!existsSync(taskLock), 'the worker released its lock');
});

/** A process that takes `file` at `at` (ms since the epoch), says whether it got it, and holds it a while. */
function contender(file: string, at: number): Promise<string> {
  const script = `
    const { takeLock } = await import(${JSON.stringify(LOCK_MODULE)});
    while (Date.now() < ${at});
    try {
      const lock = takeLock(${JSON.stringify(file)}, { what: 'x', command: 'test', busyHint: 'wait', notice: (t) => console.log('notice ' + t) });
      console.log('won ' + process.pid);
      setTimeout(() => lock.release(), 800);
    } catch (e) {
      console.log('refused ' + e.message.split('\\n')[0]);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let said = '';
  child.stdout.on('data', (d: Buffer) => (said += d.toString()));
  return new Promise((r) => child.once('close', () => r(said)));
}

test('case 1: of processes that take one lock at once, exactly one gets it, also when they take over a dead holder', async (t) => {
  const { dir, cleanup } = tempDir('hostile-locks-race');
  t.after(cleanup);
  for (const stale of [false, true]) {
    const file = join(dir, `${stale}.lock`);
    if (stale) {
      const gone = spawn(process.execPath, ['-e', '']);
      await exited(gone);
      writeFileSync(file, JSON.stringify({ pid: gone.pid, host: HOST, since: 'then', command: 'seal compare' }));
    }
    const at = Date.now() + 1200;
    const said = await Promise.all(Array.from({ length: 4 }, () => contender(file, at)));
    const winners = said.filter((s) => /^won \d+$/m.test(s));
    assert.equal(winners.length, 1, `stale lock: ${stale}; the processes said:\n${said.join('')}`);
    const winner = /^won (\d+)$/m.exec(winners[0] as string)?.[1];
    for (const s of said.filter((x) => !winners.includes(x)))
      assert.match(s, new RegExp(`^refused x is in use by test \\(pid ${winner} on `, 'm'));
    if (stale)
      assert.ok(
        said.some((s) => /^notice x: taking over .* is no longer running$/m.test(s)),
        said.join(''),
      );
    assert.ok(!existsSync(file), 'the winner released it');
  }
});
