// seal's own package.json, for the versions a run folder records.
import { readFileSync } from 'node:fs';

/** The installed seal's package.json (dist/src/io/ → the package root). */
export function readPackageInfo(): { version: string } {
  return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
}
