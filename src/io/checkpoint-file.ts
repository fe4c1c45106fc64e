// The checkpoint files. gen-<g>.safetensors: the model's state dict under PyTorch names (loads with
// torch's load_state_dict as is) and, in the metadata, the run's config, its source data and the
// generation's summary. resume.safetensors: the same state plus the momentum buffers
// ("optimizer.<parameter name>") and, in the metadata, where the run stands. Every other
// random stream is derived from (seed, purpose, generation, epoch), so nothing else is needed.
// A resume point inside an epoch (training stopped on request) also keeps the epoch's sums so
// far, and the epoch's start ("epochStart.<parameter name>" and its probe loss) for the epoch's
// measurements; it has its own format name, so a reader that knows only epoch ends refuses it.
// What the tensors mean for a model or an optimizer is train/'s and eval/'s business.
import type { Tensor } from '../backend/index.js';
import { CheckpointError } from '../errors.js';
import { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from './safetensors.js';

/** Where a resume point stands: after epoch `epoch` of `generation`, or, with `batch`, inside
 * that epoch before its batch `batch` (0-based). */
export interface Progress {
  generation: number;
  epoch: number;
  batch?: number;
}

/** What a model checkpoint records about its source data, so any evaluation can feed it alike. */
export interface SourceData {
  spec: string;
  channels: number;
  height: number;
  width: number;
  numClasses: number;
  mean: number[];
  std: number[];
}

const MODEL_FORMAT = 'seal-model-1';
const FORMAT = 'seal-resume-1';
const FORMAT_IN_EPOCH = 'seal-resume-2';
const OPTIMIZER = 'optimizer.';
const START = 'epochStart.';

export async function writeModelCheckpoint(
  path: string,
  state: [string, Tensor][],
  info: { generation: number; config: unknown; source: SourceData; summary: unknown },
): Promise<void> {
  await saveSafetensors(path, state, {
    format: MODEL_FORMAT,
    generation: String(info.generation),
    config: JSON.stringify(info.config),
    source: JSON.stringify(info.source),
    summary: JSON.stringify(info.summary ?? null),
  });
}

/** An error for a model checkpoint whose metadata is wrong, naming the file. */
export const damagedModelCheckpoint = (path: string, what: string): CheckpointError =>
  new CheckpointError(
    `${path}: ${what}`,
    'the file was damaged or edited; use a checkpoints/gen-<g>.safetensors file written by `seal train`',
  );

/** A model checkpoint's weights (CPU tensors, the caller's to dispose) and its checked metadata. */
export interface ModelCheckpointFile {
  tensors: Map<string, Tensor>;
  config: Record<string, unknown>;
  source: SourceData;
  generation: number;
}

/**
 * Reads a generation checkpoint; every problem names the file. The config record is returned as
 * the file holds it: resolving it into settings is the caller's.
 */
export async function readModelCheckpoint(path: string): Promise<ModelCheckpointFile> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== MODEL_FORMAT) {
      throw new CheckpointError(
        `${path} is not a seal model checkpoint (format '${metadata.format ?? 'none'}', expected '${MODEL_FORMAT}')`,
        'use a checkpoints/gen-<g>.safetensors file written by `seal train` (resume.safetensors is for --resume)',
      );
    }
    if (metadata.config === undefined || metadata.source === undefined) {
      throw new CheckpointError(
        `${path} lacks the ${metadata.config === undefined ? 'config' : 'source-data'} record that evaluation needs`,
        'it was written by an older seal; train again to get a checkpoint that can be evaluated',
      );
    }
    const config = parseRecord(path, 'config', metadata.config);
    const source = checkSource(path, parseRecord(path, 'source', metadata.source));
    const generation = Number(metadata.generation);
    if (!/^\d+$/.test(metadata.generation ?? '') || !Number.isSafeInteger(generation)) {
      throw damagedModelCheckpoint(
        path,
        `its "generation" metadata should be a non-negative integer, found ${JSON.stringify(metadata.generation ?? null)}`,
      );
    }
    return { tensors, config, source, generation };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}

/** A metadata record that must hold a JSON object. */
function parseRecord(path: string, key: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw damagedModelCheckpoint(path, `its "${key}" metadata is not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw damagedModelCheckpoint(path, `its "${key}" metadata should be a JSON object, found ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** Largest image side a checkpoint may declare: evaluation resizes whole datasets to it. */
const MAX_SIDE = 1024;

/** The source-data record, bounded before anything is allocated from it. */
function checkSource(path: string, s: Record<string, unknown>): SourceData {
  const damaged = (what: string) => damagedModelCheckpoint(path, what);
  const int = (k: string, max: number): number => {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
      throw damaged(`its source record should have "${k}" an integer in [1, ${max}], found ${JSON.stringify(v)}`);
    return v;
  };
  const channels = int('channels', 4);
  const height = int('height', MAX_SIDE);
  const width = int('width', MAX_SIDE);
  const numClasses = int('numClasses', 1_000_000);
  const list = (k: string, positive: boolean): number[] => {
    const v = s[k];
    if (
      !Array.isArray(v) ||
      v.length !== channels ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))
    ) {
      throw damaged(
        `its source record should have "${k}" a list of ${channels} ${positive ? 'positive' : 'finite'} numbers (one per channel), found ${JSON.stringify(v)}`,
      );
    }
    return v as number[];
  };
  if (typeof s.spec !== 'string')
    throw damaged(`its source record should have "spec" a string, found ${JSON.stringify(s.spec)}`);
  return { spec: s.spec, channels, height, width, numClasses, mean: list('mean', false), std: list('std', true) };
}

/** A run summary as the resume file keeps it; its shape beyond `generations` is train/'s. */
export interface SummaryRecord {
  generations: unknown[];
}

/** What a resume file holds besides the model's state. */
export interface ResumeRecord {
  progress: Progress;
  metricsRows: number;
  summary: SummaryRecord;
  /** Inside an epoch only: the epoch's sums so far. */
  epochSums: unknown;
  /** Inside an epoch only: the weights (by parameter name) and probe loss at the epoch's start. */
  epochStart: { weights: [string, Tensor][]; probeLoss: number | null } | null;
}

/** Writes a resume file: the model's state, the momentum buffers by parameter name, and `info`. */
export async function writeResumeFile(
  path: string,
  state: [string, Tensor][],
  optimizer: [string, Tensor][],
  info: ResumeRecord,
): Promise<void> {
  const inEpoch = info.progress.batch !== undefined;
  if (inEpoch !== (info.epochSums !== null) || inEpoch !== (info.epochStart !== null)) {
    throw new Error('saveResume: a resume point inside an epoch needs its epoch sums and start, and only it');
  }
  const start: [string, Tensor][] = (info.epochStart?.weights ?? []).map(([n, t]) => [`${START}${n}`, t]);
  await saveSafetensors(
    path,
    [...state, ...optimizer.map(([n, t]): [string, Tensor] => [`${OPTIMIZER}${n}`, t]), ...start],
    {
      format: inEpoch ? FORMAT_IN_EPOCH : FORMAT,
      progress: JSON.stringify(info.progress),
      metricsRows: String(info.metricsRows),
      summary: JSON.stringify(info.summary),
      ...(info.epochSums !== null ? { epochSums: JSON.stringify(info.epochSums) } : {}),
      ...(info.epochStart !== null ? { epochStart: JSON.stringify({ probeLoss: info.epochStart.probeLoss }) } : {}),
    },
  );
}

/** A metadata field's JSON, or an error naming the file and the field. */
function jsonField<T>(path: string, metadata: Record<string, string>, key: string, missing?: string): T {
  const raw = metadata[key] ?? missing;
  const hint =
    'nothing was changed; the file was damaged or written by another program: resume from a copy, or start the run again';
  if (raw === undefined) throw new CheckpointError(`${path}: the resume metadata has no "${key}"`, hint);
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new CheckpointError(
      `${path}: the resume metadata's "${key}" is not JSON (found ${JSON.stringify(raw.slice(0, 60))})`,
      hint,
    );
  }
}

const isCount = (x: unknown, below: number): x is number =>
  Number.isInteger(x) && (x as number) >= 0 && (x as number) < below;

/**
 * Where a resume point says the run stands, checked against the run's own settings before
 * anything is changed: a generation and epoch inside the schedule, a batch inside the epoch,
 * and a whole number of metrics rows (that it is within metrics.jsonl is checked by the caller).
 */
export function checkResumeMetadata(
  path: string,
  metadata: Record<string, string>,
  limits: { generations: number; epochs: number },
): { progress: Progress; metricsRows: number; summary: SummaryRecord } {
  const progress = jsonField<Progress | null>(path, metadata, 'progress');
  const bad = (what: string) =>
    new CheckpointError(
      `${path}: the resume metadata's ${what}`,
      'nothing was changed; the file was damaged or written by another program: resume from a copy, or start the run again',
    );
  if (progress === null || typeof progress !== 'object')
    throw bad(`"progress" is not an object (found ${metadata.progress})`);
  if (!isCount(progress.generation, limits.generations))
    throw bad(
      `generation is ${JSON.stringify(progress.generation)}; this run has generations 0 to ${limits.generations - 1}`,
    );
  if (!isCount(progress.epoch, limits.epochs))
    throw bad(`epoch is ${JSON.stringify(progress.epoch)}; this run has epochs 0 to ${limits.epochs - 1}`);
  if (progress.batch !== undefined && !(Number.isInteger(progress.batch) && (progress.batch as number) >= 0))
    throw bad(`batch is ${JSON.stringify(progress.batch)}, not a whole number`);
  const rows = metadata.metricsRows;
  if (rows === undefined || !/^\d+$/.test(rows))
    throw bad(`"metricsRows" is ${rows === undefined ? 'missing' : JSON.stringify(rows)}, not a whole number`);
  const summary = jsonField<SummaryRecord | null>(path, metadata, 'summary');
  if (summary === null || typeof summary !== 'object' || !Array.isArray(summary.generations))
    throw bad('"summary" is not a run summary (an object with "generations")');
  return { progress, metricsRows: Number(rows), summary };
}

/** A resume file read back: CPU tensors the caller disposes (the state; momentum buffers and epoch start by parameter name). */
export interface ResumeFile {
  state: Map<string, Tensor>;
  optimizer: Map<string, Tensor>;
  progress: Progress;
  metricsRows: number;
  summary: SummaryRecord;
  epochSums: unknown;
  /** Inside an epoch only. Read back from a file written before it was kept: no weights. */
  epochStart: { weights: Map<string, Tensor>; probeLoss: number | null } | null;
}

/**
 * Reads a resume file and checks its metadata against the run's schedule; every problem names the
 * file. A point at an epoch's end comes back without a batch.
 */
export async function readResumeFile(
  path: string,
  limits: { generations: number; epochs: number },
): Promise<ResumeFile> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== FORMAT && metadata.format !== FORMAT_IN_EPOCH) {
      throw new CheckpointError(
        `${path} is not a seal resume checkpoint (format '${metadata.format ?? 'none'}', expected '${FORMAT}' or '${FORMAT_IN_EPOCH}')`,
      );
    }
    const { progress, metricsRows, summary } = checkResumeMetadata(path, metadata, limits);
    const epochSums =
      metadata.format === FORMAT_IN_EPOCH ? jsonField<unknown>(path, metadata, 'epochSums', 'null') : null;
    if (
      metadata.format === FORMAT_IN_EPOCH &&
      (!Number.isInteger(progress.batch) || (progress.batch as number) < 1 || epochSums === null)
    ) {
      throw new CheckpointError(
        `${path} is a resume point inside an epoch, but its metadata has no batch >= 1 or no epoch sums (progress ${metadata.progress ?? 'none'})`,
        'the file was damaged or written by another program; resume from a copy, or start the run again',
      );
    }
    const under = (prefix: string) =>
      new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
    const state = new Map([...tensors].filter(([k]) => !k.startsWith(OPTIMIZER) && !k.startsWith(START)));
    const epochStart =
      epochSums === null
        ? null
        : {
            weights: under(START),
            probeLoss: (JSON.parse(metadata.epochStart ?? '{}') as { probeLoss?: number | null }).probeLoss ?? null,
          };
    if (epochStart === null) for (const t of under(START).values()) t.dispose();
    const atEpochEnd: Progress = { generation: progress.generation, epoch: progress.epoch };
    const at = epochSums ? progress : atEpochEnd;
    return { state, optimizer: under(OPTIMIZER), progress: at, metricsRows, summary, epochSums, epochStart };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}

/** Where a resume file says its run stands, from the header alone (no checks beyond the format's). */
export function readResumeProgress(path: string): Progress {
  return JSON.parse(readSafetensorsMetadata(path).progress ?? 'null') as Progress;
}
