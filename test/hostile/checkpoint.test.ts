// Checkpoint metadata that would make seal allocate what the file does not hold, or that is not
// what seal wrote: refused with the file's name before a model is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CheckpointError, loadModelCheckpoint } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { MODEL, SOURCE, refused, seal, snapshot, unchanged, writeCheckpoint } from './support.js';

const config = (edit: Record<string, unknown>) => (m: Record<string, string>) => {
  m.config = JSON.stringify({ ...JSON.parse(m.config as string), ...edit });
};
const source = (edit: Record<string, unknown>) => (m: Record<string, string>) => {
  m.source = JSON.stringify({ ...SOURCE, ...edit });
};

const CASES: [string, (m: Record<string, string>) => void, RegExp][] = [
  ['width 500', config({ width: 500 }), /its config record: key "width": expected a number in \[0\.01, 16\], got 500/],
  [
    'a width the file does not hold',
    config({ width: 4 }),
    /does not fit a resnet18-cifar of width 4 for 1-channel images and 10 classes, as its metadata says: its conv1\.weight is \[4,1,3,3\], not \[256,1,3,3\]/,
  ],
  [
    '2e9 classes',
    source({ numClasses: 2e9 }),
    /its source record should have "numClasses" an integer in \[1, 1000000\], found 2000000000/,
  ],
  ['classes the file does not hold', source({ numClasses: 1000 }), /its fc\.weight has 10 rows, not 1000/],
  ['100000² pixels', source({ height: 100000, width: 100000 }), /"height" an integer in \[1, 1024\], found 100000/],
  [
    '3 channels for a 1-channel stem',
    source({ channels: 3, mean: [0, 0, 0], std: [1, 1, 1] }),
    /its conv1\.weight is \[4,1,3,3\], not \[4,3,3,3\]/,
  ],
  ['a std of 0', source({ std: [0] }), /"std" a list of 1 positive numbers \(one per channel\), found \[0\]/],
  [
    'config that is not JSON',
    (m) => {
      m.config = '{"model": ';
    },
    /its "config" metadata is not JSON/,
  ],
  [
    'source that is null',
    (m) => {
      m.source = 'null';
    },
    /its "source" metadata should be a JSON object, found null/,
  ],
  [
    'a generation that is not a number',
    (m) => {
      delete m.generation;
    },
    /its "generation" metadata should be a non-negative integer, found null/,
  ],
];

test('checkpoint metadata is bounded and checked against the file before a model is built', async (t) => {
  const { dir, cleanup } = tempDir('hostile-ckpt');
  t.after(cleanup);
  for (const [what, edit, why] of CASES) {
    const file = join(dir, 'gen-0.safetensors');
    await writeCheckpoint(file, edit);
    await assert.rejects(
      loadModelCheckpoint(file),
      (e: unknown) => {
        assert.ok(e instanceof CheckpointError, `${what}: ${String(e)}`);
        assert.ok(e.message.startsWith(file), `${what}: ${e.message}`);
        assert.match(e.message, why, what);
        return true;
      },
      what,
    );
  }
  const ok = join(dir, 'ok.safetensors');
  await writeCheckpoint(ok);
  const ckpt = await loadModelCheckpoint(ok);
  assert.equal(ckpt.config.width, MODEL.width);
  ckpt.model.dispose();
});

test('seal eval on such a checkpoint: exit 1 with the file and the reason, nothing written', async (t) => {
  const { dir, cleanup } = tempDir('hostile-ckpt-cli');
  t.after(cleanup);
  const file = join(dir, 'gen-0.safetensors');
  await writeCheckpoint(file, source({ numClasses: 2e9 }));
  const before = snapshot(dir);
  refused(
    seal(['eval', 'all', '--checkpoint', file, '--out-dir', join(dir, 'evals')]),
    1,
    `${file}: its source record should have "numClasses"`,
  );
  unchanged(dir, before);
});
