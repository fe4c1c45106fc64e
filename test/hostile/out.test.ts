// Output folders and files that cannot be made: refused at once (before any data is read) with
// the path and the reason, exit status 1, and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { saveSafetensors, tensor } from '../../src/index.js';
import { put, tempDir } from '../data/fixtures.js';
import { refused, seal, snapshot, unchanged } from './support.js';

const procfs = existsSync('/proc/self/status');
const root = process.getuid?.() === 0;

test('--out under /proc fails at once instead of spinning', { skip: !procfs && 'no /proc here' }, () => {
  const t0 = performance.now();
  refused(
    seal(['train', '--out', '/proc/seal-x'], { timeoutMs: 20_000 }),
    1,
    'cannot create --out /proc/seal-x: the file system of /proc accepts no new folders',
  );
  refused(
    seal(['train', '--out', '/proc/seal-x/a/b'], { timeoutMs: 20_000 }),
    1,
    'cannot create --out /proc/seal-x/a/b: creating its parent /proc/seal-x failed',
  );
  refused(seal(['compare', '--out', '/proc/seal-x'], { timeoutMs: 20_000 }), 1, 'cannot create --out /proc/seal-x');
  refused(
    seal(['eval', 'all', '--checkpoint', 'x', '--out-dir', '/proc/seal-x'], { timeoutMs: 20_000 }),
    1,
    'cannot create --out-dir /proc/seal-x',
  );
  assert.ok(performance.now() - t0 < 20_000);
});

test('--out that is a file, or under a file, names the file', (t) => {
  const { dir, cleanup } = tempDir('hostile-out-file');
  t.after(cleanup);
  const file = put(join(dir, 'taken'), 'not a folder');
  const before = snapshot(dir);
  refused(seal(['train', '--out', file]), 1, `cannot create --out ${file}: it is a file, not a folder`);
  refused(
    seal(['train', '--out', join(file, 'run')]),
    1,
    `cannot create --out ${join(file, 'run')}: ${file} is a file, not a folder`,
  );
  refused(
    seal(['eval', 'depth', '--checkpoint', 'x', '--out', join(file, 'depth.json')]),
    1,
    `--out ${join(file, 'depth.json')}: ${file} is a file, not a folder`,
  );
  refused(
    seal(['eval', 'depth', '--checkpoint', 'x', '--out', join(file, 'a', 'depth.json')]),
    1,
    `its folder ${join(file, 'a')} cannot be used: a part of the path is a file, not a folder (ENOTDIR)`,
  );
  refused(
    seal(['eval', 'depth', '--checkpoint', 'x', '--out', join(dir, 'missing', 'depth.json')]),
    1,
    `its folder ${join(dir, 'missing')} does not exist`,
  );
  refused(
    seal(['eval', 'depth', '--checkpoint', 'x', '--out', dir]),
    1,
    `--out ${dir}: it is a folder; expected the name of a file to write`,
  );
  unchanged(dir, before);
});

test(
  '--out under a read-only folder names the folder and the reason',
  { skip: root && 'root may write anywhere' },
  (t) => {
    const { dir, cleanup } = tempDir('hostile-out-ro');
    t.after(() => {
      chmodSync(dir, 0o755);
      cleanup();
    });
    chmodSync(dir, 0o555);
    refused(
      seal(['train', '--out', join(dir, 'run', 'x')]),
      1,
      `cannot create --out ${join(dir, 'run', 'x')}: creating its parent ${join(dir, 'run')} failed: permission denied (EACCES)`,
    );
    refused(seal(['train', '--out', dir]), 1, `cannot write in --out ${dir}: permission denied (EACCES)`);
    assert.deepEqual(readdirSync(dir), []);
  },
);

test('a folder that holds a run is refused before any data is read, and left as it was', (t) => {
  const { dir, cleanup } = tempDir('hostile-out-run');
  t.after(cleanup);
  for (const f of ['config.json', 'metrics.jsonl']) {
    const run = join(dir, f);
    put(join(run, f), '{}\n');
    const before = snapshot(dir);
    // A dataset that does not exist shows the refusal comes first.
    refused(
      seal(['train', '--dataset', 'folder:/nonexistent', '--out', run]),
      1,
      `${run} already holds a run (${join(run, f)} exists)`,
      `hint: continue it with --resume ${run}`,
    );
    unchanged(dir, before);
  }
});

test('a missing --out folder is only probed: a refusal later leaves no folder behind', (t) => {
  const { dir, cleanup } = tempDir('hostile-out-probe');
  t.after(cleanup);
  refused(
    seal(['train', '--dataset', 'folder:/nonexistent/flowers', '--out', join(dir, 'a', 'b')]),
    1,
    '/nonexistent/flowers',
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('RunDir.create claims the folder: of processes starting runs there at once, exactly one succeeds', async (t) => {
  const { dir, cleanup } = tempDir('hostile-claim');
  t.after(cleanup);
  const module = new URL('../../src/io/run-dir.js', import.meta.url).href;
  for (let round = 0; round < 3; round++) {
    const run = join(dir, `run-${round}`);
    const script = `import { RunDir } from '${module}';
      const at = Number(process.argv[1]); while (Date.now() < at) {}
      try { new RunDir('${run}').create({ who: process.pid }, {}); console.log('claimed'); } catch (e) { console.log(e.name); }`;
    const at = String(Date.now() + 400);
    const outs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', script, at], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let text = '';
            c.stdout.on('data', (b: Buffer) => {
              text += b.toString();
            });
            c.on('close', () => resolve(text.trim()));
          }),
      ),
    );
    assert.deepEqual(outs.filter((o) => o === 'claimed').length, 1, outs.join(', '));
    assert.deepEqual(
      outs.filter((o) => o !== 'claimed'),
      ['CheckpointError', 'CheckpointError', 'CheckpointError'],
    );
    assert.deepEqual(readdirSync(run).sort(), ['checkpoints', 'config.json', 'metrics.jsonl']);
  }
});

test('a checkpoint that cannot be written names the file and leaves no temporary file', async (t) => {
  const { dir, cleanup } = tempDir('hostile-save');
  t.after(cleanup);
  const target = join(dir, 'gen-0.safetensors');
  mkdirSync(join(target, 'in-the-way'), { recursive: true });
  const x = tensor([1, 2, 3]);
  await assert.rejects(saveSafetensors(target, [['x', x]]), (e: unknown) => {
    assert.equal((e as Error).name, 'IoError');
    assert.match((e as Error).message, new RegExp(`^cannot write ${target}: `));
    return true;
  });
  x.dispose();
  assert.deepEqual(readdirSync(dir), ['gen-0.safetensors']);
  assert.ok(statSync(target).isDirectory());
});
