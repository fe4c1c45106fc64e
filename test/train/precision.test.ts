// --precision bf16: autocast on the forward pass and the loss, float32 weights and optimizer.
// On the CPU, where CI can run it, SEAL trained in bf16 must track the same run in fp32:
// bfloat16 keeps 8 significant bits, so the runs drift apart step by step, but a working
// mixed-precision step follows the same course. Measured here (2 generations x 6 epochs of
// small-cnn on 512 tiny images; test accuracy on these images swings by 10 points from epoch to
// epoch, so the training figures are compared): last train loss 1.006 vs 0.998, train top-1
// 50.6% vs 51.0%, and every epoch's loss within 3%. Bounds: each epoch's loss within 8%, the last
// train accuracy within 6 points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuBf16Blocker, readCpuFeatures } from '../../src/backend/cpu-features.js';
import { gpuMath, train } from '../../src/index.js';
import type { SmallCnn } from '../../src/models/small-cnn.js';
import { tinyData } from '../support/tiny-data.js';

const RUN = {
  model: 'small-cnn',
  width: 1,
  generations: 2,
  epochs: 6,
  batchSize: 32,
  evalInterval: 6,
  lr: 0.05,
  method: 'seal',
} as const;

const blocker = cpuBf16Blocker(readCpuFeatures()?.flags ?? new Set(), process.env);

test(
  'SEAL in bf16 on the CPU: float32 weights, and loss and accuracy near the fp32 run',
  { skip: blocker ?? false },
  async () => {
    const runs = [];
    for (const precision of ['fp32', 'bf16'] as const) {
      const r = await train({ ...RUN, precision }, { data: tinyData({ train: 512, test: 256 }) });
      const fc = (r.model as SmallCnn).fc.weight;
      runs.push({ rows: r.rows, dtype: fc.dtype, fc: fc.toNumbers() });
      r.model.dispose();
    }
    const [fp32, bf16] = runs as [(typeof runs)[0], (typeof runs)[0]];
    assert.equal(bf16.dtype, 'float32', 'master weights stay float32');
    assert.notDeepEqual(bf16.fc, fp32.fc, 'bf16 arithmetic moved the weights (autocast was on)');
    assert.equal(bf16.rows.length, 12);
    bf16.rows.forEach((r, i) => {
      const ref = fp32.rows[i]!.trainLoss;
      assert.ok(
        Math.abs(r.trainLoss - ref) <= 0.08 * ref,
        `epoch ${i}: train loss ${r.trainLoss} in bf16 vs ${ref} in fp32`,
      );
    });
    const [a16, a32] = [bf16.rows.at(-1)!.trainAcc, fp32.rows.at(-1)!.trainAcc];
    assert.ok(Math.abs(a16 - a32) <= 0.06, `train top-1 ${a16} in bf16 vs ${a32} in fp32`);
  },
);

test('bf16 on the CPU needs AVX-512 BW, VL and DQ, and no oneDNN cap below AVX-512', () => {
  const avx512 = new Set(['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq']);
  assert.equal(cpuBf16Blocker(avx512, {}), null);
  assert.equal(cpuBf16Blocker(avx512, { ONEDNN_MAX_CPU_ISA: 'AVX512_CORE_BF16' }), null);
  assert.equal(cpuBf16Blocker(new Set(['avx2', 'fma']), {}), 'this CPU lacks avx512bw, avx512vl, avx512dq');
  assert.equal(
    cpuBf16Blocker(avx512, { ONEDNN_MAX_CPU_ISA: 'avx2' }),
    'ONEDNN_MAX_CPU_ISA=avx2 caps oneDNN below AVX-512',
  );
  assert.equal(
    cpuBf16Blocker(avx512, { DNNL_MAX_CPU_ISA: 'SSE41' }),
    'DNNL_MAX_CPU_ISA=SSE41 caps oneDNN below AVX-512',
  );
});

test('seal train --precision bf16 where the CPU cannot is refused before anything is written', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const out = fileURLToPath(new URL('../../bf16-refused-run', import.meta.url));
  const r = spawnSync(process.execPath, [main, 'train', '--precision', 'bf16', '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX2' },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--precision bf16 on the CPU needs oneDNN's bfloat16 kernels \(AVX-512 BW, VL and DQ\): /);
  assert.match(r.stderr, /hint: use --precision fp32 here, or bf16 on a GPU/);
  assert.equal(existsSync(out), false, 'no run folder');
});

test("tf32 and deterministic reach libtorch's context: off by default, with cuDNN's benchmark mode", async () => {
  const data = tinyData({ train: 64, test: 32 });
  const small = { model: 'small-cnn', width: 0.25, generations: 1, epochs: 1, batchSize: 32 } as const;
  const seen = [];
  for (const o of [{}, { tf32: true, deterministic: true }]) {
    const r = await train({ ...small, ...o }, { data });
    r.model.dispose();
    seen.push(gpuMath());
  }
  assert.deepEqual(seen, [
    { tf32Convolutions: false, tf32Matmul: false, deterministic: false, benchmark: true },
    { tf32Convolutions: true, tf32Matmul: true, deterministic: true, benchmark: false },
  ]);
});
