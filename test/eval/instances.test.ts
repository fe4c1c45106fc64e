// The --eval list of a comparison: kinds, targets by name, targets on disk, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalInstances, evalKindOf, parseEvalList } from '../../src/eval/instances.js';
import { evalResultName } from '../../src/io/compare-dir.js';
import { ConfigError } from '../../src/errors.js';

test('an --eval list: kinds alone, KIND:TARGET, and targets that continue the kind before them', () => {
  assert.deepEqual(parseEvalList(['transfer', 'depth']), [
    { id: 'transfer', kind: 'transfer' },
    { id: 'depth', kind: 'depth' },
  ]);
  assert.deepEqual(
    parseEvalList([
      'transfer:cub=/d/CUB_200_2011',
      'aircraft=/d/fgvc:2013b',
      'mnist',
      'fewshot:eurosat=/d/EuroSAT',
      'depth',
    ]),
    [
      { id: 'transfer:cub', kind: 'transfer', target: 'cub:/d/CUB_200_2011' },
      { id: 'transfer:aircraft', kind: 'transfer', target: 'aircraft:/d/fgvc:2013b' },
      { id: 'transfer:mnist', kind: 'transfer', target: 'mnist' },
      { id: 'fewshot:eurosat', kind: 'fewshot', target: 'eurosat:/d/EuroSAT' },
      { id: 'depth', kind: 'depth' },
    ],
  );
  assert.equal(evalKindOf('transfer:aircraft-family'), 'transfer');
  assert.deepEqual(evalInstances(['depth', { kind: 'fewshot', target: 'eurosat:/d' }]), [
    { id: 'depth', kind: 'depth' },
    { id: 'fewshot:eurosat', kind: 'fewshot', target: 'eurosat:/d' },
  ]);
  assert.equal(evalResultName(3, 'fewshot:eurosat'), 'gen-3.fewshot.eurosat.json');
  assert.equal(evalResultName(3, 'fewshot'), 'gen-3.fewshot.json', 'a kind alone keeps its file name');
});

test('an --eval list that cannot be read is refused with the item and the forms it may take', () => {
  const refuses = (items: string[], said: RegExp) =>
    assert.throws(
      () => parseEvalList(items),
      (e: unknown) => e instanceof ConfigError && said.test(e.message),
      `${items.join(',')} → ${said}`,
    );
  refuses(['transfr'], /'transfr' is not an evaluation/);
  refuses(['cub=/d'], /'cub=\/d' is not an evaluation/);
  refuses(['transfer', 'cub=/d'], /'cub=\/d' is not an evaluation/);
  refuses(['depth:cub=/d'], /depth takes no target/);
  refuses(['transfer:cub'], /'cub' is not a built-in target of transfer/);
  refuses(['transfer:birds=/d'], /DATASET one of .*cub/);
  refuses(['transfer:cub='], /and a path/);
  refuses(['transfer:cub=/a', 'cub=/b'], /transfer:cub is listed twice/);
  refuses(['depth', 'depth'], /depth is listed twice/);
});
