// Arms and sweeps: arms that share generation 0 share it (a 4 x 3 grid on 5 seeds trains it 5
// times), a sweep cell equal to the plain method gives that method's numbers exactly, and bad
// arms, grids and baselines are refused before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsOf } from '../../src/compare/run-comparison.js';
import { comparedPairs } from '../../src/compare/aggregate.js';
import { buildPlan, type Arm, type TrainSettings } from '../../src/compare/plan.js';
import { OptionError } from '../../src/errors.js';
import { asFlags } from '../../src/cli/args.js';
import { DEFAULTS } from '../../src/config/schema.js';
import { parseArm } from '../../src/cli/compare.js';
import { cellArms, parseGrid } from '../../src/cli/sweep.js';
import { sweepGrid } from '../../src/report/sweep-section.js';
import type { Report } from '../../src/report/types.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);

test('a 4 x 3 sweep on 5 seeds trains generation 0 five times, and the baseline once per seed', () => {
  const axes = [parseGrid('ascent-lr-multiplier=-0.01,-0.03,-0.1,-0.3'), parseGrid('ascent-epochs=1,2,3')];
  const arms = cellArms('seal', axes);
  assert.equal(arms.length, 12);
  assert.deepEqual(arms[5], {
    name: 'seal,ascent-lr-multiplier=-0.03,ascent-epochs=3',
    method: 'seal',
    overrides: { ascentLrMultiplier: -0.03, ascentEpochs: 3 },
  });
  // The arm a hand-written --arm gives for that cell, so a sweep's settings are those of the same arms by hand.
  assert.deepEqual(
    parseArm('seal,ascent-lr-multiplier=-0.03,ascent-epochs=3=seal --ascent-lr-multiplier -0.03 --ascent-epochs 3'),
    arms[5],
  );
  const s = settingsOf({
    out: 'x',
    methods: ['normal'],
    arms,
    baseline: 'normal',
    seeds: [0, 1, 2, 3, 4],
    evals: ['fewshot'],
    train: { epochs: 4, generations: 3 },
  });
  const plan = buildPlan(s);
  const train = plan.tasks.filter((t) => t.kind === 'train');
  assert.equal(train.filter((t) => t.id.startsWith('train-gen0-')).length, 5);
  assert.equal(train.length, 5 + 5 * 13);
  assert.equal(train.filter((t) => t.id.startsWith('train-normal-')).length, 5);
  // Every cell forks the seed's one generation 0, whose settings carry none of the cell's.
  for (const t of train.filter((x) => x.id.startsWith('train-seal,')))
    assert.deepEqual(t.deps, [`train-gen0-s${String(t.id.split('-s').pop())}`]);
  const gen0 = train.find((t) => t.id === 'train-gen0-s0');
  assert.ok(gen0?.kind === 'train');
  assert.equal(gen0.config.ascentLrMultiplier, DEFAULTS.ascentLrMultiplier, "none of a cell's settings");
  assert.equal(gen0.config.method, 'normal');
  // Each cell is compared with the baseline only (no LLF arm).
  assert.equal(comparedPairs(s).length, 12);
  assert.ok(comparedPairs(s).every(([, b]) => b === 'normal'));
  // An arm whose generation 0 differs (another lr) gets its own.
  const other = buildPlan(
    settingsOf({
      out: 'x',
      methods: ['normal', 'seal'],
      arms: [parseArm('slow=seal --lr 0.05')],
      seeds: [0],
      evals: [],
      train: {},
    }),
  );
  assert.deepEqual(
    other.tasks.filter((t) => t.kind === 'train').map((t) => [t.id, t.deps]),
    [
      ['train-gen0-s0', []],
      ['train-normal-s0', ['train-gen0-s0']],
      ['train-seal-s0', ['train-gen0-s0']],
      ['train-gen0-1-s0', []],
      ['train-slow-s0', ['train-gen0-1-s0']],
    ],
  );
});

test('by --methods, every method is compared with normal and with LLF', () => {
  const s = settingsOf({ out: 'x', methods: ['normal', 'llf', 'seal'], seeds: [0], evals: [], train: {} });
  assert.deepEqual(comparedPairs(s), [
    ['llf', 'normal'],
    ['seal', 'normal'],
    ['seal', 'llf'],
  ]);
  assert.equal(s.arms, undefined, 'plain methods keep the plan of before');
});

test("the library checks a caller's settings as given, naming each by its option, and resolves each task once", () => {
  const base = { out: 'x', methods: ['normal', 'seal'], seeds: [0], evals: [] };
  const refusal = (train: Record<string, unknown>, arms: Arm[] = []) => {
    try {
      buildPlan(settingsOf({ ...base, arms, train: train as TrainSettings }));
    } catch (e) {
      return e;
    }
    return assert.fail(`${JSON.stringify(train)}: accepted`);
  };
  const bad = refusal({ epochs: -1 });
  assert.ok(bad instanceof OptionError && bad.option === 'epochs', String(bad));
  assert.match(bad.message, /^epochs: expected an integer in \[1, 10000\], got -1/);
  const typo = refusal({ epohcs: 4 });
  assert.ok(typo instanceof OptionError && typo.option === 'epohcs', String(typo));
  assert.match(typo.message, /is not a training option\nhint: did you mean epochs\?/);
  // The CLI names the same refusal by its flag.
  assert.match((asFlags(bad) as Error).message, /^--epochs: expected an integer/);
  const arm = refusal({}, [{ name: 'fast', method: 'seal', overrides: { lr: 'x' } as unknown as TrainSettings }]);
  assert.match((arm as Error).message, /^arm 'fast': key "lr": expected a number/);
  // k = E/4 follows an arm's own E, not the shared one.
  const plan = buildPlan(
    settingsOf({ ...base, arms: [{ name: 'long', method: 'seal', overrides: { epochs: 12 } }], train: { epochs: 4 } }),
  );
  const k = Object.fromEntries(plan.tasks.flatMap((t) => (t.kind === 'train' ? [[t.id, t.config.ascentEpochs]] : [])));
  assert.deepEqual(k, {
    'train-gen0-s0': 1,
    'train-normal-s0': 1,
    'train-seal-s0': 1,
    'train-gen0-1-s0': 3,
    'train-long-s0': 3,
  });
});

test('bad arms, grids and baselines are refused before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-arms-'));
  const badConfig = join(dir, 'bad-config.json');
  writeFileSync(badConfig, JSON.stringify({ epochs: -1 }));
  try {
    const cases: [string[], RegExp][] = [
      [['compare', '--arm', 'x=seal --bogus 1'], /--arm 'x=seal --bogus 1': unknown option --bogus/],
      [['compare', '--arm', 'x=sael'], /arm 'x': key "method": expected one of .* got 'sael'/],
      [['compare', '--methods', 'seal', '--arm', 'seal=seal --ascent-epochs 2'], /'seal' is listed twice/],
      [
        ['compare', '--methods', 'seal,llf', '--baseline', 'normal'],
        /--baseline: 'normal' is not an arm of this comparison/,
      ],
      [['compare', '--arm', 'x=seal --generations 3'], /arm 'x': generations is shared by every arm/],
      // Settings that do not go together are refused as each task's config is resolved: named by the arm that set them.
      [
        ['compare', '--epochs', '4', '--arm', 'x=seal --ascent-epochs 5'],
        /seal: arm 'x': ascentEpochs \(5\) is larger than epochs per generation \(4\)/,
      ],
      [['compare', '--epochs', '4', '--ascent-epochs', '5'], /seal: ascentEpochs \(5\) is larger than epochs/],
      // A --config file's key is named as the file's, not as a flag.
      [['compare', '--config', badConfig], /bad-config\.json: key "epochs": expected an integer/],
      [
        ['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1,-2'],
        /--grid ascent-epochs: expected an integer in \[0, 10000\], got '-2'/,
      ],
      [['sweep', '--method', 'seal', '--grid', 'ascent-speed=1,2'], /--grid: unknown setting 'ascent-speed'/],
      [['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1,1'], /'1' and '1' are the same value/],
      [
        ['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1', '--grid', 'lr=0.1', '--grid', 'width=1'],
        /one or two --grid settings, got 3/,
      ],
      [
        ['sweep', '--method', 'seal', '--baseline', 'seal', '--grid', 'ascent-epochs=1'],
        /--baseline seal is the swept method itself/,
      ],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, String(cases.findIndex((c) => c[0] === args)));
      const r = spawnSync(process.execPath, [CLI, ...args, '--seeds', '0', '--out', out], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
      assert.ok(!existsSync(out), `${args.join(' ')}: nothing is started`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const TINY = [
  '--seeds',
  '0',
  '--eval',
  'fewshot',
  '--generations',
  '2',
  '--epochs',
  '2',
  '--limit-train',
  '512',
  '--limit-test',
  '256',
  '--width',
  '0.125',
  '--jobs',
  '2',
  '--threads',
  '2',
];

test("a sweep cell equal to plain seal gives seal's numbers exactly", { skip: fashion }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-arms-'));
  try {
    const sweepArgs = [
      'sweep',
      '--method',
      'seal',
      '--grid',
      'ascent-lr-multiplier=-0.01,-0.5',
      ...TINY,
      '--out',
      join(dir, 'sweep'),
    ];
    const sweep = spawnSync(process.execPath, [CLI, ...sweepArgs], { encoding: 'utf8' });
    assert.equal(sweep.status, 0, sweep.stderr);
    assert.match(
      sweep.stdout,
      /plan: 9 tasks/,
      'one generation 0, the baseline and two cells, each evaluated, and the report',
    );
    const plain = spawnSync(
      process.execPath,
      [CLI, 'compare', '--methods', 'normal,seal', ...TINY, '--out', join(dir, 'plain')],
      { encoding: 'utf8' },
    );
    assert.equal(plain.status, 0, plain.stderr);
    const values = (file: string, arm: string) =>
      (JSON.parse(readFileSync(file, 'utf8')) as Report).values
        .filter((v) => v.method === arm)
        .map(({ method, ...v }) => v);
    const cell = values(join(dir, 'sweep', 'report.json'), 'seal,ascent-lr-multiplier=-0.01');
    assert.ok(cell.length >= 4, 'source and few-shot values of both generations');
    assert.deepEqual(cell, values(join(dir, 'plain', 'report.json'), 'seal'));
    assert.deepEqual(
      values(join(dir, 'sweep', 'report.json'), 'normal'),
      values(join(dir, 'plain', 'report.json'), 'normal'),
    );
    // The report reads the grid the sweep recorded in its settings; a sweep that recorded none
    // (made before sweeps did) is read from its arms, and gives the same grid.
    const report = JSON.parse(readFileSync(join(dir, 'sweep', 'report.json'), 'utf8')) as Report;
    assert.deepEqual(report.settings['grid'], {
      method: 'seal',
      baseline: 'normal',
      axes: [{ key: 'ascentLrMultiplier', values: [-0.01, -0.5] }],
    });
    const { grid: _recorded, ...older } = report.settings;
    assert.deepEqual(sweepGrid({ ...report, settings: older }), sweepGrid(report));
    // Such an older sweep folder is continued by the same command, not refused as other settings.
    for (const name of ['compare.json', 'plan.json']) {
      const file = join(dir, 'sweep', name);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { grid?: unknown; settings?: { grid?: unknown } };
      delete json.grid;
      delete json.settings?.grid;
      writeFileSync(file, JSON.stringify(json));
    }
    const again = spawnSync(process.execPath, [CLI, ...sweepArgs], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    const md = readFileSync(join(dir, 'sweep', 'report.md'), 'utf8');
    assert.match(md, /## Sweep: seal − normal at generation 1/);
    assert.match(
      md,
      /\| ascent-lr-multiplier \| cell − baseline \|\n\|---\|---:\|\n\| -0\.01 \| [+-][\d.]+\*? \|\n\| -0\.5 \| [+-][\d.]+\*? \|/,
    );
    const html = readFileSync(join(dir, 'sweep', 'report.html'), 'utf8');
    assert.match(html, /id="chart-sweep-heat-source_top1"/);
    assert.match(html, /id="chart-sweep-line-source_top1-ascentLrMultiplier"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
