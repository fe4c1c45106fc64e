// Loading checkpoints for evaluation: what does not fit is a clear error naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  Generator,
  createModel,
  loadModelCheckpoint,
  resolveConfig,
  saveSafetensors,
} from '../../src/index.js';

test('a checkpoint whose weights belong to another architecture, or a resume file, is refused with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-ckpt-arch-'));
  try {
    const model = createModel({
      model: 'resnet18',
      width: 0.125,
      inChannels: 1,
      numClasses: 10,
      device: 'cpu',
      generator: new Generator(0),
    });
    const source = {
      spec: 'fashion-mnist',
      channels: 1,
      height: 28,
      width: 28,
      numClasses: 10,
      mean: [0.286],
      std: [0.353],
    };
    const claimed = resolveConfig([{ source: 'test', values: { model: 'resnet50', width: 0.125 } }]);
    const file = join(dir, 'gen-0.safetensors');
    await saveSafetensors(file, model.stateEntries(), {
      format: 'seal-model-1',
      generation: '0',
      config: JSON.stringify(claimed),
      source: JSON.stringify(source),
    });
    await assert.rejects(
      loadModelCheckpoint(file),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.message.includes(`${file} does not fit a resnet50 of width 0.125`) &&
        /missing .*; unexpected/.test(e.message),
    );
    const resume = join(dir, 'resume.safetensors');
    await saveSafetensors(resume, model.stateEntries(), { format: 'seal-resume-1' });
    await assert.rejects(
      loadModelCheckpoint(resume),
      /is not a seal model checkpoint \(format 'seal-resume-1', expected 'seal-model-1'\)\nhint: use a checkpoints\/gen-<g>\.safetensors/,
    );
    await assert.rejects(
      loadModelCheckpoint(join(dir, 'missing.safetensors')),
      /cannot read checkpoint .*missing\.safetensors/,
    );
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
