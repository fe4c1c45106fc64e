// The rule for tests that read a dataset: skip with the reason on a developer's machine, fail
// under CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsData } from './datasets.js';

const HELPER = fileURLToPath(new URL('./datasets.js', import.meta.url));

test('a present file does not skip; a missing one skips with its path and how to get it', () => {
  assert.equal(needsData(HELPER, 'never shown', {}), false);
  assert.equal(needsData(HELPER, 'never shown', { CI: 'true' }), false);
  const reason = '/nonexistent/seal-data/x.gz is missing (apt-get install x)';
  assert.equal(needsData('/nonexistent/seal-data/x.gz', 'apt-get install x', {}), reason);
  assert.equal(
    needsData('/nonexistent/seal-data/x.gz', 'apt-get install x', { CI: '1' }),
    reason,
    'only CI=true, as .ci/run sets it, turns the skip into a failure',
  );
});

test('under CI=true a missing dataset fails the file once, naming the path, and its tests are skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-needs-data-'));
  try {
    const file = join(dir, 'needs.test.mjs');
    writeFileSync(
      file,
      [
        "import { test } from 'node:test';",
        `import { needsData } from ${JSON.stringify(HELPER)};`,
        "const skip = needsData('/nonexistent/seal-data/x.gz', 'apt-get install x');",
        "needsData('/nonexistent/seal-data/x.gz', 'apt-get install x');",
        "test('uses the data', { skip }, () => {});",
        "test('another', { skip }, () => {});",
      ].join('\n'),
    );
    // Without the runner's own context variable, which makes a nested `node --test` run nothing.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', env: { ...env, CI: 'true' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /not ok \d+ - dataset present: \/nonexistent\/seal-data\/x\.gz/);
    assert.match(r.stdout, /CI=true and \/nonexistent\/seal-data\/x\.gz is missing \(apt-get install x\)/);
    assert.equal(r.stdout.match(/^# fail (\d+)/m)?.[1], '1', 'one failure however many tests need the file');
    assert.equal(r.stdout.match(/^# skipped (\d+)/m)?.[1], '2');
    const local = spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', env: { ...env, CI: '' } });
    assert.equal(local.status, 0, local.stdout + local.stderr);
    assert.match(local.stdout, /# SKIP \/nonexistent\/seal-data\/x\.gz is missing \(apt-get install x\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
