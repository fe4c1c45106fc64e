// Malformed safetensors files: each is refused with the file's name and what is wrong, never
// loaded (a negative offset used to read the header's own bytes as a tensor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, loadSafetensors } from '../../src/index.js';
import { readSafetensorsMetadata } from '../../src/io/safetensors.js';
import { tempDir } from '../data/fixtures.js';
import { refused, seal, snapshot, unchanged } from './support.js';

/** A safetensors file from a header (an object, or raw text) and the data section. */
function raw(header: unknown, data: Buffer, headerText = JSON.stringify(header)): Buffer {
  const json = Buffer.from(headerText);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
const data = (n: number) => Buffer.alloc(n, 1);

const CASES: [string, Buffer, RegExp][] = [
  [
    'a negative begin offset',
    raw({ w: f32([2], -100, 8) }, data(8)),
    /tensor w: data_offsets should be \[begin, end\], two non-negative integers with begin <= end, found \[-100,8\]/,
  ],
  ['begin after end', raw({ w: f32([0], 8, 4) }, data(8)), /found \[8,4\]/],
  ['fractional offsets', raw({ w: f32([2], 0.5, 8.5) }, data(9)), /found \[0\.5,8\.5\]/],
  [
    'overlapping ranges',
    raw({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, data(8)),
    /tensor b \(bytes 4\.\.8\) overlaps tensor a, which ends at byte 8/,
  ],
  [
    'a gap between tensors',
    raw({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, data(12)),
    /bytes 4\.\.8 of the data belong to no tensor \(a gap before b\)/,
  ],
  [
    'data not covered to its end',
    raw({ a: f32([1], 0, 4) }, data(8)),
    /the tensors cover 4 bytes of data, but the file holds 8 after the header/,
  ],
  ['a range past the end', raw({ a: f32([4], 0, 16) }, data(8)), /cover 16 bytes of data, but the file holds 8/],
  ['a header that is null', raw(null, data(0)), /the header should be a JSON object of tensors, but it is null/],
  [
    'a header that is an array',
    raw([1, 2], data(0)),
    /the header should be a JSON object of tensors, but it is an array/,
  ],
  [
    'an entry without data_offsets',
    raw({ w: { dtype: 'F32', shape: [1] } }, data(4)),
    /tensor w: data_offsets should be .*found nothing/,
  ],
  [
    'an entry that is a number',
    raw({ w: 3 }, data(0)),
    /tensor w should be an object with dtype, shape and data_offsets, but it is number 3/,
  ],
  [
    'a shape that does not match the bytes',
    raw({ w: f32([3], 0, 8) }, data(8)),
    /tensor w: shape \[3\] of F32 needs 12 bytes, but data_offsets \[0, 8\] hold 8/,
  ],
  [
    'a negative dimension',
    raw({ w: f32([-2], 0, 8) }, data(8)),
    /tensor w: shape should be a list of non-negative integers, found \[-2\]/,
  ],
  [
    'an unsupported dtype',
    raw({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, data(4)),
    /tensor w has unsupported dtype F16/,
  ],
  [
    'metadata that is not all strings',
    raw({ __metadata__: { format: 1 } }, data(0)),
    /__metadata__ should map strings to strings, but "format" holds number 1/,
  ],
  [
    'metadata that is an array',
    raw({ __metadata__: ['x'] }, data(0)),
    /__metadata__ should be an object of strings, but it is an array/,
  ],
  ['a header that is not JSON', raw(null, data(0), '{"w": '), /the header is not JSON/],
];

test('malformed safetensors files are refused with the file and the reason, before any tensor is made', async (t) => {
  const { dir, cleanup } = tempDir('hostile-st');
  t.after(cleanup);
  for (const [what, bytes, why] of CASES) {
    const file = join(dir, 'bad.safetensors');
    writeFileSync(file, bytes);
    await assert.rejects(
      loadSafetensors(file),
      (e: unknown) => {
        assert.ok(e instanceof CheckpointError, `${what}: ${String(e)}`);
        assert.ok(e.message.startsWith(`${file} is not a valid safetensors file: `), `${what}: ${e.message}`);
        assert.match(e.message, why, what);
        return true;
      },
      what,
    );
    assert.throws(() => readSafetensorsMetadata(file), why, `${what} (metadata only)`);
  }
  const file = join(dir, 'latin1.safetensors');
  const text = Buffer.from('{"__metadata__":{"a":"\xe9"}}', 'latin1');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(file, Buffer.concat([len, text]));
  await assert.rejects(loadSafetensors(file), /the header is not UTF-8 text/);
});

test("a header length beyond the format's limit is refused without allocating it", async (t) => {
  const { dir, cleanup } = tempDir('hostile-st-len');
  t.after(cleanup);
  const file = join(dir, 'huge.safetensors');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(2n ** 40n);
  writeFileSync(file, Buffer.concat([len, Buffer.from('{}')]));
  await assert.rejects(
    loadSafetensors(file),
    /header length 1099511627776 is over the format's limit of 100000000 bytes/,
  );
  assert.throws(() => readSafetensorsMetadata(file), /over the format's limit/);
  assert.throws(
    () => readSafetensorsMetadata(join(dir, 'missing.safetensors')),
    /cannot read checkpoint .*missing\.safetensors/,
  );
});

test('a well-formed file with tensors in any header order, empty tensors and padding still loads', async (t) => {
  const { dir, cleanup } = tempDir('hostile-st-ok');
  t.after(cleanup);
  const file = join(dir, 'ok.safetensors');
  const values = Buffer.alloc(12);
  [1, 2, 3].forEach((v, i) => values.writeFloatLE(v, 4 * i));
  const header = JSON.stringify({
    b: f32([1], 8, 12),
    e: f32([0, 3], 8, 8),
    a: f32([2], 0, 8),
    __metadata__: { k: 'v' },
  });
  writeFileSync(file, raw(null, values, header + '    '));
  const { tensors, metadata } = await loadSafetensors(file);
  assert.deepEqual([...tensors.keys()], ['a', 'e', 'b']);
  assert.deepEqual(tensors.get('a')?.toNumbers(), [1, 2]);
  assert.deepEqual(tensors.get('b')?.toNumbers(), [3]);
  assert.deepEqual(tensors.get('e')?.shape, [0, 3]);
  assert.deepEqual(metadata, { k: 'v' });
  for (const x of tensors.values()) x.dispose();
});

test('seal eval on a malformed checkpoint: exit 1, the file and the reason, no trace, nothing written', (t) => {
  const { dir, cleanup } = tempDir('hostile-st-cli');
  t.after(cleanup);
  const file = join(dir, 'gen-0.safetensors');
  writeFileSync(file, raw({ __metadata__: { format: 'seal-model-1' }, 'conv1.weight': f32([2], -100, 8) }, data(8)));
  const before = snapshot(dir);
  const r = seal(['eval', 'depth', '--checkpoint', file, '--out', join(dir, 'depth.json')]);
  refused(
    r,
    1,
    `${file} is not a valid safetensors file`,
    'tensor conv1.weight: data_offsets should be [begin, end]',
    'found [-100,8]',
  );
  unchanged(dir, before);
});

test('case 2: a file far larger than its header declares is refused from the header, without reading its data', async (t) => {
  const { dir, cleanup } = tempDir('hostile-safetensors-size');
  t.after(cleanup);
  const file = join(dir, 'big.safetensors');
  writeFileSync(file, raw({ a: f32([1], 0, 4) }, data(4)));
  // 6 GiB, sparse: reading it whole would take that much memory (and used to).
  truncateSync(file, 6 * 2 ** 30);
  const rss = process.memoryUsage().rss;
  await assert.rejects(
    loadSafetensors(file),
    (e: unknown) =>
      e instanceof CheckpointError &&
      /the tensors cover 4 bytes of data, but the file holds 6442450882 after the header/.test(e.message),
  );
  assert.ok(process.memoryUsage().rss - rss < 256 * 2 ** 20, 'memory stayed flat');
});
