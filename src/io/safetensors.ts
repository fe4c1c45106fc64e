// The safetensors format: u64 little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, __metadata__: {str: str}}, then the raw data.
// Written to a temporary file and renamed, so a killed writer never leaves a half file.
import { closeSync, openSync, readSync } from 'node:fs';
import { open, rename, readFile, rm } from 'node:fs/promises';
import { tensor, type DType, type Tensor, type TypedArray } from '../backend/index.js';
import { CheckpointError } from '../errors.js';

const CODES: Record<string, DType> = { F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool' };
const CODE_OF = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<DType, string>;

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** Writes named tensors (copied to the CPU) and string metadata atomically. */
export async function saveSafetensors(path: string, tensors: [string, Tensor][], metadata: Record<string, string> = {}): Promise<void> {
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
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head);
    await fh.write(Buffer.from(json));
    for (const b of blobs) await fh.write(b);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path).catch(async (e) => { await rm(tmp, { force: true }); throw e; });
}

export interface Safetensors { tensors: Map<string, Tensor>; metadata: Record<string, string> }

/** Reads a safetensors file into CPU tensors (in file order); every problem names the file. */
export async function loadSafetensors(path: string): Promise<Safetensors> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(e as Error).message}`, 'check the path; a run folder keeps them in checkpoints/');
  }
  const corrupt = (what: string): never => {
    throw new CheckpointError(`${path} is not a valid safetensors file: ${what}`, 'the file may be truncated or of another format; use another checkpoint');
  };
  if (buf.length < 8) corrupt(`only ${buf.length} bytes`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) corrupt(`header length ${n} exceeds the file size ${buf.length}`);
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    return corrupt('the header is not JSON');
  }
  const base = 8 + n;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, Entry][];
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const tensors = new Map<string, Tensor>();
  for (const [name, e] of entries) {
    const dtype = CODES[e.dtype];
    if (!dtype) corrupt(`tensor ${name} has unsupported dtype ${e.dtype}`);
    const [begin, end] = e.data_offsets;
    if (base + end > buf.length || begin > end) corrupt(`tensor ${name} lies outside the file`);
    const bytes = buf.subarray(base + begin, base + end);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    tensors.set(name, tensor(view(copy.buffer, dtype as DType), e.shape, dtype === 'bool' ? { dtype: 'bool' } : {}));
  }
  return { tensors, metadata };
}

function view(b: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(b);
    case 'float64': return new Float64Array(b);
    case 'int64': return new BigInt64Array(b);
    case 'int32': return new Int32Array(b);
    case 'int16': return new Int16Array(b);
    case 'int8': return new Int8Array(b);
    default: return new Uint8Array(b);
  }
}

/** Only the metadata of a safetensors file (its header), without reading the tensors. */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    const head = Buffer.alloc(n);
    if (readSync(fd, head, 0, n, 8) !== n) throw new CheckpointError(`${path} is not a valid safetensors file: the header is cut short`);
    return ((JSON.parse(head.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__) ?? {};
  } finally {
    closeSync(fd);
  }
}
