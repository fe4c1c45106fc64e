// Loads a generation checkpoint (gen-<g>.safetensors) back into the model that wrote it.
import { Generator } from '../backend/index.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { loadSafetensors } from '../io/safetensors.js';
import { createModel, declaredShapes } from '../models/registry.js';
import type { Classifier } from '../models/types.js';
import type { SourceData } from '../train/checkpoint.js';
import type { Tensor } from '../backend/index.js';

export interface LoadedCheckpoint { model: Classifier; config: ResolvedConfig; source: SourceData; generation: number; path: string }

/** The model of a checkpoint, in eval mode on `device`; every problem names the file. */
export async function loadModelCheckpoint(path: string, device = 'cpu'): Promise<LoadedCheckpoint> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== 'seal-model-1') {
      throw new CheckpointError(`${path} is not a seal model checkpoint (format '${metadata.format ?? 'none'}', expected 'seal-model-1')`,
        'use a checkpoints/gen-<g>.safetensors file written by `seal train` (resume.safetensors is for --resume)');
    }
    if (metadata.config === undefined || metadata.source === undefined) {
      throw new CheckpointError(`${path} lacks the ${metadata.config === undefined ? 'config' : 'source-data'} record that evaluation needs`,
        'it was written by an older seal; train again to get a checkpoint that can be evaluated');
    }
    const config = configOf(path, parseRecord(path, 'config', metadata.config));
    const source = checkSource(path, parseRecord(path, 'source', metadata.source));
    checkShapes(path, tensors, config, source);
    const generation = Number(metadata.generation);
    if (!/^\d+$/.test(metadata.generation ?? '') || !Number.isSafeInteger(generation)) throw damaged(path, `its "generation" metadata should be a non-negative integer, found ${JSON.stringify(metadata.generation ?? null)}`);
    const model = createModel({ model: config.model, width: config.width, memoryFormat: config.memoryFormat, inChannels: source.channels, numClasses: source.numClasses, device, generator: new Generator(0) });
    try {
      model.loadState(tensors);
    } catch (e) {
      model.dispose();
      throw new CheckpointError(`${path} does not fit a ${config.model} of width ${config.width}: ${(e as Error).message}`,
        'the file may be damaged or written by another version of seal');
    }
    model.eval();
    return { model, config, source, generation, path };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

const damaged = (path: string, what: string): CheckpointError =>
  new CheckpointError(`${path}: ${what}`, 'the file was damaged or edited; use a checkpoints/gen-<g>.safetensors file written by `seal train`');

/** A metadata record that must hold a JSON object. */
function parseRecord(path: string, key: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw damaged(path, `its "${key}" metadata is not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged(path, `its "${key}" metadata should be a JSON object, found ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** The run's settings as the file records them; a bad one is the file's fault, not the command line's. */
function configOf(path: string, values: Record<string, unknown>): ResolvedConfig {
  try {
    return resolveConfig([{ source: `${path} (config)`, values }]);
  } catch (e) {
    if (e instanceof ConfigError) throw damaged(path, e.message.replace(`${path} (config): `, 'its config record: ').split('\nhint:')[0] as string);
    throw e;
  }
}

/** Largest image side a checkpoint may declare: evaluation resizes whole datasets to it. */
const MAX_SIDE = 1024;

/** The source-data record, bounded before anything is allocated from it. */
function checkSource(path: string, s: Record<string, unknown>): SourceData {
  const int = (k: string, max: number): number => {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw damaged(path, `its source record should have "${k}" an integer in [1, ${max}], found ${JSON.stringify(v)}`);
    return v;
  };
  const channels = int('channels', 4);
  const height = int('height', MAX_SIDE);
  const width = int('width', MAX_SIDE);
  const numClasses = int('numClasses', 1_000_000);
  const list = (k: string, positive: boolean): number[] => {
    const v = s[k];
    if (!Array.isArray(v) || v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
      throw damaged(path, `its source record should have "${k}" a list of ${channels} ${positive ? 'positive' : 'finite'} numbers (one per channel), found ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  if (typeof s.spec !== 'string') throw damaged(path, `its source record should have "spec" a string, found ${JSON.stringify(s.spec)}`);
  return { spec: s.spec, channels, height, width, numClasses, mean: list('mean', false), std: list('std', true) };
}

/**
 * The input conv and the head's rows in the file must have the shapes the metadata implies (width,
 * input channels, classes), so that the model built from the metadata (the allocation) is no
 * larger than the file that was read. The rest is compared by loadState.
 */
function checkShapes(path: string, tensors: Map<string, Tensor>, config: ResolvedConfig, source: SourceData): void {
  const { input: [inName, inShape], head: [headName, classes] } =
    declaredShapes({ model: config.model, width: config.width, inChannels: source.channels, numClasses: source.numClasses });
  const fileIn = tensors.get(inName)?.shape;
  const fileClasses = tensors.get(headName)?.shape[0];
  const found = fileIn?.join(',') !== inShape.join(',') ? `${inName} is ${fileIn ? `[${fileIn.join(',')}]` : 'missing'}, not [${inShape.join(',')}]`
    : fileClasses !== classes ? `${headName} has ${fileClasses ?? 'no'} rows, not ${classes}` : null;
  if (found !== null) {
    throw new CheckpointError(`${path} does not fit a ${config.model} of width ${config.width} for ${source.channels}-channel images and ${source.numClasses} classes, as its metadata says: its ${found}`,
      'the file was damaged or edited; use a checkpoints/gen-<g>.safetensors file written by `seal train`');
  }
}
