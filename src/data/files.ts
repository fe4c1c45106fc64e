// Small filesystem helpers shared by the readers; they turn fs errors into DataErrors.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError, causeText } from './errors.js';

const gunzipAsync = promisify(gunzip);

/** True when the path is an existing directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when the path is an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Throws DATA_MISSING unless `dir` is a folder; `what` says what it should hold. */
export function requireDir(dir: string, what: string, hint: string): void {
  if (isDir(dir)) return;
  const found = isFile(dir) ? 'it is a file, not a folder' : 'nothing exists at that path';
  throw new DataError('DATA_MISSING', `the folder ${dir} should hold ${what}, but ${found}.`, hint, { path: dir });
}

/** Entries of a folder, sorted by name (code-unit order, so the same in every locale). */
export function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new DataError(
      'DATA_MISSING',
      `cannot list the folder ${dir}: ${causeText(e)}.`,
      'check that the path exists and is readable.',
      { path: dir, cause: e },
    );
  }
}

/** A few entry names of a folder, for "what was found" in an error message. */
export function describeDir(dir: string, max = 8): string {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return 'an unreadable folder';
  }
  if (names.length === 0) return 'an empty folder';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, … (${names.length} entries)` : shown;
}

/** Reads a whole file; a missing or unreadable file is DATA_MISSING naming it. */
export async function readWhole(file: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new DataError('DATA_MISSING', `cannot read ${file}: ${causeText(e)}.`, hint, { path: file, cause: e });
  }
}

/**
 * Reads a file and gunzips it when its first bytes are the gzip magic (whatever its name).
 * `expectedSize`, given the first bytes of the data, returns how many bytes the whole data
 * should have (or null while it needs more bytes; it may throw): decompression stops as soon as
 * that is passed, so a small file that inflates to gigabytes is refused without holding them.
 */
export async function readMaybeGzip(
  file: string,
  hint: string,
  expectedSize?: (head: Buffer) => number | null,
): Promise<Buffer> {
  const raw = await readWhole(file, hint);
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  const corrupt = (e: unknown) =>
    new DataError(
      'DATA_CORRUPT',
      `${file} starts like gzip data but does not decompress: ${causeText(e)}.`,
      'the download was probably cut short; fetch the file again.',
      { path: file, cause: e },
    );
  if (expectedSize === undefined) {
    try {
      return await gunzipAsync(raw);
    } catch (e) {
      throw corrupt(e);
    }
  }
  return new Promise((resolve, reject) => {
    const z = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let limit: number | null = null;
    z.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      try {
        limit ??= expectedSize(chunks.length === 1 ? c : Buffer.concat(chunks));
      } catch (e) {
        z.destroy();
        reject(e);
        return;
      }
      if (limit !== null && total > limit) {
        z.destroy();
        reject(
          new DataError(
            'DATA_CORRUPT',
            `${file}: its header says the data has ${limit} bytes, but it decompresses to more than that (${total} bytes so far, stopped there).`,
            `the file has trailing bytes it should not have, or was made to inflate; ${hint}`,
            { path: file },
          ),
        );
      }
    });
    z.on('end', () => resolve(Buffer.concat(chunks, total)));
    z.on('error', (e) => reject(corrupt(e)));
    z.end(raw);
  });
}

/** The first of `names` that exists as a file in `dir`, or null. */
export function firstExisting(dir: string, names: string[]): string | null {
  for (const n of names) {
    const p = `${dir}/${n}`;
    if (isFile(p)) return p;
  }
  return null;
}
