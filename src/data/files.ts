// Small filesystem helpers shared by the readers; they turn fs errors into DataErrors.
import { isUtf8 } from 'node:buffer';
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError, causeText } from './data-error.js';

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

const rename = (what: string): string =>
  `rename ${what} to a UTF-8 name (e.g. with convmv -f latin1 -t utf8 --notest, or mv)`;

/** A text for a message: control characters escaped, U+FFFD shown as \uFFFD. */
const escapedText = (s: string): string =>
  JSON.stringify(s)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(/\uFFFD/g, '\\uFFFD');

/**
 * A file name for a message, as it is: bytes that are not UTF-8 as \xNN, U+FFFD (what a decoder
 * puts in their place) as \uFFFD, control characters escaped.
 */
export function escapedName(name: Uint8Array | string): string {
  if (typeof name === 'string') return escapedText(name);
  const strict = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  for (let i = 0; i < name.length;) {
    const b = name[i] as number;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= name.length) {
      try {
        out += escapedText(strict.decode(name.subarray(i, i + len)));
        i += len;
        continue;
      } catch {
        // Not a whole character: the lead byte is shown as a byte.
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

/** Throws DATA_MISSING unless `dir` is a folder; `what` says what it should hold. */
export function requireDir(dir: string, what: string, hint: string): void {
  if (isDir(dir)) return;
  // Node decodes a command line that is not UTF-8 with U+FFFD in place of the bad bytes, so the
  // path looked for is not the one typed: say so rather than "nothing exists".
  if (dir.includes('\uFFFD'))
    throw new DataError(
      'DATA_MISSING',
      `the folder ${escapedName(dir)} should hold ${what}, but its name is not valid UTF-8 (seal received it with \\uFFFD in place of the bytes that are not UTF-8), so seal cannot open it.`,
      `${rename('it')}, and give the new name`,
      { path: dir },
    );
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

/**
 * The entries of listDir that `use` picks; one whose name is not valid UTF-8 is refused, naming
 * it as it is (Node decodes such a name with U+FFFD, which names a path that does not exist).
 */
export function usedEntries(dir: string, use: (d: Dirent) => boolean, what: string): Dirent[] {
  const picked = listDir(dir).filter(use);
  if (picked.some((d) => d.name.includes('\uFFFD'))) {
    // A real U+FFFD is valid UTF-8: only the bytes tell the two apart.
    const names = new Set(picked.map((d) => d.name));
    const bad = readdirSync(dir, { encoding: 'buffer' }).find((b) => !isUtf8(b) && names.has(b.toString('utf8')));
    if (bad !== undefined)
      throw new DataError(
        'DATA_FORMAT',
        `${escapedName(dir)} holds ${what} whose name is not valid UTF-8: ${escapedName(bad)} (bytes that are not UTF-8 shown as \\xNN), so seal cannot open it.`,
        rename('it'),
        { path: dir },
      );
  }
  return picked;
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
