// Test accuracy: top-1 and top-5 over a loader, in eval mode (BatchNorm running statistics).
// Each batch's counts and loss stay on the device until the loader is done, then come back in
// one read (on a GPU a read waits for all queued work) and are summed in batch order.
import { crossEntropy, keep, noGrad, stack, tidy, type Tensor } from '../backend/index.js';
import type { BatchLoader } from '../data/loader.js';
import type { Module } from '../nn/module.js';

export interface EvalResult {
  top1: number;
  top5: number;
  loss: number;
  count: number;
}

export function evaluate(model: Module, loader: BatchLoader, labelSmoothing = 0): EvalResult {
  const wasTraining = model.training;
  model.eval();
  const perBatch: Tensor[] = []; // [top-1 hits, top-5 hits, summed loss] per batch, float64
  const sums = [0, 0, 0];
  let count = 0;
  try {
    noGrad(() => {
      for (const { x, y } of loader.epoch(0)) {
        const row = tidy(() => {
          const logits = model.forward(x);
          const k = Math.min(5, logits.shape[1] as number);
          const [, idx] = logits.topk(k, 1);
          const hits = idx.eq(y.unsqueeze(1));
          const loss = crossEntropy(logits, y, { reduction: 'sum', labelSmoothing });
          return stack([hits.narrow(1, 0, 1).sum(), hits.sum(), loss].map((t) => t.to({ dtype: 'float64' })));
        });
        perBatch.push(keep(row));
        count += y.shape[0] as number;
        x.dispose();
        y.dispose();
      }
    });
    if (perBatch.length > 0) {
      const all = tidy(() => stack(perBatch).toNumbers());
      for (let i = 0; i < all.length; i++) sums[i % 3]! += all[i]!;
    }
  } finally {
    model.train(wasTraining);
    for (const t of perBatch) t.dispose();
  }
  const [top1, top5, lossSum] = sums as [number, number, number];
  return { top1: top1 / count, top5: top5 / count, loss: lossSum / count, count };
}
