// Which OpenBLAS kernel set the CPU deserves. Debian's OpenBLAS 0.3.21 is built with
// DYNAMIC_ARCH and picks its kernels from CPUID once, when the library loads; on CPUs newer
// than that release it falls back to an older set (an AVX-512 Xeon got Prescott, 42 instead of
// 199 GFLOP/s on a 2048² matmul; a Zen 5 EPYC gets Haswell). OPENBLAS_CORETYPE overrides the
// pick, but only if it is in the environment before the library loads, so this runs before
// the addon (and with it libtorch and OpenBLAS) is required.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** What /proc/cpuinfo says about the first CPU. */
export interface CpuFeatures {
  vendor: string;
  flags: ReadonlySet<string>;
}

/** The first processor's vendor and flags, or null where /proc/cpuinfo is absent or unreadable. */
export function readCpuFeatures(path = '/proc/cpuinfo'): CpuFeatures | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const flags = field('flags');
  if (flags === undefined) return null;
  return { vendor: field('vendor_id') ?? '', flags: new Set(flags.split(/\s+/)) };
}

// OpenBLAS core names (as openblas_get_corename reports them) by the widest vector ISA their
// GEMM kernels use: 0 = SSE-era, 1 = AVX, 2 = AVX2/FMA, 3 = AVX-512.
const CORE_LEVEL: Record<string, number> = {
  unknown: 0,
  generic: 0,
  katmai: 0,
  coppermine: 0,
  northwood: 0,
  prescott: 0,
  banias: 0,
  atom: 0,
  core2: 0,
  penryn: 0,
  dunnington: 0,
  nehalem: 0,
  athlon: 0,
  opteron: 0,
  opteron_sse3: 0,
  barcelona: 0,
  nano: 0,
  bobcat: 0,
  sandybridge: 1,
  bulldozer: 1,
  piledriver: 1,
  steamroller: 1,
  excavator: 1,
  haswell: 2,
  zen: 2,
  skylakex: 3,
  cooperlake: 3,
  sapphirerapids: 3,
};

/** The vector level the CPU supports, on the scale of CORE_LEVEL. */
function cpuLevel(flags: ReadonlySet<string>): number {
  const all = (...f: string[]) => f.every((x) => flags.has(x));
  // SkylakeX kernels use the F, DQ, BW and VL subsets; Haswell/Zen kernels need FMA3 with AVX2.
  if (all('avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx2', 'fma')) return 3;
  if (all('avx2', 'fma')) return 2;
  if (flags.has('avx')) return 1;
  return 0;
}

/**
 * The OPENBLAS_CORETYPE to ask for, or null to leave OpenBLAS's own pick alone: a kernel set
 * only when the CPU supports a wider ISA than the reported core uses. Unknown core names are
 * left alone (a newer OpenBLAS may know better than this table).
 * @example chooseOpenblasCoreType({ vendor: 'GenuineIntel', flags: new Set(['avx2', 'fma', 'avx512f', ...]) }, 'Prescott') // 'SkylakeX'
 */
export function chooseOpenblasCoreType(cpu: CpuFeatures, reportedCore: string): string | null {
  const reported = CORE_LEVEL[reportedCore.trim().toLowerCase()];
  if (reported === undefined) return null;
  const level = cpuLevel(cpu.flags);
  if (level <= reported) return null;
  if (level === 3) return 'SkylakeX';
  if (level === 2) return cpu.vendor === 'AuthenticAMD' || cpu.vendor === 'HygonGenuine' ? 'Zen' : 'Haswell';
  return 'Sandybridge';
}

/**
 * The core OpenBLAS picks on its own here, asked of a throwaway process that preloads the BLAS
 * libtorch links (libblas.so.3) with OPENBLAS_VERBOSE=2, which makes OpenBLAS print its pick at
 * load (a few milliseconds). Null when that library is not OpenBLAS or the probe fails.
 */
export function probeOpenblasCore(env: NodeJS.ProcessEnv): string | null {
  const childEnv = { ...env };
  delete childEnv.OPENBLAS_CORETYPE;
  const r = spawnSync('/bin/true', [], {
    env: { ...childEnv, OPENBLAS_VERBOSE: '2', LD_PRELOAD: ['libblas.so.3', env.LD_PRELOAD].filter(Boolean).join(' ') },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return /Core:\s*(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? null;
}

/** How the OpenBLAS kernel set was decided, for `seal info`. */
export interface CoreTypeChoice {
  /** OPENBLAS_CORETYPE as the user set it, or null. */
  user: string | null;
  /** OpenBLAS's own pick (probed), or null when not probed or not OpenBLAS. */
  reported: string | null;
  /** What seal set OPENBLAS_CORETYPE to, or null when it set nothing. */
  chosen: string | null;
}

/**
 * Sets OPENBLAS_CORETYPE in `env` (before OpenBLAS loads) when the CPU has AVX2 or AVX-512 and
 * OpenBLAS would pick an older kernel set; never when the user set the variable (set it to
 * OpenBLAS's own pick to keep that).
 */
export function selectOpenblasCoreType(
  env: NodeJS.ProcessEnv,
  cpu: CpuFeatures | null = readCpuFeatures(),
): CoreTypeChoice {
  const user = env.OPENBLAS_CORETYPE || null; // empty counts as unset, as OpenBLAS reads it
  if (user !== null || cpu === null || cpuLevel(cpu.flags) < 2) return { user, reported: null, chosen: null };
  const reported = probeOpenblasCore(env);
  const chosen = reported === null ? null : chooseOpenblasCoreType(cpu, reported);
  if (chosen !== null) env.OPENBLAS_CORETYPE = chosen;
  return { user, reported, chosen };
}

/** oneDNN ISA caps (ONEDNN_MAX_CPU_ISA, DNNL_MAX_CPU_ISA) that stop below AVX-512. */
const CAPS_BELOW_AVX512 = ['SSE41', 'AVX', 'AVX2', 'AVX2_VNNI', 'AVX512_MIC', 'AVX512_MIC_4OPS'];

/**
 * Why bfloat16 convolutions cannot run on this CPU, or null when they can. libtorch 1.13 sends
 * bfloat16 convolutions to oneDNN when the CPU has AVX-512 BW, VL and DQ, and oneDNN has no
 * bfloat16 kernel below AVX-512: with the ISA capped below it, libtorch still asks and fails
 * ("could not create a primitive descriptor").
 * @example cpuBf16Blocker(new Set(['avx2']), {}) // 'this CPU lacks avx512bw, avx512vl, avx512dq'
 */
export function cpuBf16Blocker(flags: ReadonlySet<string>, env: NodeJS.ProcessEnv): string | null {
  const missing = ['avx512bw', 'avx512vl', 'avx512dq'].filter((f) => !flags.has(f));
  if (missing.length > 0) return `this CPU lacks ${missing.join(', ')}`;
  const [name, cap] = env.ONEDNN_MAX_CPU_ISA
    ? ['ONEDNN_MAX_CPU_ISA', env.ONEDNN_MAX_CPU_ISA]
    : ['DNNL_MAX_CPU_ISA', env.DNNL_MAX_CPU_ISA ?? ''];
  if (CAPS_BELOW_AVX512.includes(cap.toUpperCase())) return `${name}=${cap} caps oneDNN below AVX-512`;
  return null;
}
