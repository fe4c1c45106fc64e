// The CLI's last word: no error reaches the user as a stack trace, and a metrics file cut short
// by a kill or a full disk does not make a run unresumable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from '../../src/io/run-dir.js';
import { put, tempDir } from '../data/fixtures.js';
import { CLI, refused, seal, tinyIdx } from './support.js';

/** Node options that make something throw inside the seal process once its CLI has started. */
const throwing = (code: string) => ({
  nodeArgs: [
    '--import',
    `data:text/javascript,${encodeURIComponent(`const i = setInterval(() => { if (process.listenerCount('uncaughtException') > 0) { clearInterval(i); ${code} } }, 5);`)}`,
  ],
});

test('an error seal did not expect is one line asking for a bug report, exit 70, no trace', () => {
  const r = seal(['status', '--help'], throwing("throw new TypeError('x is not a function')"));
  assert.equal(r.status, 70, r.stderr);
  assert.match(
    r.stderr,
    /^seal: internal error: TypeError: x is not a function\. This is a bug in seal: please report it with the command that caused it \(SEAL_DEBUG=1 shows where it happened\)\.$/m,
  );
  assert.doesNotMatch(r.stderr, /^ {4}at /m);
  const rejected = seal(['status', '--help'], throwing("Promise.reject(new RangeError('out of range'));"));
  assert.equal(rejected.status, 70, rejected.stderr);
  assert.match(rejected.stderr, /seal: internal error: RangeError: out of range\./);
  const debug = seal(['status', '--help'], { ...throwing("throw new TypeError('x')"), env: { SEAL_DEBUG: '1' } });
  assert.match(debug.stderr, /^ {4}at /m, 'SEAL_DEBUG=1 shows the trace');
});

test('a system error nobody wrapped is its own line and exit 1', () => {
  const r = seal(
    ['status', '--help'],
    throwing(
      "throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' })",
    ),
  );
  refused(r, 1, 'seal: ENOSPC: no space left on device, write');
  assert.doesNotMatch(r.stderr, /bug/);
});

test("seal's own errors keep their exit status: 2 for the command line, 1 for files", (t) => {
  const { dir, cleanup } = tempDir('hostile-exit');
  t.after(cleanup);
  refused(seal(['train', '--dataset', 'cifar11:/x']), 2, 'unknown dataset kind "cifar11"');
  refused(seal(['train', '--dataset', `idx:${join(dir, 'none')}`]), 1, join(dir, 'none'));
  refused(seal(['frobnicate']), 2, "unknown command 'frobnicate'");
});

test('a last metrics line cut short is dropped with a warning on --resume; a damaged middle line is an error', (t) => {
  const { dir, cleanup } = tempDir('hostile-torn');
  t.after(cleanup);
  const data = tinyIdx(dir);
  const run = join(dir, 'run');
  const first = seal([
    'train',
    '--dataset',
    `idx:${data}`,
    '--model',
    'resnet18-cifar',
    '--width',
    '0.0625',
    '--generations',
    '1',
    '--epochs',
    '2',
    '--batch-size',
    '16',
    '--threads',
    '1',
    '--out',
    run,
  ]);
  assert.equal(first.status, 0, first.stderr);
  const metrics = join(run, 'metrics.jsonl');
  const rows = readFileSync(metrics, 'utf8');
  appendFileSync(metrics, '{"generation":0,"epoch":2,"pha');
  // Flags that repeat the run's own settings are fine.
  const resumed = seal(['train', '--resume', run, '--epochs', '2', '--threads', '1']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(
    resumed.stderr,
    new RegExp(
      `seal: warning: ${metrics}: dropped its last line, which was cut short \\(30 characters without a newline\\)`,
    ),
  );
  assert.equal(readFileSync(metrics, 'utf8'), rows);
  put(metrics, rows.replace('\n', '\n{oops\n'));
  assert.throws(() => new RunDir(run).readMetrics(), /metrics\.jsonl: line 2 is not JSON/);
});

test('a reader that stops early (seal status DIR | true) ends the command quietly', (t) => {
  const { dir, cleanup } = tempDir('hostile-epipe');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  // A plan written by a dry run: a status of 13 lines, each its own write, and no training.
  const dry = seal(
    [
      'compare',
      '--launcher',
      'slurm',
      '--dry-run',
      '--methods',
      'normal,seal',
      '--seeds',
      '0,1',
      '--eval',
      'none',
      '--out',
      out,
    ],
    { env: { PATH: '/nonexistent' } },
  );
  assert.equal(dry.status, 0, dry.stderr);
  // `true` reads nothing and exits long before seal's first write, so that write always fails.
  const r = spawnSync(
    'bash',
    ['-c', `"${process.execPath}" "${CLI}" status "${out}" | true; echo "status \${PIPESTATUS[0]}" >&2`],
    { encoding: 'utf8' },
  );
  assert.doesNotMatch(r.stderr, /EPIPE|seal:/);
  assert.match(r.stderr, /status 0/);
});
