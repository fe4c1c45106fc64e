// One pass of SGD over a loader's batches: the step every training loop in seal shares
// (iterative training and fine-tuning).
//
// The step reads nothing back from the device: each batch's loss and number of correct
// predictions stay on it as tensors, and are read together, in one copy each, every
// `readEvery` batches, at least every `readIntervalMs`, before a stop and at the end of the pass
// (on a GPU every read waits for all queued work). The sums are then added up in batch order,
// exactly as reading each batch at once would. A loss that is not finite is therefore found up
// to `readEvery` batches late: the pass throws `diverged` for the first such batch there, the
// steps taken since were on weights that nothing keeps (no metrics row, checkpoint or resume
// point is written after the last good one).
import { crossEntropy, keep, stack, tidy, withAutocast, type Tensor } from '../backend/index.js';
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
  /** Called right after each batch's step, with the latest loss read so far (null before the first read). */
  afterStep?(index: number, latestLoss: number | null): void;
  /** Asked after every step: true ends the pass there. */
  stopRequested?(): boolean;
  /** The sums of this epoch's batches that ran before a resume. */
  carried?: EpochSums | null;
  /** Most batches whose loss stays unread on the device (default 50). */
  readEvery?: number;
  /** Longest time between reads, in ms of host time (default 1000; Infinity: by count only). */
  readIntervalMs?: number;
  /** Forward pass and loss under autocast in this dtype on this device (mixed precision); null: float32. */
  autocast?: { dtype: 'bfloat16'; device: string } | null;
}

/** A batch whose loss and hits have not been read yet. */
interface Pending {
  index: number;
  n: number;
  loss: Tensor;
  hits: Tensor;
}

export async function trainEpoch(
  model: Module,
  opt: SGD,
  batches: Iterator<Batch>,
  o: EpochPassOptions,
): Promise<EpochPass> {
  model.train();
  const readEvery = o.readEvery ?? 50;
  const readIntervalMs = o.readIntervalMs ?? 1000;
  const c = o.carried;
  let lossSum = c?.lossSum ?? 0,
    correct = c?.correct ?? 0,
    seen = c?.seen ?? 0,
    dataMs = 0;
  let stoppedBefore: number | null = null;
  let pending: Pending[] = [];
  let lastRead = performance.now();
  let latestLoss: number | null = null;

  // One copy of the pending losses and one of their hits, then the sums in batch order.
  const read = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    lastRead = performance.now();
    const [losses, hits] = tidy(() => [
      stack(batch.map((p) => p.loss)).toNumbers(),
      stack(batch.map((p) => p.hits)).toNumbers(),
    ]);
    for (const p of batch) {
      p.loss.dispose();
      p.hits.dispose();
    }
    batch.forEach((p, i) => {
      const loss = losses[i]!;
      if (!Number.isFinite(loss)) throw o.diverged(p.index, loss);
      lossSum += loss * p.n;
      correct += hits[i]!;
      seen += p.n;
      latestLoss = loss;
    });
  };

  const t0 = performance.now();
  try {
    for (;;) {
      const td = performance.now();
      const next = batches.next();
      dataMs += performance.now() - td;
      if (next.done) break;
      const { x, y, index } = next.value;
      o.beforeStep?.(x, y, index);
      opt.zeroGrad();
      const [loss, hits] = tidy(() => {
        const forward = () => {
          const logits = model.forward(x);
          return [logits, crossEntropy(logits, y, { labelSmoothing: o.labelSmoothing })] as const;
        };
        const [logits, l] = o.autocast ? withAutocast(o.autocast.dtype, o.autocast.device, forward) : forward();
        l.backward();
        return [l.detach(), logits.argmax(1).eq(y).sum()];
      });
      pending.push({ index, n: y.shape[0] as number, loss: keep(loss), hits: keep(hits) });
      x.dispose();
      y.dispose();
      opt.step();
      if (pending.length >= readEvery || performance.now() - lastRead >= readIntervalMs) read();
      o.afterStep?.(index, latestLoss);
      // Every batch, so timers, progress output and a signal handler's stop request get through.
      await new Promise((r) => setImmediate(r));
      if (o.stopRequested?.() === true) {
        stoppedBefore = index + 1;
        break;
      }
    }
    read();
  } finally {
    for (const p of pending) {
      p.loss.dispose();
      p.hits.dispose();
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
