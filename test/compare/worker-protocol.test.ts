// The worker protocol: what a worker sends reaches its launcher as messages over the IPC
// channel (never read from its error output), and a failure is also left in the task's error
// file for a launcher without a channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { CompareLayout } from '../../src/io/compare-dir.js';
import {
  failureText,
  readFailure,
  readMessage,
  startWorker,
  WorkerReporter,
  type WorkerFailure,
  type WorkerMessage,
} from '../../src/compare/worker-protocol.js';
import { describeFailure, ConfigError, EXIT_BUG } from '../../src/errors.js';
import { tempDir } from '../data/fixtures.js';

test('messages are read only in their own shapes', () => {
  assert.deepEqual(readMessage({ type: 'line', text: 'epoch 1' }), { type: 'line', text: 'epoch 1' });
  assert.deepEqual(readMessage({ type: 'failed', message: 'm', hint: null, exit: 1 }), {
    type: 'failed',
    message: 'm',
    hint: null,
    exit: 1,
  });
  for (const bad of [
    null,
    'line',
    { type: 'line' },
    { type: 'failed', message: 'm', exit: 1.5, hint: null },
    { type: 'x' },
  ])
    assert.equal(readMessage(bad), null, JSON.stringify(bad));
});

test('a worker failure: its message, hint and exit status, sent and written to the task error file', (t) => {
  const { dir, cleanup } = tempDir('protocol');
  t.after(cleanup);
  const layout = new CompareLayout(dir);
  const sent: WorkerMessage[] = [];
  const printed: string[] = [];
  const r = new WorkerReporter(
    layout,
    'train-x',
    (m) => sent.push(m),
    (s) => printed.push(s),
  );
  r.line('generation 1');
  const f = describeFailure(new ConfigError('--lr: expected a number, got x', 'e.g. --lr 0.1'));
  assert.deepEqual(f, { message: '--lr: expected a number, got x', hint: 'e.g. --lr 0.1', exit: 2 });
  r.failed(f);
  assert.deepEqual(printed, ['generation 1']);
  assert.deepEqual(sent, [
    { type: 'line', text: 'generation 1' },
    { type: 'failed', ...f },
  ]);
  assert.deepEqual(readFailure(layout, 'train-x'), f);
  assert.equal(failureText(f), '--lr: expected a number, got x (hint: e.g. --lr 0.1)');
  assert.equal(readFailure(layout, 'train-y'), null);
  assert.equal(describeFailure(new TypeError('x is not a function')).exit, EXIT_BUG);
});

test("the launcher's side gets a child's lines and failure over IPC; its error output goes only to the log", async (t) => {
  const { dir, cleanup } = tempDir('protocol-ipc');
  t.after(cleanup);
  const layout = new CompareLayout(dir);
  const child = `
    process.stderr.write('seal: a misleading line on stderr\\n');
    process.stdout.write('plain output\\n');
    process.send({ type: 'line', text: 'started ' + process.argv.slice(1).join(' ') });
    process.send({ type: 'failed', message: 'it broke', hint: 'fix it', exit: 1 }, () => process.exit(1));
  `;
  const lines: string[] = [];
  let failure: WorkerFailure | null = null;
  const logs = layout.openLogs('task-1');
  const c = startWorker({ file: process.execPath, prefix: ['-e', child, '--'] }, dir, 'task-1', 3, logs, {
    line: (s) => lines.push(s),
    failed: (f) => {
      failure = f;
    },
  });
  const [[code]] = await Promise.all([once(c, 'close'), once(logs.out, 'finish'), once(logs.err, 'finish')]);
  assert.equal(code, 1);
  assert.deepEqual(lines, [`started ${dir} task-1 --threads 3`]);
  assert.deepEqual(failure, { type: 'failed', message: 'it broke', hint: 'fix it', exit: 1 });
  assert.match(readFileSync(join(dir, 'logs', 'task-1.err'), 'utf8'), /a misleading line/);
  assert.match(readFileSync(join(dir, 'logs', 'task-1.out'), 'utf8'), /plain output/);
});
