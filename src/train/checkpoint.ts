// Checkpoints. gen-<g>.safetensors: the model's state dict under PyTorch names (loads with
// torch's load_state_dict as is). resume.safetensors: the same plus the momentum buffers
// ("optimizer.<parameter name>") and, in the metadata, where the run stands. Every other
// random stream is derived from (seed, purpose, generation, epoch), so nothing else is needed.
import type { Tensor } from '../backend/index.js';
import type { ResolvedConfig } from '../config/schema.js';
import { CheckpointError } from '../errors.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import type { SGD } from '../optim/sgd.js';
import type { RunSummary } from './summary.js';

export interface Progress { generation: number; epoch: number }
const FORMAT = 'seal-resume-1';

/** What a model checkpoint records about its source data, so any evaluation can feed it alike. */
export interface SourceData { spec: string; channels: number; height: number; width: number; numClasses: number; mean: number[]; std: number[] }

export async function saveGeneration(path: string, model: Module, info: { generation: number; config: ResolvedConfig; summary: RunSummary; source: SourceData }): Promise<void> {
  await saveSafetensors(path, model.stateEntries(), {
    format: 'seal-model-1', generation: String(info.generation), config: JSON.stringify(info.config),
    source: JSON.stringify(info.source), summary: JSON.stringify(info.summary.generations[info.generation] ?? null),
  });
}

export async function saveResume(path: string, model: Module, opt: SGD, names: Map<Tensor, string>,
  info: { progress: Progress; metricsRows: number; summary: RunSummary }): Promise<void> {
  const buffers: [string, Tensor][] = [];
  opt.groups.forEach((g, gi) => g.params.forEach((p, pi) => {
    const b = opt.momentumBuffers()[gi]?.[pi];
    if (b) buffers.push([`optimizer.${names.get(p)}`, b]);
  }));
  await saveSafetensors(path, [...model.stateEntries(), ...buffers], {
    format: FORMAT, progress: JSON.stringify(info.progress), metricsRows: String(info.metricsRows), summary: JSON.stringify(info.summary),
  });
}

/** Restores the model and momentum buffers in place; returns where the run stood. */
export async function loadResume(path: string, model: Module, opt: SGD, names: Map<Tensor, string>): Promise<{ progress: Progress; metricsRows: number; summary: RunSummary }> {
  const { tensors, metadata } = await loadSafetensors(path);
  try {
    if (metadata.format !== FORMAT) throw new CheckpointError(`${path} is not a seal resume checkpoint (format '${metadata.format ?? 'none'}')`);
    const state = new Map([...tensors].filter(([k]) => !k.startsWith('optimizer.')));
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
    return { progress: JSON.parse(metadata.progress ?? '') as Progress, metricsRows: Number(metadata.metricsRows), summary: JSON.parse(metadata.summary ?? '') as RunSummary };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
