// Command-line flags → a config layer. --key value or --key=value, kebab-case names,
// --no-flag for false, 'null' for an empty nullable value. Types are checked by resolveConfig.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { KEYS, type RunConfig } from '../config/schema.js';
import { kebab, type ConfigLayer } from '../config/resolve.js';

export interface ParsedArgs { layers: ConfigLayer[]; switches: Set<string>; resume: string | null; extras: Map<string, string> }

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function coerce(key: string, raw: string): unknown {
  const doc = KEYS[key as keyof RunConfig];
  if (doc === undefined) return raw;
  if (raw === 'null' && doc.nullable) return null;
  // Digits past 2^53 stay exact as a bigint, so the refusal shows the number that was typed.
  if (doc.kind === 'int' && /^\s*\d+\s*$/.test(raw) && !Number.isSafeInteger(Number(raw))) return BigInt(raw.trim());
  if (doc.kind === 'int' || doc.kind === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (doc.kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * Parses argv. `switches` are flags without a value that the command itself handles
 * (e.g. print-split, help); `extraNames` are valued options outside the config (returned in
 * `extras`); --config FILE adds the file as a layer under the flags.
 */
export function parseArgs(argv: string[], switchNames: readonly string[], extraNames: readonly string[] = []): ParsedArgs {
  const values: Record<string, unknown> = {};
  const extras = new Map<string, string>();
  const switches = new Set<string>();
  let file: ConfigLayer | null = null;
  let resume: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      const prev = argv[i - 1] ?? '';
      const flag = prev.startsWith('--') && !prev.includes('=') ? camel(prev.slice(2)) : '';
      if (KEYS[flag as keyof RunConfig]?.kind === 'boolean') {
        throw new ConfigError(`${prev} is a switch and takes no value, got '${a}'`, `write ${prev} to turn it on and --no-${prev.slice(2)} to turn it off (or ${prev}=${a})`);
      }
      throw new ConfigError(`unexpected argument '${a}'`, 'options are written --name value; `seal train --help` lists them');
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (switchNames.includes(name)) { switches.add(name); continue; }
    const key = camel(name);
    const doc = KEYS[key as keyof RunConfig];
    if (doc?.kind === 'boolean' && eq < 0) { values[key] = true; continue; }
    if (name.startsWith('no-') && KEYS[camel(name.slice(3)) as keyof RunConfig]?.kind === 'boolean') { values[camel(name.slice(3))] = false; continue; }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new ConfigError(`--${name} needs a value`, doc ? doc.help : undefined);
    if (name === 'config') file = { source: raw, values: readConfigFile(raw) };
    else if (name === 'resume') resume = raw;
    else if (extraNames.includes(name)) extras.set(name, raw);
    else values[key] = coerce(key, raw);
  }
  return { layers: [...(file ? [file] : []), { source: 'flags', values }], switches, resume, extras };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--config ${path}: not valid JSON (${(e as Error).message})`, 'the file holds one JSON object of config keys, e.g. {"method": "seal", "epochs": 8}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`--config ${path}: expected a JSON object of config keys`);
  return v as Record<string, unknown>;
}

/** The option list for --help, generated from the schema. */
export function optionHelp(defaults: Record<string, unknown>): string {
  return Object.entries(KEYS).map(([k, d]) => {
    const def = defaults[k];
    const shown = def === null ? (k === 'ascentEpochs' ? 'E/4' : k === 'warmupEpochs' ? 'E/8' : 'none') : String(def);
    return `  --${kebab(k).padEnd(24)} ${d.help} [${shown}]`;
  }).join('\n');
}
