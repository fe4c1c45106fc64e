// `seal eval transfer|fewshot|depth|sharpness --checkpoint FILE [options] --out FILE.json`
import { setNumThreads } from '../backend/index.js';
import { ConfigError, nearest } from '../errors.js';
import { writeJsonAtomic } from '../io/run-dir.js';
import { EVALUATORS, type Evaluator, type OptionSpec } from '../eval/registry.js';
import { loadModelCheckpoint } from '../eval/model-checkpoint.js';

export const EVAL_USAGE = `usage: seal eval <kind> --checkpoint FILE [options] [--out FILE.json] [--threads N] [--device D]

kinds:
${Object.entries(EVALUATORS).map(([k, e]) => `  ${k.padEnd(10)} ${e.help}\n${Object.entries(e.options).map(([n, o]) => `      --${n.padEnd(16)} ${o.help} [${String(o.default)}]`).join('\n')}`).join('\n')}

The result (JSON, with every setting used) goes to --out, or to standard output.
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

export async function evalCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === 'help') { process.stdout.write(EVAL_USAGE); return kind === undefined ? 2 : 0; }
  const ev: Evaluator | undefined = EVALUATORS[kind];
  if (!ev) throw new ConfigError(`unknown evaluation '${kind}'`, `did you mean '${nearest(kind, Object.keys(EVALUATORS))}'? (\`seal eval --help\`)`);
  const common = new Map<string, string>();
  const options: Record<string, unknown> = Object.fromEntries(Object.entries(ev.options).map(([n, o]) => [n, o.default]));
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument '${a}'`, 'options are written --name value');
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const raw = eq >= 0 ? a.slice(eq + 1) : rest[++i];
    if (raw === undefined) throw new ConfigError(`--${name} needs a value`);
    if (['checkpoint', 'out', 'threads', 'device'].includes(name)) common.set(name, raw);
    else if (ev.options[name]) options[name] = parseValue(name, ev.options[name], raw);
    else throw new ConfigError(`unknown option --${name} for seal eval ${kind}`, `did you mean --${nearest(name, [...Object.keys(ev.options), 'checkpoint', 'out', 'threads', 'device'])}?`);
  }
  const checkpoint = common.get('checkpoint');
  if (!checkpoint) throw new ConfigError(`seal eval ${kind} needs --checkpoint FILE (a checkpoints/gen-<g>.safetensors of a run)`);
  if (common.has('threads')) setNumThreads(parseValue('threads', { type: 'int', min: 1, help: 'CPU threads', default: null }, common.get('threads') as string) as number);
  const device = common.get('device') ?? 'cpu';
  const ckpt = await loadModelCheckpoint(checkpoint, device);
  const t0 = performance.now();
  try {
    const result = await ev.run(ckpt, { ...options, device });
    const out = { kind, checkpoint, generation: ckpt.generation, model: ckpt.config.model, width: ckpt.config.width, method: ckpt.config.method, seed: ckpt.config.seed, seconds: (performance.now() - t0) / 1000, ...result };
    const file = common.get('out');
    if (file) {
      writeJsonAtomic(file, out);
      process.stdout.write(`${ev.summary(out)}\nresult: ${file}\n`);
    } else {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    }
  } finally {
    ckpt.model.dispose();
  }
  return 0;
}
