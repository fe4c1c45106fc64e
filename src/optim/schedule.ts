// Learning-rate schedules, set once per epoch as the SEAL reference does (method.md §3).

export interface ScheduleConfig {
  lr: number;
  epochs: number;
  warmupEpochs: number;
  generations: number;
  lrPolicy: 'cosine' | 'long-cosine';
}

/** Linear warmup to `lr` over `warmup` epochs, then cosine to 0 at `total`: lr(e) for e in [0, total). */
export function warmupCosine(e: number, lr: number, warmup: number, total: number): number {
  if (e < warmup) return (lr * (e + 1)) / warmup;
  if (total <= warmup) return lr;
  return 0.5 * (1 + Math.cos((Math.PI * (e - warmup)) / (total - warmup))) * lr;
}

/**
 * The scheduled lr of an epoch. 'cosine' (the reference default) restarts the warmup and the
 * cosine every generation; 'long-cosine' runs one warmup and one cosine over all generations.
 */
export function scheduledLr(c: ScheduleConfig, generation: number, epoch: number): number {
  return c.lrPolicy === 'cosine'
    ? warmupCosine(epoch, c.lr, c.warmupEpochs, c.epochs)
    : warmupCosine(generation * c.epochs + epoch, c.lr, c.warmupEpochs, c.generations * c.epochs);
}
