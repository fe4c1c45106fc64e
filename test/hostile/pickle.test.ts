// A PyTorch pickle (.pt) given where a checkpoint goes is refused as not safetensors, and never
// unpickled: this one would create a file if any code in it ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { put, tempDir } from '../data/fixtures.js';
import { refused, seal } from './support.js';

test('a pickle given as a checkpoint is refused without running it', (t) => {
  const { dir, cleanup } = tempDir('hostile-pickle');
  t.after(cleanup);
  const marker = join(dir, 'ran');
  const pt = put(join(dir, 'model.pt'), Buffer.from(`cos\nsystem\n(S'touch ${marker}'\ntR.`, 'latin1'));
  refused(seal(['eval', 'fewshot', '--checkpoint', pt, '--episodes', '5', '--out', join(dir, 'r.json')]), 1, pt);
  refused(seal(['train', '--resume', dir]), 1);
  assert.ok(!existsSync(marker), 'no code in the pickle ran');
  assert.ok(!existsSync(join(dir, 'r.json')));
});
