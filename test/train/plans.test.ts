// The epoch plans carry what the loop needs from a method: every method asks for an evaluation
// after epoch k (so all arms of a comparison are evaluated at the same epochs), and only an
// ascent epoch brings its own divergence hint, in the ascent's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHOD_NAMES, METHODS, resolveConfig } from '../../src/index.js';

test('every method evaluates after epoch k (k > 0) in every generation, and nowhere else of its own accord', () => {
  for (const k of [0, 1, 3]) {
    const cfg = resolveConfig([
      { source: 'test', values: { epochs: 6, ascentEpochs: k, lr: 0.05, ascentLrMultiplier: -0.02 } },
    ]);
    for (const name of METHOD_NAMES) {
      const m = METHODS[name](cfg);
      for (const generation of [0, 1, 2]) {
        for (let epoch = 0; epoch < cfg.epochs; epoch++) {
          const plan = m.planEpoch({ generation, epoch });
          const at = `${name}, k = ${k}, generation ${generation}, epoch ${epoch}`;
          assert.equal(plan.evaluateAfter === true, epoch === k && epoch > 0, at);
          if (plan.phase === 'ascent') {
            assert.equal(
              plan.divergenceHint,
              "the ascent diverged: make the early layers' step smaller with a smaller " +
                `|--ascent-lr-multiplier| (now -0.02), fewer --ascent-epochs (now ${k}) or a lower --lr (now 0.05)`,
              at,
            );
          } else {
            assert.equal(plan.divergenceHint, undefined, `${at}: a descent epoch leaves the hint to the loop`);
          }
        }
      }
    }
  }
});
