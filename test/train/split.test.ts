// The early/late split from the declared layer groups: a group or one of its modules (a residual
// block) names the split point, BatchNorm before it stays early, and an unknown name is a
// ConfigError that lists the groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Generator, createModel, splitParameters } from '../../src/index.js';

test('splitAt names a group or a block; the cut is at its first non-BatchNorm parameter', () => {
  const model = createModel({
    model: 'resnet18',
    width: 0.125,
    inChannels: 3,
    numClasses: 10,
    device: 'cpu',
    generator: new Generator(0),
  });
  const first = (at: string) => splitParameters(model, at).late[0]?.[0];
  assert.equal(first('layer3'), 'layer3.0.conv1.weight');
  assert.equal(first('layer3.1'), 'layer3.1.conv1.weight');
  assert.equal(first('head'), 'fc.weight');
  assert.equal(first('fc'), 'fc.weight');
  assert.equal(splitParameters(model, 'stem').early.length, 0);
  const s = splitParameters(model, 'layer3');
  assert.equal(s.early.at(-1)?.[0], 'layer2.1.bn2.bias');
  assert.ok(
    s.early.some(([n]) => n === 'layer2.0.downsample.1.weight'),
    'downsample BatchNorm before the cut is early',
  );
  assert.throws(
    () => splitParameters(model, 'layer9'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /splitAt 'layer9' names no layer of this model/.test(e.message) &&
      /stem, layer1, layer2, layer3, layer4, head/.test(e.message),
  );
  model.dispose();
});

test('small-cnn splits at the same default group names', () => {
  const model = createModel({
    model: 'small-cnn',
    width: 0.5,
    inChannels: 1,
    numClasses: 4,
    device: 'cpu',
    generator: new Generator(0),
  });
  const s = splitParameters(model, 'layer3');
  assert.deepEqual(
    s.early.map(([n]) => n),
    ['conv1.weight', 'bn1.weight', 'bn1.bias', 'conv2.weight', 'bn2.weight', 'bn2.bias'],
  );
  assert.equal(s.late[0]?.[0], 'conv3.weight');
  model.dispose();
});
