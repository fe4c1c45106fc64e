// Progress on the terminal: a redrawn bar with ETA on a TTY, plain lines otherwise.
import type { EpochRow } from '../train/summary.js';

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
};
const pct = (x: number | null): string => (x === null ? '  -  ' : `${(100 * x).toFixed(2)}%`);
const sci = (x: number | null): string => (x === null ? '-' : x.toExponential(1));

/** The epoch's measurements: each side's displacement, and the probe loss where the ascent starts or ends. */
function measures(r: EpochRow): string {
  const probe = [
    r.probeLossBefore !== null ? `before ${r.probeLossBefore.toFixed(4)}` : '',
    r.probeLossAfter !== null ? `after ${r.probeLossAfter.toFixed(4)}` : '',
  ].filter(Boolean);
  return `Δw early ${sci(r.displacement.early)} late ${sci(r.displacement.late)}${probe.length > 0 ? `  probe loss ${probe.join(' ')}` : ''}`;
}

export class Progress {
  private readonly tty: boolean;
  private readonly t0 = performance.now();
  private done = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly generations: number,
    private readonly epochs: number,
    private readonly batchesPerEpoch: number,
    private readonly startBatches: number,
  ) {
    this.tty = out.isTTY === true;
  }

  batch(g: number, e: number, b: number, loss: number | null): void {
    this.done++;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && b + 1 < this.batchesPerEpoch) return;
    this.lastDraw = now;
    const total = this.generations * this.epochs * this.batchesPerEpoch - this.startBatches;
    const rate = (now - this.t0) / 1000 / this.done;
    const frac = (b + 1) / this.batchesPerEpoch;
    const bar = '#'.repeat(Math.round(frac * 20)).padEnd(20, '.');
    this.out.write(
      `\r\x1b[2Kgen ${g}/${this.generations - 1} epoch ${e + 1}/${this.epochs} [${bar}] ${b + 1}/${this.batchesPerEpoch} loss ${loss === null ? '-' : loss.toFixed(4)} ETA ${fmtTime(rate * (total - this.done))}`,
    );
  }

  epoch(r: EpochRow): void {
    const line =
      `gen ${r.generation} epoch ${String(r.epoch + 1).padStart(3)}/${this.epochs} ${r.phase.padEnd(7)} lr ${r.lr.late.toPrecision(3)}/${r.lr.early.toPrecision(3)} ` +
      `train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAcc)}  test top-1 ${pct(r.testTop1)} top-5 ${pct(r.testTop5)}  ${measures(r)}  ${r.seconds.toFixed(1)}s`;
    this.out.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
