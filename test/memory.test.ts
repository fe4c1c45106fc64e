// Integration: a long training loop neither leaks tensor handles nor grows resident memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, Generator, liveTensors, randint, randn, tidy, cpuCacheInfo } from '../src/index.js';
import { SmallCnn } from '../src/models/small-cnn.js';
import { SGD } from '../src/optim/sgd.js';

// RSS climbs for the first several hundred steps as glibc's arenas, oneDNN's primitive cache and
// the caching allocator settle (228 -> 245 MiB over 900 steps here, further on a loaded machine),
// then stays flat: growth is measured from step 500 to step 1,500, where a leak of 25 KiB a step
// would already add 10%. The loop yields to the event loop every step, as the training loop does:
// Node runs some finalizers of collected handles only there, so a loop that never yields holds
// about 4 KiB a step until it does (glibc's bytes in use: 51.8 -> 64.6 MiB over 3,500 steps;
// flat at 53 MiB with the yield). Besides RSS, the bytes in live malloc blocks must not grow:
// unlike RSS they do not move with freed pages glibc keeps, so a leak shows at once.
test('1,500 training steps: live tensors unchanged, malloc in use flat, RSS at step 1,500 within 10% of step 500', async () => {
  const gen = new Generator(0);
  const model = new SmallCnn({ inChannels: 1, imageSize: 16, channels: 16, numClasses: 10, generator: gen });
  const x = randn([32, 1, 16, 16], { generator: gen });
  const y = randint(0, 10, [32], { generator: gen });
  const opt = new SGD([{ params: model.parameters() }], { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = async () => {
    opt.zeroGrad();
    tidy(() => crossEntropy(model.forward(x), y, { labelSmoothing: 0.1 }).backward());
    opt.step();
    await new Promise((r) => setImmediate(r));
  };
  await step();
  const liveAfterFirst = liveTensors();
  for (let i = 1; i < 500; i++) await step();
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 500 steps');
  const [rss500, heap500] = [process.memoryUsage().rss, cpuCacheInfo().mallocInUseBytes];
  for (let i = 500; i < 1500; i++) await step();
  const [rss1500, heap1500] = [process.memoryUsage().rss, cpuCacheInfo().mallocInUseBytes];
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  assert.equal(liveTensors(), liveAfterFirst, 'live tensors after 1,500 steps');
  // 2 MiB over 1,000 steps: a leak of 2 KiB a step fails, allocator noise (about 1 MiB) does not.
  assert.ok(
    heap1500 - heap500 <= 2 * 2 ** 20,
    `bytes in malloc blocks grew from ${mib(heap500)} at step 500 to ${mib(heap1500)} at step 1,500`,
  );
  assert.ok(rss1500 <= rss500 * 1.1, `RSS grew from ${mib(rss500)} at step 500 to ${mib(rss1500)} at step 1,500`);
  if (cpuCacheInfo().enabled) assert.ok(cpuCacheInfo().hits > 0, 'the caching allocator reuses blocks');
  opt.dispose();
  model.dispose();
  for (const t of [x, y]) t.dispose();
});
