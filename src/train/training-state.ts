// Training state to and from the checkpoint files (their format is io/checkpoint-file.ts): the
// model's state, the momentum buffers by parameter name and, inside an epoch, the weights at
// the epoch's start.
import { tensor, type Tensor } from '../backend/index.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError } from '../errors.js';
import {
  readResumeFile,
  writeModelCheckpoint,
  writeResumeFile,
  type Progress,
  type SourceData,
} from '../io/checkpoint-file.js';
import type { Module } from '../nn/module.js';
import type { SGD } from '../optim/sgd.js';
import type { EpochStart } from './diagnostics.js';
import type { EpochSums } from './epoch.js';
import type { RunSummary } from './summary.js';

export type { Progress, SourceData } from '../io/checkpoint-file.js';

export interface ResumePoint {
  progress: Progress;
  metricsRows: number;
  summary: RunSummary;
  epochSums: EpochSums | null;
  /** Inside an epoch only. Read back from a file written before it was kept: no weights. */
  epochStart: EpochStart | null;
}

export async function saveGeneration(
  path: string,
  model: Module,
  info: { generation: number; config: ResolvedConfig; summary: RunSummary; source: SourceData },
): Promise<void> {
  await writeModelCheckpoint(path, model.stateEntries(), {
    generation: info.generation,
    config: info.config,
    source: info.source,
    summary: info.summary.generations[info.generation],
  });
}

export async function saveResume(
  path: string,
  model: Module,
  opt: SGD,
  names: Map<Tensor, string>,
  info: ResumePoint,
): Promise<void> {
  const buffers: [string, Tensor][] = [];
  opt.groups.forEach((g, gi) =>
    g.params.forEach((p, pi) => {
      const b = opt.momentumBuffers()[gi]?.[pi];
      if (b) buffers.push([names.get(p) as string, b]);
    }),
  );
  const shapes = new Map(model.namedParameters().map(([n, p]) => [n, p.shape]));
  const start: [string, Tensor][] = [...(info.epochStart?.weights ?? [])].map(([n, w]) => [
    n,
    tensor(w, shapes.get(n)),
  ]);
  try {
    await writeResumeFile(path, model.stateEntries(), buffers, {
      progress: info.progress,
      metricsRows: info.metricsRows,
      summary: info.summary,
      epochSums: info.epochSums,
      epochStart: info.epochStart !== null ? { weights: start, probeLoss: info.epochStart.probeLoss } : null,
    });
  } finally {
    for (const [, t] of start) t.dispose();
  }
}

/** Restores the model and momentum buffers in place; returns where the run stood. */
export async function loadResume(
  path: string,
  model: Module,
  opt: SGD,
  names: Map<Tensor, string>,
  limits: { generations: number; epochs: number },
): Promise<ResumePoint> {
  const file = await readResumeFile(path, limits);
  try {
    const epochStart: EpochStart | null =
      file.epochStart === null
        ? null
        : {
            weights: new Map([...file.epochStart.weights].map(([k, t]) => [k, t.toArray()])),
            probeLoss: file.epochStart.probeLoss,
          };
    try {
      model.loadState(file.state);
    } catch (e) {
      throw new CheckpointError(`${path} does not fit the model of this run: ${(e as Error).message}`);
    }
    const bufs = opt.groups.map((g) =>
      g.params.map((p) => {
        const name = names.get(p) as string;
        const t = file.optimizer.get(name);
        if (!t) return null;
        file.optimizer.delete(name);
        if (p.device === 'cpu') return t;
        const moved = t.to(p.device);
        t.dispose();
        return moved;
      }),
    );
    opt.loadMomentumBuffers(bufs);
    const { progress, metricsRows } = file;
    return {
      progress,
      metricsRows,
      summary: file.summary as RunSummary,
      epochSums: file.epochSums as EpochSums | null,
      epochStart,
    };
  } finally {
    for (const m of [file.state, file.optimizer, file.epochStart?.weights])
      for (const t of m?.values() ?? []) t.dispose();
  }
}
