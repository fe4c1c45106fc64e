// Every command's --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seal } from './support.js';

test('every command answers --help with its usage and exit 0', () => {
  for (const args of [['train', '--help'], ['compare', '--help'], ['eval', '--help'], ['eval', 'depth', '--help'], ['eval', 'all', '--checkpoint', 'x', '--help'],
    ['status', '--help'], ['cancel', '--help'], ['report', '--help'], ['worker', '--help'], ['info', '--help'], ['help'], ['--help']]) {
    const r = seal(args);
    assert.equal(r.status, 0, `seal ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: seal/, `seal ${args.join(' ')}`);
    assert.equal(r.stderr, '', `seal ${args.join(' ')}`);
  }
});
