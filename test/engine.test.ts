// Unit tests of the engine's own behaviour: lifetime, errors, dtypes, devices, generators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  zeros,
  ones,
  randn,
  arange,
  Generator,
  tidy,
  keep,
  dispose,
  liveTensors,
  conv2d,
  noGrad,
  isGradEnabled,
  setNumThreads,
  getNumThreads,
  backendInfo,
  Tensor,
} from '../src/index.js';

test('tidy disposes what it created, keeps its result and kept tensors', () => {
  const before = liveTensors();
  let inner: Tensor | undefined;
  let kept: Tensor | undefined;
  const out = tidy(() => {
    inner = ones([3]).add(1);
    kept = keep(zeros([2]));
    return { a: inner.mul(2), list: [ones([1])] };
  });
  assert.equal(inner?.isDisposed, true);
  assert.equal(kept?.isDisposed, false);
  assert.deepEqual(out.a.toNumbers(), [4, 4, 4]);
  assert.equal(liveTensors(), before + 3);
  dispose([out, kept]);
  assert.equal(liveTensors(), before);
});

test('nested tidy moves a returned tensor to the enclosing scope', () => {
  const before = liveTensors();
  tidy(() => {
    const t = tidy(() => ones([2]).mul(3));
    assert.equal(t.isDisposed, false);
    assert.equal(liveTensors(), before + 1);
  });
  assert.equal(liveTensors(), before);
});

test('tidy disposes its tensors when the function throws', () => {
  const before = liveTensors();
  assert.throws(
    () =>
      tidy(() => {
        ones([4]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(liveTensors(), before);
});

test('tidy refuses an async function', () => {
  assert.throws(() => tidy(() => Promise.resolve(1)), /synchronous/);
});

test('a libtorch error names the op and the shapes of its inputs', () => {
  tidy(() => {
    assert.throws(
      () => conv2d(zeros([2, 3, 8, 8]), zeros([4, 2, 3, 3])),
      (e: Error) =>
        e.message.startsWith('conv2d(float32[2,3,8,8], float32[4,2,3,3]') &&
        /expected input\[2, 3, 8, 8\] to have 2 channels/.test(e.message),
    );
    assert.throws(
      () => ones([2, 3]).matmul(ones([4, 5])),
      /^Error: matmul\(float32\[2,3\], float32\[4,5\]\): .*cannot be multiplied/s,
    );
  });
});

test('using a disposed tensor is a clear error, not a crash', () => {
  const t = ones([2]);
  t.dispose();
  assert.throws(() => t.add(1), /disposed tensor/);
  assert.throws(() => t.shape, /has been disposed/);
  assert.equal(t.toString(), 'Tensor(disposed)');
});

test('asking for CUDA on a CPU-only build is an error that says so', { skip: backendInfo().cudaAvailable }, () => {
  assert.throws(
    () => zeros([2], { device: 'cuda' }),
    /device 'cuda' was requested, but this libtorch has no usable CUDA .*hint: use device 'cpu'/s,
  );
  assert.throws(() => ones([2]).to('cuda:1'), /no usable CUDA/);
  assert.throws(() => zeros([2], { device: 'tpu' }), /unknown device 'tpu'/);
});

test('new Tensor() is refused with a hint', () => {
  assert.throws(() => new Tensor(), /made by seal's functions/);
});

test('dtypes: typed arrays keep theirs, integer scalars keep integer tensors integer', () => {
  tidy(() => {
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Uint8Array([1, 2])).dtype, 'uint8');
    const labels = tensor([3, 1, 2], undefined, { dtype: 'int64' });
    assert.equal(labels.dtype, 'int64');
    assert.deepEqual(labels.add(1).toNumbers(), [4, 2, 3]);
    assert.equal(labels.add(1).dtype, 'int64');
    assert.equal(labels.mul(0.5).dtype, 'float32');
    assert.ok(labels.toArray() instanceof BigInt64Array);
    assert.equal(arange(0, 5).dtype, 'int64');
    // As in PyTorch: a negative integer scalar keeps an integer tensor integer; -0.0 and
    // fractions promote it; arange(end) counts from 0, and a fractional step gives float32.
    assert.deepEqual([arange(0, 3).add(-1).dtype, arange(0, 3).add(-1).toNumbers()], ['int64', [-1, 0, 1]]);
    assert.deepEqual([arange(0, 3).mul(-2).dtype, arange(0, 3).mul(-2).toNumbers()], ['int64', [0, -2, -4]]);
    assert.equal(arange(0, 3).add(-0).dtype, 'float32');
    assert.deepEqual([arange(3).dtype, arange(3).toNumbers()], ['int64', [0, 1, 2]]);
    assert.deepEqual([arange(0, 1, 0.25).dtype, arange(0, 1, 0.25).toNumbers()], ['float32', [0, 0.25, 0.5, 0.75]]);
    assert.deepEqual(ones([2]).gt(0).toNumbers(), [1, 1]);
    assert.throws(() => tensor(new Float32Array(5), [2, 2]), /needs 4 elements, but the array has 5/);
  });
});

test('buffer() is a zero-copy view; toArray() is a copy', () => {
  const t = zeros([4]);
  const view = t.buffer() as Float32Array;
  view[2] = 7;
  assert.deepEqual(t.toNumbers(), [0, 0, 7, 0]);
  const copy = t.toArray() as Float32Array;
  copy[0] = 9;
  assert.equal(t.toNumbers()[0], 0);
  t.dispose();
  assert.equal(view[2], 7, 'the view keeps the memory alive after dispose');
  tidy(() => assert.throws(() => ones([2, 3]).transpose(0, 1).buffer(), /contiguous CPU tensor/));
});

test('generators: same seed same draws; getState/setState replays a stream', () => {
  tidy(() => {
    const a = randn([5], { generator: new Generator(42) }).toNumbers();
    const b = randn([5], { generator: new Generator(42) }).toNumbers();
    assert.deepEqual(a, b);
    const g = new Generator(7);
    randn([3], { generator: g });
    const state = g.getState();
    const first = randn([4], { generator: g }).toNumbers();
    g.setState(state);
    assert.deepEqual(randn([4], { generator: g }).toNumbers(), first);
    assert.notDeepEqual(randn([4], { generator: g }).toNumbers(), first);
  });
});

test('noGrad switches gradient recording off and restores it', () => {
  assert.equal(isGradEnabled(), true);
  tidy(() => {
    const w = ones([2]).requiresGrad_();
    const y = noGrad(() => w.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(w.mul(2).requiresGrad, true);
    w.dispose();
  });
  assert.equal(isGradEnabled(), true);
});

test('thread count is settable and defaults to the cores', () => {
  const n = getNumThreads();
  assert.ok(n >= 1);
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(n);
  assert.throws(() => setNumThreads(0), /at least 1/);
});
