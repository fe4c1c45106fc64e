// Kernels chosen by the CPU's instruction set. oneDNN (libtorch's convolutions) picks its JIT
// kernels by the widest ISA the CPU has; ONEDNN_MAX_CPU_ISA caps that choice, so the kernels an
// AVX2-only or SSE4.1-only CPU runs can be run, and tested, on any newer one. oneDNN 2.6's AVX2
// weight gradient of a strided 1x1 convolution in NHWC with fewer than 8 input channels writes
// past its buffer; seal computes strided 1x1 convolutions as stride-1 ones on a sampled input
// (native/nn.cc). These tests run the affected shapes in child processes under each cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuFeatures } from '../../src/backend/cpu-features.js';
import { ISA_CONV_CASES } from '../support/isa-conv-child.js';

const child = fileURLToPath(new URL('../support/isa-conv-child.js', import.meta.url));
const backend = new URL('../../src/backend/index.js', import.meta.url).href;
const flags = readCpuFeatures()?.flags ?? new Set<string>();
// A cap only narrows: each is tested where the CPU has more than it.
// `wider` matches the kernel names of ISAs above the cap (oneDNN names a kernel <kind>:<isa>).
const CAPS = [
  { isa: 'AVX2', name: 'Intel AVX2', kernel: 'avx2', wider: /avx512/, needs: 'avx2' },
  { isa: 'SSE41', name: 'Intel SSE4.1', kernel: 'sse41', wider: /avx/, needs: 'sse4_1' },
].filter((c) => flags.has(c.needs));

const capped = (isa: string | null): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.DNNL_MAX_CPU_ISA;
  delete env.ONEDNN_MAX_CPU_ISA;
  if (isa !== null) env.ONEDNN_MAX_CPU_ISA = isa;
  return env;
};

test(
  'ONEDNN_MAX_CPU_ISA reaches this libtorch: under a cap no convolution runs a wider kernel',
  {
    skip: CAPS.length === 0 && 'the CPU has neither AVX2 nor SSE4.1',
  },
  () => {
    const script = `const b = await import('${backend}'); b.setNumThreads(1);
    const x = b.randn([2, 16, 8, 8]).setMemoryFormat_('channels_last').requiresGrad_();
    const w = b.randn([16, 16, 3, 3]).setMemoryFormat_('channels_last').requiresGrad_();
    b.conv2d(x, w, null, { padding: 1 }).sum().backward();`;
    const kernelsUnder = (isa: string | null) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...capped(isa), ONEDNN_VERBOSE: '1' },
      });
      assert.equal(r.status, 0, r.stderr);
      // One line per primitive run: onednn_verbose,exec,cpu,convolution,<implementation>,<kind>,...
      const lines = r.stdout.split('\n');
      const kernels = lines
        .filter((l) => l.startsWith('onednn_verbose,exec,cpu,convolution,'))
        .map((l) => l.split(',')[4]!);
      assert.equal(kernels.length, 3, `forward, data and weight gradients expected, got:\n${r.stdout}`);
      return { kernels, isaLine: lines.find((l) => l.startsWith('onednn_verbose,info,cpu,isa:')) };
    };
    if (flags.has('avx512f')) assert.match(kernelsUnder(null).kernels.join(' '), /avx512/); // what the cap takes away
    for (const cap of CAPS) {
      const { kernels, isaLine } = kernelsUnder(cap.isa);
      assert.equal(isaLine, `onednn_verbose,info,cpu,isa:${cap.name}`);
      assert.ok(
        kernels.some((k) => k.endsWith(`:${cap.kernel}`)),
        `no ${cap.kernel} kernel in ${kernels.join(' ')}`,
      );
      for (const k of kernels) assert.doesNotMatch(k, cap.wider, `the ${cap.isa} cap ran the kernel ${k}`);
    }
  },
);

test(
  'strided 1x1 convolutions under each ISA cap run, and equal the uncapped results',
  {
    skip: CAPS.length === 0 && 'the CPU has neither AVX2 nor SSE4.1',
  },
  () => {
    const dirs: string[] = [];
    const run = (isa: string | null): string => {
      const dir = mkdtempSync(join(tmpdir(), 'seal-isa-'));
      dirs.push(dir);
      const r = spawnSync(process.execPath, [child, '--run', dir], { encoding: 'utf8', env: capped(isa) });
      assert.equal(r.signal, null, `under ONEDNN_MAX_CPU_ISA=${isa} the child died of ${r.signal}:\n${r.stderr}`);
      assert.equal(r.status, 0, `under ONEDNN_MAX_CPU_ISA=${isa}:\n${r.stderr}`);
      return dir;
    };
    const read = (dir: string, f: string) => {
      const b = readFileSync(join(dir, f)); // small files share Node's buffer pool: copy out the bytes
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    };
    try {
      const ref = run(null);
      for (const cap of CAPS) {
        const dir = run(cap.isa);
        ISA_CONV_CASES.forEach((c, i) => {
          for (const k of ['y', 'gx', 'gw']) {
            const [a, b] = [read(dir, `${i}-${k}.bin`), read(ref, `${i}-${k}.bin`)];
            assert.equal(a.length, b.length);
            let worst = 0;
            for (let j = 0; j < a.length; j++) {
              // float32 sums of up to 64*14*14 products, accumulated in another order per ISA
              const excess = Math.abs(a[j]! - b[j]!) - (1e-4 + 1e-4 * Math.abs(b[j]!));
              if (!(excess <= 0)) worst = Math.max(worst, Number.isNaN(excess) ? Infinity : excess);
            }
            assert.equal(worst, 0, `${c.name}, ${k} under ${cap.isa}: off by ${worst} beyond the tolerance`);
          }
        });
      }
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  },
);
