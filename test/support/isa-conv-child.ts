// Child process of test/nn/isa.test.ts: runs strided 1x1 convolutions forward and backward (the
// shapes that reach oneDNN's broken AVX2 weight-gradient kernel, and neighbours) and writes
// every output and gradient as float32 to the folder given, so that runs under different
// ONEDNN_MAX_CPU_ISA caps can be compared. oneDNN reads the cap when it first runs a primitive,
// so each cap needs its own process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conv2d, Generator, randn, setNumThreads, tidy, type MemoryFormat } from '../../src/backend/index.js';

/** One convolution: input [batch, cin, size, size], a [cout, cin, 1, 1] weight. */
export interface IsaConvCase {
  name: string;
  cin: number;
  cout: number;
  stride: number;
  padding: number;
  format: MemoryFormat;
}

const big = (cin: number, cout: number, stride: number, padding: number, format: MemoryFormat): IsaConvCase => ({
  name: `${cin}->${cout} stride ${stride} padding ${padding} ${format}`,
  cin,
  cout,
  stride,
  padding,
  format,
});

export const ISA_CONV_CASES: IsaConvCase[] = [
  big(4, 8, 2, 0, 'channels_last'),
  big(2, 4, 2, 0, 'channels_last'),
  big(4, 4, 2, 0, 'channels_last'),
  big(5, 8, 2, 0, 'channels_last'),
  big(4, 8, 3, 0, 'channels_last'),
  big(4, 8, 4, 0, 'channels_last'),
  big(4, 8, 2, 1, 'channels_last'),
  big(8, 16, 2, 0, 'channels_last'),
  big(16, 32, 2, 0, 'channels_last'),
  big(4, 8, 2, 0, 'contiguous'),
];
export const ISA_CONV_BATCH = 64;
export const ISA_CONV_SIZE = 28;
/** Each case runs this many times: the corruption does not crash on every call. */
const REPEATS = 3;

function main(out: string): void {
  setNumThreads(1);
  ISA_CONV_CASES.forEach((c, i) => {
    for (let r = 0; r < REPEATS; r++) {
      tidy(() => {
        const g = new Generator(100 + i);
        const x = randn([ISA_CONV_BATCH, c.cin, ISA_CONV_SIZE, ISA_CONV_SIZE], { generator: g });
        const w = randn([c.cout, c.cin, 1, 1], { generator: g });
        x.setMemoryFormat_(c.format).requiresGrad_();
        w.setMemoryFormat_(c.format).requiresGrad_();
        const y = conv2d(x, w, null, { stride: c.stride, padding: c.padding });
        y.mul(randn(y.shape, { generator: g }))
          .sum()
          .backward();
        if (r > 0) return;
        for (const [k, t] of [
          ['y', y],
          ['gx', x.grad!],
          ['gw', w.grad!],
        ] as const) {
          const a = Float32Array.from(t.toArray() as Float32Array);
          writeFileSync(join(out, `${i}-${k}.bin`), Buffer.from(a.buffer));
        }
      });
    }
  });
}

if (process.argv[2] === '--run') main(process.argv[3]!);
