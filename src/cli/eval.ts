// `seal eval transfer|fewshot|depth|sharpness --checkpoint FILE [options] --out FILE.json`
// `seal eval all [--kinds a,b] --checkpoint FILE [options] --out-dir DIR`: several in one pass.
import { join } from 'node:path';
import { setNumThreads } from '../backend/index.js';
import { ConfigError, nearest } from '../errors.js';
import { ensureDir, writeJsonAtomic } from '../io/run-dir.js';
import { EVALUATORS, evaluationOf, findEvaluation, optionLines } from '../eval/registry.js';
import { defaultsOf, type KindValues, type OptionKind } from '../config/options.js';
import { SWITCH, commandFlags, parseArgv, typed, type ValueFlag } from './args.js';
import { loadModelCheckpoint } from '../eval/model-checkpoint.js';
import { evaluateCheckpoint, type EvalRecord } from '../eval/run.js';
import { evalResultName } from '../io/compare-dir.js';
import { checkCreatable, checkWritableFile } from '../io/dirs.js';
import { checkDevice, checkThreads } from './checks.js';
import type { CommandValues } from './command-options.js';

export const EVAL_USAGE = `usage: seal eval <kind> --checkpoint FILE [options] [--out FILE.json] [--threads N] [--device D]
       seal eval all [--kinds ${Object.keys(EVALUATORS).join(',')}] --checkpoint FILE [options] [--out-dir DIR]

kinds:
${Object.entries(EVALUATORS)
  .map(([k, e]) => `  ${k.padEnd(10)} ${e.help}\n${optionLines(e)}`)
  .join('\n')}

The result (JSON, with every setting used) goes to --out, or to standard output.
\`seal eval all\` loads the checkpoint once, computes each dataset's features once for every
evaluation that needs them, and writes DIR/gen-<g>.<kind>.json per evaluation; an option
applies to every chosen evaluation that has it.
`;

/** The flags every evaluation takes (cli/command-options.ts); its own options are typed by its specs once the evaluations are known. */
const COMMON = commandFlags('eval');

export async function evalCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === 'help') {
    process.stdout.write(EVAL_USAGE);
    return kind === undefined ? 2 : 0;
  }
  if (kind !== 'all' && !findEvaluation(kind)) {
    throw new ConfigError(
      `unknown evaluation '${kind}'`,
      `did you mean '${nearest(kind, [...Object.keys(EVALUATORS), 'all'])}'? (\`seal eval --help\`)`,
    );
  }
  const parsed = parseArgv(rest, { ...COMMON, help: SWITCH }, { command: 'eval', unknown: 'collect' });
  const common = parsed.values as CommandValues<'eval'> & { help?: true };
  const unknown = parsed.unknown;
  if (common.help) {
    process.stdout.write(EVAL_USAGE);
    return 0;
  }
  const kinds = kind !== 'all' ? [kind] : (common.kinds ?? Object.keys(EVALUATORS));
  for (const k of kinds)
    if (!findEvaluation(k))
      throw new ConfigError(`--kinds: unknown evaluation '${k}'`, `choose from ${Object.keys(EVALUATORS).join(', ')}`);
  if (kind !== 'all' && common.kinds !== undefined)
    throw new ConfigError('--kinds goes with `seal eval all`', `e.g. seal eval all --kinds ${kind},depth`);
  const requests = kinds.map((k) => ({ kind: k, ev: evaluationOf(k), options: defaultsOf(evaluationOf(k).options) }));
  // An option of the same name means the same in every evaluation (test/eval/registry.test.ts),
  // so one table types it for all that have it.
  const optionFlags: Record<string, ValueFlag<KindValues[OptionKind]>> = {};
  for (const r of requests) for (const [name, spec] of Object.entries(r.ev.options)) optionFlags[name] = typed(spec);
  const stray = unknown.find(([name]) => !Object.hasOwn(optionFlags, name));
  if (stray) {
    throw new ConfigError(
      `unknown option --${stray[0]} for seal eval ${kind === 'all' ? kinds.join(',') : kind}`,
      `did you mean --${nearest(stray[0], [...Object.keys(optionFlags), ...Object.keys(COMMON)])}?`,
    );
  }
  const { values } = parseArgv(rest, Object.assign({}, optionFlags, COMMON, { help: SWITCH }), { command: 'eval' });
  for (const r of requests) {
    for (const name of Object.keys(r.ev.options)) {
      const v = values[name] as KindValues[OptionKind] | undefined;
      if (v !== undefined) r.options[name] = v;
    }
  }
  const checkpoint = common.checkpoint;
  if (!checkpoint)
    throw new ConfigError(`seal eval ${kind} needs --checkpoint FILE (a checkpoints/gen-<g>.safetensors of a run)`);
  if (kind !== 'all' && common['out-dir'] !== undefined)
    throw new ConfigError('--out-dir goes with `seal eval all`; one evaluation writes --out FILE.json');
  if (kind === 'all' && common.out !== undefined)
    throw new ConfigError('`seal eval all` writes one file per evaluation: use --out-dir DIR');
  if (common.threads !== undefined) {
    checkThreads(common.threads, '--threads');
    setNumThreads(common.threads);
  }
  const device = common.device ?? 'cpu';
  checkDevice(device);
  const outDir = common['out-dir'];
  if (outDir !== undefined) checkCreatable(outDir, '--out-dir');
  if (common.out !== undefined) checkWritableFile(common.out, '--out');
  const ckpt = await loadModelCheckpoint(checkpoint, device);
  if (outDir !== undefined) ensureDir(outDir);
  const all: EvalRecord[] = [];
  try {
    await evaluateCheckpoint(
      ckpt,
      requests.map(({ kind: k, options }) => ({ kind: k, options })),
      {
        device,
        onResult: (r) => {
          const file =
            kind === 'all'
              ? outDir !== undefined
                ? join(outDir, evalResultName(ckpt.generation, r.kind))
                : undefined
              : common.out;
          if (file) {
            writeJsonAtomic(file, r);
            process.stdout.write(`${evaluationOf(r.kind).summary(r)}\nresult: ${file}\n`);
          } else {
            all.push(r);
          }
        },
      },
    );
  } finally {
    ckpt.model.dispose();
  }
  if (all.length > 0) process.stdout.write(`${JSON.stringify(kind === 'all' ? all : all[0], null, 2)}\n`);
  return 0;
}
