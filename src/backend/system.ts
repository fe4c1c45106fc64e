// Threads, devices and build facts.
import { native, openblasCoreType } from './native.js';

/** Intra-op threads libtorch uses (all cores by default, or OMP_NUM_THREADS when set). */
export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();
/** Which libtorch seal runs on, what it can reach, and the BLAS kernels it got. */
export const backendInfo = () => ({ ...native.info(), openblasCoreType });
export const cudaAvailable = (): boolean => native.info().cudaAvailable;
/** Waits for queued GPU work (no-op on the CPU); call before reading a timer. */
export const synchronize = (): void => native.synchronize();
/**
 * GPU arithmetic, process-wide: `tf32` lets float32 convolutions and matrix products use TF32
 * on GPUs that have it (faster, 10-bit mantissa inputs); `deterministic` picks deterministic
 * cuDNN algorithms, otherwise cuDNN's benchmark mode times the algorithms per shape at first use
 * and keeps the fastest. No effect on the CPU.
 */
export const setGpuMath = (o: { tf32: boolean; deterministic: boolean }): void =>
  native.setGpuMath(o.tf32, o.deterministic);
/** The GPU arithmetic settings in force (see setGpuMath). */
export const gpuMath = () => native.gpuMath();
/**
 * How many times tensor values have been read into JS (item(), toArray(), toNumbers()) in this
 * process. On a GPU each read waits for all queued work, so a training step should make none.
 */
export const hostReadCount = (): number => native.hostReads();
/** The caching CPU allocator's state (SEAL_CPU_CACHE_MB=0 turns it off), and glibc's bytes in live malloc blocks. */
export const cpuCacheInfo = () => native.cpuCacheInfo();
/** Returns cached CPU blocks to the system. */
export const releaseCpuCache = (): void => native.releaseCpuCache();
