// Disk cache of decoded images, so a folder of 100k JPEGs is decoded once. One file per source:
// <cacheDir>/<key>.bin = "SEALIMG1", a u32 header length, a JSON header, then each set's uint8
// images and int32 labels. The header carries a checksum of every block, and the file is written
// to a temporary name and renamed, so a reader sees a whole file or none; a file that fails any
// check is ignored (and then replaced), never trusted.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { DataError, causeText } from './data-error.js';
import { checkImageSet, imageBytes } from './image-set.js';
import type { ImageSet } from './types.js';

const MAGIC = 'SEALIMG1';
/** Bump when the layout or the decoding changes, so that old cache files stop matching. */
const CACHE_VERSION = 1;

interface SetHeader extends Omit<ImageSet, 'images' | 'labels'> {
  imagesOffset: number;
  labelsOffset: number;
  checksum: string;
}
interface FileHeader {
  version: number;
  key: string;
  totalBytes: number;
  sets: SetHeader[];
}

/**
 * The default cache folder: $XDG_CACHE_HOME/seal, else ~/.cache/seal.
 * `env` is a parameter so that only callers (the CLI) decide which environment is read.
 */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'seal');
}

/**
 * The cache key of a source: a hash of the reader kind, the absolute root, every input file's
 * path (relative to root), size and modification time, and the decode options. Any change to a
 * file, the file list or the options gives a new key.
 */
export function cacheKey(kind: string, root: string, files: string[], options: unknown): string {
  const abs = resolve(root);
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CACHE_VERSION, kind, root: abs, options }));
  for (const f of files) {
    const st = statSync(f);
    const rel = resolve(f).startsWith(abs + '/') ? resolve(f).slice(abs.length + 1) : resolve(f);
    h.update(`\n${rel}\t${st.size}\t${st.mtimeMs}`);
  }
  return `${kind}-${h.digest('hex').slice(0, 32)}`;
}

/** Checksum of the given blocks: crc32 where this Node has zlib.crc32 (>= 20.15), else md5. */
function checksum(blocks: Uint8Array[]): string {
  const crc = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (crc !== undefined) return `crc32:${blocks.reduce((v, b) => crc(b, v), 0).toString(16)}`;
  const h = createHash('md5');
  for (const b of blocks) h.update(b);
  return `md5:${h.digest('hex')}`;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;
const labelBytes = (s: ImageSet): Uint8Array =>
  new Uint8Array(s.labels.buffer, s.labels.byteOffset, s.labels.byteLength);

/** Path of the cache file of a key. */
export const cacheFile = (dir: string, key: string): string => join(dir, `${key}.bin`);

/**
 * Writes image sets under `key` atomically and returns the file path. A failure to write is a
 * DataError naming the folder (callers may choose to ignore it and go on uncached).
 */
export async function writeCache(dir: string, key: string, sets: ImageSet[]): Promise<string> {
  const file = cacheFile(dir, key);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  // The header's length depends on the offsets, which depend on the header's length: lay the
  // data out after a generous fixed-size slot, padding the JSON with spaces.
  const sums = sets.map((s) => checksum([s.images, labelBytes(s)]));
  const build = (start: number): FileHeader => {
    let at = start;
    const headers = sets.map((s, k) => {
      const imagesOffset = at;
      const labelsOffset = align(imagesOffset + s.images.length, 8);
      at = align(labelsOffset + s.labels.byteLength, 8);
      const { images: _i, labels: _l, ...meta } = s;
      return { ...meta, imagesOffset, labelsOffset, checksum: sums[k]! };
    });
    return { version: CACHE_VERSION, key, totalBytes: at, sets: headers };
  };
  const draft = Buffer.byteLength(JSON.stringify(build(0)));
  const start = align(12 + draft + 64, 8);
  const header = build(start);
  const json = Buffer.from(JSON.stringify(header).padEnd(start - 12, ' '));
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  try {
    mkdirSync(dir, { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      let pos = 0;
      const put = async (b: Uint8Array): Promise<void> => {
        for (let off = 0; off < b.length;) {
          const { bytesWritten } = await fh.write(b, off, Math.min(b.length - off, 1 << 30), pos);
          off += bytesWritten;
          pos += bytesWritten;
        }
      };
      await put(head);
      await put(json);
      for (const [k, s] of sets.entries()) {
        const h = header.sets[k]!;
        await put(s.images);
        await put(new Uint8Array(h.labelsOffset - pos));
        await put(labelBytes(s));
        await put(new Uint8Array((header.sets[k + 1]?.imagesOffset ?? header.totalBytes) - pos));
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    return file;
  } catch (e) {
    await rm(tmp, { force: true });
    throw new DataError(
      'DATA_MISSING',
      `cannot write the decoded-image cache ${file}: ${causeText(e)}.`,
      'make the cache folder writable, pass another cacheDir, or turn the cache off with cacheDir: null.',
      { path: dir, cause: e },
    );
  }
}

/** Parses and checks a cache file's bytes; null when anything is off. */
function parseCache(buf: Buffer, key: string): ImageSet[] | null {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return null;
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) return null;
  let header: FileHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as FileHeader;
  } catch {
    return null;
  }
  if (
    header.version !== CACHE_VERSION ||
    header.key !== key ||
    header.totalBytes !== buf.length ||
    !Array.isArray(header.sets)
  )
    return null;
  const sets: ImageSet[] = [];
  for (const h of header.sets) {
    const n = h.count * imageBytes(h);
    if (!(
      h.imagesOffset >= 12 + len &&
      h.imagesOffset + n <= h.labelsOffset &&
      h.labelsOffset + 4 * h.count <= buf.length
    ))
      return null;
    const images = new Uint8Array(buf.buffer, buf.byteOffset + h.imagesOffset, n);
    // Int32Array needs 4-byte alignment; a small file read into a pooled buffer may lack it.
    const raw = buf.subarray(h.labelsOffset, h.labelsOffset + 4 * h.count);
    const labels =
      raw.byteOffset % 4 === 0
        ? new Int32Array(raw.buffer, raw.byteOffset, h.count)
        : new Int32Array(Uint8Array.from(raw).buffer);
    if (checksum([images, raw]) !== h.checksum) return null;
    const { imagesOffset: _a, labelsOffset: _b, checksum: _c, ...meta } = h;
    try {
      sets.push(checkImageSet({ ...meta, images, labels }, 'cache'));
    } catch {
      return null;
    }
  }
  return sets;
}

/** Reads a file in chunks: fs.readFile stops at 2 GiB, a Buffer may hold up to 4 GiB. */
async function readWholeFile(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(size);
    for (let off = 0; off < size;) {
      const { bytesRead } = await fh.read(buf, off, Math.min(size - off, 1 << 30), off);
      if (bytesRead === 0) throw new Error('file shrank while being read');
      off += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** Reads the sets cached under `key`, or null when there is no usable file. */
export async function readCache(dir: string, key: string): Promise<ImageSet[] | null> {
  let buf: Buffer;
  try {
    buf = await readWholeFile(cacheFile(dir, key));
  } catch {
    return null;
  }
  return parseCache(buf, key);
}

/**
 * Returns the `count` cached sets for a source, or builds them with `build()` and caches them.
 * A cache that cannot be written is skipped: the data is still correct, and `file` is null.
 * @example const { sets, fromCache } = await cachedSets(dir, cacheKey('folder', root, files, opts), 2, decodeBoth)
 */
export async function cachedSets(
  dir: string | null,
  key: string,
  count: number,
  build: () => Promise<ImageSet[]>,
): Promise<{ sets: ImageSet[]; fromCache: boolean; file: string | null }> {
  if (dir === null) return { sets: await build(), fromCache: false, file: null };
  const hit = await readCache(dir, key);
  if (hit !== null && hit.length === count) return { sets: hit, fromCache: true, file: cacheFile(dir, key) };
  const sets = await build();
  try {
    return { sets, fromCache: false, file: await writeCache(dir, key, sets) };
  } catch {
    return { sets, fromCache: false, file: null };
  }
}
