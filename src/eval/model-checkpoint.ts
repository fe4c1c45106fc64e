// Loads a generation checkpoint (gen-<g>.safetensors) back into the model that wrote it.
import { Generator } from '../backend/index.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError } from '../errors.js';
import { loadSafetensors } from '../io/safetensors.js';
import { createModel } from '../models/registry.js';
import type { ResNet } from '../models/resnet.js';
import type { SourceData } from '../train/checkpoint.js';

export interface LoadedCheckpoint { model: ResNet; config: ResolvedConfig; source: SourceData; generation: number; path: string }

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
    const config = resolveConfig([{ source: `${path} (config)`, values: JSON.parse(metadata.config) as Record<string, unknown> }]);
    const source = JSON.parse(metadata.source) as SourceData;
    const model = createModel({ model: config.model, width: config.width, memoryFormat: config.memoryFormat, inChannels: source.channels, numClasses: source.numClasses, device, generator: new Generator(0) });
    try {
      model.loadState(tensors);
    } catch (e) {
      model.dispose();
      throw new CheckpointError(`${path} does not fit a ${config.model} of width ${config.width}: ${(e as Error).message}`,
        'the file may be damaged or written by another version of seal');
    }
    model.eval();
    return { model, config, source, generation: Number(metadata.generation), path };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
