// Paths that seal reads as files must be regular files (links followed), checked before anything
// is opened: reading a FIFO waits for a writer forever and a device never ends (/dev/zero grew a
// JSON read to gigabytes). JSON files also have a size cap, checked from the file's size.
import { statSync, type Stats } from 'node:fs';
import { ConfigError } from '../errors.js';

/** Largest JSON file (config, plan, arms, metadata) seal reads; real ones are kilobytes. */
export const MAX_JSON_BYTES = 8 * 2 ** 20;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses `path` when it exists and is not a regular file, or is larger than `maxBytes`; `what`
 * names it in the message (an option such as `--plan`, or `checkpoint`). A missing or unreadable
 * path is left to the reader, whose own message says so.
 * @example checkRegularFile('/dev/zero', '--config') // ConfigError: --config /dev/zero: a character device, not a file
 */
export function checkRegularFile(path: string, what: string, maxBytes = Infinity): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (!st.isFile())
    throw new ConfigError(`${what} ${path}: ${kindOf(st)}, not a file`, 'give the path of a regular file');
  if (st.size > maxBytes)
    throw new ConfigError(
      `${what} ${path}: ${mib(st.size)}, more than the ${mib(maxBytes)} such a file may have`,
      'check that this is the file meant',
    );
}
