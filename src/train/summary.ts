// Per-epoch rows and the per-generation summary (best and last test accuracy).

export interface EpochRow {
  generation: number;
  epoch: number;
  phase: 'ascent' | 'descent';
  /** The lr each side trained with (negative = ascent). */
  lr: { late: number; early: number };
  trainLoss: number;
  trainAcc: number;
  /** Null on epochs that were not evaluated. */
  testTop1: number | null;
  testTop5: number | null;
  /** How far each side of the split moved in this epoch: ‖w_end − w_start‖ / ‖w_start‖ over all
   * parameters of the side concatenated (weights and BatchNorm affine parameters, not running
   * statistics), w_start the values before the epoch's first batch (after any re-initialisation).
   * Null for a side without parameters. */
  displacement: { early: number | null; late: number | null };
  /** The probe loss (mean cross-entropy without label smoothing, model in eval mode, on a fixed
   * seeded subset of 512 training images, all of them when fewer, unaugmented) just before the generation's first ascent
   * epoch, on that epoch's row; null on every other row and in generations without ascent. */
  probeLossBefore: number | null;
  /** The same, just after the generation's last ascent epoch, on that epoch's row; else null. */
  probeLossAfter: number | null;
  /** Wall time of the epoch (training and evaluation). */
  seconds: number;
  /** Of which the training batches, and of those the time spent preparing batches. */
  trainSeconds: number;
  dataSeconds: number;
}

export interface GenerationSummary {
  generation: number;
  bestTop1: number | null;
  bestEpoch: number | null;
  lastTop1: number | null;
  lastTop5: number | null;
}
export interface RunSummary {
  generations: GenerationSummary[];
}

export const emptySummary = (): RunSummary => ({ generations: [] });

/** The summary after one more epoch (pure). */
export function recordEpoch(s: RunSummary, row: EpochRow, lastOfGeneration: boolean): RunSummary {
  const gens = s.generations.slice();
  const cur = gens[row.generation] ?? {
    generation: row.generation,
    bestTop1: null,
    bestEpoch: null,
    lastTop1: null,
    lastTop5: null,
  };
  const next = { ...cur };
  if (row.testTop1 !== null && (next.bestTop1 === null || row.testTop1 > next.bestTop1)) {
    next.bestTop1 = row.testTop1;
    next.bestEpoch = row.epoch;
  }
  if (lastOfGeneration) {
    next.lastTop1 = row.testTop1;
    next.lastTop5 = row.testTop5;
  }
  gens[row.generation] = next;
  return { generations: gens };
}
