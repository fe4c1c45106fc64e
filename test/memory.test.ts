// Integration: a long training loop neither leaks tensor handles nor grows resident memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, Generator, liveTensors, randint, randn, tidy, cpuCacheInfo } from '../src/index.js';
import { SmallCnn } from '../src/models/small-cnn.js';
import { SGD } from '../src/optim/sgd.js';

// RSS climbs for the first several hundred steps as glibc's arenas, oneDNN's primitive cache and
// the caching allocator settle (228 -> 245 MiB over 900 steps here, further on a loaded machine),
// then stays flat: growth is measured from step 500 to step 1,500, where a leak of 25 KiB a step
// would already add 10%.
test('1,500 training steps: live tensors unchanged, RSS at step 1,500 within 10% of that at step 500', () => {
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
  for (let i = 1; i < 500; i++) step();
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 500 steps');
  const rss500 = process.memoryUsage().rss;
  for (let i = 500; i < 1500; i++) step();
  const rss1500 = process.memoryUsage().rss;
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 1,500 steps');
  assert.ok(
    rss1500 <= rss500 * 1.1,
    `RSS grew from ${(rss500 / 2 ** 20).toFixed(0)} MiB at step 500 to ${(rss1500 / 2 ** 20).toFixed(0)} MiB at step 1,500`,
  );
  if (cpuCacheInfo().enabled) assert.ok(cpuCacheInfo().hits > 0, 'the caching allocator reuses blocks');
  opt.dispose();
  model.dispose();
  for (const t of [x, y]) t.dispose();
});
