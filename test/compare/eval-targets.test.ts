// seal compare with evaluation targets by name: a published layout given as transfer:eurosat=PATH
// (written here with the publisher's folder names) becomes its own evaluation, with its own
// result files, metric and options; targets that cannot be used are refused before any training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Report } from '../../src/report/types.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';
import { put, tempDir } from '../data/fixtures.js';
import { refused, seal } from '../hostile/support.js';

const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);
const SMALL = ['--methods', 'normal', '--seeds', '0', '--generations', '2', '--epochs', '1'];
const TINY = ['--limit-train', '256', '--limit-test', '128', '--width', '0.0625', '--jobs', '1'];

/**
 * EuroSAT as its RGB archive extracts: 2750/<class>/<class>_<i>.jpg, each class its own colour;
 * 5 classes of 40 images, so that the test half holds a 5-way 5-shot episode with 15 queries.
 */
async function euroSat(dir: string): Promise<string> {
  const root = join(dir, 'EuroSAT');
  const colours: Record<string, [number, number, number]> = {
    AnnualCrop: [200, 180, 40],
    Forest: [20, 120, 30],
    Highway: [120, 120, 120],
    River: [30, 60, 200],
    SeaLake: [10, 20, 90],
  };
  for (const [c, [r, g, b]] of Object.entries(colours))
    for (let i = 1; i <= 40; i++) {
      const jpg = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: r + i, g, b } } })
        .jpeg()
        .toBuffer();
      put(join(root, '2750', c, `${c}_${i}.jpg`), jpg);
    }
  return root;
}

test(
  'compare --eval transfer:eurosat=PATH: its own evaluation, result files, metric and recorded target',
  { skip: fashion },
  async (t) => {
    const { dir, cleanup } = tempDir('eval-targets');
    t.after(cleanup);
    const data = await euroSat(dir);
    const out = join(dir, 'cmp');
    const evals = [`transfer:eurosat=${data}`, `fewshot:eurosat=${data}`, 'depth'];
    const compare = (...how: string[]) => seal(['compare', ...SMALL, ...TINY, ...how, '--out', out]);
    const r = compare('--eval', evals.join(','));
    assert.equal(r.status, 0, r.stderr);
    const settings = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as {
      evals: string[];
      evalOptions: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(settings.evals, ['transfer:eurosat', 'fewshot:eurosat', 'depth']);
    assert.equal(settings.evalOptions['transfer:eurosat']?.['target'], `eurosat:${data}`);
    const file = join(out, 'evals', 'normal-s0', 'gen-1.transfer.eurosat.json');
    assert.ok(existsSync(file), 'the result is named after the evaluation and its target');
    const result = JSON.parse(readFileSync(file, 'utf8')) as {
      target: { spec: string; train: number; test: number; image: string };
      adaptation: { to: string; protocolInput?: string };
    };
    assert.deepEqual([result.target.train, result.target.test, result.target.image], [100, 100, '3x224x224']);
    assert.equal(result.adaptation.to, '1x224x224', 'a ResNet is fed the protocol input, in its own channels');
    assert.match(result.adaptation.protocolInput ?? '', /resize 257x257, centre crop 224x224/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    const metric = report.metrics.find((m) => m.name === 'transfer_eurosat');
    assert.equal(metric?.label, 'Linear probe on eurosat');
    assert.ok(report.values.some((v) => v.metric === 'transfer_eurosat' && v.generation === 1));
    assert.ok(report.metrics.some((m) => m.name === 'depth_test'));
    assert.ok(report.values.some((v) => v.metric === 'fewshot_eurosat_5w5s_nearest-centroid' && v.generation === 1));
    assert.ok(existsSync(join(out, 'evals', 'normal-s0', 'gen-1.fewshot.eurosat.json')));
    // Run again with the same targets: nothing to do, no result written again.
    const written = statSync(file).mtimeMs;
    const again = compare('--eval', evals.join(','));
    assert.equal(again.status, 0, again.stderr);
    assert.equal(statSync(file).mtimeMs, written);
    // The --plan file's list is the same comparison.
    const planFile = join(dir, 'evals.json');
    writeFileSync(planFile, JSON.stringify({ eval: evals }));
    const byFile = compare('--plan', planFile);
    assert.equal(byFile.status, 0, byFile.stderr);
  },
);

test('compare --eval refuses, before any work, a target that is missing, malformed or given to the wrong evaluation', async (t) => {
  const { dir, cleanup } = tempDir('eval-targets-bad');
  t.after(cleanup);
  const out = join(dir, 'cmp');
  const run = (evals: string) => seal(['compare', ...SMALL, ...TINY, '--eval', evals, '--out', out]);
  refused(run(`transfer:cub=${join(dir, 'nowhere')}`), 2, /--eval transfer:cub: .*nowhere does not exist/);
  put(join(dir, 'CUB_200_2011', 'images.txt'), '1 a/b.jpg\n');
  refused(
    run(`transfer:cub=${join(dir, 'CUB_200_2011')}`),
    1,
    /image_class_labels\.txt \(part of the official split\) does not exist/,
  );
  refused(run('depth:mnist'), 2, /depth takes no target/);
  refused(run('transfer:birds=/x'), 2, /DATASET one of/);
  assert.ok(!existsSync(join(out, 'plan.json')), 'nothing was planned');
});
