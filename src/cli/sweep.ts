// `seal sweep`: a grid over one or two settings of one method, run as the arms of one
// comparison (so generation 0 and the baseline are trained once per seed for every cell).
import { ConfigError } from '../errors.js';
import { KEYS } from '../config/schema.js';
import { compareCommand } from './compare.js';
import { SWITCH, camel, parseArgv, text, texts } from './args.js';

export const SWEEP_USAGE = `usage: seal sweep --method M --grid SETTING=v1,v2,... [--grid SETTING=...] [--baseline METHOD]
                  [--preset ascent] [--seeds 0-4] [any seal compare option] --out DIR

Runs one comparison whose arms are the baseline method (default normal) and one arm of method M
per cell of the grid (at most two settings), named M,SETTING=v,... e.g.
  seal sweep --method seal --grid ascent-lr-multiplier=-0.01,-0.03,-0.1,-0.3 --grid ascent-epochs=1,2,3 \\
    --baseline normal --seeds 0-4 --out runs/sweep
Generation 0 is trained once per seed for all arms that share it, and the report adds, per metric,
a heatmap of each cell's paired difference to the baseline (cells whose 95% interval excludes 0
marked) and the line plots along each setting.
--preset ascent: S = -0.01,-0.1,-1 x k = 1,2 for seal against normal on 6 seeds (3 generations of 8
epochs on 10,000 images), estimated at about an hour on 2 cores. Every other option is seal compare's (seal compare --help).
`;

/** Ready-made sweeps: the grid, the method and the comparison preset they run on. */
const SWEEP_PRESETS: Record<string, { method: string; grids: string[]; args: string[] }> = {
  ascent: {
    method: 'seal',
    grids: ['ascent-lr-multiplier=-0.01,-0.1,-1', 'ascent-epochs=1,2'],
    // Sized from `--dry-run`'s measured throughput (1,650 images/s per thread here): about 7 million
    // training images and 90 evaluated checkpoints, 45-60 minutes on 2 cores.
    args: [
      '--seeds',
      '0,1,2,3,4,5',
      '--eval',
      'transfer,fewshot,depth',
      '--generations',
      '3',
      '--epochs',
      '8',
      '--limit-train',
      '10000',
      '--limit-test',
      '2000',
      '--width',
      '0.25',
      '--model',
      'resnet18',
      '--batch-size',
      '64',
    ],
  },
};

export interface GridAxis {
  flag: string;
  values: string[];
}

export function parseGrid(spec: string): GridAxis {
  const eq = spec.indexOf('=');
  const flag = eq > 0 ? spec.slice(0, eq).replace(/^--/, '') : '';
  const values =
    eq > 0
      ? spec
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : [];
  if (!flag || values.length === 0)
    throw new ConfigError(
      `--grid: expected SETTING=v1,v2,..., got '${spec}'`,
      'e.g. --grid ascent-lr-multiplier=-0.01,-0.1',
    );
  const key = camel(flag);
  if (!(key in KEYS))
    throw new ConfigError(`--grid: unknown setting '${flag}'`, '`seal train --help` lists the settings');
  if (new Set(values).size !== values.length)
    throw new ConfigError(`--grid ${flag}: a value is listed twice in '${spec}'`);
  return { flag, values };
}

/** The arms' --arm specs: one per cell, named METHOD,flag=value,... */
export function cellArms(method: string, axes: GridAxis[]): string[] {
  let cells: string[][] = [[]];
  for (const a of axes) cells = cells.flatMap((c) => a.values.map((v) => [...c, `${a.flag}=${v}`]));
  return cells.map(
    (c) => `${[method, ...c].join(',')}=${method} ${c.map((kv) => `--${kv.replace('=', ' ')}`).join(' ')}`,
  );
}

/** `--seeds 0-4` as well as 0,1,2. */
const seedList = (v: string): string =>
  /^\d+-\d+$/.test(v)
    ? (() => {
        const [a, b] = v.split('-').map(Number) as [number, number];
        if (b < a) throw new ConfigError(`--seeds: empty range '${v}'`);
        return Array.from({ length: b - a + 1 }, (_, i) => a + i).join(',');
      })()
    : v;

/** seal sweep's own flags; every other word goes to seal compare as written. */
const SWEEP_FLAGS = {
  grid: texts(),
  method: text(),
  baseline: text(),
  preset: text(),
  seeds: text(),
  help: SWITCH,
  // The grid makes the arms: these are refused rather than passed on.
  methods: text(),
  arm: texts(),
  plan: text(),
};

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values: v, rest } = parseArgv(argv, SWEEP_FLAGS, { command: 'sweep', unknown: 'keep' });
  if (v.help) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  const handMade = (['methods', 'arm', 'plan'] as const).find((f) => v[f] !== undefined);
  if (handMade)
    throw new ConfigError(
      `--${handMade} is not a sweep option: the grid makes the arms`,
      'use seal compare for a hand-made set of arms',
    );
  const grids = v.grid ?? [];
  const preset = v.preset ?? null;
  let method = v.method ?? null;
  const baseline = v.baseline ?? 'normal';
  if (v.seeds !== undefined) rest.push('--seeds', seedList(v.seeds));
  const p = preset === null ? null : SWEEP_PRESETS[preset];
  if (preset !== null && !p)
    throw new ConfigError(`--preset: expected one of ${Object.keys(SWEEP_PRESETS).join(', ')}, got '${preset}'`);
  method ??= p?.method ?? null;
  if (method === null)
    throw new ConfigError(
      'seal sweep needs --method (the method whose settings the grid varies)',
      SWEEP_USAGE.split('\n')[0],
    );
  const axes = (grids.length > 0 ? grids : (p?.grids ?? [])).map(parseGrid);
  if (axes.length === 0 || axes.length > 2)
    throw new ConfigError(
      `seal sweep needs one or two --grid settings, got ${axes.length}`,
      'e.g. --grid ascent-lr-multiplier=-0.01,-0.1 --grid ascent-epochs=1,2',
    );
  if (axes.length === 2 && axes[0]?.flag === axes[1]?.flag)
    throw new ConfigError(`--grid ${axes[0]?.flag} is given twice`);
  if (baseline === method)
    throw new ConfigError(
      `--baseline ${baseline} is the swept method itself`,
      'compare the grid with another method, e.g. --baseline normal',
    );
  // The preset's comparison settings first, so that any flag given overrides them.
  const args = [
    ...(p?.args ?? []),
    ...rest,
    '--methods',
    baseline,
    '--baseline',
    baseline,
    ...cellArms(method, axes).flatMap((a) => ['--arm', a]),
  ];
  return compareCommand(args);
}
