// Paths typed on the command line whose bytes are not UTF-8. Node decodes argv as UTF-8 and puts
// U+FFFD where bytes do not decode, so the path it would open is another one than the user
// typed: reading it gives a misleading ENOENT, creating it makes a folder of another name.
import { existsSync, readFileSync } from 'node:fs';
import { IoError } from '../errors.js';

const REPLACEMENT = '\uFFFD';

/** A path for a message: U+FFFD shown as \uFFFD, control characters escaped. */
export function escapedPath(path: string): string {
  return JSON.stringify(path)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(/\uFFFD/g, '\\uFFFD');
}

/**
 * Whether the command line holds `path` byte for byte, that is, the user typed a real U+FFFD.
 * Null where the raw command line cannot be read (no /proc).
 */
function typedAsIs(path: string): boolean | null {
  try {
    return readFileSync('/proc/self/cmdline').includes(Buffer.from(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Refuses a path from the command line (`label`, e.g. '--out' or 'DIR') that was not valid UTF-8
 * as typed. A real U+FFFD in a name passes: the raw command line shows it, or, without /proc,
 * the path exists as given.
 */
export function checkPathName(path: string, label: string): void {
  if (!path.includes(REPLACEMENT)) return;
  const asIs = typedAsIs(path);
  if (asIs === true || (asIs === null && existsSync(path))) return;
  throw new IoError(
    `${label} ${escapedPath(path)}: the name is not valid UTF-8, so seal cannot open it (it received the name with \\uFFFD in place of the bytes that are not UTF-8, and that names another path)`,
    'rename the file or folder to a UTF-8 name (e.g. convmv -f latin1 -t utf8 --notest NAME, or mv) and give the new name',
  );
}
