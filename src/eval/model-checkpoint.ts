// Loads a generation checkpoint (gen-<g>.safetensors, read by io/checkpoint-file.ts) back into the model that wrote it.
import { Generator } from '../backend/index.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError, ConfigError } from '../errors.js';
import { damagedModelCheckpoint, readModelCheckpoint, type SourceData } from '../io/checkpoint-file.js';
import { createModel, declaredShapes } from '../models/registry.js';
import type { Classifier } from '../models/types.js';
import type { Tensor } from '../backend/index.js';

export interface LoadedCheckpoint {
  model: Classifier;
  config: ResolvedConfig;
  source: SourceData;
  generation: number;
  path: string;
}

/** The model of a checkpoint, in eval mode on `device`; every problem names the file. */
export async function loadModelCheckpoint(path: string, device = 'cpu'): Promise<LoadedCheckpoint> {
  const { tensors, config: record, source, generation } = await readModelCheckpoint(path);
  try {
    const config = configOf(path, record);
    checkShapes(path, tensors, config, source);
    const model = createModel({
      model: config.model,
      width: config.width,
      memoryFormat: config.memoryFormat,
      inChannels: source.channels,
      numClasses: source.numClasses,
      device,
      generator: new Generator(0),
    });
    try {
      model.loadState(tensors);
    } catch (e) {
      model.dispose();
      throw new CheckpointError(
        `${path} does not fit a ${config.model} of width ${config.width}: ${(e as Error).message}`,
        'the file may be damaged or written by another version of seal',
      );
    }
    model.eval();
    return { model, config, source, generation, path };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** The run's settings as the file records them; a bad one is the file's fault, not the command line's. */
function configOf(path: string, values: Record<string, unknown>): ResolvedConfig {
  try {
    return resolveConfig([{ source: `${path} (config)`, values }]);
  } catch (e) {
    if (e instanceof ConfigError)
      throw damagedModelCheckpoint(
        path,
        e.message.replace(`${path} (config): `, 'its config record: ').split('\nhint:')[0] as string,
      );
    throw e;
  }
}

/**
 * The input conv and the head's rows in the file must have the shapes the metadata implies (width,
 * input channels, classes), so that the model built from the metadata (the allocation) is no
 * larger than the file that was read. The rest is compared by loadState.
 */
function checkShapes(path: string, tensors: Map<string, Tensor>, config: ResolvedConfig, source: SourceData): void {
  const {
    input: [inName, inShape],
    head: [headName, classes],
  } = declaredShapes({
    model: config.model,
    width: config.width,
    inChannels: source.channels,
    numClasses: source.numClasses,
  });
  const fileIn = tensors.get(inName)?.shape;
  const fileClasses = tensors.get(headName)?.shape[0];
  const found =
    fileIn?.join(',') !== inShape.join(',')
      ? `${inName} is ${fileIn ? `[${fileIn.join(',')}]` : 'missing'}, not [${inShape.join(',')}]`
      : fileClasses !== classes
        ? `${headName} has ${fileClasses ?? 'no'} rows, not ${classes}`
        : null;
  if (found !== null) {
    throw new CheckpointError(
      `${path} does not fit a ${config.model} of width ${config.width} for ${source.channels}-channel images and ${source.numClasses} classes, as its metadata says: its ${found}`,
      'the file was damaged or edited; use a checkpoints/gen-<g>.safetensors file written by `seal train`',
    );
  }
}
