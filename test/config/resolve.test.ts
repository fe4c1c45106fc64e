// resolveConfig: defaults < config file < flags, every key checked, errors that name the source
// and the key and say what was expected, a frozen result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { resolveConfig, type ConfigLayer } from '../../src/config/resolve.js';
import { DEFAULTS, KEYS, METHOD_NAMES, type RunConfig } from '../../src/config/schema.js';

const file = (values: Record<string, unknown>, source = 'run.json'): ConfigLayer => ({ source, values });
const flags = (values: Record<string, unknown>): ConfigLayer => ({ source: 'flags', values });

/** Asserts resolving `layers` throws a ConfigError whose message equals `message` and whose hint is `hint`. */
function refuses(layers: ConfigLayer[], message: string, hint?: string | RegExp): void {
  assert.throws(
    () => resolveConfig(layers),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
      assert.equal(e.code, 'CONFIG');
      assert.equal(e.message.split('\nhint: ')[0], message);
      if (typeof hint === 'string') assert.equal(e.hint, hint);
      else if (hint) assert.match(e.hint ?? '', hint);
      return true;
    },
  );
}

test('no layers: the reference defaults, with k = E/4 and the warmup E/8 derived from E = 160', () => {
  const c = resolveConfig([]);
  assert.deepEqual(c, { ...DEFAULTS, ascentEpochs: 40, warmupEpochs: 20 });
  assert.equal(c.method, 'seal');
  assert.equal(c.lr, 0.1);
  assert.equal(c.ascentLrMultiplier, -0.01);
  assert.equal(c.splitAt, 'layer3');
});

test('the result is frozen', () => {
  const c = resolveConfig([flags({ epochs: 8 })]);
  assert.ok(Object.isFrozen(c));
  assert.throws(() => {
    (c as { epochs: number }).epochs = 9;
  }, TypeError);
  assert.equal(c.epochs, 8);
});

test('layers apply in order: defaults < file < flags, and a later layer wins key by key', () => {
  const c = resolveConfig([file({ epochs: 8, lr: 0.05, method: 'llf' }), flags({ lr: 0.2, seed: 7 })]);
  assert.equal(c.epochs, 8, 'from the file');
  assert.equal(c.method, 'llf', 'from the file');
  assert.equal(c.lr, 0.2, 'the flag overrides the file');
  assert.equal(c.seed, 7, 'from the flags');
  assert.equal(c.momentum, DEFAULTS.momentum, 'untouched keys keep the default');
  // The same layers the other way round: the file now wins.
  assert.equal(resolveConfig([flags({ lr: 0.2 }), file({ lr: 0.05 })]).lr, 0.05);
  // Two files: the second overrides the first.
  assert.equal(resolveConfig([file({ epochs: 8 }, 'a.json'), file({ epochs: 12 }, 'b.json')]).epochs, 12);
});

test('derived epochs follow the final E; an explicit k or warmup wins, and null brings the derivation back', () => {
  // Math.round: 10/4 = 2.5 → 3 and 10/8 = 1.25 → 1; 6/4 = 1.5 → 2 and 6/8 = 0.75 → 1.
  assert.deepEqual(pick(resolveConfig([flags({ epochs: 10 })])), [3, 1]);
  assert.deepEqual(pick(resolveConfig([file({ epochs: 6 })])), [2, 1]);
  assert.deepEqual(pick(resolveConfig([file({ epochs: 8, ascentEpochs: 3, warmupEpochs: 0 })])), [3, 0]);
  assert.deepEqual(pick(resolveConfig([file({ epochs: 8, ascentEpochs: 3 }), flags({ ascentEpochs: null })])), [2, 1]);
  // One epoch per generation: k = 0 and no warmup, which the warmup check allows.
  assert.deepEqual(pick(resolveConfig([flags({ epochs: 1 })])), [0, 0]);
});
const pick = (c: { ascentEpochs: number; warmupEpochs: number }) => [c.ascentEpochs, c.warmupEpochs];

test("a flag error names the flag; a file error names the file and the key; both give the key's help as the hint", () => {
  refuses([flags({ epochs: 0 })], '--epochs: expected an integer in [1, 10000], got 0', KEYS.epochs.help);
  refuses([file({ epochs: 0 })], 'run.json: key "epochs": expected an integer in [1, 10000], got 0', KEYS.epochs.help);
  refuses(
    [flags({ ascentLrMultiplier: 'x' })],
    "--ascent-lr-multiplier: expected a number, got 'x'",
    KEYS.ascentLrMultiplier.help,
  );
});

test('numbers: type, integrality, range (open and closed), finiteness and safe integers', () => {
  refuses([file({ lr: '0.1' })], 'run.json: key "lr": expected a number >= 0, got \'0.1\'');
  refuses([file({ lr: -0.1 })], 'run.json: key "lr": expected a number >= 0, got -0.1');
  refuses([flags({ epochs: 2.5 })], '--epochs: expected an integer in [1, 10000], got 2.5');
  refuses([flags({ batchSize: true })], '--batch-size: expected an integer in [1, 65536], got true');
  refuses([flags({ labelSmoothing: 1 })], '--label-smoothing: expected a number in [0, 1), got 1');
  assert.equal(resolveConfig([flags({ labelSmoothing: 0.999 })]).labelSmoothing, 0.999);
  refuses([flags({ width: 17 })], '--width: expected a number in [0.01, 16], got 17');
  assert.equal(resolveConfig([flags({ width: 16 })]).width, 16, 'a closed bound is allowed');
  refuses([flags({ threads: 2000 })], '--threads: expected an integer in [1, 1024], got 2000');
  for (const v of [NaN, Infinity, -Infinity]) {
    assert.throws(
      () => resolveConfig([flags({ lr: v })]),
      (e: unknown) => e instanceof ConfigError && /^--lr: expected a number >= 0, got /.test(e.message),
    );
  }
  // 2^53 would be rounded: two different seeds could name one run.
  const safe = `an integer >= 0 and at most 2^53-1 = ${Number.MAX_SAFE_INTEGER} (larger integers are rounded)`;
  refuses([flags({ seed: 2 ** 53 })], `--seed: expected ${safe}, got ${2 ** 53}`);
  refuses([file({ seed: 5n })], `run.json: key "seed": expected ${safe}, got 5`);
  assert.equal(resolveConfig([flags({ seed: Number.MAX_SAFE_INTEGER })]).seed, Number.MAX_SAFE_INTEGER);
});

test('booleans, enums with a nearest-name suggestion, non-empty strings and devices', () => {
  refuses([flags({ flip: 'yes' })], "--flip: expected true or false, got 'yes'");
  refuses([flags({ flip: 1 })], '--flip: expected true or false, got 1');
  refuses(
    [flags({ method: 'sael' })],
    `--method: expected one of ${METHOD_NAMES.join(', ')}, got 'sael' (did you mean 'seal'?)`,
    KEYS.method.help,
  );
  refuses(
    [file({ model: 'resnet19' })],
    'run.json: key "model": expected one of resnet18, resnet50, resnet18-cifar, resnet50-cifar, small-cnn, ' +
      "got 'resnet19' (did you mean 'resnet18'?)",
  );
  refuses([file({ lrPolicy: 3 })], 'run.json: key "lrPolicy": expected one of cosine, long-cosine, got 3');
  refuses([flags({ dataset: '' })], "--dataset: expected a non-empty string, got ''");
  refuses([flags({ splitAt: 3 })], '--split-at: expected a non-empty string, got 3');
  refuses([flags({ device: 'gpu' })], "--device: expected 'cpu', 'cuda' or 'cuda:N', got 'gpu'");
  refuses([flags({ device: 'cuda:x' })], "--device: expected 'cpu', 'cuda' or 'cuda:N', got 'cuda:x'");
  for (const d of ['cpu', 'cuda', 'cuda:1']) assert.equal(resolveConfig([flags({ device: d })]).device, d);
});

test('null: accepted where a key is nullable, otherwise an error saying what the key takes', () => {
  const c = resolveConfig([file({ threads: null, limitTrain: null, out: null, warmupEpochs: null })]);
  assert.equal(c.threads, null);
  assert.equal(c.limitTrain, null);
  refuses([file({ epochs: null })], 'run.json: key "epochs": expected an integer in [1, 10000], got null');
  refuses([file({ lr: null })], 'run.json: key "lr": expected a number >= 0, got null');
  refuses([file({ flip: null })], 'run.json: key "flip": expected true or false, got null');
  refuses([file({ dataset: null })], 'run.json: key "dataset": expected a non-empty string, got null');
  refuses([flags({ method: null })], `--method: expected one of ${METHOD_NAMES.join(', ')}, got null`);
});

test('unknown keys: a file names itself and the key, a flag names the option; both suggest the nearest name', () => {
  refuses(
    [file({ lrr: 0.1 })],
    'run.json: unknown key "lrr"',
    'did you mean "lr"? (`seal train --help` lists every option)',
  );
  refuses(
    [flags({ ascentEpoch: 2 })],
    'unknown option --ascent-epoch',
    'did you mean --ascent-epochs? (`seal train --help` lists every option)',
  );
  refuses([file({ Epochs: 3 })], 'run.json: unknown key "Epochs"', /did you mean "epochs"\?/);
});

test('every layer is checked, even where a later layer sets the same key', () => {
  refuses(
    [file({ epochs: -1 }), flags({ epochs: 4 })],
    'run.json: key "epochs": expected an integer in [1, 10000], got -1',
  );
  refuses([file({ epochz: 4 }), flags({ epochs: 4 })], 'run.json: unknown key "epochz"', /"epochs"/);
});

test('keys that must agree with each other: k <= E, warmup < E, KE split rate <= 1, Nesterov with momentum', () => {
  refuses(
    [file({ epochs: 4, ascentEpochs: 5 })],
    'ascentEpochs (5) is larger than epochs per generation (4)',
    'choose k <= E; by default k = E/4',
  );
  assert.equal(
    resolveConfig([file({ epochs: 4, ascentEpochs: 4 })]).ascentEpochs,
    4,
    'k = E ascends for the whole generation',
  );
  refuses(
    [file({ epochs: 4, warmupEpochs: 4 })],
    'warmupEpochs (4) must be smaller than epochs per generation (4)',
    'by default the warmup is E/8',
  );
  assert.equal(resolveConfig([file({ epochs: 4, warmupEpochs: 3 })]).warmupEpochs, 3);
  refuses([flags({ keSplitRate: 1.5 })], '--ke-split-rate: expected a number in (0, 1], got 1.5');
  refuses([flags({ keSplitRate: 0 })], '--ke-split-rate: expected a number in (0, 1], got 0');
  refuses([file({ lr: Number.NaN })], 'run.json: key "lr": expected a number >= 0, got NaN');
  refuses([file({ lr: Number.POSITIVE_INFINITY })], 'run.json: key "lr": expected a number >= 0, got Infinity');
  assert.equal(resolveConfig([flags({ keSplitRate: 1 })]).keSplitRate, 1);
  refuses([flags({ nesterov: true, momentum: 0 })], 'nesterov needs a momentum above 0 (momentum is 0)');
  assert.equal(resolveConfig([flags({ nesterov: true })]).nesterov, true);
  assert.equal(resolveConfig([]).nesterov, false);
});

test('every schema key accepts its own default, from a file and as a flag', () => {
  const base = resolveConfig([]);
  for (const key of Object.keys(KEYS) as (keyof RunConfig)[]) {
    assert.deepEqual(resolveConfig([file({ [key]: DEFAULTS[key] })]), base, key);
    assert.deepEqual(resolveConfig([flags({ [key]: DEFAULTS[key] })]), base, key);
  }
  assert.deepEqual(Object.keys(KEYS).sort(), Object.keys(DEFAULTS).sort(), 'every key has a default and a doc');
});
