// defaults < config file < flags → a frozen, validated ResolvedConfig. Every error names the
// source (file or flag), the key, what was expected and what was found.
import { ConfigError, OptionError, nearest } from '../errors.js';
import { checkValue, type Where } from './options.js';
import { DEFAULTS, KEYS, type ResolvedConfig, type RunConfig } from './schema.js';

/**
 * One layer of settings and where it came from, which names its keys in refusals: 'flags'
 * (`--epochs`), 'options' (a library caller's: `epochs`, as an OptionError the CLI names by
 * its flag) or a file or other source (`config.json: key "epochs"`).
 */
export interface ConfigLayer {
  source: string;
  values: Readonly<Record<string, unknown>>;
}

export const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function where(key: string, source: string): Where {
  return source === 'flags' ? `--${kebab(key)}` : source === 'options' ? { option: key } : `${source}: key "${key}"`;
}

/**
 * A layer's values, each checked against its option (an unknown key is refused with the
 * nearest one): given values, not merged over the defaults, so that a later layer's E still
 * derives k = E/4. Every layer goes through here; resolveConfig adds the defaults and the
 * checks that span keys.
 */
export function checkSettings({ source, values }: ConfigLayer): Partial<RunConfig> {
  const keys = Object.keys(KEYS);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (!(k in KEYS)) {
      const near = nearest(k, keys);
      if (source === 'options') throw new OptionError(k, 'is not a training option', `did you mean ${near}?`);
      const name = source === 'flags' ? `--${kebab(k)}` : `"${k}"`;
      throw new ConfigError(
        `${source === 'flags' ? 'unknown option' : `${source}: unknown key`} ${name}`,
        `did you mean ${source === 'flags' ? `--${kebab(near)}` : `"${near}"`}? (\`seal train --help\` lists every option)`,
      );
    }
    out[k] = checkValue(KEYS[k as keyof RunConfig], v, where(k, source));
  }
  return out as Partial<RunConfig>;
}

/** Merges the layers over DEFAULTS, validates every key and derives k = E/4 and warmup = E/8. */
export function resolveConfig(layers: ConfigLayer[]): ResolvedConfig {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const layer of layers) Object.assign(merged, checkSettings(layer));
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
