// Several evaluations of one checkpoint in one process and one pass: the checkpoint is loaded
// once by the caller, every evaluation announces the image sets it needs, each set's features
// are computed once, then each evaluation runs and its result (with the checkpoint's identity,
// the settings and the seconds it took) is handed to `onResult` as soon as it is ready.
import { checkOptions } from '../config/options.js';
import { EvalContext } from './context.js';
import type { LoadedCheckpoint } from './model-checkpoint.js';
import { evaluationOf } from './registry.js';

export interface EvalRequest {
  kind: string;
  /** Names the result when one checkpoint has several of a kind (KIND:TARGET, instances.ts); default the kind. */
  id?: string;
  options: Record<string, unknown>;
}

/** The name of a request's result: its id, else its kind. */
export const requestId = (r: EvalRequest): string => r.id ?? r.kind;

/** What `seal eval` writes for one evaluation of a checkpoint. */
export type EvalRecord = Record<string, unknown> & { kind: string; checkpoint: string; generation: number };

export async function evaluateCheckpoint(
  ckpt: LoadedCheckpoint,
  requests: EvalRequest[],
  o: { device: string; onResult(r: EvalRecord, seconds: number, id: string): void | Promise<void> },
): Promise<void> {
  const evaluators = requests.map((r) => {
    const ev = evaluationOf(r.kind);
    return {
      ev,
      options: { ...checkOptions(ev.options, r.options, `evaluation ${requestId(r)}`), device: o.device },
      kind: r.kind,
      id: requestId(r),
    };
  });
  const ctx = new EvalContext(ckpt, o.device);
  try {
    for (const { ev, options } of evaluators) await ev.need?.(options, ctx);
    for (const { ev, options, kind, id } of evaluators) {
      const t0 = performance.now();
      const result = await ev.run(ckpt, options, ctx);
      const seconds = (performance.now() - t0) / 1000;
      await o.onResult(
        {
          kind,
          checkpoint: ckpt.path,
          generation: ckpt.generation,
          model: ckpt.config.model,
          width: ckpt.config.width,
          method: ckpt.config.method,
          seed: ckpt.config.seed,
          seconds,
          ...result,
        },
        seconds,
        id,
      );
    }
  } finally {
    ctx.dispose();
  }
}
