// `seal sweep`: a grid over one or two settings of one method, run as the arms of one
// comparison (so generation 0 and the baseline are trained once per seed for every cell).
import { ConfigError } from '../errors.js';
import { KEYS } from '../config/schema.js';
import { compareSpecOf, runCompare } from './compare.js';
import type { Arm } from '../compare/plan.js';
import { SWITCH, camel, commandFlags, parseArgv, text, texts } from './args.js';
import { MAX_ARMS, type CommandValues } from './command-options.js';
import { checkValue, fromText } from '../config/options.js';

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
  /** The values as written (they name the cells). */
  values: string[];
  /** The config key and the values as the setting takes them. */
  key: string;
  typed: unknown[];
}

/**
 * `SETTING=v1,v2,...`: every value checked as the setting's flag would be, and compared as a
 * value, so that -0.1 and -1e-1 are one value listed twice.
 */
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
  if (!Object.hasOwn(KEYS, key))
    throw new ConfigError(`--grid: unknown setting '${flag}'`, '`seal train --help` lists the settings');
  if (values.length > MAX_ARMS)
    throw new ConfigError(
      `--grid ${flag}: ${values.length} values; at most ${MAX_ARMS} are allowed`,
      'a sweep runs one arm per cell: choose fewer values',
    );
  const doc = KEYS[key as keyof typeof KEYS];
  const typed = values.map((v) => checkValue(doc, fromText(doc, v), `--grid ${flag}`, `'${v}'`));
  for (let i = 0; i < typed.length; i++) {
    const j = typed.indexOf(typed[i] ?? null);
    if (j < i)
      throw new ConfigError(
        `--grid ${flag}: '${values[j]}' and '${values[i]}' are the same value`,
        'list each value once',
      );
  }
  return { flag, values, key, typed };
}

/** The arms: one per cell, named METHOD,flag=value,... with the cell's settings. */
export function cellArms(method: string, axes: GridAxis[]): Arm[] {
  let cells: { names: string[]; overrides: Record<string, unknown> }[] = [{ names: [], overrides: {} }];
  for (const a of axes)
    cells = cells.flatMap((c) =>
      a.values.map((v, i) => ({
        names: [...c.names, `${a.flag}=${v}`],
        overrides: { ...c.overrides, [a.key]: a.typed[i] },
      })),
    );
  return cells.map((c) => ({ name: [method, ...c.names].join(','), method, overrides: c.overrides }));
}

/** seal sweep's own flags (cli/command-options.ts); every other word goes to seal compare as written. */
const SWEEP_FLAGS = {
  ...commandFlags('sweep'),
  help: SWITCH,
  // The grid makes the arms: these are refused rather than passed on.
  methods: text(),
  arm: texts(),
  plan: text(),
};

/** The preset's words whose flag is not among the words given (a flag given overrides the preset's). */
function presetArgs(preset: readonly string[], given: readonly string[]): string[] {
  const flags = new Set(given.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
  const out: string[] = [];
  for (let i = 0; i < preset.length; i += 2) {
    if (!flags.has(preset[i] as string)) out.push(preset[i] as string, preset[i + 1] as string);
  }
  return out;
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const parsed = parseArgv(argv, SWEEP_FLAGS, { command: 'sweep', unknown: 'keep' });
  const v = parsed.values as CommandValues<'sweep'> & { help?: true; methods?: string; arm?: string[]; plan?: string };
  const rest = parsed.rest;
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
  const p = preset === null ? null : SWEEP_PRESETS[preset];
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
  const spec = await compareSpecOf([...presetArgs(p?.args ?? [], rest), ...rest]);
  if (spec === null) return 0;
  return runCompare({
    ...spec,
    options: {
      ...spec.options,
      methods: [baseline],
      baseline,
      arms: cellArms(method, axes),
      grid: { method, baseline, axes: axes.map((a) => ({ key: a.key, values: a.typed })) },
    },
  });
}
