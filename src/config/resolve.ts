// defaults < config file < flags → a frozen, validated ResolvedConfig. Every error names the
// source (file or flag), the key, what was expected and what was found.
import { ConfigError, nearest } from '../errors.js';
import { describeValue, outOfRange, rangeText } from './options.js';
import { DEFAULTS, KEYS, type ResolvedConfig, type RunConfig } from './schema.js';

/** One layer of settings and where it came from (for messages), e.g. "config.json" or "flags". */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

export const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Devices as the backend names them. */
const DEVICE = /^(cpu|cuda(:\d+)?)$/;

function check(key: keyof RunConfig, v: unknown, source: string): unknown {
  const doc = KEYS[key];
  const where = source === 'flags' ? `--${kebab(key)}` : `${source}: key "${key}"`;
  const bad = (expected: string): never => {
    throw new ConfigError(`${where}: expected ${expected}, got ${describeValue(v)}`, doc.help);
  };
  if (v === null) {
    if (!doc.nullable)
      bad(
        doc.kind === 'enum'
          ? `one of ${doc.values?.join(', ')}`
          : `a${doc.kind === 'int' ? 'n integer' : ` ${doc.kind}`}`,
      );
    return null;
  }
  switch (doc.kind) {
    case 'int':
    case 'number': {
      // Beyond 2^53-1 an integer is silently rounded (two seeds would be one run): refuse it.
      if (
        doc.kind === 'int' &&
        (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)))
      ) {
        bad(
          doc.max !== undefined
            ? rangeText(doc)
            : `${rangeText(doc)} and at most 2^53-1 = ${Number.MAX_SAFE_INTEGER} (larger integers are rounded)`,
        );
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(doc.kind === 'int' ? 'an integer' : 'a number');
      const n = v as number;
      if (doc.kind === 'int' && !Number.isInteger(n)) bad('an integer');
      if (outOfRange(doc, n)) bad(rangeText(doc));
      return n;
    }
    case 'boolean':
      if (typeof v !== 'boolean') bad('true or false');
      return v;
    case 'enum':
      if (typeof v !== 'string' || !doc.values?.includes(v)) {
        const hint = typeof v === 'string' ? ` (did you mean '${nearest(v, doc.values ?? [])}'?)` : '';
        throw new ConfigError(
          `${where}: expected one of ${doc.values?.join(', ')}, got ${describeValue(v)}${hint}`,
          doc.help,
        );
      }
      return v;
    default:
      if (typeof v !== 'string' || v.length === 0) bad('a non-empty string');
      if (key === 'device' && !DEVICE.test(v as string)) bad("'cpu', 'cuda' or 'cuda:N'");
      return v;
  }
}

/** Merges the layers over DEFAULTS, validates every key and derives k = E/4 and warmup = E/8. */
export function resolveConfig(layers: ConfigLayer[]): ResolvedConfig {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  const keys = Object.keys(KEYS);
  for (const { source, values } of layers) {
    for (const [k, v] of Object.entries(values)) {
      if (!(k in KEYS)) {
        const near = nearest(k, keys);
        const name = source === 'flags' ? `--${kebab(k)}` : `"${k}"`;
        throw new ConfigError(
          `${source === 'flags' ? 'unknown option' : `${source}: unknown key`} ${name}`,
          `did you mean ${source === 'flags' ? `--${kebab(near)}` : `"${near}"`}? (\`seal train --help\` lists every option)`,
        );
      }
      merged[k] = check(k as keyof RunConfig, v, source);
    }
  }
  const c = merged as unknown as RunConfig;
  const resolved: ResolvedConfig = {
    ...c,
    ascentEpochs: c.ascentEpochs ?? Math.round(c.epochs / 4),
    warmupEpochs: c.warmupEpochs ?? Math.round(c.epochs / 8),
  };
  if (resolved.ascentEpochs > resolved.epochs) {
    throw new ConfigError(
      `ascentEpochs (${resolved.ascentEpochs}) is larger than epochs per generation (${resolved.epochs})`,
      'choose k <= E; by default k = E/4',
    );
  }
  if (resolved.warmupEpochs >= resolved.epochs && resolved.epochs > 1) {
    throw new ConfigError(
      `warmupEpochs (${resolved.warmupEpochs}) must be smaller than epochs per generation (${resolved.epochs})`,
      'by default the warmup is E/8',
    );
  }
  return Object.freeze(resolved);
}
