// seal compare: kill it in the middle, run it again: it skips finished runs, continues the
// killed ones, and ends with the report an uninterrupted comparison gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/report/types.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
const ARGS = ['compare', '--methods', 'normal,seal', '--seeds', '0,1', '--eval', process.env['SEAL_COMPARE_TEST_EVALS'] ?? 'none', '--jobs', '2',
  '--generations', '2', '--epochs', '2', '--limit-train', '512', '--limit-test', '256', '--width', '0.125'];

/** The parts of a report that must not depend on interruptions (timings and dates may). */
function stable(r: Report) {
  return {
    values: r.values, aggregates: r.aggregates, differences: r.differences, findings: r.findings, settings: r.settings,
    curves: r.curves.map((c) => ({ ...c, rows: c.rows.map(({ seconds, trainSeconds, dataSeconds, ...row }) => row) })),
    depthHistograms: r.depthHistograms,
  };
}

test('kill -9 in the middle of seal compare, run it again: finished runs are skipped and the report is unchanged', { skip: !fashion && 'Fashion-MNIST is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-compare-'));
  try {
    const full = spawnSync(process.execPath, [CLI, ...ARGS, '--out', join(dir, 'full')], { encoding: 'utf8' });
    assert.equal(full.status, 0, full.stderr);
    assert.match(full.stdout, /report: .*report\.html/);

    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [CLI, ...ARGS, '--out', out], { stdio: 'ignore', detached: true });
    const done = (run: string) => {
      const f = join(out, 'runs', run, 'summary.json');
      return existsSync(f) && (JSON.parse(readFileSync(f, 'utf8')) as { generations: unknown[] }).generations.length === 2;
    };
    while (!done('normal-s0') && !done('normal-s1') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    assert.equal(child.exitCode, null, 'the comparison finished before it could be killed');
    process.kill(-(child.pid as number), 'SIGKILL'); // the whole group: the compare and its runs
    await new Promise((r) => child.once('exit', r));
    assert.ok(!existsSync(join(out, 'report.json')), 'killed before the report');

    const again = spawnSync(process.execPath, [CLI, ...ARGS, '--out', out], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /\[normal-s[01]\] training already finished/);
    const read = (d: string) => stable(JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as Report);
    assert.deepEqual(read(out), read(join(dir, 'full')));

    const other = spawnSync(process.execPath, [CLI, ...ARGS.map((a) => (a === '0,1' ? '0,1,2' : a)), '--out', out], { encoding: 'utf8' });
    assert.equal(other.status, 2);
    assert.match(other.stderr, /holds a comparison with other settings \(seeds differ\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
