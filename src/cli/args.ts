// The command line of every command: --name value or --name=value, switches, --no-x for a
// boolean, repeatable options, and values typed and checked by their option's description (one
// checker, config/options.ts). A single-value flag given twice is refused. Config flags are the
// kebab-case names of config/schema.ts KEYS ('null' for an empty nullable value).
import { readFileSync } from 'node:fs';
import { checkRegularFile, MAX_JSON_BYTES } from '../io/regular-file.js';
import { ConfigError, nearest, OptionError } from '../errors.js';
import { KEYS } from '../config/schema.js';
import { helpLine, parseOptionValue, type KindValues, type OptionDoc, type OptionKind } from '../config/options.js';
import { kebab, type ConfigLayer } from '../config/resolve.js';
import { COMMAND_OPTIONS, type CommandName, type CommandOption } from './command-options.js';

interface Reader<T> {
  help?: string;
  parse(raw: string, name: string): T;
}
/** --x: true; takes no value. */
export interface SwitchFlag {
  kind: 'switch';
  help?: string;
}
/** --x (true), --no-x (false) or --x=VALUE. */
export interface BooleanFlag<T> extends Reader<T> {
  kind: 'boolean';
}
/** --x VALUE or --x=VALUE; the last one given wins. */
export interface ValueFlag<T> extends Reader<T> {
  kind: 'value';
}
/** --x VALUE, any number of times; every one is kept. */
export interface RepeatFlag<T> extends Reader<T> {
  kind: 'repeat';
}
export type Flag = SwitchFlag | BooleanFlag<unknown> | ValueFlag<unknown> | RepeatFlag<unknown>;

type Flags = Record<string, Flag>;
type ValueOf<F> = F extends SwitchFlag
  ? true
  : F extends RepeatFlag<infer T>
    ? T[]
    : F extends BooleanFlag<infer T>
      ? boolean | T
      : F extends ValueFlag<infer T>
        ? T
        : never;

export interface Parsed<F extends Flags> {
  values: { [N in keyof F]?: ValueOf<F[N]> };
  /** Every flag name given, known or not, once each in the order first given. */
  given: string[];
  positionals: string[];
  /** `unknown: 'collect'`: the flags not in the table, with their values (null when the next word is a flag or none). */
  unknown: [string, string | null][];
  /** `unknown: 'keep'`: the words not read, in order, for another command to read. */
  rest: string[];
}

export interface ParseOptions {
  /** Names the command in hints (`seal COMMAND --help`). */
  command: string;
  /** How many words without -- the command takes (default none). */
  positionals?: number;
  /** A flag not in the table: refused (default), collected with its value, or kept for another parser. */
  unknown?: 'error' | 'collect' | 'keep';
}

/** A switch such as --help or --dry-run. */
export const SWITCH: SwitchFlag = { kind: 'switch' };
/** A flag whose value is kept as written. */
export const text = (help?: string): ValueFlag<string> => ({
  kind: 'value',
  ...(help !== undefined ? { help } : {}),
  parse: (raw) => raw,
});
/** A repeatable flag whose values are kept as written. */
export const texts = (help?: string): RepeatFlag<string> => ({ ...text(help), kind: 'repeat' });
/** A flag typed and checked by an option's description (int, number, ints, enum, ...). */
export const typed = <K extends OptionKind>(doc: OptionDoc<K>): ValueFlag<KindValues[K]> => ({
  kind: 'value',
  help: doc.help,
  parse: (raw, name) => parseOptionValue(name, doc, raw),
});

/** The flags of `command`'s own options (cli/command-options.ts), typed and checked by their descriptions. */
export function commandFlags(command: CommandName): Record<string, Flag> {
  const out: Record<string, Flag> = {};
  for (const [key, o] of Object.entries(COMMAND_OPTIONS as Record<string, CommandOption>)) {
    if (!o.commands.includes(command)) continue;
    out[o.flag ?? key] =
      o.doc.kind === 'switch'
        ? { kind: 'switch', help: o.doc.help }
        : { ...typed(o.doc as OptionDoc), ...(o.repeat ? { kind: 'repeat' as const } : {}) };
  }
  return out;
}

/** The --help lines of `command`'s own options. */
export function commandHelp(command: CommandName, width = 24): string {
  return Object.entries(COMMAND_OPTIONS as Record<string, CommandOption>)
    .filter(([, o]) => o.commands.includes(command))
    .map(([key, o]) =>
      o.doc.kind === 'switch'
        ? `  --${(o.flag ?? key).padEnd(width)} ${o.doc.help}`
        : helpLine(o.flag ?? key, o.doc as OptionDoc, o.shown ?? '', '  ', width),
    )
    .join('\n');
}

/**
 * Parses argv against a table of flags. `-h` stands for `--help` where the table has it.
 * @example parseArgv(['--out', 'x', '--wait'], { out: text(), wait: SWITCH }, { command: 'compare' }).values // { out: 'x', wait: true }
 */
export function parseArgv<F extends Flags>(argv: readonly string[], flags: F, o: ParseOptions): Parsed<F> {
  const values: Record<string, unknown> = {};
  const given: string[] = [];
  const positionals: string[] = [];
  const unknown: [string, string | null][] = [];
  const rest: string[] = [];
  const mode = o.unknown ?? 'error';
  const written = new Map<string, string>();
  // A single-value flag given twice would silently lose one of its values: refuse it, naming both.
  const note = (name: string, as = `--${name}`) => {
    const f = flagOf(name);
    const before = written.get(name);
    if (before !== undefined && f !== undefined && f.kind !== 'repeat')
      throw new ConfigError(
        `--${name} is given twice (${before} and ${as})`,
        `give it once${f.kind === 'value' ? '; a list is written as one comma-separated value' : ''}`,
      );
    written.set(name, as);
    if (!given.includes(name)) given.push(name);
  };
  const flagOf = (name: string): Flag | undefined => (Object.hasOwn(flags, name) ? flags[name] : undefined);
  let lastBoolean: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const after = lastBoolean;
    lastBoolean = null;
    if (a === '-h' && flagOf('help')?.kind === 'switch') {
      values.help = true;
      if (!given.includes('help')) given.push('help');
      continue;
    }
    if (!a.startsWith('--')) {
      if (mode === 'keep') {
        rest.push(a);
        continue;
      }
      if (positionals.length < (o.positionals ?? 0)) {
        positionals.push(a);
        continue;
      }
      if (after !== null) {
        throw new ConfigError(
          `--${after} is a switch and takes no value, got '${a}'`,
          `write --${after} to turn it on and --no-${after} to turn it off (or --${after}=${a})`,
        );
      }
      throw new ConfigError(
        `unexpected argument '${a}'`,
        `options are written --name value; \`seal ${o.command} --help\` lists them`,
      );
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const f = flagOf(name);
    if (f === undefined && name.startsWith('no-') && flagOf(name.slice(3))?.kind === 'boolean') {
      note(name.slice(3), a);
      values[name.slice(3)] = false;
      continue;
    }
    if (f === undefined && mode === 'keep') {
      rest.push(a);
      continue;
    }
    if (f === undefined && mode === 'error') {
      const names = Object.keys(flags);
      throw new ConfigError(
        `unknown option --${name} for seal ${o.command}`,
        `${names.length > 0 ? `did you mean --${nearest(name, names)}? (` : ''}\`seal ${o.command} --help\` lists them${names.length > 0 ? ')' : ''}`,
      );
    }
    note(
      name,
      eq >= 0 || f === undefined || f.kind === 'switch' || f.kind === 'boolean' ? a : `${a} ${argv[i + 1] ?? ''}`,
    );
    // Whether an unknown flag takes a value is not known: a flag after it is not taken as one, so
    // that `--wiat --out DIR` is refused for --wiat, not for a stray DIR.
    if (f === undefined && eq < 0 && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--'))) {
      unknown.push([name, null]);
      continue;
    }
    if (f?.kind === 'switch') {
      values[name] = true;
      continue;
    }
    if (f?.kind === 'boolean' && eq < 0) {
      values[name] = true;
      lastBoolean = name;
      continue;
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new ConfigError(`--${name} needs a value`, f?.help);
    if (f === undefined) unknown.push([name, raw]);
    else if (f.kind === 'repeat')
      values[name] = [...((values[name] as unknown[] | undefined) ?? []), f.parse(raw, name)];
    else values[name] = f.parse(raw, name);
  }
  return { values: values as Parsed<F>['values'], given, positionals, unknown, rest };
}

/** The one word (a folder) a command without options takes; undefined when it is missing or not alone. */
export function onlyPositional(argv: readonly string[], command: string): string | undefined {
  const { positionals } = parseArgv(argv, {}, { command, positionals: Infinity });
  return positionals.length === 1 ? positionals[0] : undefined;
}

/** A flag's name as a config key: ascent-lr-multiplier → ascentLrMultiplier. */
export const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flag of every config key, plus --config FILE and --resume DIR. */
export const CONFIG_FLAGS: Readonly<Record<string, Flag>> & { config: ValueFlag<string>; resume: ValueFlag<string> } = {
  ...Object.fromEntries(
    Object.entries(KEYS).map(([key, doc]): [string, Flag] => [
      kebab(key),
      {
        kind: doc.kind === 'boolean' ? 'boolean' : 'value',
        help: doc.help,
        parse: (raw: string, name: string) => parseOptionValue(name, doc, raw),
      },
    ]),
  ),
  config: text(),
  resume: text(),
};

/** A command's table: the config flags and its own (which win over a config flag of the same name). */
export const withConfigFlags = <O extends Flags>(own: O): typeof CONFIG_FLAGS & O =>
  Object.assign({}, CONFIG_FLAGS, own);

/**
 * The config layers the flags of `table` describe: --config FILE's under the flags. Flags not in the table
 * (collected) become keys too, so that resolveConfig refuses them with its nearest-name hint.
 */
export function configLayers(p: Parsed<Flags>, table: Flags): ConfigLayer[] {
  const values: Record<string, unknown> = {};
  const unknown = new Map(p.unknown);
  for (const name of p.given) {
    if (unknown.has(name)) values[camel(name)] = unknown.get(name);
    // A command's own flag of the same name (seal compare's --out) is not the config key.
    else if (camel(name) in KEYS && table[name] === CONFIG_FLAGS[name]) values[camel(name)] = p.values[name];
  }
  const file = p.values.config;
  return [
    ...(typeof file === 'string' ? [{ source: file, values: readConfigFile(file) }] : []),
    { source: 'flags', values },
  ];
}

function readConfigFile(path: string): Record<string, unknown> {
  checkRegularFile(path, '--config', MAX_JSON_BYTES);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `--config ${path}: not valid JSON (${(e as Error).message})`,
      'the file holds one JSON object of config keys, e.g. {"method": "seal", "epochs": 8}',
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ConfigError(`--config ${path}: expected a JSON object of config keys`);
  return v as Record<string, unknown>;
}

/** The option list for --help, generated from the schema. */
export function optionHelp(defaults: Record<string, unknown>): string {
  return Object.entries(KEYS)
    .map(([k, d]) => {
      const def = defaults[k];
      const shown = def === null ? (k === 'ascentEpochs' ? 'E/4' : k === 'warmupEpochs' ? 'E/8' : 'none') : String(def);
      return helpLine(kebab(k), d, shown, '  ', 24);
    })
    .join('\n');
}

/** A library error that names an option by its name, named by its flag: `baseline: …` → `--baseline: …`. */
export function asFlags(e: unknown): unknown {
  return e instanceof OptionError ? new ConfigError(`--${kebab(e.option)}: ${e.said}`, e.hint) : e;
}
