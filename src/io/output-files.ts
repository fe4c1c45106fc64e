// What a finished task left on disk, recorded in its done file (path, size, SHA-256), so that a
// later command can tell that a checkpoint or a result was deleted or changed since: the report
// would otherwise show stale or partial numbers without a word.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface OutputFile {
  /** '/'-separated, relative to the comparison folder. */
  file: string;
  bytes: number;
  sha256: string;
}

/** SHA-256 of a file, read in 1 MiB pieces (checkpoints can be large). */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every regular file under `relative` (a file or a folder) in `root`, '/'-separated, sorted. */
export function filesUnder(root: string, relative: string): string[] {
  const path = join(root, relative);
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return statSync(path).isFile() ? [relative] : [];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() || e.isFile() ? filesUnder(root, posix.join(relative, e.name)) : []))
    .sort();
}

/** The record of `files` (relative to `root`) as they are now. */
export function describeOutputs(root: string, files: string[]): OutputFile[] {
  return files.map((file) => {
    const path = join(root, file);
    return { file, bytes: statSync(path).size, sha256: fileSha256(path) };
  });
}

/**
 * What differs between the record and the disk: 'missing', 'changed' (size, or content when
 * `contents`), or null when the file is as recorded. Without `contents` only sizes are
 * compared, which is what a quick look (`seal status`) can afford.
 */
export function outputProblem(root: string, o: OutputFile, contents: boolean): 'missing' | 'changed' | null {
  const path = join(root, o.file);
  if (!existsSync(path)) return 'missing';
  if (statSync(path).size !== o.bytes) return 'changed';
  return contents && fileSha256(path) !== o.sha256 ? 'changed' : null;
}
