// `npx seal` inside the checkout runs this checkout's CLI: npm finds it in node_modules/.bin
// (linked by the prepare script) instead of packing and installing the package, which would
// rebuild the native addon on every call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('node_modules/.bin/seal links to the compiled CLI', () => {
  assert.equal(readlinkSync(`${ROOT}/node_modules/.bin/seal`), '../../dist/src/cli/main.js');
});

test("npx seal runs the checkout's CLI without installing or rebuilding anything", () => {
  const addon = `${ROOT}/build/Release/seal.node`;
  const before = statSync(addon).mtimeMs;
  const r = spawnSync('npx', ['--offline', '--no-install', 'seal', '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /seal compare/);
  assert.equal(statSync(addon).mtimeMs, before, 'the native addon was rebuilt');
});
