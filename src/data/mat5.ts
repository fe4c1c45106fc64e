// A reader for MATLAB level-5 MAT-files (what `save -v6`/`-v7` writes and what Oxford Flowers-102
// and Stanford Dogs ship their labels and splits in): a 128-byte header, then tagged data
// elements, each variable a miMATRIX, optionally zlib-compressed (miCOMPRESSED). It reads numeric
// arrays (any storage type, converted to float64), char arrays, cell arrays and structs; sparse
// arrays, objects and the HDF5-based v7.3 format are refused by name. Every size in the file is
// checked against the bytes that are there before anything is allocated.
import { statSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { DataError, causeText } from './data-error.js';
import { readWhole } from './files.js';

/** A numeric (or logical) array, column-major, converted to float64. */
export interface MatNumeric {
  kind: 'numeric';
  /** MATLAB class: 'double', 'single', 'int8', …, 'uint64' or 'logical'. */
  className: string;
  dims: number[];
  real: Float64Array;
  /** The imaginary part of a complex array, else null. */
  imag: Float64Array | null;
}
/** A char array: `rows[i]` is row i (a 1xN string is one row). */
export interface MatChar {
  kind: 'char';
  dims: number[];
  rows: string[];
}
/** A cell array, elements in column-major order. */
export interface MatCell {
  kind: 'cell';
  dims: number[];
  cells: MatValue[];
}
/** A struct array: `elements[i][field]`, elements in column-major order. */
export interface MatStruct {
  kind: 'struct';
  dims: number[];
  fields: string[];
  elements: Record<string, MatValue>[];
}
/** One MATLAB value. */
export type MatValue = MatNumeric | MatChar | MatCell | MatStruct;

/** Options of readMat5. */
export interface Mat5Options {
  /** Most bytes that all compressed variables together may inflate to; default 256 MiB. */
  maxInflated?: number;
  /** Deepest nesting of cells and structs; default 32. */
  maxDepth?: number;
}

/** Largest .mat file readMatFile reads; the label files of the published datasets are < 1 MiB. */
export const MAX_MAT_FILE_BYTES = 512 * 1024 * 1024;

const HINT =
  'the file is damaged, cut short or not a MATLAB v5 MAT-file; extract it again from the archive it came in.';

// Data types (miXXX) and array classes (mxXXX_CLASS) of the MAT-file format.
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;
const MI_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MI).map(([k, v]) => [v, `mi${k}`]),
) as Record<number, string>;
const typeName = (t: number): string => MI_NAMES[t] ?? `unknown type ${t}`;
/** Bytes per value of the numeric storage types. */
const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function',
  17: 'opaque',
};

/** One data element: its type, its bytes (a view) and where the next element starts. */
interface Element {
  type: number;
  data: Uint8Array;
  at: number;
  next: number;
}

/** The parse state of one file: its name for messages, byte order and budgets. */
class Reader {
  inflated = 0;
  constructor(
    readonly file: string,
    readonly little: boolean,
    readonly maxInflated: number,
    readonly maxDepth: number,
  ) {}

  fail(what: string, code: 'DATA_CORRUPT' | 'DATA_FORMAT' = 'DATA_CORRUPT'): never {
    throw new DataError(code, `${this.file}: ${what}.`, HINT, { path: this.file });
  }

  u32(b: Uint8Array, at: number): number {
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, this.little);
  }

  /** The element at `pos` of `b` (a whole file or an inflated block); `where` names the block. */
  element(b: Uint8Array, pos: number, where: string): Element {
    if (pos + 8 > b.length)
      this.fail(
        `${where} is cut short: a data element should start at byte ${pos}, but only ${b.length - pos} bytes remain`,
      );
    const first = this.u32(b, pos);
    if (first >>> 16 !== 0) {
      // Small data element: the byte count in the upper half of the first word, data in the second.
      const n = first >>> 16;
      if (n > 4) this.fail(`${where}: the small data element at byte ${pos} says ${n} bytes; at most 4 fit`);
      return { type: first & 0xffff, data: b.subarray(pos + 4, pos + 4 + n), at: pos, next: pos + 8 };
    }
    const n = this.u32(b, pos + 4);
    if (n > b.length - pos - 8)
      this.fail(
        `${where} is cut short: the ${typeName(first)} element at byte ${pos} says ${n} bytes of data, but only ${b.length - pos - 8} remain`,
      );
    const end = pos + 8 + n;
    // Compressed elements are not padded; others are to a multiple of 8 (a last one may lack it).
    const next = first === MI.COMPRESSED ? end : Math.min(b.length, end + ((8 - (n % 8)) % 8));
    return { type: first, data: b.subarray(pos + 8, end), at: pos, next };
  }

  /** Values of a numeric element, as float64. */
  numbers(e: Element, where: string): Float64Array {
    const size = SIZE[e.type];
    if (size === undefined) this.fail(`${where} should hold numbers, but its data is ${typeName(e.type)}`);
    if (e.data.length % size !== 0)
      this.fail(`${where} has ${e.data.length} bytes of ${typeName(e.type)}, not a multiple of ${size}`);
    const n = e.data.length / size;
    const v = new DataView(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const out = new Float64Array(n);
    const le = this.little;
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (e.type) {
        case MI.INT8:
          out[i] = v.getInt8(o);
          break;
        case MI.UINT8:
          out[i] = v.getUint8(o);
          break;
        case MI.INT16:
          out[i] = v.getInt16(o, le);
          break;
        case MI.UINT16:
          out[i] = v.getUint16(o, le);
          break;
        case MI.INT32:
          out[i] = v.getInt32(o, le);
          break;
        case MI.UINT32:
          out[i] = v.getUint32(o, le);
          break;
        case MI.SINGLE:
          out[i] = v.getFloat32(o, le);
          break;
        case MI.DOUBLE:
          out[i] = v.getFloat64(o, le);
          break;
        case MI.INT64:
          out[i] = Number(v.getBigInt64(o, le));
          break;
        default:
          out[i] = Number(v.getBigUint64(o, le));
      }
    }
    return out;
  }

  /** The characters of a char array's data element (miUINT16/miUTF16, miUTF8, miUINT8/miINT8, miUTF32). */
  chars(e: Element, where: string): string[] {
    const d = e.data;
    if (e.type === MI.UTF8 || e.type === MI.UINT8 || e.type === MI.INT8) {
      try {
        return [...new TextDecoder('utf-8', { fatal: true }).decode(d)];
      } catch (err) {
        this.fail(`${where}: its characters are not valid UTF-8 (${causeText(err)})`);
      }
    }
    if (e.type === MI.UINT16 || e.type === MI.UTF16) {
      if (d.length % 2 !== 0) this.fail(`${where} has ${d.length} bytes of 16-bit characters, an odd number`);
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      const out: string[] = new Array<string>(d.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = String.fromCharCode(v.getUint16(2 * i, this.little));
      return out;
    }
    if (e.type === MI.UTF32) {
      if (d.length % 4 !== 0) this.fail(`${where} has ${d.length} bytes of 32-bit characters, not a multiple of 4`);
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      const out: string[] = new Array<string>(d.length / 4);
      for (let i = 0; i < out.length; i++) {
        const c = v.getUint32(4 * i, this.little);
        if (c > 0x10ffff) this.fail(`${where} holds the character code ${c}, beyond Unicode`);
        out[i] = String.fromCodePoint(c);
      }
      return out;
    }
    return this.fail(`${where} should hold characters, but its data is ${typeName(e.type)}`);
  }

  /** A miMATRIX element's contents (`b`, a view) as a value; `where` names it for messages. */
  matrix(b: Uint8Array, where: string, depth: number): { name: string; value: MatValue } {
    if (depth > this.maxDepth) this.fail(`${where} nests cells or structs more than ${this.maxDepth} deep`);
    // An empty element stands for an empty array (MATLAB writes one for [] inside a cell).
    if (b.length === 0)
      return {
        name: '',
        value: { kind: 'numeric', className: 'double', dims: [0, 0], real: new Float64Array(0), imag: null },
      };
    const flags = this.element(b, 0, where);
    if (flags.type !== MI.UINT32 || flags.data.length !== 8)
      this.fail(
        `${where} should start with 8 bytes of array flags (miUINT32); found ${flags.data.length} bytes of ${typeName(flags.type)}`,
      );
    const word = this.u32(flags.data, 0);
    const cls = word & 0xff;
    const complex = (word & 0x800) !== 0;
    const logical = (word & 0x200) !== 0;
    const dimsEl = this.element(b, flags.next, where);
    if (dimsEl.type !== MI.INT32 || dimsEl.data.length % 4 !== 0 || dimsEl.data.length < 8 || dimsEl.data.length > 128)
      this.fail(
        `${where} should give 2 to 32 dimensions as miINT32; found ${dimsEl.data.length} bytes of ${typeName(dimsEl.type)}`,
      );
    const dims = Array.from(this.numbers(dimsEl, where));
    let count = 1;
    for (const d of dims) {
      if (d < 0) this.fail(`${where} has a negative dimension (${dims.join('x')})`);
      count *= d;
    }
    const nameEl = this.element(b, dimsEl.next, where);
    if (nameEl.type !== MI.INT8 && nameEl.type !== MI.UINT8 && nameEl.type !== MI.UTF8)
      this.fail(`${where} should give its name as miINT8; found ${typeName(nameEl.type)}`);
    const name = Buffer.from(nameEl.data).toString('latin1');
    const here = name === '' ? where : `the variable "${name}"`;
    const className = CLASS_NAMES[cls] ?? `class ${cls}`;
    let pos = nameEl.next;
    // Every element of a cell or struct, and every value of a numeric array, takes at least one
    // byte of what is left: a larger count is a lie, refused before any allocation.
    // (A sparse array's dimensions are not its stored count; it is refused below anyway.)
    if (cls !== 5 && count > b.length - pos)
      this.fail(`${here} says ${dims.join('x')} = ${count} elements, but only ${b.length - pos} bytes follow`);
    if (cls >= 6 && cls <= 15) {
      const re = this.element(b, pos, here);
      const real = this.numbers(re, here);
      if (real.length !== count)
        this.fail(
          `${here} (${className}, ${dims.join('x')}) should hold ${count} values; its data holds ${real.length}`,
        );
      let imag: Float64Array | null = null;
      if (complex) {
        imag = this.numbers(this.element(b, re.next, here), here);
        if (imag.length !== count)
          this.fail(`${here} should hold ${count} imaginary values; its data holds ${imag.length}`);
      }
      return { name, value: { kind: 'numeric', className: logical ? 'logical' : className, dims, real, imag } };
    }
    if (cls === 4) {
      const chars = count === 0 && pos >= b.length ? [] : this.chars(this.element(b, pos, here), here);
      if (chars.length !== count)
        this.fail(`${here} (char, ${dims.join('x')}) should hold ${count} characters; its data holds ${chars.length}`);
      if (dims.length !== 2)
        this.fail(`${here} is a char array of ${dims.length} dimensions; only 2 are read`, 'DATA_FORMAT');
      const [m, n] = dims as [number, number];
      const rows: string[] = [];
      for (let i = 0; i < m; i++) {
        let row = '';
        for (let j = 0; j < n; j++) row += chars[i + j * m];
        rows.push(row);
      }
      return { name, value: { kind: 'char', dims, rows } };
    }
    if (cls === 1) {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const e = this.element(b, pos, here);
        if (e.type !== MI.MATRIX) this.fail(`${here}: cell ${i + 1} should be a miMATRIX; found ${typeName(e.type)}`);
        cells.push(this.matrix(e.data, `${here}, cell ${i + 1}`, depth + 1).value);
        pos = e.next;
      }
      return { name, value: { kind: 'cell', dims, cells } };
    }
    if (cls === 2) {
      const lenEl = this.element(b, pos, here);
      const len = lenEl.type === MI.INT32 && lenEl.data.length === 4 ? this.numbers(lenEl, here)[0]! : -1;
      if (len <= 0 || len > 4096)
        this.fail(`${here} should give its field name length as one miINT32; found ${typeName(lenEl.type)}`);
      const namesEl = this.element(b, lenEl.next, here);
      if (namesEl.data.length % len !== 0)
        this.fail(`${here}: ${namesEl.data.length} bytes of field names is not a multiple of ${len}`);
      const fields: string[] = [];
      for (let o = 0; o < namesEl.data.length; o += len) {
        const raw = namesEl.data.subarray(o, o + len);
        const z = raw.indexOf(0);
        fields.push(Buffer.from(z < 0 ? raw : raw.subarray(0, z)).toString('latin1'));
      }
      if (count * fields.length > b.length - namesEl.next)
        this.fail(`${here} says ${count} elements of ${fields.length} fields, more than the bytes that follow`);
      pos = namesEl.next;
      const elements: Record<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const el: Record<string, MatValue> = {};
        for (const f of fields) {
          const e = this.element(b, pos, here);
          if (e.type !== MI.MATRIX) this.fail(`${here}: field ${f} should be a miMATRIX; found ${typeName(e.type)}`);
          el[f] = this.matrix(e.data, `${here}.${f}`, depth + 1).value;
          pos = e.next;
        }
        elements.push(el);
      }
      return { name, value: { kind: 'struct', dims, fields, elements } };
    }
    return this.fail(`${here} is a MATLAB ${className} array, which seal does not read`, 'DATA_FORMAT');
  }

  /** Every variable of a block of elements (the file after its header, or an inflated element). */
  variables(b: Uint8Array, start: number, where: string, out: Map<string, MatValue>, depth: number): void {
    let pos = start;
    while (pos < b.length) {
      // Trailing zero padding shorter than a tag is not an element.
      if (b.length - pos < 8 && b.subarray(pos).every((x) => x === 0)) return;
      const e = this.element(b, pos, where);
      if (e.type === MI.COMPRESSED) {
        if (depth > 0) this.fail(`${where} holds a compressed element inside a compressed element`);
        const left = this.maxInflated - this.inflated;
        let inner: Buffer;
        try {
          inner = inflateSync(e.data, { maxOutputLength: Math.max(1, left) });
        } catch (err) {
          if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
            this.fail(
              `the compressed element at byte ${e.at} inflates to more than the ${this.maxInflated} bytes allowed for the whole file`,
            );
          this.fail(`the compressed element at byte ${e.at} does not inflate: ${causeText(err)}`);
        }
        this.inflated += inner.length;
        this.variables(inner, 0, `the compressed element at byte ${e.at}`, out, depth + 1);
      } else if (e.type === MI.MATRIX) {
        const { name, value } = this.matrix(e.data, `the variable at byte ${e.at}`, 0);
        out.set(name, value);
      } else {
        this.fail(
          `${where}: the element at byte ${e.at} is ${typeName(e.type)}; a variable should be miMATRIX or miCOMPRESSED`,
        );
      }
      pos = e.next;
    }
  }
}

/**
 * Parses the bytes of a level-5 MAT-file into its variables by name. `file` names it in errors:
 * DATA_FORMAT for a file that is not MAT v5 (v4, v7.3/HDF5) or holds a class seal does not read,
 * DATA_CORRUPT for one whose sizes disagree with its bytes.
 * @example const vars = readMat5(bytes, 'imagelabels.mat'); matNumbers(vars, 'labels', 'imagelabels.mat')
 */
export function readMat5(bytes: Uint8Array, file: string, opts: Mat5Options = {}): Map<string, MatValue> {
  const fail = (what: string, code: 'DATA_CORRUPT' | 'DATA_FORMAT' = 'DATA_FORMAT'): never => {
    throw new DataError(code, `${file}: ${what}.`, HINT, { path: file });
  };
  if (bytes.length < 128)
    fail(
      `a MATLAB v5 MAT-file starts with a 128-byte header, but the file has only ${bytes.length} bytes`,
      'DATA_CORRUPT',
    );
  const text = Buffer.from(bytes.subarray(0, 116))
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
  const ind = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (ind !== 'IM' && ind !== 'MI') {
    const shown = JSON.stringify(text.slice(0, 40));
    fail(
      `expected the MAT v5 header (bytes 126-127 "IM" or "MI"); found ${JSON.stringify(ind)} after the text ${shown}, so this is not a MATLAB v5 MAT-file (a v4 file has no header)`,
    );
  }
  const little = ind === 'IM';
  const version = little ? bytes[124]! | (bytes[125]! << 8) : (bytes[124]! << 8) | bytes[125]!;
  if (version === 0x0200)
    fail(
      'this is a MATLAB v7.3 MAT-file (HDF5 inside), which seal does not read; re-save it in MATLAB with `save(..., "-v7")`',
    );
  if (version !== 0x0100)
    fail(`expected MAT-file version 0x0100 in the header; found 0x${version.toString(16).padStart(4, '0')}`);
  const r = new Reader(file, little, opts.maxInflated ?? 256 * 1024 * 1024, opts.maxDepth ?? 32);
  const out = new Map<string, MatValue>();
  r.variables(bytes, 128, 'the file', out, 0);
  return out;
}

/** Reads and parses a .mat file (at most MAX_MAT_FILE_BYTES); `hint` says where it comes from. */
export async function readMatFile(file: string, hint: string, opts: Mat5Options = {}): Promise<Map<string, MatValue>> {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // readWhole reports the missing file.
  }
  if (size > MAX_MAT_FILE_BYTES)
    throw new DataError(
      'DATA_FORMAT',
      `${file} has ${size} bytes; a label or split .mat file is expected to be far smaller (at most ${MAX_MAT_FILE_BYTES}).`,
      hint,
      { path: file },
    );
  return readMat5(await readWhole(file, hint), file, opts);
}

/** The variable `name` of a parsed file, or DATA_FORMAT naming the variables it has. */
export function matVariable(vars: Map<string, MatValue>, name: string, file: string, hint = HINT): MatValue {
  const v = vars.get(name);
  if (v === undefined)
    throw new DataError(
      'DATA_FORMAT',
      `${file} should hold a variable "${name}"; it holds ${vars.size === 0 ? 'no variables' : [...vars.keys()].map((k) => `"${k}"`).join(', ')}.`,
      hint,
      { path: file },
    );
  return v;
}

/** The values of a real numeric variable (any shape, column-major). */
export function matNumbers(vars: Map<string, MatValue>, name: string, file: string, hint = HINT): Float64Array {
  const v = matVariable(vars, name, file, hint);
  if (v.kind !== 'numeric' || v.imag !== null)
    throw new DataError(
      'DATA_FORMAT',
      `${file}: the variable "${name}" should be a real numeric array; it is ${v.kind === 'numeric' ? 'complex' : `a ${v.kind} array`}.`,
      hint,
      { path: file },
    );
  return v.real;
}

/** The strings of a value: a char array's rows (trailing spaces kept), or a cell array's strings. */
function stringsOf(v: MatValue, where: string, file: string, hint: string, depth: number): string[] {
  if (v.kind === 'char') return v.rows.length === 0 ? [''] : v.rows;
  if (v.kind === 'cell' && depth < 4) {
    return v.cells.map((c, i) => {
      const s = stringsOf(c, `${where}{${i + 1}}`, file, hint, depth + 1);
      if (s.length !== 1)
        throw new DataError(
          'DATA_FORMAT',
          `${file}: ${where}{${i + 1}} should be one string; it holds ${s.length} rows.`,
          hint,
          { path: file },
        );
      return s[0]!;
    });
  }
  if (v.kind === 'numeric' && v.real.length === 0) return [''];
  throw new DataError(
    'DATA_FORMAT',
    `${file}: ${where} should be a string or a cell array of strings; it is a ${v.kind === 'numeric' ? v.className : v.kind} array.`,
    hint,
    { path: file },
  );
}

/** The strings of a cell array of strings (or the rows of a char matrix), in column-major order. */
export function matStrings(vars: Map<string, MatValue>, name: string, file: string, hint = HINT): string[] {
  const v = matVariable(vars, name, file, hint);
  return v.kind === 'char' ? v.rows : stringsOf(v, `"${name}"`, file, hint, 0);
}
