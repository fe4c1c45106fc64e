// The OpenBLAS kernel choice: the pure rule (CPU flags + OpenBLAS's pick → core type or none),
// that a choice made in process.env before the addon loads reaches OpenBLAS, and `seal info`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chooseOpenblasCoreType, selectOpenblasCoreType, type CpuFeatures } from '../src/backend/cpu-features.js';
import { backendInfo } from '../src/index.js';

const cpu = (vendor: string, flags: string): CpuFeatures => ({ vendor, flags: new Set(flags.split(' ')) });
const AVX512 = 'sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl';
const AVX2 = 'sse4_2 avx fma avx2';

test('a generic or older core on an AVX-512 or AVX2 CPU gets the matching kernels', () => {
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX512), 'Prescott'), 'SkylakeX');
  assert.equal(chooseOpenblasCoreType(cpu('AuthenticAMD', AVX512), 'Haswell'), 'SkylakeX');
  assert.equal(chooseOpenblasCoreType(cpu('AuthenticAMD', AVX512), 'Zen'), 'SkylakeX');
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX2), 'Nehalem'), 'Haswell');
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX2), 'Core2'), 'Haswell');
  assert.equal(chooseOpenblasCoreType(cpu('AuthenticAMD', AVX2), 'Barcelona'), 'Zen');
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX2), 'Sandybridge'), 'Haswell');
});

test('a core as wide as the CPU, an unknown core name or a CPU without AVX2 is left alone', () => {
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX512), 'SkylakeX'), null);
  assert.equal(chooseOpenblasCoreType(cpu('AuthenticAMD', AVX512), 'Cooperlake'), null);
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX512), 'SapphireRapids'), null);
  assert.equal(chooseOpenblasCoreType(cpu('AuthenticAMD', AVX2), 'Zen'), null);
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX2), 'Haswell'), null);
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', AVX512), 'SomeFutureCore'), null);
  // AVX-512F alone (e.g. Xeon Phi) is not what the SkylakeX kernels need: AVX2 kernels then.
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', 'avx fma avx2 avx512f avx512cd'), 'Prescott'), 'Haswell');
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', 'sse4_2 avx'), 'Nehalem'), 'Sandybridge');
  assert.equal(chooseOpenblasCoreType(cpu('GenuineIntel', 'sse4_2'), 'Prescott'), null);
});

test('a user-set OPENBLAS_CORETYPE is never replaced, and nothing is probed for an older CPU', () => {
  const env: NodeJS.ProcessEnv = { OPENBLAS_CORETYPE: 'Prescott' };
  assert.deepEqual(selectOpenblasCoreType(env, cpu('GenuineIntel', AVX512)), {
    user: 'Prescott',
    reported: null,
    chosen: null,
  });
  assert.equal(env.OPENBLAS_CORETYPE, 'Prescott');
  const old: NodeJS.ProcessEnv = {};
  assert.deepEqual(selectOpenblasCoreType(old, cpu('GenuineIntel', 'sse4_2')), {
    user: null,
    reported: null,
    chosen: null,
  });
  assert.equal(old.OPENBLAS_CORETYPE, undefined);
});

const openblas = backendInfo().blasCore !== null;
const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const backend = new URL('../src/backend/index.js', import.meta.url).href;

test(
  'OPENBLAS_CORETYPE set in process.env before the addon loads is the kernel OpenBLAS reports',
  { skip: !openblas && 'the BLAS is not OpenBLAS' },
  () => {
    // A fresh process each: OpenBLAS reads the variable once, when it loads.
    for (const core of ['Prescott', 'Haswell']) {
      const script = `process.env.OPENBLAS_CORETYPE = '${core}'; const b = await import('${backend}'); console.log(b.backendInfo().blasCore);`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_CORETYPE: '' },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), core);
    }
  },
);

test('seal info prints the BLAS library and its kernel', { skip: !openblas && 'the BLAS is not OpenBLAS' }, () => {
  const r = spawnSync(process.execPath, [main, 'info'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_CORETYPE: 'Haswell' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^BLAS: OpenBLAS \S+, kernel Haswell \(OPENBLAS_CORETYPE=Haswell set by the user\); OpenBLAS .*Haswell/m,
  );
});
