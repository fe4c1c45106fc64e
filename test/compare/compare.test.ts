// seal compare: kill -9 anywhere (here: inside the generation-0 task the method runs wait on,
// and again later), run it again: finished tasks are skipped, killed ones continue, and the
// report equals an uninterrupted comparison's. A failing task stops only what depends on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/report/types.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
const ARGS = [
  'compare',
  '--methods',
  'normal,seal',
  '--seeds',
  '0,1',
  '--eval',
  process.env['SEAL_COMPARE_TEST_EVALS'] ?? 'fewshot',
  '--jobs',
  '2',
  '--generations',
  '2',
  '--epochs',
  '2',
  '--limit-train',
  '512',
  '--limit-test',
  '256',
  '--width',
  '0.125',
];

/** The parts of a report that must not depend on interruptions (timings and dates may). */
function stable(r: Report) {
  return {
    values: r.values,
    aggregates: r.aggregates,
    differences: r.differences,
    findings: r.findings,
    settings: r.settings,
    curves: r.curves.map((c) => ({ ...c, rows: c.rows.map(({ seconds, trainSeconds, dataSeconds, ...row }) => row) })),
    depthHistograms: r.depthHistograms,
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const done = (out: string, task: string) => existsSync(join(out, 'tasks', `${task}.done.json`));

/** Starts the comparison and kills its whole process group with SIGKILL once `when()` holds. */
async function killWhen(out: string, when: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...ARGS, '--out', out], { stdio: 'ignore', detached: true });
  while (!when() && child.exitCode === null) await sleep(10);
  assert.equal(child.exitCode, null, 'the comparison finished before it could be killed');
  process.kill(-(child.pid as number), 'SIGKILL'); // the launcher and its workers
  await new Promise((r) => child.once('exit', r));
}

test(
  'kill -9 inside the shared generation 0 and again later, run it again: the report is unchanged',
  { skip: fashion },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-compare-'));
    try {
      const full = spawnSync(process.execPath, [CLI, ...ARGS, '--out', join(dir, 'full')], { encoding: 'utf8' });
      assert.equal(full.status, 0, full.stderr);
      assert.match(full.stdout, /plan: 13 tasks/);
      assert.match(full.stdout, /\[done\] {2}train-gen0-s0 \(/);
      assert.match(full.stdout, /report: .*report\.html/);
      assert.ok(
        existsSync(join(dir, 'full', 'runs', 'seal-s1', 'checkpoints', 'gen-0.safetensors')),
        'a method run holds its generation 0',
      );

      const out = join(dir, 'killed');
      // Inside generation 0: its first epoch is written, the task is not done.
      const metrics = join(out, 'runs', 'gen0-s0', 'metrics.jsonl');
      await killWhen(
        out,
        () => existsSync(metrics) && readFileSync(metrics, 'utf8').trim().split('\n').filter(Boolean).length >= 1,
      );
      assert.ok(!done(out, 'train-gen0-s0'));
      let status = spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' });
      // The killed workers may take a moment to be gone.
      for (let i = 0; i < 50 && /running/.test(status.stdout.split('\n').slice(1).join('\n')); i++) {
        await sleep(100);
        status = spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' });
      }
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /stopped +train-gen0-s0 .*ended without finishing; gen 0 epoch 1\/2 written/);
      assert.match(status.stdout, /waiting +train-seal-s0 .*for train-gen0-s0/);
      // Later: one method run done.
      await killWhen(out, () => done(out, 'train-normal-s0') || done(out, 'train-seal-s0'));
      assert.ok(!existsSync(join(out, 'report.json')), 'killed before the report');
      const before = readdirSync(join(out, 'tasks')).filter((f) => f.endsWith('.done.json'));

      const again = spawnSync(process.execPath, [CLI, ...ARGS, '--out', out], { encoding: 'utf8' });
      assert.equal(again.status, 0, again.stderr);
      for (const f of before)
        assert.doesNotMatch(
          again.stdout,
          new RegExp(`\\[start\\] ${f.replace('.done.json', '')}\\n`),
          `${f} ran again`,
        );
      const read = (d: string) => stable(JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as Report);
      assert.deepEqual(read(out), read(join(dir, 'full')));
      assert.match(spawnSync(process.execPath, [CLI, 'status', out], { encoding: 'utf8' }).stdout, /13\/13 tasks done/);

      const other = spawnSync(process.execPath, [CLI, ...ARGS.map((a) => (a === '0,1' ? '0,1,2' : a)), '--out', out], {
        encoding: 'utf8',
      });
      assert.equal(other.status, 2);
      assert.match(
        other.stderr,
        /holds a comparison with other settings \(seeds differ\):\n {2}seeds: \[0,1\] vs \[0,1,2\]/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a failing task: the tasks that do not depend on it finish; the error names it, its log and the retry command',
  { skip: fashion },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-compare-fail-'));
    try {
      const args = [
        CLI,
        'compare',
        '--methods',
        'normal,seal',
        '--seeds',
        '0',
        '--eval',
        'none',
        '--jobs',
        '1',
        '--generations',
        '2',
        '--epochs',
        '1',
        '--limit-train',
        '256',
        '--limit-test',
        '128',
        '--width',
        '0.125',
        '--out',
        dir,
      ];
      // A damaged run folder where seal's run goes: its task fails, normal's does not.
      const plan = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env } });
      assert.equal(plan.status, 0, plan.stderr);
      rmSync(join(dir, 'runs', 'seal-s0'), { recursive: true, force: true });
      rmSync(join(dir, 'tasks', 'train-seal-s0.done.json'));
      rmSync(join(dir, 'tasks', 'report.done.json'));
      writeFileSync(join(dir, 'runs', 'seal-s0'), 'not a folder');
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(
        r.stderr,
        /1 task failed \(1 that depend on it did not run\):\n {2}train-seal-s0: exit 1: cannot start the run .*seal-s0: something is already there, but not a run/,
      );
      assert.match(r.stderr, /log: .*logs\/train-seal-s0\.err\n {4}retry: seal worker .* train-seal-s0/);
      assert.ok(existsSync(join(dir, 'tasks', 'train-seal-s0.failed.json')));
      assert.match(
        spawnSync(process.execPath, [CLI, 'status', dir], { encoding: 'utf8' }).stdout,
        /failed +train-seal-s0/,
      );
      rmSync(join(dir, 'runs', 'seal-s0'));
      const fixed = spawnSync(process.execPath, args, { encoding: 'utf8' });
      assert.equal(fixed.status, 0, fixed.stderr);
      assert.match(fixed.stdout, /\[start\] train-seal-s0\n/);
      assert.doesNotMatch(fixed.stdout, /\[start\] train-normal-s0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
