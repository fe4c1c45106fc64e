// Stopping on a signal: a cluster scheduler warns a job before its time limit or preemption
// (Slurm: --signal=USR2@120, SIGTERM on preemption), or a person presses Ctrl-C. Training
// finishes its batch, writes a resume point there and the command exits with EXIT_RESUMABLE.
// SIGUSR1 stays Node's (it starts the inspector).
import { EXIT_RESUMABLE } from '../errors.js';

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGUSR2'];

export class StopOnSignal {
  private signal: NodeJS.Signals | null = null;
  private readonly handler = (sig: NodeJS.Signals): void => {
    // A task that is not training restarts from its start and writes whole files only, and
    // a second signal means now: either way the last resume point is what a rerun uses.
    if (this.o.immediate || (this.signal !== null && this.o.repeatExits)) {
      this.notice(
        this.o.immediate
          ? `${sig}: stopping now; run again to continue`
          : `${sig} again: stopping now; the run continues from its last resume point`,
      );
      process.exit(EXIT_RESUMABLE);
    }
    if (this.signal !== null) {
      this.notice(`${sig}: already stopping after the current batch`);
      return;
    }
    this.signal = sig;
    this.notice(
      `${sig}: stopping after the current batch and writing a resume point there${this.o.repeatExits ? ` (${sig} again stops at once)` : ''}`,
    );
  };

  /**
   * @param o.immediate exit at once on the first signal (for work that has no resume point)
   * @param o.repeatExits a second signal exits at once (default true: a person pressing Ctrl-C twice)
   */
  constructor(
    private readonly signals: readonly NodeJS.Signals[],
    private readonly notice: (text: string) => void,
    private readonly o: { immediate: boolean; repeatExits: boolean } = { immediate: false, repeatExits: true },
  ) {
    for (const s of signals) process.on(s, this.handler);
  }

  /** For TrainOptions.stopRequested. */
  readonly requested = (): boolean => this.signal !== null;

  get received(): NodeJS.Signals | null {
    return this.signal;
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.handler);
  }
}
