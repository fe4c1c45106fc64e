// One description of an option, shared by the run config's keys (schema.ts), the evaluations'
// options (eval/registry.ts) and the command line (cli/args.ts), so that help texts, defaults and
// the words of a refusal cannot drift apart.
import { ConfigError } from '../errors.js';

/** The value each kind of option holds once parsed. */
export interface KindValues {
  int: number;
  number: number;
  string: string;
  boolean: boolean;
  enum: string;
  ints: number[];
}
export type OptionKind = keyof KindValues;

/** `max` bounds from above (excluded when `maxOpen`); `values` lists an enum's choices. */
export interface OptionDoc<K extends OptionKind = OptionKind> {
  kind: K;
  help: string;
  nullable?: boolean;
  min?: number;
  max?: number;
  maxOpen?: boolean;
  /** `min` excluded (e.g. a share in (0, 1]). */
  minOpen?: boolean;
  values?: readonly string[];
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

/** What a numeric option accepts, in words: "an integer >= 1", "a number in [0, 1)". */
export function rangeText(doc: OptionDoc): string {
  const what = doc.kind === 'int' || doc.kind === 'ints' ? 'an integer' : 'a number';
  if (doc.max === undefined) return doc.min === undefined ? what : `${what} ${doc.minOpen ? '>' : '>='} ${doc.min}`;
  if (doc.min === undefined) return `${what} ${doc.maxOpen ? '<' : '<='} ${doc.max}`;
  return `${what} in ${doc.minOpen ? '(' : '['}${doc.min}, ${doc.max}${doc.maxOpen ? ')' : ']'}`;
}

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

/**
 * One command-line value checked against its option: `--NAME: expected ..., got 'RAW'` when it
 * does not fit, with the option's help as the hint.
 * @example parseOptionValue('shots', { kind: 'ints', min: 1, help: '' }, '1,5') // [1, 5]
 */
export function parseOptionValue<K extends OptionKind>(name: string, doc: OptionDoc<K>, raw: string): KindValues[K] {
  const bad = (what: string): never => {
    throw new ConfigError(`--${name}: expected ${what}, got '${raw}'`, doc.help);
  };
  const integer = (s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || outOfRange(doc, n)) {
      bad(
        doc.kind === 'ints' ? `${rangeText(doc).replace('an integer', 'integers')}, comma-separated` : rangeText(doc),
      );
    }
    return n;
  };
  const kinds: { [Kind in OptionKind]: () => KindValues[Kind] } = {
    int: () => integer(raw),
    ints: () => raw.split(',').map(integer),
    number: () => {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || outOfRange(doc, n)) bad(rangeText(doc));
      return n;
    },
    enum: () => (doc.values?.includes(raw) ? raw : bad(`one of ${doc.values?.join(', ')}`)),
    boolean: () => (raw === 'true' ? true : raw === 'false' ? false : bad('true or false')),
    string: () => raw,
  };
  return kinds[doc.kind]();
}

/** Whether `v`, read from JSON, is a value of `doc`'s kind (an enum's value one of its choices). */
function fits(doc: OptionDoc, v: unknown): boolean {
  switch (doc.kind) {
    case 'int':
      return Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'ints':
      return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && (doc.values ?? []).includes(v);
    default:
      return typeof v === 'string';
  }
}

/**
 * Options read from JSON (a plan's tasks) as typed values: each one checked against its kind,
 * those not given at their defaults; `where` names the source in the refusal.
 */
export function checkOptions<S extends Record<string, OptionSpec>>(
  specs: S,
  given: Readonly<Record<string, unknown>>,
  where: string,
): OptionValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (!fits(spec, v)) {
      const expected = spec.kind === 'enum' ? `one of ${spec.values?.join(', ')}` : `a value of kind ${spec.kind}`;
      throw new ConfigError(`${where}: option ${name}: expected ${expected}, got ${JSON.stringify(v)}`, spec.help);
    }
    out[name] = v;
  }
  return out as OptionValues<S>;
}
