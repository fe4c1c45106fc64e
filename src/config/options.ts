// One description of an option, shared by the run config's keys (schema.ts), the evaluations'
// options (eval/registry.ts) and every command's own flags (cli/command-options.ts), and one
// checker for all of them: a value from a flag, a --config file, a --plan file or plan.json is
// refused in one shape, `WHERE: expected DOMAIN, got VALUE`, with the option's help as the hint.
import { ConfigError, OptionError, nearest } from '../errors.js';

/** The value each kind of option holds once parsed. */
export interface KindValues {
  int: number;
  number: number;
  string: string;
  boolean: boolean;
  enum: string;
  ints: number[];
  strings: string[];
}
export type OptionKind = keyof KindValues;

/**
 * `min`/`max` bound a number (or each entry of a list), each closed unless `minOpen`/`maxOpen`;
 * `values` lists an enum's choices; `maxItems` bounds a list's length; `pattern` and `expected`
 * constrain a string and say so.
 */
export interface OptionDoc<K extends OptionKind = OptionKind> {
  kind: K;
  help: string;
  nullable?: boolean;
  min?: number;
  max?: number;
  maxOpen?: boolean;
  minOpen?: boolean;
  values?: readonly string[];
  maxItems?: number;
  pattern?: RegExp;
  expected?: string;
}

/** An option with its default (the config's keys keep theirs in one DEFAULTS object instead). */
export interface OptionSpec<K extends OptionKind = OptionKind> extends OptionDoc<K> {
  default: KindValues[K];
}

/** The parsed values of a set of options, each typed by its kind. */
export type OptionValues<S extends Record<string, OptionSpec>> = { [N in keyof S]: KindValues[S[N]['kind']] };

/** Every option at its default. */
export function defaultsOf<S extends Record<string, OptionSpec>>(specs: S): OptionValues<S> {
  return checkOptions(specs, {}, 'defaults');
}

/** What a numeric option (or a list's entry) accepts, in words: "an integer >= 1", "a number in [0, 1)". */
export function rangeText(doc: OptionDoc): string {
  const what = doc.kind === 'int' || doc.kind === 'ints' ? 'an integer' : 'a number';
  if (doc.max === undefined) return doc.min === undefined ? what : `${what} ${doc.minOpen ? '>' : '>='} ${doc.min}`;
  if (doc.min === undefined) return `${what} ${doc.maxOpen ? '<' : '<='} ${doc.max}`;
  return `${what} in ${doc.minOpen ? '(' : '['}${doc.min}, ${doc.max}${doc.maxOpen ? ')' : ']'}`;
}

/** Everything an option accepts, in words: what a refusal says after "expected". */
export function domainText(doc: OptionDoc): string {
  if (doc.expected !== undefined) return doc.expected;
  switch (doc.kind) {
    case 'int':
    case 'number':
      return rangeText(doc);
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${doc.values?.join(', ')}`;
    case 'ints': {
      const each = rangeText(doc).replace(/^an integer ?/, '');
      return `integers${each ? ` ${each}` : ''}, comma-separated (A-B for a range), at most ${doc.maxItems ?? MAX_LIST}`;
    }
    case 'strings':
      return doc.values !== undefined
        ? `a comma-separated list of at most ${doc.maxItems ?? MAX_LIST} of ${doc.values.join(', ')}`
        : `a comma-separated list of at most ${doc.maxItems ?? MAX_LIST} names`;
    default:
      return 'a non-empty string';
  }
}

/** A list option's longest list when its description names none. */
const MAX_LIST = 1000;

/** Whether n lies outside doc's bounds (min/max, each open or closed). */
export function outOfRange(doc: OptionDoc, n: number): boolean {
  return (
    (doc.min !== undefined && (doc.minOpen ? n <= doc.min : n < doc.min)) ||
    (doc.max !== undefined && (doc.maxOpen ? n >= doc.max : n > doc.max))
  );
}

/** A value as an error message shows it: strings quoted, NaN and ±Infinity by name (JSON would say null). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** An integer list entry as written: N, or A-B for every integer from A to B. */
function intEntries(s: string, room: number): number[] | null {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(s);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    // A range longer than the list may be is not expanded (0-1e12 would not fit in memory).
    if (b < a || b - a + 1 > room) return null;
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  return s.trim() !== '' && Number.isFinite(Number(s)) ? [Number(s)] : null;
}

/**
 * A flag's text as the value it stands for, before checking: numbers, true/false, lists, and
 * 'null' for a nullable option. Text that is none of these is returned as it is, for checkValue
 * to refuse.
 */
export function fromText(doc: OptionDoc, raw: string): unknown {
  if (raw === 'null' && doc.nullable) return null;
  switch (doc.kind) {
    case 'int':
    case 'number':
      // Digits past 2^53 stay exact as a bigint, so the refusal shows the number that was typed.
      if (doc.kind === 'int' && /^\s*\d+\s*$/.test(raw) && !Number.isSafeInteger(Number(raw)))
        return BigInt(raw.trim());
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'ints': {
      const room = (doc.maxItems ?? MAX_LIST) + 1;
      const out: number[] = [];
      for (const part of raw.split(',')) {
        const xs = intEntries(part, room - out.length);
        if (xs === null) return raw;
        out.push(...xs);
      }
      return out;
    }
    case 'strings':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

/**
 * Where a refusal names a value: a flag or a file's key in words (`--epochs`, `run.json: key
 * "epochs"`), or a library caller's option by its name ({ option: 'epochs' }), which is
 * refused as an OptionError so that the CLI can name its flag instead.
 */
export type Where = string | { option: string };

function refusal(where: Where, said: string, hint: string): ConfigError {
  return typeof where === 'string'
    ? new ConfigError(`${where}: ${said}`, hint)
    : new OptionError(where.option, said, hint);
}

/** Where a value that does not fit is reported, and how it is shown. */
function refuse(doc: OptionDoc, where: Where, shown: string, extra = ''): never {
  throw refusal(where, `expected ${domainText(doc)}, got ${shown}${extra}`, doc.help);
}

/** The first entry of xs equal to an earlier one, with that earlier one. */
function firstRepeat<T>(xs: readonly T[]): [T, T] | null {
  for (let i = 0; i < xs.length; i++) {
    const j = xs.findIndex((x) => x === xs[i]);
    if (j < i) return [xs[j] as T, xs[i] as T];
  }
  return null;
}

/**
 * The one value checker: `v` (read from JSON, or from a flag through fromText) as a value of
 * `doc`'s kind within its bounds, or a ConfigError naming `where` (`--epochs`, `run.json: key
 * "epochs"`, or an OptionError for { option }); `shown` is how the refusal shows the value (a flag's text as typed).
 */
export function checkValue<K extends OptionKind>(
  doc: OptionDoc<K>,
  v: unknown,
  where: Where,
  shown = describeValue(v),
): KindValues[K] | null {
  if (v === null) {
    if (!doc.nullable) refuse(doc, where, shown);
    return null;
  }
  const bad = (extra = ''): never => refuse(doc, where, shown, extra);
  switch (doc.kind) {
    case 'int':
    case 'number': {
      // Beyond 2^53-1 an integer is silently rounded (two seeds would be one run): refuse it.
      const unsafe =
        doc.kind === 'int' &&
        (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)));
      if (unsafe && doc.max === undefined)
        throw refusal(
          where,
          `expected ${rangeText(doc)} and at most 2^53-1 = ${Number.MAX_SAFE_INTEGER} (larger integers are rounded), got ${shown}`,
          doc.help,
        );
      if (unsafe || typeof v !== 'number' || !Number.isFinite(v)) bad();
      if ((doc.kind === 'int' && !Number.isInteger(v)) || outOfRange(doc, v as number)) bad();
      return v as KindValues[K];
    }
    case 'boolean':
      return typeof v === 'boolean' ? (v as KindValues[K]) : bad();
    case 'enum':
      if (typeof v === 'string' && doc.values?.includes(v)) return v as KindValues[K];
      return bad(typeof v === 'string' ? ` (did you mean '${nearest(v, doc.values ?? [])}'?)` : '');
    case 'ints':
    case 'strings': {
      const entry =
        doc.kind === 'ints'
          ? (x: unknown) => Number.isSafeInteger(x) && !outOfRange(doc, x as number)
          : (x: unknown) => typeof x === 'string' && x !== '' && (doc.values === undefined || doc.values.includes(x));
      if (!Array.isArray(v) || v.length === 0 || v.length > (doc.maxItems ?? MAX_LIST) || !v.every(entry)) bad();
      const repeat = firstRepeat(v as unknown[]);
      if (repeat) bad(`: ${describeValue(repeat[1])} is listed twice`);
      return v as KindValues[K];
    }
    default:
      if (typeof v !== 'string' || v.length === 0 || (doc.pattern && !doc.pattern.test(v))) bad();
      return v as KindValues[K];
  }
}

/**
 * One flag's text checked against its option.
 * @example parseOptionValue('shots', { kind: 'ints', min: 1, help: '' }, '1,5') // [1, 5]
 */
export function parseOptionValue<K extends OptionKind>(name: string, doc: OptionDoc<K>, raw: string): KindValues[K] {
  return checkValue(doc, fromText(doc, raw), `--${name}`, `'${raw}'`) as KindValues[K];
}

/**
 * Options read from JSON (a plan's tasks) as typed values: each one checked, those not given at
 * their defaults; `where` names the source in the refusal.
 */
export function checkOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  given: Readonly<Record<string, unknown>>,
  where: string,
): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs))
    out[name] = checkValue(spec, Object.hasOwn(given, name) ? given[name] : spec.default, `${where}: option ${name}`);
  return out as OptionValues<S>;
}

/** The bounds of an option for --help and the README: "[1..10000]", "" when unbounded. */
export function boundsText(doc: OptionDoc): string {
  if (doc.min === undefined && doc.max === undefined) return '';
  const lo = doc.min === undefined ? '' : `${doc.minOpen ? '>' : ''}${doc.min}`;
  const hi = doc.max === undefined ? '' : `${doc.maxOpen ? '<' : ''}${doc.max}`;
  return `${lo}..${hi}`;
}

/** One option's line of --help: its flag, help, default and bounds. */
export function helpLine(name: string, doc: OptionDoc, shownDefault: string, indent: string, width: number): string {
  const bounds = boundsText(doc);
  return `${indent}--${name.padEnd(width)} ${doc.help} [${shownDefault}]${bounds ? ` (${bounds})` : ''}`;
}
