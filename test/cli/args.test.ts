// The one command-line parser: every form of a flag, typed values, and the refusals' words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONFIG_FLAGS,
  SWITCH,
  configLayers,
  onlyPositional,
  parseArgv,
  text,
  texts,
  typed,
  withConfigFlags,
} from '../../src/cli/args.js';
import { ConfigError } from '../../src/errors.js';

const FLAGS = {
  out: text('where it goes'),
  arm: texts(),
  wait: SWITCH,
  help: SWITCH,
  jobs: typed({ kind: 'int', min: 1, help: 'tasks at a time' }),
  shots: typed({ kind: 'ints', min: 1, help: 'support images per class' }),
  mode: typed({ kind: 'enum', values: ['probe', 'finetune'], help: 'protocol' }),
  lr: typed({ kind: 'number', help: 'learning rate' }),
};
const parse = (argv: string[], o: Partial<Parameters<typeof parseArgv>[2]> = {}) =>
  parseArgv(argv, FLAGS, { command: 'test', ...o });
const refuses = (f: () => unknown, message: string, hint?: string) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message.split('\nhint: ')[0], message);
    if (hint !== undefined) assert.equal(e.hint, hint);
    return true;
  });

test('--name value and --name=value give the same typed value; a single-value flag given twice is refused', () => {
  assert.deepEqual(parse(['--out', 'a', '--jobs', '3']).values, { out: 'a', jobs: 3 });
  assert.deepEqual(parse(['--out=a', '--jobs=3']).values, { out: 'a', jobs: 3 });
  assert.deepEqual(parse(['--out=a=b']).values, { out: 'a=b' }, 'only the first = splits');
  refuses(() => parse(['--out', 'a', '--out', 'b']), '--out is given twice (--out a and --out b)');
  refuses(() => parse(['--wait', '--wait']), '--wait is given twice (--wait and --wait)');
  refuses(() => parse(['--jobs=2', '--jobs', '3']), '--jobs is given twice (--jobs=2 and --jobs 3)');
  assert.deepEqual(parse(['--arm', 'a', '--arm', 'b']).values, { arm: ['a', 'b'] }, 'a repeatable flag keeps both');
  assert.deepEqual(parse(['--shots', '1,5', '--mode', 'finetune', '--lr', '-0.5']).values, {
    shots: [1, 5],
    mode: 'finetune',
    lr: -0.5,
  });
  assert.deepEqual(parse(['--out', '--wait']).values, { out: '--wait' }, 'a value may start with --');
});

test('switches, repeatable flags, -h, positionals and the order flags were given in', () => {
  const p = parse(['--wait', '--arm', 'a=seal', '--out', 'x', '--arm=b=llf', '-h']);
  assert.deepEqual(p.values, { wait: true, arm: ['a=seal', 'b=llf'], out: 'x', help: true });
  assert.deepEqual(p.given, ['wait', 'arm', 'out', 'help']);
  assert.deepEqual(parse(['DIR', '--wait', 'TASK'], { positionals: 2 }).positionals, ['DIR', 'TASK']);
});

test('unknown flags are refused with the nearest name, collected with their values, or kept as written', () => {
  refuses(
    () => parse(['--wiat']),
    'unknown option --wiat for seal test',
    'did you mean --wait? (`seal test --help` lists them)',
  );
  const collected = parse(['--epochs', '8', '--out', 'x', '--width=0.5'], { unknown: 'collect' });
  assert.deepEqual(collected.unknown, [
    ['epochs', '8'],
    ['width', '0.5'],
  ]);
  assert.deepEqual(collected.given, ['epochs', 'out', 'width']);
  assert.deepEqual(
    parse(['--wiat', '--out', 'x', '--epoch'], { unknown: 'collect' }).unknown,
    [
      ['wiat', null],
      ['epoch', null],
    ],
    'a flag is not its value',
  );
  const kept = parse(['--epochs', '8', '--wait', 'x', '--flip'], { unknown: 'keep' });
  assert.deepEqual(kept.rest, ['--epochs', '8', 'x', '--flip']);
  assert.deepEqual(kept.values, { wait: true });
});

test("a missing value, a bad value and a stray word are refused in the tests' words", () => {
  refuses(() => parse(['--out']), '--out needs a value', 'where it goes');
  refuses(() => parse(['--jobs', '0']), "--jobs: expected an integer >= 1, got '0'", 'tasks at a time');
  refuses(() => parse(['--jobs', '1.5']), "--jobs: expected an integer >= 1, got '1.5'");
  refuses(
    () => parse(['--shots', '1,0']),
    "--shots: expected integers >= 1, comma-separated (A-B for a range), at most 1000, got '1,0'",
  );
  refuses(
    () => parse(['--mode', 'probes']),
    "--mode: expected one of probe, finetune, got 'probes' (did you mean 'probe'?)",
  );
  refuses(() => parse(['--lr', 'fast']), "--lr: expected a number, got 'fast'");
  refuses(
    () => parse(['x']),
    "unexpected argument 'x'",
    'options are written --name value; `seal test --help` lists them',
  );
  refuses(() => parse(['A', 'B'], { positionals: 1 }), "unexpected argument 'B'");
});

test('config flags: booleans as --x, --no-x and --x=false, nulls, values checked as parsed, and unknown keys left to resolveConfig', () => {
  const flags = withConfigFlags({ help: SWITCH, out: text() });
  const layer = (argv: string[]) =>
    configLayers(parseArgv(argv, flags, { command: 'train', unknown: 'collect' }), flags);
  assert.deepEqual(layer(['--flip', '--epochs', '8', '--limit-train', 'null', '--width=0.5']), [
    { source: 'flags', values: { flip: true, epochs: 8, limitTrain: null, width: 0.5 } },
  ]);
  assert.deepEqual(layer(['--no-flip'])[0]?.values, { flip: false });
  assert.deepEqual(layer(['--flip=false'])[0]?.values, { flip: false });
  refuses(
    () => layer(['--seed', '9007199254740993']),
    "--seed: expected an integer >= 0 and at most 2^53-1 = 9007199254740991 (larger integers are rounded), got '9007199254740993'",
  );
  refuses(() => layer(['--bogus', '1', '--lr', 'x']), "--lr: expected a number >= 0, got 'x'");
  refuses(() => layer(['--epochs', '1e9']), "--epochs: expected an integer in [1, 10000], got '1e9'");
  refuses(() => layer(['--flip', '--no-flip']), '--flip is given twice (--flip and --no-flip)');
  assert.deepEqual(
    layer(['--bogus', '1'])[0]?.values,
    { bogus: '1' },
    'resolveConfig refuses it with the nearest name',
  );
  assert.deepEqual(layer(['--out', 'DIR'])[0]?.values, {}, "a command's own --out is not the config key");
  refuses(
    () => layer(['--flip', 'false']),
    "--flip is a switch and takes no value, got 'false'",
    'write --flip to turn it on and --no-flip to turn it off (or --flip=false)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'seal-args-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{"epochs": 4}');
    assert.deepEqual(
      configLayers(parseArgv(['--config', file, '--epochs', '2'], CONFIG_FLAGS, { command: 'train' }), CONFIG_FLAGS),
      [
        { source: file, values: { epochs: 4 } },
        { source: 'flags', values: { epochs: 2 } },
      ],
    );
    writeFileSync(file, '[1]');
    refuses(
      () => configLayers(parseArgv(['--config', file], CONFIG_FLAGS, { command: 'train' }), CONFIG_FLAGS),
      `--config ${file}: expected a JSON object of config keys`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command that takes one folder and no options', () => {
  assert.equal(onlyPositional(['DIR'], 'status'), 'DIR');
  assert.equal(onlyPositional(['A', 'B'], 'status'), undefined);
  assert.equal(onlyPositional([], 'status'), undefined);
  refuses(
    () => onlyPositional(['DIR', '--x'], 'status'),
    'unknown option --x for seal status',
    '`seal status --help` lists them',
  );
});
