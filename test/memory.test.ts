// Integration: a long training loop neither leaks tensor handles nor grows resident memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, Generator, liveTensors, randint, randn, tidy, cpuCacheInfo } from '../src/index.js';
import { SmallCnn } from '../src/models/small-cnn.js';
import { SGD } from '../src/optim/sgd.js';

test('1,000 training steps: live tensors unchanged, RSS within 10% of that after 100 steps', () => {
  const gen = new Generator(0);
  const model = new SmallCnn({ inChannels: 1, imageSize: 16, channels: 16, numClasses: 10, generator: gen });
  const x = randn([32, 1, 16, 16], { generator: gen });
  const y = randint(0, 10, [32], { generator: gen });
  const opt = new SGD([{ params: model.parameters() }], { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = () => {
    opt.zeroGrad();
    tidy(() => crossEntropy(model.forward(x), y, { labelSmoothing: 0.1 }).backward());
    opt.step();
  };
  step();
  const liveAfterFirst = liveTensors();
  for (let i = 1; i < 100; i++) step();
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 100 steps');
  const rss100 = process.memoryUsage().rss;
  for (let i = 100; i < 1000; i++) step();
  const rss1000 = process.memoryUsage().rss;
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 1000 steps');
  assert.ok(
    rss1000 <= rss100 * 1.1,
    `RSS grew from ${(rss100 / 2 ** 20).toFixed(0)} MiB to ${(rss1000 / 2 ** 20).toFixed(0)} MiB`,
  );
  if (cpuCacheInfo().enabled) assert.ok(cpuCacheInfo().hits > 0, 'the caching allocator reuses blocks');
  opt.dispose();
  model.dispose();
  for (const t of [x, y]) t.dispose();
});
