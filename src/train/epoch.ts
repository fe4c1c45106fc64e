// One pass of SGD over a loader's batches: the step every training loop in seal shares
// (iterative training and fine-tuning). Stops on a non-finite loss before the step is taken.
import { crossEntropy, tidy, type Tensor } from '../backend/index.js';
import type { Batch } from '../data/loader.js';
import type { Module } from '../nn/module.js';
import type { SGD } from '../optim/sgd.js';

/** What an epoch has summed over its batches so far: a resume point inside an epoch keeps
 * them, so the epoch's metrics come out as if it had run in one go. */
export interface EpochSums {
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
  dataSeconds: number;
}

export interface EpochPass {
  loss: number;
  accuracy: number;
  seen: number;
  seconds: number;
  dataSeconds: number;
  sums: EpochSums;
  /** Set when stopRequested ended the pass early: the index of the next batch to run. */
  stoppedBefore: number | null;
}

export interface EpochPassOptions {
  labelSmoothing: number;
  /** Builds the error thrown when the loss of batch `index` is not finite. */
  diverged(index: number, loss: number): Error;
  beforeStep?(x: Tensor, y: Tensor, index: number): void;
  afterStep?(index: number, loss: number): void;
  /** Asked after every step: true ends the pass there. */
  stopRequested?(): boolean;
  /** The sums of this epoch's batches that ran before a resume. */
  carried?: EpochSums | null;
}

export async function trainEpoch(
  model: Module,
  opt: SGD,
  batches: Iterator<Batch>,
  o: EpochPassOptions,
): Promise<EpochPass> {
  model.train();
  const c = o.carried;
  let lossSum = c?.lossSum ?? 0,
    correct = c?.correct ?? 0,
    seen = c?.seen ?? 0,
    dataMs = 0;
  let stoppedBefore: number | null = null;
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
    x.dispose();
    y.dispose();
    if (!Number.isFinite(loss)) throw o.diverged(index, loss);
    opt.step();
    lossSum += loss * n;
    correct += hits;
    seen += n;
    o.afterStep?.(index, loss);
    // Every batch, so timers, progress output and a signal handler's stop request get through.
    await new Promise((r) => setImmediate(r));
    if (o.stopRequested?.() === true) {
      stoppedBefore = index + 1;
      break;
    }
  }
  const trainSeconds = (c?.trainSeconds ?? 0) + (performance.now() - t0) / 1000;
  const dataSeconds = (c?.dataSeconds ?? 0) + dataMs / 1000;
  return {
    loss: lossSum / seen,
    accuracy: correct / seen,
    seen,
    seconds: trainSeconds,
    dataSeconds,
    sums: { lossSum, correct, seen, trainSeconds, dataSeconds },
    stoppedBefore,
  };
}
