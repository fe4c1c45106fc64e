// Test accuracy: top-1 and top-5 over a loader, in eval mode (BatchNorm running statistics).
import { crossEntropy, noGrad, tidy } from '../backend/index.js';
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
  let top1 = 0,
    top5 = 0,
    lossSum = 0,
    count = 0;
  try {
    noGrad(() => {
      for (const { x, y } of loader.epoch(0)) {
        const [c1, c5, l] = tidy(() => {
          const logits = model.forward(x);
          const k = Math.min(5, logits.shape[1] as number);
          const [, idx] = logits.topk(k, 1);
          const hits = idx.eq(y.unsqueeze(1));
          return [
            hits.narrow(1, 0, 1).sum().item(),
            hits.sum().item(),
            crossEntropy(logits, y, { reduction: 'sum', labelSmoothing }).item(),
          ];
        });
        const n = y.shape[0] as number;
        top1 += c1;
        top5 += c5;
        lossSum += l;
        count += n;
        x.dispose();
        y.dispose();
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { top1: top1 / count, top5: top5 / count, loss: lossSum / count, count };
}
