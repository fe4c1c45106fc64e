// One pass of SGD over a loader's batches: the step every training loop in seal shares
// (iterative training and fine-tuning). Stops on a non-finite loss before the step is taken.
import { crossEntropy, tidy, type Tensor } from '../backend/index.js';
import type { Batch } from '../data/loader.js';
import type { Module } from '../nn/module.js';
import type { SGD } from '../optim/sgd.js';

export interface EpochPass { loss: number; accuracy: number; seen: number; seconds: number; dataSeconds: number }

export interface EpochPassOptions {
  labelSmoothing: number;
  /** Builds the error thrown when the loss of batch `index` is not finite. */
  diverged(index: number, loss: number): Error;
  beforeStep?(x: Tensor, y: Tensor, index: number): void;
  afterStep?(index: number, loss: number): void;
}

export async function trainEpoch(model: Module, opt: SGD, batches: Iterator<Batch>, o: EpochPassOptions): Promise<EpochPass> {
  model.train();
  let lossSum = 0, correct = 0, seen = 0, dataMs = 0;
  const t0 = performance.now();
  for (;;) {
    const td = performance.now();
    const next = batches.next();
    dataMs += performance.now() - td;
    if (next.done) break;
    const { x, y, index } = next.value;
    o.beforeStep?.(x, y, index);
    opt.zeroGrad();
    const [loss, hits] = tidy(() => {
      const logits = model.forward(x);
      const l = crossEntropy(logits, y, { labelSmoothing: o.labelSmoothing });
      l.backward();
      return [l.item(), logits.argmax(1).eq(y).sum().item()];
    });
    const n = y.shape[0] as number;
    x.dispose(); y.dispose();
    if (!Number.isFinite(loss)) throw o.diverged(index, loss);
    opt.step();
    lossSum += loss * n; correct += hits; seen += n;
    o.afterStep?.(index, loss);
    // Let timers, progress output and signals run during long epochs.
    if (index % 8 === 7) await new Promise((r) => setImmediate(r));
  }
  return { loss: lossSum / seen, accuracy: correct / seen, seen, seconds: (performance.now() - t0) / 1000, dataSeconds: dataMs / 1000 };
}
