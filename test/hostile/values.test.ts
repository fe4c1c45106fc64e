// Flag values out of range: refused before any data is read, naming the flag, what it expects
// and what it got, with exit status 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refused, seal } from './support.js';

test('values out of range are refused with the flag and the range', () => {
  refused(seal(['train', '--label-smoothing', '2']), 2, "--label-smoothing: expected a number in [0, 1), got '2'");
  refused(seal(['train', '--label-smoothing', '1']), 2, "--label-smoothing: expected a number in [0, 1), got '1'");
  refused(
    seal(['train', '--seed', '9007199254740993']),
    2,
    '--seed: expected an integer >= 0 and at most 2^53-1 = 9007199254740991',
    "got '9007199254740993'",
  );
  refused(seal(['train', '--epochs', '1e300']), 2, "--epochs: expected an integer in [1, 10000], got '1e300'");
  refused(seal(['train', '--width', '500']), 2, "--width: expected a number in [0.01, 16], got '500'");
  refused(
    seal(['compare', '--width', '500', '--out', join(tmpdir(), 'seal-values-unused')]),
    2,
    "--width: expected a number in [0.01, 16], got '500'",
  );
});

test('--flip false names --no-flip', () => {
  refused(
    seal(['train', '--flip', 'false']),
    2,
    "--flip is a switch and takes no value, got 'false'",
    'hint: write --flip to turn it on and --no-flip to turn it off (or --flip=false)',
  );
});

test('--resume, a seal train option, is refused by a comparison (it used to be ignored); nothing is created', () => {
  const out = join(tmpdir(), `seal-values-resume-${process.pid}`);
  const hint = 'the same seal compare command is run again';
  refused(seal(['compare', '--resume', 'runs/x', '--out', out]), 2, '--resume is an option of seal train', hint);
  refused(seal(['compare', '--arm', 'a=seal --resume runs/x', '--out', out]), 2, "--arm 'a=seal --resume runs/x'");
  refused(
    seal(['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1,2', '--resume', 'runs/x', '--out', out]),
    2,
    '--resume is an option of seal train',
  );
  refused(seal(['train', '--ke-split-rate', '0']), 2, "--ke-split-rate: expected a number in (0, 1], got '0'");
  assert.equal(existsSync(out), false);
});
