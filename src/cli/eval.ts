// `seal eval transfer|fewshot|depth|sharpness --checkpoint FILE [options] --out FILE.json`
// `seal eval all [--kinds a,b] --checkpoint FILE [options] --out-dir DIR`: several in one pass.
import { join } from 'node:path';
import { setNumThreads } from '../backend/index.js';
import { ConfigError, nearest } from '../errors.js';
import { ensureDir, writeJsonAtomic } from '../io/run-dir.js';
import { EVALUATORS, type OptionSpec } from '../eval/registry.js';
import { loadModelCheckpoint } from '../eval/model-checkpoint.js';
import { evaluateCheckpoint, type EvalRecord } from '../eval/run.js';
import { evalResultName } from '../io/compare-dir.js';
import { checkCreatable, checkWritableFile } from '../io/dirs.js';
import { checkDevice, parseThreads } from './checks.js';

export const EVAL_USAGE = `usage: seal eval <kind> --checkpoint FILE [options] [--out FILE.json] [--threads N] [--device D]
       seal eval all [--kinds ${Object.keys(EVALUATORS).join(',')}] --checkpoint FILE [options] [--out-dir DIR]

kinds:
${Object.entries(EVALUATORS).map(([k, e]) => `  ${k.padEnd(10)} ${e.help}\n${Object.entries(e.options).map(([n, o]) => `      --${n.padEnd(16)} ${o.help} [${String(o.default)}]`).join('\n')}`).join('\n')}

The result (JSON, with every setting used) goes to --out, or to standard output.
\`seal eval all\` loads the checkpoint once, computes each dataset's features once for every
evaluation that needs them, and writes DIR/gen-<g>.<kind>.json per evaluation; an option
applies to every chosen evaluation that has it.
`;

function parseValue(name: string, spec: OptionSpec, raw: string): unknown {
  const bad = (what: string): never => { throw new ConfigError(`--${name}: expected ${what}, got '${raw}'`, spec.help); };
  switch (spec.type) {
    case 'int': { const n = Number(raw); if (!Number.isInteger(n) || n < (spec.min ?? 0)) bad(`an integer >= ${spec.min ?? 0}`); return n; }
    case 'number': { const n = Number(raw); if (raw.trim() === '' || !Number.isFinite(n)) bad('a number'); return n; }
    case 'ints': return raw.split(',').map((s) => { const n = Number(s); if (!Number.isInteger(n) || n < (spec.min ?? 0)) bad(`integers >= ${spec.min ?? 0}, comma-separated`); return n; });
    case 'enum': if (!spec.values?.includes(raw)) bad(`one of ${spec.values?.join(', ')}`); return raw;
    default: return raw;
  }
}

const COMMON = ['checkpoint', 'out', 'out-dir', 'threads', 'device', 'kinds'];

export async function evalCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === 'help') { process.stdout.write(EVAL_USAGE); return kind === undefined ? 2 : 0; }
  if (kind !== 'all' && !EVALUATORS[kind]) {
    throw new ConfigError(`unknown evaluation '${kind}'`, `did you mean '${nearest(kind, [...Object.keys(EVALUATORS), 'all'])}'? (\`seal eval --help\`)`);
  }
  const common = new Map<string, string>();
  const flags: [string, string][] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--help' || a === '-h') { process.stdout.write(EVAL_USAGE); return 0; }
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument '${a}'`, 'options are written --name value');
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const raw = eq >= 0 ? a.slice(eq + 1) : rest[++i];
    if (raw === undefined) throw new ConfigError(`--${name} needs a value`);
    if (COMMON.includes(name)) common.set(name, raw);
    else flags.push([name, raw]);
  }
  const kinds = kind !== 'all' ? [kind] : (common.get('kinds')?.split(',').map((k) => k.trim()).filter(Boolean) ?? Object.keys(EVALUATORS));
  for (const k of kinds) if (!EVALUATORS[k]) throw new ConfigError(`--kinds: unknown evaluation '${k}'`, `choose from ${Object.keys(EVALUATORS).join(', ')}`);
  if (kind !== 'all' && common.has('kinds')) throw new ConfigError('--kinds goes with `seal eval all`', `e.g. seal eval all --kinds ${kind},depth`);
  const requests = kinds.map((k) => ({ kind: k, options: Object.fromEntries(Object.entries(EVALUATORS[k]!.options).map(([n, o]) => [n, o.default])) as Record<string, unknown> }));
  for (const [name, raw] of flags) {
    const takers = requests.filter((r) => EVALUATORS[r.kind]!.options[name]);
    if (takers.length === 0) {
      const known = [...new Set(requests.flatMap((r) => Object.keys(EVALUATORS[r.kind]!.options))), ...COMMON];
      throw new ConfigError(`unknown option --${name} for seal eval ${kind === 'all' ? kinds.join(',') : kind}`, `did you mean --${nearest(name, known)}?`);
    }
    for (const r of takers) r.options[name] = parseValue(name, EVALUATORS[r.kind]!.options[name]!, raw);
  }
  const checkpoint = common.get('checkpoint');
  if (!checkpoint) throw new ConfigError(`seal eval ${kind} needs --checkpoint FILE (a checkpoints/gen-<g>.safetensors of a run)`);
  if (kind !== 'all' && common.has('out-dir')) throw new ConfigError('--out-dir goes with `seal eval all`; one evaluation writes --out FILE.json');
  if (kind === 'all' && common.has('out')) throw new ConfigError('`seal eval all` writes one file per evaluation: use --out-dir DIR');
  if (common.has('threads')) setNumThreads(parseThreads(common.get('threads')));
  const device = common.get('device') ?? 'cpu';
  checkDevice(device);
  if (common.has('out-dir')) checkCreatable(common.get('out-dir') as string, '--out-dir');
  if (common.has('out')) checkWritableFile(common.get('out') as string, '--out');
  const ckpt = await loadModelCheckpoint(checkpoint, device);
  if (common.has('out-dir')) ensureDir(common.get('out-dir') as string);
  const all: EvalRecord[] = [];
  try {
    await evaluateCheckpoint(ckpt, requests, {
      device,
      onResult: (r) => {
        const file = kind === 'all' ? (common.has('out-dir') ? join(common.get('out-dir') as string, evalResultName(ckpt.generation, r.kind)) : undefined) : common.get('out');
        if (file) {
          writeJsonAtomic(file, r);
          process.stdout.write(`${EVALUATORS[r.kind]!.summary(r)}\nresult: ${file}\n`);
        } else {
          all.push(r);
        }
      },
    });
  } finally {
    ckpt.model.dispose();
  }
  if (all.length > 0) process.stdout.write(`${JSON.stringify(kind === 'all' ? all : all[0], null, 2)}\n`);
  return 0;
}
