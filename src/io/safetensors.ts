// The safetensors format: u64 little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, __metadata__: {str: str}}, then the raw data.
// Written to a temporary file and renamed, so a killed writer never leaves a half file.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { tensor, type DType, type Tensor, type TypedArray } from '../backend/index.js';
import { CheckpointError } from '../errors.js';
import { ioError } from './dirs.js';
import { checkRegularFile } from './regular-file.js';

const CODES: Record<string, DType> = {
  F32: 'float32',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const CODE_OF = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<DType, string>;

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Writes named tensors (copied to the CPU) and string metadata atomically. */
export async function saveSafetensors(
  path: string,
  tensors: [string, Tensor][],
  metadata: Record<string, string> = {},
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const code = CODE_OF[t.dtype];
    if (!code) throw new CheckpointError(`cannot store ${name}: dtype ${t.dtype} has no safetensors code here`);
    const data = t.toArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.write(head);
      await fh.write(Buffer.from(json));
      for (const b of blobs) await fh.write(b);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A full disk or a lost folder: leave no half-written temporary file behind.
    await rm(tmp, { force: true });
    throw ioError(`cannot write ${path}`, e, 8 + Buffer.byteLength(json) + offset);
  }
}

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const SIZES: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** The reference implementation's limit: a longer header is damage, and allocating it could exhaust memory. */
const MAX_HEADER = 100_000_000;
const HINT = 'the file may be truncated, damaged or of another format; use another checkpoint';

const kindOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'object'
        ? 'an object'
        : `${typeof v} ${JSON.stringify(v)}`;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks a header as the format specifies: a JSON object whose entries each have a known dtype,
 * a shape of non-negative integers and data_offsets [begin, end] holding exactly numel x dtype
 * size bytes; sorted by offset, the ranges must tile the data section with no gap or overlap;
 * __metadata__ maps strings to strings. Returns the entries in file order.
 */
function parseHeader(
  path: string,
  bytes: Uint8Array,
  dataLength: number,
): { entries: [string, Entry][]; metadata: Record<string, string> } {
  const corrupt = (what: string): never => {
    throw new CheckpointError(`${path} is not a valid safetensors file: ${what}`, HINT);
  };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return corrupt('the header is not UTF-8 text');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return corrupt(`the header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return corrupt(`the header should be a JSON object of tensors, but it is ${kindOf(header)}`);
  const metadata: Record<string, string> = {};
  const entries: [string, Entry][] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof e !== 'object' || e === null || Array.isArray(e))
        corrupt(`__metadata__ should be an object of strings, but it is ${kindOf(e)}`);
      for (const [k, v] of Object.entries(e as object)) {
        if (typeof v !== 'string') corrupt(`__metadata__ should map strings to strings, but "${k}" holds ${kindOf(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor ${name}`;
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      corrupt(`${where} should be an object with dtype, shape and data_offsets, but it is ${kindOf(e)}`);
    const { dtype, shape, data_offsets: offsets } = e as Record<string, unknown>;
    if (typeof dtype !== 'string') corrupt(`${where} has no dtype string (found ${kindOf(dtype)})`);
    const size =
      SIZES[dtype as string] ??
      corrupt(`${where} has unsupported dtype ${String(dtype)} (seal reads ${Object.keys(SIZES).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every(isCount))
      corrupt(`${where}: shape should be a list of non-negative integers, found ${JSON.stringify(shape) ?? 'nothing'}`);
    const [begin, end] =
      Array.isArray(offsets) &&
      offsets.length === 2 &&
      offsets.every(isCount) &&
      (offsets[0] as number) <= (offsets[1] as number)
        ? (offsets as [number, number])
        : corrupt(
            `${where}: data_offsets should be [begin, end], two non-negative integers with begin <= end, found ${JSON.stringify(offsets) ?? 'nothing'}`,
          );
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(numel * size) || numel * size !== end - begin) {
      corrupt(
        `${where}: shape [${(shape as number[]).join(',')}] of ${String(dtype)} needs ${numel * size} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.push([name, { dtype: dtype as string, shape: shape as number[], data_offsets: [begin, end] }]);
  }
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let at = 0;
  let prev = '';
  for (const [
    name,
    {
      data_offsets: [begin, end],
    },
  ] of entries) {
    if (begin < at) corrupt(`tensor ${name} (bytes ${begin}..${end}) overlaps ${prev}, which ends at byte ${at}`);
    if (begin > at) corrupt(`bytes ${at}..${begin} of the data belong to no tensor (a gap before ${name})`);
    at = end;
    prev = `tensor ${name}`;
  }
  if (at !== dataLength)
    corrupt(`the tensors cover ${at} bytes of data, but the file holds ${dataLength} after the header`);
  return { entries, metadata };
}

/** The header length from the first 8 bytes, checked against the file size. */
function headerLength(path: string, head: Buffer, fileSize: number): number {
  const corrupt = (what: string): never => {
    throw new CheckpointError(`${path} is not a valid safetensors file: ${what}`, HINT);
  };
  if (fileSize < 8) corrupt(`only ${fileSize} bytes`);
  const n = head.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) corrupt(`header length ${n} is over the format's limit of ${MAX_HEADER} bytes`);
  if (Number(n) > fileSize - 8) corrupt(`header length ${n} exceeds the file size ${fileSize}`);
  return Number(n);
}

const cannotRead = (path: string, e: unknown): CheckpointError =>
  new CheckpointError(
    `cannot read checkpoint ${path}: ${(e as Error).message}`,
    'check the path; a run folder keeps them in checkpoints/',
  );

/**
 * Reads a safetensors file into CPU tensors (in file order); every problem names the file. The
 * header is read and checked first: its entries must tile the rest of the file exactly, so a file
 * larger than its header declares is refused before its data is read into memory.
 */
export async function loadSafetensors(path: string): Promise<Safetensors> {
  const { entries, metadata, data } = withHeader(path, (fd, header) => {
    const bytes = Buffer.alloc(header.dataLength);
    if (header.dataLength > 0 && readSync(fd, bytes, 0, header.dataLength, header.base) !== header.dataLength)
      throw new CheckpointError(`${path} is not a valid safetensors file: the data is cut short`, HINT);
    return { ...header, data: bytes };
  });
  const tensors = new Map<string, Tensor>();
  for (const [name, e] of entries) {
    const dtype = CODES[e.dtype] as DType;
    const [begin, end] = e.data_offsets;
    const copy = new Uint8Array(end - begin);
    copy.set(data.subarray(begin, end));
    tensors.set(name, tensor(view(copy.buffer, dtype), e.shape, dtype === 'bool' ? { dtype: 'bool' } : {}));
  }
  return { tensors, metadata };
}

function view(b: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(b);
    case 'float64':
      return new Float64Array(b);
    case 'int64':
      return new BigInt64Array(b);
    case 'int32':
      return new Int32Array(b);
    case 'int16':
      return new Int16Array(b);
    case 'int8':
      return new Int8Array(b);
    default:
      return new Uint8Array(b);
  }
}

interface Header {
  entries: [string, Entry][];
  metadata: Record<string, string>;
  /** Where the data section starts, and its length (the rest of the file). */
  base: number;
  dataLength: number;
}

/** Opens `path`, reads and checks its header, and gives the open file and the header to `use`. */
function withHeader<T>(path: string, use: (fd: number, header: Header) => T): T {
  checkRegularFile(path, 'checkpoint');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, e);
  }
  try {
    const size = fstatSync(fd).size;
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = headerLength(path, len, size);
    const head = Buffer.alloc(n);
    if (readSync(fd, head, 0, n, 8) !== n)
      throw new CheckpointError(`${path} is not a valid safetensors file: the header is cut short`, HINT);
    const dataLength = size - 8 - n;
    return use(fd, { ...parseHeader(path, head, dataLength), base: 8 + n, dataLength });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw cannotRead(path, e);
  } finally {
    closeSync(fd);
  }
}

/** Only the metadata of a safetensors file (its header, checked whole), without reading the tensors. */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  return withHeader(path, (_fd, header) => header.metadata);
}
