// The MAT v5 reader on files this test writes byte by byte: both byte orders, MATLAB's compact
// storage of doubles, small data elements, char, cell and struct arrays, compressed variables, and
// damaged or hostile files (cut short, lying sizes, a zlib bomb, deep nesting, every byte flipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { matNumbers, matStrings, readMat5, readMatFile, type MatValue } from '../../src/data/mat5.js';
import { dataError, put, tempDir } from './fixtures.js';

type Order = 'le' | 'be';
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  DOUBLE: 9,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
};
const CLS = { CELL: 1, STRUCT: 2, CHAR: 4, SPARSE: 5, DOUBLE: 6 };
const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 9: 8 };

/** Numbers as raw bytes of one storage type. */
function raw(type: number, values: number[], o: Order): Buffer {
  const size = SIZE[type]!;
  const b = Buffer.alloc(values.length * size);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = o === 'le';
  values.forEach((x, i) => {
    const at = i * size;
    if (type === MI.INT8) v.setInt8(at, x);
    else if (type === MI.UINT8) v.setUint8(at, x);
    else if (type === MI.INT16) v.setInt16(at, x, le);
    else if (type === MI.UINT16) v.setUint16(at, x, le);
    else if (type === MI.INT32) v.setInt32(at, x, le);
    else if (type === MI.UINT32) v.setUint32(at, x, le);
    else v.setFloat64(at, x, le);
  });
  return b;
}
const u32 = (v: number, o: Order): Buffer => raw(MI.UINT32, [v], o);

/** A tagged element, padded to 8 bytes; `small` packs up to 4 bytes into the tag. */
function el(type: number, data: Buffer, o: Order, small = false): Buffer {
  if (small) {
    assert.ok(data.length <= 4);
    const word = (data.length << 16) | type;
    return Buffer.concat([u32(word >>> 0, o), data, Buffer.alloc(4 - data.length)]);
  }
  const pad = (8 - (data.length % 8)) % 8;
  return Buffer.concat([u32(type, o), u32(data.length, o), data, Buffer.alloc(pad)]);
}

/** A miMATRIX element: flags, dimensions, name, then `body` (already tagged elements). */
function matrix(name: string, cls: number, dims: number[], body: Buffer[], o: Order, smallName = false): Buffer {
  const flags = el(MI.UINT32, Buffer.concat([u32(cls, o), u32(0, o)]), o);
  const dimsEl = el(MI.INT32, raw(MI.INT32, dims, o), o);
  const nameEl = el(MI.INT8, Buffer.from(name, 'latin1'), o, smallName && name.length <= 4);
  return el(MI.MATRIX, Buffer.concat([flags, dimsEl, nameEl, ...body]), o);
}
const doubles = (name: string, dims: number[], values: number[], o: Order, storage = MI.DOUBLE): Buffer =>
  matrix(name, CLS.DOUBLE, dims, [el(storage, raw(storage, values, o), o)], o);
const chars = (name: string, text: string, o: Order, storage = MI.UINT16): Buffer =>
  matrix(
    name,
    CLS.CHAR,
    [1, [...text].length],
    [
      storage === MI.UTF8
        ? el(MI.UTF8, Buffer.from(text, 'utf8'), o)
        : el(
            MI.UINT16,
            raw(
              MI.UINT16,
              [...text].map((c) => c.charCodeAt(0)),
              o,
            ),
            o,
            text.length <= 2,
          ),
    ],
    o,
  );
const cellOf = (name: string, items: Buffer[], o: Order, dims = [items.length, 1]): Buffer =>
  matrix(name, CLS.CELL, dims, items, o);
const compressed = (element: Buffer, o: Order): Buffer => {
  const z = deflateSync(element);
  return Buffer.concat([u32(MI.COMPRESSED, o), u32(z.length, o), z]);
};

/** A whole file: the 128-byte header, then the elements. */
function matFile(
  o: Order,
  elements: Buffer[],
  version = 0x0100,
  text = 'MATLAB 5.0 MAT-file, written by seal tests',
): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write(text, 0, 'latin1');
  h.fill(0, 116, 124);
  if (o === 'le') {
    h.writeUInt16LE(version, 124);
    h.write('IM', 126, 'latin1');
  } else {
    h.writeUInt16BE(version, 124);
    h.write('MI', 126, 'latin1');
  }
  return Buffer.concat([h, ...elements]);
}

const FILES = ['a/b_1.jpg', 'c/d_2.jpg', 'éé/x.jpg'];
const sample = (o: Order): Buffer =>
  matFile(o, [
    doubles('labels', [1, 5], [1, 2, 2, 3, 1], o, MI.UINT8),
    doubles('x', [1, 3], [1.5, -2, 1e10], o),
    cellOf(
      'file_list',
      FILES.map((f) => cellOf('', [chars('', f, o)], o, [1, 1])),
      o,
    ),
    chars('s', 'hi', o),
  ]);

test('both byte orders read the same: doubles stored as uint8, doubles, a cell of 1x1 cells of strings, a small char', () => {
  for (const o of ['le', 'be'] as const) {
    const vars = readMat5(sample(o), `${o}.mat`);
    assert.deepEqual([...vars.keys()], ['labels', 'x', 'file_list', 's']);
    assert.deepEqual(Array.from(matNumbers(vars, 'labels', 'f')), [1, 2, 2, 3, 1]);
    const labels = vars.get('labels') as MatValue & { kind: 'numeric' };
    assert.equal(labels.className, 'double');
    assert.deepEqual(labels.dims, [1, 5]);
    assert.deepEqual(Array.from(matNumbers(vars, 'x', 'f')), [1.5, -2, 1e10]);
    assert.deepEqual(matStrings(vars, 'file_list', 'f'), FILES);
    assert.deepEqual(matStrings(vars, 's', 'f'), ['hi']);
  }
});

test('compressed variables (one zlib stream each) read as the plain ones', () => {
  for (const o of ['le', 'be'] as const) {
    const plain = readMat5(sample(o), 'p.mat');
    const parts = [
      compressed(doubles('labels', [1, 5], [1, 2, 2, 3, 1], o, MI.UINT8), o),
      doubles('x', [1, 3], [1.5, -2, 1e10], o),
      compressed(
        cellOf(
          'file_list',
          FILES.map((f) => chars('', f, o, MI.UTF8)),
          o,
        ),
        o,
      ),
      compressed(chars('s', 'hi', o), o),
    ];
    const z = readMat5(matFile(o, parts), 'z.mat');
    assert.deepEqual(Array.from(matNumbers(z, 'labels', 'z')), Array.from(matNumbers(plain, 'labels', 'p')));
    assert.deepEqual(matStrings(z, 'file_list', 'z'), FILES);
    assert.deepEqual(matStrings(z, 's', 'z'), ['hi']);
  }
});

test('a char matrix is read row by row from its column-major data; a struct by field; [] in a cell is an empty string', () => {
  const o = 'le';
  // 2x3 ['abc'; 'def'] is stored a, d, b, e, c, f.
  const m = matrix(
    'm',
    CLS.CHAR,
    [2, 3],
    [
      el(
        MI.UINT16,
        raw(
          MI.UINT16,
          [...'adbecf'].map((c) => c.charCodeAt(0)),
          o,
        ),
        o,
      ),
    ],
    o,
  );
  const fields = Buffer.alloc(2 * 8);
  fields.write('n', 0, 'latin1');
  fields.write('name', 8, 'latin1');
  const st = matrix(
    'st',
    CLS.STRUCT,
    [1, 1],
    [
      el(MI.INT32, raw(MI.INT32, [8], o), o, true),
      el(MI.INT8, fields, o),
      doubles('', [1, 1], [7], o),
      chars('', 'rose', o),
    ],
    o,
    true,
  );
  const empty = cellOf('c', [chars('', 'x', o), el(MI.MATRIX, Buffer.alloc(0), o)], o);
  const vars = readMat5(matFile(o, [m, st, empty]), 'm.mat');
  assert.deepEqual(matStrings(vars, 'm', 'm.mat'), ['abc', 'def']);
  const s = vars.get('st');
  assert.ok(s?.kind === 'struct');
  assert.deepEqual(s.fields, ['n', 'name']);
  assert.deepEqual(Array.from((s.elements[0]!['n'] as MatValue & { kind: 'numeric' }).real), [7]);
  assert.deepEqual((s.elements[0]!['name'] as MatValue & { kind: 'char' }).rows, ['rose']);
  assert.deepEqual(matStrings(vars, 'c', 'm.mat'), ['x', '']);
});

test('a file cut short anywhere is a DataError naming the file, never a RangeError', () => {
  const whole = matFile('le', [
    compressed(doubles('labels', [1, 3], [1, 2, 3], 'le'), 'le'),
    sample('le').subarray(128),
  ]);
  for (let len = 0; len < whole.length; len++) {
    try {
      readMat5(whole.subarray(0, len), 'cut.mat');
    } catch (e) {
      assert.equal((e as Error).name, 'DataError', `cut at ${len}: ${String(e)}`);
      assert.match((e as Error).message, /^cut\.mat: [^]*\nhint: /, `cut at ${len}`);
    }
  }
  assert.throws(
    () => readMat5(sample('le').subarray(0, 230), 'cut.mat'),
    dataError('DATA_CORRUPT', 'cut.mat', 'cut short', 'says', 'bytes of data, but only'),
  );
  assert.throws(
    () => readMat5(Buffer.alloc(40), 'tiny.mat'),
    dataError('DATA_CORRUPT', 'tiny.mat', '128-byte header', 'only 40 bytes'),
  );
});

test('every single flipped byte gives the right values or a DataError, never another error', () => {
  const good = sample('be');
  for (let i = 0; i < good.length; i++) {
    for (const x of [0xff, 0x80, 0x01]) {
      const bad = Buffer.from(good);
      bad[i] = bad[i]! ^ x;
      try {
        readMat5(bad, 'flip.mat');
      } catch (e) {
        assert.equal((e as Error).name, 'DataError', `byte ${i} ^ ${x}: ${String(e)}`);
      }
    }
  }
});

test('not a v5 file: v7.3 (HDF5) is named with how to re-save it; no "IM"/"MI" is not MAT v5', () => {
  assert.throws(
    () => readMat5(matFile('le', [], 0x0200, 'MATLAB 7.3 MAT-file'), 'new.mat'),
    dataError('DATA_FORMAT', 'new.mat', 'v7.3', '-v7'),
  );
  const v4 = Buffer.alloc(200);
  assert.throws(
    () => readMat5(v4, 'old.mat'),
    dataError('DATA_FORMAT', 'old.mat', 'not a MATLAB v5 MAT-file', 'bytes 126-127'),
  );
  assert.throws(
    () => readMat5(matFile('le', [], 0x0300), 'ver.mat'),
    dataError('DATA_FORMAT', 'ver.mat', 'version 0x0100', 'found 0x0300'),
  );
});

test('lying sizes are refused before anything is allocated: a huge cell, values that do not fill the dimensions', () => {
  const o = 'le';
  const huge = matrix('c', CLS.CELL, [100000, 100000], [chars('', 'x', o)], o);
  assert.throws(
    () => readMat5(matFile(o, [huge]), 'huge.mat'),
    dataError('DATA_CORRUPT', 'huge.mat', '"c"', '100000x100000', 'only'),
  );
  const short = doubles('v', [1, 4], [1, 2, 3], o);
  assert.throws(
    () => readMat5(matFile(o, [short]), 's.mat'),
    dataError('DATA_CORRUPT', 's.mat', '"v"', 'should hold 4 values', 'holds 3'),
  );
  const sparse = matrix('sp', CLS.SPARSE, [3, 3], [], o);
  assert.throws(
    () => readMat5(matFile(o, [sparse]), 'sp.mat'),
    dataError('DATA_FORMAT', 'sp.mat', '"sp"', 'sparse', 'does not read'),
  );
});

test('a zlib bomb stops at the inflate budget; cells nested too deep are refused', () => {
  const o = 'le';
  const big = doubles('z', [1, 200000], new Array<number>(200000).fill(0), o);
  assert.throws(
    () => readMat5(matFile(o, [compressed(big, o)]), 'bomb.mat', { maxInflated: 100_000 }),
    dataError('DATA_CORRUPT', 'bomb.mat', 'inflates to more than the 100000 bytes'),
  );
  assert.equal(matNumbers(readMat5(matFile(o, [compressed(big, o)]), 'ok.mat'), 'z', 'ok.mat').length, 200000);
  let nested = chars('', 'deep', o);
  for (let i = 0; i < 40; i++) nested = cellOf(i === 39 ? 'n' : '', [nested], o, [1, 1]);
  assert.throws(
    () => readMat5(matFile(o, [nested]), 'deep.mat'),
    dataError('DATA_CORRUPT', 'deep.mat', 'more than 32 deep'),
  );
});

test('readMatFile names a missing file; matNumbers/matStrings name a missing or mistyped variable', async (t) => {
  const { dir, cleanup } = tempDir('mat5');
  t.after(cleanup);
  await assert.rejects(readMatFile(join(dir, 'none.mat'), 'extract it'), dataError('DATA_MISSING', 'none.mat'));
  const file = put(join(dir, 'a.mat'), sample('le'));
  const vars = await readMatFile(file, 'extract it');
  assert.throws(
    () => matNumbers(vars, 'trnid', file),
    dataError('DATA_FORMAT', file, '"trnid"', '"labels", "x", "file_list", "s"'),
  );
  assert.throws(() => matNumbers(vars, 'file_list', file), dataError('DATA_FORMAT', '"file_list"', 'a cell array'));
  assert.throws(() => matStrings(vars, 'x', file), dataError('DATA_FORMAT', '"x"', 'a double array'));
});

const python = '/usr/bin/python3';
const hasScipy = spawnSync(python, ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0;

test(
  'files written by scipy.io.savemat (plain and compressed) read as scipy wrote them',
  { skip: hasScipy ? false : `${python} has no scipy.io` },
  async (t) => {
    const { dir, cleanup } = tempDir('mat5-scipy');
    t.after(cleanup);
    const script = `
import numpy as np, scipy.io, sys
d = sys.argv[1]
files = np.empty((3, 1), dtype=object)
for i, f in enumerate(['a/b_1.jpg', 'c/d_2.jpg', 'x/y.jpg']):
    files[i, 0] = np.array([f])
for z in (False, True):
    scipy.io.savemat(f"{d}/{'z' if z else 'p'}.mat", {'labels': np.array([[1.0, 2, 3, 102]]), 'file_list': files, 'tstid': np.arange(1, 7, dtype=np.uint16).reshape(1, 6)}, do_compression=z)
`;
    const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['p.mat', 'z.mat']) {
      const vars = await readMatFile(join(dir, name), '');
      assert.deepEqual(Array.from(matNumbers(vars, 'labels', name)), [1, 2, 3, 102]);
      assert.deepEqual(Array.from(matNumbers(vars, 'tstid', name)), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(matStrings(vars, 'file_list', name), ['a/b_1.jpg', 'c/d_2.jpg', 'x/y.jpg']);
    }
  },
);
