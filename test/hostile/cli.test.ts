// The CLI's last word: no error reaches the user as a stack trace, and the exit status says
// whose fault it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../data/fixtures.js';
import { refused, seal } from './support.js';

/** Node options that make something throw inside the seal process once its CLI has started. */
const throwing = (code: string) => ({
  nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(`const i = setInterval(() => { if (process.listenerCount('uncaughtException') > 0) { clearInterval(i); ${code} } }, 5);`)}`],
});

test('an error seal did not expect is one line asking for a bug report, exit 70, no trace', () => {
  const r = seal(['status', '--help'], throwing("throw new TypeError('x is not a function')"));
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /^seal: internal error: TypeError: x is not a function\. This is a bug in seal: please report it with the command that caused it \(SEAL_DEBUG=1 shows where it happened\)\.$/m);
  assert.doesNotMatch(r.stderr, /^ {4}at /m);
  const rejected = seal(['status', '--help'], throwing("Promise.reject(new RangeError('out of range'));"));
  assert.equal(rejected.status, 70, rejected.stderr);
  assert.match(rejected.stderr, /seal: internal error: RangeError: out of range\./);
  const debug = seal(['status', '--help'], { ...throwing("throw new TypeError('x')"), env: { SEAL_DEBUG: '1' } });
  assert.match(debug.stderr, /^ {4}at /m, 'SEAL_DEBUG=1 shows the trace');
});

test('a system error nobody wrapped is its own line and exit 1', () => {
  const r = seal(['status', '--help'], throwing("throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' })"));
  refused(r, 1, 'seal: ENOSPC: no space left on device, write');
  assert.doesNotMatch(r.stderr, /bug/);
});

test('seal\'s own errors keep their exit status: 2 for the command line, 1 for files', (t) => {
  const { dir, cleanup } = tempDir('hostile-exit');
  t.after(cleanup);
  refused(seal(['train', '--dataset', 'cifar11:/x']), 2, 'unknown dataset kind "cifar11"');
  refused(seal(['train', '--dataset', `idx:${join(dir, 'none')}`]), 1, join(dir, 'none'));
  refused(seal(['frobnicate']), 2, "unknown command 'frobnicate'");
});
