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
 * How many times tensor values have been read into JS (item(), toArray(), toNumbers()) in this
 * process. On a GPU each read waits for all queued work, so a training step should make none.
 */
export const hostReadCount = (): number => native.hostReads();
/** The caching CPU allocator's state (SEAL_CPU_CACHE_MB=0 turns it off), and glibc's bytes in live malloc blocks. */
export const cpuCacheInfo = () => native.cpuCacheInfo();
/** Returns cached CPU blocks to the system. */
export const releaseCpuCache = (): void => native.releaseCpuCache();
