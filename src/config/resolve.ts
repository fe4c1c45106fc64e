// defaults < config file < flags → a frozen, validated ResolvedConfig. Every error names the
// source (file or flag), the key, what was expected and what was found.
import { ConfigError, nearest } from '../errors.js';
import { checkValue } from './options.js';
import { DEFAULTS, KEYS, type ResolvedConfig, type RunConfig } from './schema.js';

/** One layer of settings and where it came from (for messages), e.g. "config.json" or "flags". */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

export const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function check(key: keyof RunConfig, v: unknown, source: string): unknown {
  return checkValue(KEYS[key], v, source === 'flags' ? `--${kebab(key)}` : `${source}: key "${key}"`);
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
  if (resolved.nesterov && resolved.momentum === 0) {
    throw new ConfigError(
      'nesterov needs a momentum above 0 (momentum is 0)',
      'give a momentum such as 0.9, or leave nesterov off',
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
