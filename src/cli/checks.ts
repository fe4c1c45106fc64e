// Checks of flags against this machine, made before any data is read: threads against the
// cores, the device against the build, bf16 against the CPU, and ascent methods left without an
// ascent.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { backendInfo, cpuBf16Blocker, readCpuFeatures } from '../backend/index.js';
import { kebab, resolveConfig, type ConfigLayer } from '../config/resolve.js';
import { MAX_THREADS, type ResolvedConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { METHOD_ENTRIES } from '../methods/registry.js';

export function warn(text: string): void {
  process.stderr.write(`seal: warning: ${text}\n`);
}

/**
 * Refuses more than 4 threads per core (libtorch starts every one: a million of them never
 * returns) unless `refuse` is false, as for a run's own stored settings; warns above one per core.
 */
export function checkThreads(n: number, flag: string, refuse = true): void {
  const cores = availableParallelism();
  const limit = Math.min(MAX_THREADS, 4 * cores);
  if (n > limit && refuse) {
    throw new ConfigError(
      `${flag}: expected at most ${limit} threads (4 per core; this machine has ${cores} cores), got ${n}`,
      'leave it out to use one thread per core; threads beyond the cores only take turns',
    );
  }
  if (n > cores)
    warn(
      `${flag} ${n} is more than the ${cores} cores of this machine: the threads will take turns and training will be much slower`,
    );
}

/** Refuses a device this build or machine does not have, before anything is allocated on it. */
export function checkDevice(device: string, flag = '--device'): void {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(device);
  if (m === null || (m[1] === 'cpu' && m[2] !== undefined))
    throw new ConfigError(`${flag}: expected 'cpu', 'cuda' or 'cuda:N', got '${device}'`);
  if (m[1] === 'cpu') return;
  const b = backendInfo();
  if (!b.builtWithCuda) {
    throw new ConfigError(
      `${flag} ${device}: this seal runs on a CPU-only build of libtorch ${b.torchVersion}`,
      'use --device cpu, or rebuild seal against a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run build',
    );
  }
  const index = Number(m[2] ?? 0);
  if (!b.cudaAvailable || index >= b.cudaDevices) {
    throw new ConfigError(
      `${flag} ${device}: ${b.cudaAvailable ? `this machine has ${b.cudaDevices} CUDA device(s), numbered from 0` : 'no CUDA device is visible'}`,
      'check nvidia-smi and CUDA_VISIBLE_DEVICES, or use --device cpu',
    );
  }
}

/** Refuses bf16 training on a CPU whose oneDNN has no bfloat16 kernels. */
export function checkPrecision(precision: string, device: string, flag = '--precision'): void {
  if (precision !== 'bf16' || device !== 'cpu') return;
  const why = cpuBf16Blocker(readCpuFeatures()?.flags ?? new Set(), process.env);
  if (why !== null)
    throw new ConfigError(
      `${flag} bf16 on the CPU needs oneDNN's bfloat16 kernels (AVX-512 BW, VL and DQ): ${why}`,
      'use --precision fp32 here, or bf16 on a GPU (--device cuda)',
    );
}

/** An ascent method with k = 0 silently trains like its baseline: say so. */
export function warnNoAscent(cfg: Pick<ResolvedConfig, 'method' | 'epochs' | 'ascentEpochs' | 'generations'>): void {
  const like = METHOD_ENTRIES[cfg.method].withoutAscent;
  if (like === undefined || cfg.ascentEpochs > 0 || cfg.generations < 2) return;
  warn(
    `--method ${cfg.method} with k = 0 ascent epochs (--ascent-epochs; by default E/4 rounded, here ${cfg.epochs}/4) has no ascent phase and trains exactly like --method ${like}; give --ascent-epochs 1 or more, or more --epochs`,
  );
}

/**
 * A resumed run keeps the settings in its config.json: a flag (or --config key) that differs
 * from them would be ignored, so it is refused; one that repeats them is fine.
 */
export function checkResumeSettings(
  layers: ConfigLayer[],
  run: { dir: string; configFile: string },
  cfg: ResolvedConfig,
): void {
  const given = [...new Set(layers.flatMap((l) => Object.keys(l.values)))];
  if (given.length === 0) return;
  const asked = resolveConfig(layers) as unknown as Record<string, unknown>;
  const stored = cfg as unknown as Record<string, unknown>;
  const differs = given.filter((k) =>
    k === 'out'
      ? resolve(String(asked.out)) !== resolve(run.dir)
      : JSON.stringify(asked[k]) !== JSON.stringify(stored[k]),
  );
  if (differs.length === 0) return;
  const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
  throw new ConfigError(
    `--resume ${run.dir} continues the run with the settings in ${run.configFile}, but ${differs.map((k) => `--${kebab(k)} ${show(asked[k])} differs from its ${show(k === 'out' ? run.dir : stored[k])}`).join(', ')}`,
    'leave those flags out to continue the run; to train with other settings, start a new run in another --out folder',
  );
}
