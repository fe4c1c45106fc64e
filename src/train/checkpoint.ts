// Checkpoints. gen-<g>.safetensors: the model's state dict under PyTorch names (loads with
// torch's load_state_dict as is). resume.safetensors: the same plus the momentum buffers
// ("optimizer.<parameter name>") and, in the metadata, where the run stands. Every other
// random stream is derived from (seed, purpose, generation, epoch), so nothing else is needed.
// A resume point inside an epoch (training stopped on request) also keeps the epoch's sums so
// far, and the epoch's start ("epochStart.<parameter name>" and its probe loss) for the epoch's
// measurements; it has its own format name, so a reader that knows only epoch ends refuses it.
import { tensor, type Tensor } from '../backend/index.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError } from '../errors.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { Classifier } from '../models/types.js';
import type { SGD } from '../optim/sgd.js';
import type { EpochStart } from './diagnostics.js';
import type { EpochSums } from './epoch.js';
import type { RunSummary } from './summary.js';

/** Where a resume point stands: after epoch `epoch` of `generation`, or, with `batch`, inside
 * that epoch before its batch `batch` (0-based). */
export interface Progress { generation: number; epoch: number; batch?: number }
const FORMAT = 'seal-resume-1';
const FORMAT_IN_EPOCH = 'seal-resume-2';

export interface ResumePoint {
  progress: Progress; metricsRows: number; summary: RunSummary; epochSums: EpochSums | null;
  /** Inside an epoch only. Read back from a file written before it was kept: no weights. */
  epochStart: EpochStart | null;
}
const START = 'epochStart.';

/** What a model checkpoint records about its source data, so any evaluation can feed it alike. */
export interface SourceData { spec: string; channels: number; height: number; width: number; numClasses: number; mean: number[]; std: number[] }

export async function saveGeneration(path: string, model: Classifier, info: { generation: number; config: ResolvedConfig; summary: RunSummary; source: SourceData }): Promise<void> {
  await saveSafetensors(path, model.stateEntries(), {
    format: 'seal-model-1', generation: String(info.generation), config: JSON.stringify(info.config),
    source: JSON.stringify(info.source), summary: JSON.stringify(info.summary.generations[info.generation] ?? null),
  });
}

export async function saveResume(path: string, model: Classifier, opt: SGD, names: Map<Tensor, string>, info: ResumePoint): Promise<void> {
  const inEpoch = info.progress.batch !== undefined;
  if (inEpoch !== (info.epochSums !== null) || inEpoch !== (info.epochStart !== null)) {
    throw new Error('saveResume: a resume point inside an epoch needs its epoch sums and start, and only it');
  }
  const buffers: [string, Tensor][] = [];
  opt.groups.forEach((g, gi) => g.params.forEach((p, pi) => {
    const b = opt.momentumBuffers()[gi]?.[pi];
    if (b) buffers.push([`optimizer.${names.get(p)}`, b]);
  }));
  const shapes = new Map(model.namedParameters().map(([n, p]) => [n, p.shape]));
  const start: [string, Tensor][] = [...info.epochStart?.weights ?? []].map(([n, w]) => [`${START}${n}`, tensor(w, shapes.get(n))]);
  try {
    await saveSafetensors(path, [...model.stateEntries(), ...buffers, ...start], {
      format: inEpoch ? FORMAT_IN_EPOCH : FORMAT, progress: JSON.stringify(info.progress), metricsRows: String(info.metricsRows), summary: JSON.stringify(info.summary),
      ...(info.epochSums !== null ? { epochSums: JSON.stringify(info.epochSums) } : {}),
      ...(info.epochStart !== null ? { epochStart: JSON.stringify({ probeLoss: info.epochStart.probeLoss }) } : {}),
    });
  } finally {
    for (const [, t] of start) t.dispose();
  }
}

/** Restores the model and momentum buffers in place; returns where the run stood. */
/** A metadata field's JSON, or an error naming the file and the field. */
function jsonField<T>(path: string, metadata: Record<string, string>, key: string, missing?: string): T {
  const raw = metadata[key] ?? missing;
  const hint = 'nothing was changed; the file was damaged or written by another program: resume from a copy, or start the run again';
  if (raw === undefined) throw new CheckpointError(`${path}: the resume metadata has no "${key}"`, hint);
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new CheckpointError(`${path}: the resume metadata's "${key}" is not JSON (found ${JSON.stringify(raw.slice(0, 60))})`, hint);
  }
}

const isCount = (x: unknown, below: number): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) < below;

/**
 * Where a resume point says the run stands, checked against the run's own settings before
 * anything is changed: a generation and epoch inside the schedule, a batch inside the epoch,
 * and a whole number of metrics rows (that it is within metrics.jsonl is checked by the caller).
 */
export function checkResumeMetadata(path: string, metadata: Record<string, string>, limits: { generations: number; epochs: number }): { progress: Progress; metricsRows: number; summary: RunSummary } {
  const progress = jsonField<Progress | null>(path, metadata, 'progress');
  const bad = (what: string) => new CheckpointError(`${path}: the resume metadata's ${what}`, 'nothing was changed; the file was damaged or written by another program: resume from a copy, or start the run again');
  if (progress === null || typeof progress !== 'object') throw bad(`"progress" is not an object (found ${metadata.progress})`);
  if (!isCount(progress.generation, limits.generations)) throw bad(`generation is ${JSON.stringify(progress.generation)}; this run has generations 0 to ${limits.generations - 1}`);
  if (!isCount(progress.epoch, limits.epochs)) throw bad(`epoch is ${JSON.stringify(progress.epoch)}; this run has epochs 0 to ${limits.epochs - 1}`);
  if (progress.batch !== undefined && !(Number.isInteger(progress.batch) && (progress.batch as number) >= 0)) throw bad(`batch is ${JSON.stringify(progress.batch)}, not a whole number`);
  const rows = metadata.metricsRows;
  if (rows === undefined || !/^\d+$/.test(rows)) throw bad(`"metricsRows" is ${rows === undefined ? 'missing' : JSON.stringify(rows)}, not a whole number`);
  const summary = jsonField<RunSummary | null>(path, metadata, 'summary');
  if (summary === null || typeof summary !== 'object' || !Array.isArray(summary.generations)) throw bad('"summary" is not a run summary (an object with "generations")');
  return { progress, metricsRows: Number(rows), summary };
}

export async function loadResume(path: string, model: Classifier, opt: SGD, names: Map<Tensor, string>, limits: { generations: number; epochs: number }): Promise<ResumePoint> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== FORMAT && metadata.format !== FORMAT_IN_EPOCH) {
      throw new CheckpointError(`${path} is not a seal resume checkpoint (format '${metadata.format ?? 'none'}', expected '${FORMAT}' or '${FORMAT_IN_EPOCH}')`);
    }
    const { progress, metricsRows, summary } = checkResumeMetadata(path, metadata, limits);
    const epochSums = metadata.format === FORMAT_IN_EPOCH ? jsonField<EpochSums | null>(path, metadata, 'epochSums', 'null') : null;
    if (metadata.format === FORMAT_IN_EPOCH && (!Number.isInteger(progress.batch) || (progress.batch as number) < 1 || epochSums === null)) {
      throw new CheckpointError(`${path} is a resume point inside an epoch, but its metadata has no batch >= 1 or no epoch sums (progress ${metadata.progress ?? 'none'})`,
        'the file was damaged or written by another program; resume from a copy, or start the run again');
    }
    const state = new Map([...tensors].filter(([k]) => !k.startsWith('optimizer.') && !k.startsWith(START)));
    const epochStart: EpochStart | null = epochSums === null ? null : {
      weights: new Map([...tensors].filter(([k]) => k.startsWith(START)).map(([k, t]) => [k.slice(START.length), t.toArray()])),
      probeLoss: (JSON.parse(metadata.epochStart ?? '{}') as { probeLoss?: number | null }).probeLoss ?? null,
    };
    try {
      model.loadState(state);
    } catch (e) {
      throw new CheckpointError(`${path} does not fit the model of this run: ${(e as Error).message}`);
    }
    const bufs = opt.groups.map((g) => g.params.map((p) => {
      const t = tensors.get(`optimizer.${names.get(p)}`);
      if (!t) return null;
      tensors.delete(`optimizer.${names.get(p)}`);
      if (p.device === 'cpu') return t;
      const moved = t.to(p.device);
      t.dispose();
      return moved;
    }));
    opt.loadMomentumBuffers(bufs);
    const atEpochEnd: Progress = { generation: progress.generation, epoch: progress.epoch };
    return { progress: epochSums ? progress : atEpochEnd, metricsRows, summary, epochSums, epochStart };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
