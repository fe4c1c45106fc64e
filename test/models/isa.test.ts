// Every model seal offers, at widths from 1/16 to 1, in both layouts and with gray and colour
// input, trains the same under oneDNN's AVX2 and SSE4.1 kernels as under the CPU's own: the
// kernels an older CPU runs, checked on this one (ONEDNN_MAX_CPU_ISA caps oneDNN's choice; the
// cap is read once per process, hence one child process per cap). A kernel that corrupts memory
// crashes its child; one that computes wrongly moves a loss or the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readCpuFeatures } from '../../src/backend/cpu-features.js';
import type { IsaTrainResult } from '../support/isa-train-child.js';

const child = fileURLToPath(new URL('../support/isa-train-child.js', import.meta.url));
const flags = readCpuFeatures()?.flags ?? new Set<string>();
const CAPS = [
  { isa: 'AVX2', needs: 'avx2' },
  { isa: 'SSE41', needs: 'sse4_1' },
].filter((c) => flags.has(c.needs));

function trainUnder(isa: string | null): IsaTrainResult[] {
  const env = { ...process.env };
  delete env.DNNL_MAX_CPU_ISA;
  delete env.ONEDNN_MAX_CPU_ISA;
  if (isa !== null) env.ONEDNN_MAX_CPU_ISA = isa;
  const r = spawnSync(process.execPath, [child, '--run'], { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  assert.equal(r.signal, null, `under ONEDNN_MAX_CPU_ISA=${isa} the child died of ${r.signal}:\n${r.stderr}`);
  assert.equal(r.status, 0, `under ONEDNN_MAX_CPU_ISA=${isa}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as IsaTrainResult[];
}

// float32 convolutions and GEMMs sum in another order per ISA, as they do per thread count. On
// these small, badly conditioned nets (BatchNorm over 8 images of 1x1 maps) that alone moves a
// gradient norm by up to 0.6% (seen: 2 threads instead of 1) and the loss by < 1e-4; the bound
// is 5x that, while a kernel that corrupts memory or computes wrongly moves them by O(1).
const close = (a: number, b: number) => Number.isFinite(a) && Math.abs(a - b) <= 3e-2 * Math.max(1, Math.abs(b));

test(
  'every model, width and layout takes the same step under the AVX2 and SSE4.1 caps as uncapped',
  {
    skip: CAPS.length === 0 && 'the CPU has neither AVX2 nor SSE4.1',
  },
  () => {
    const ref = trainUnder(null);
    assert.equal(ref.length, 5 * 4 * 2 * 2);
    for (const cap of CAPS) {
      const got = trainUnder(cap.isa);
      assert.equal(got.length, ref.length);
      got.forEach((g, i) => {
        const r = ref[i]!;
        assert.equal(g.name, r.name);
        for (const k of ['loss', 'gradNorm', 'paramAbsSum'] as const)
          assert.ok(close(g[k], r[k]), `${g.name} under ${cap.isa}: ${k} ${g[k]} vs ${r[k]} uncapped`);
      });
    }
  },
);
