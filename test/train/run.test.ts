// Integration: determinism, resume after kill -9, divergence, and the CLI's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train, DivergenceError, loadSafetensors, type EpochRow, type Tensor } from '../../src/index.js';
import { readSafetensorsMetadata } from '../../src/io/safetensors.js';
import { tinyData } from '../support/tiny-data.js';
import { FASHION_MNIST, FASHION_MNIST_INSTALL, needsData } from '../support/datasets.js';
import type { ResNet } from '../../src/models/resnet.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SMALL = {
  model: 'resnet18-cifar',
  width: 0.125,
  generations: 2,
  epochs: 3,
  batchSize: 32,
  evalInterval: 1,
  cropPadding: 1,
  seed: 5,
} as const;
/** A row without its timings, which differ between runs. */
const stable = ({ seconds, trainSeconds, dataSeconds, ...rest }: EpochRow) => rest;
const fashion = needsData(FASHION_MNIST, FASHION_MNIST_INSTALL);

test('same seed, same metrics and weights; another seed differs', async () => {
  const runs = [];
  for (const seed of [5, 5, 6]) {
    const r = await train({ ...SMALL, method: 'seal', seed }, { data: tinyData() });
    runs.push({ rows: r.rows.map(stable), fc: (r.model as ResNet).fc.weight.toNumbers() });
    r.model.dispose();
  }
  assert.deepEqual(runs[1], runs[0]);
  assert.notDeepEqual(runs[2]?.fc, runs[0]?.fc);
});

test('a diverging ascent stops with a message that says where and what to change, keeping the last good checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-diverge-'));
  // BatchNorm makes the early convs scale-invariant, so only an absurd S overflows to a non-finite loss.
  try {
    await assert.rejects(
      train({ ...SMALL, method: 'seal', ascentLrMultiplier: -1e35, out: dir }, { data: tinyData() }),
      (e: unknown) => {
        assert.ok(e instanceof DivergenceError);
        assert.match(
          e.message,
          /training diverged: the loss became (NaN|Infinity|-Infinity) at generation 1, epoch 0 \(ascent phase\), batch \d+ of 3/,
        );
        assert.match(e.message, /The last good state is in .*resume\.safetensors/);
        assert.match(e.message, /hint: the ascent diverged: .*--ascent-lr-multiplier\| \(now -1e\+35\)/);
        return true;
      },
    );
    const { metadata, tensors } = await loadSafetensors(join(dir, 'checkpoints', 'resume.safetensors'));
    assert.deepEqual(JSON.parse(metadata.progress as string), { generation: 0, epoch: 2 });
    for (const t of tensors.values()) {
      assert.ok(
        t
          .isfinite()
          .toNumbers()
          .every((v) => v === 1),
      );
      t.dispose();
    }
    assert.ok(existsSync(join(dir, 'checkpoints', 'gen-0.safetensors')));
    assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI names the bad option or file, says what it expected, and exits non-zero', () => {
  let r = cli(['train', '--method', 'sael']);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /--method: expected one of normal, llf, seal, llf\+seal, reverse, freeze-late, ke, got 'sael' \(did you mean 'seal'\?\)/,
  );
  r = cli(['train', '--epochs', '-3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--epochs: expected an integer in \[1, 10000\], got '-3'/);
  r = cli(['train', '--ascent-epoch', '2']);
  assert.match(r.stderr, /unknown option --ascent-epoch\nhint: did you mean --ascent-epochs\?/);
  r = cli(['train', '--dataset', 'folder:/nonexistent/flowers']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/flowers/);
  assert.match(r.stderr, /hint:/);
  r = cli(['train', '--resume', '/nonexistent/run']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot resume: \/nonexistent\/run\/config\.json does not exist/);
});

test('--print-split lists every parameter with its side and the reference totals', () => {
  const r18 = cli(['train', '--print-split', '--model', 'resnet18', '--in-channels', '3', '--num-classes=200']);
  assert.equal(r18.status, 0, r18.stderr);
  assert.match(r18.stdout, /^early {2}conv1\.weight +\[64,3,7,7\]$/m);
  assert.match(r18.stdout, /^late {3}layer3\.0\.conv1\.weight/m);
  assert.match(
    r18.stdout,
    /early: 30 tensors, 683,072 parameters \(6\.1%\)\nlate: {2}32 tensors, 10,596,040 parameters/,
  );
  const r50 = cli(['train', '--print-split', '--model', 'resnet50', '--in-channels=3', '--num-classes', '200']);
  assert.match(r50.stdout, /early: 72 tensors, 1,444,928 parameters/);
  assert.match(
    cli(['train', '--print-split', '--num-classes', 'x']).stderr,
    /--num-classes: expected an integer in \[1, 1000000\], got 'x'/,
  );
});

const RUN = [
  'train',
  '--method',
  'seal',
  '--model',
  'resnet18',
  '--width',
  '0.125',
  '--generations',
  '2',
  '--epochs',
  '3',
  '--batch-size',
  '32',
  '--limit-train',
  '1024',
  '--limit-test',
  '256',
  '--eval-interval',
  '1',
  '--seed',
  '3',
];

test(
  'kill -9 in the middle of a run, then --resume: the same metrics and weights as an uninterrupted run',
  { skip: fashion },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seal-resume-'));
    try {
      const full = cli([...RUN, '--out', join(dir, 'full')]);
      assert.equal(full.status, 0, full.stderr);

      const killed = join(dir, 'killed');
      const child = spawn(process.execPath, [CLI, ...RUN, '--out', killed], { stdio: 'ignore' });
      const rows = () =>
        existsSync(join(killed, 'metrics.jsonl'))
          ? readFileSync(join(killed, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length
          : 0;
      // Kill once the resume point after generation 1's ascent epoch is on disk (it follows that
      // epoch's metrics row), so the kill lands inside the next epoch: waiting for the file, not a
      // fixed time, keeps this true on a loaded machine. The file is replaced by rename, so a read
      // sees a whole old or a whole new one; before the first one exists the read throws.
      const resumeFile = join(killed, 'checkpoints', 'resume.safetensors');
      const savedRows = () => {
        try {
          return Number(readSafetensorsMetadata(resumeFile)['metricsRows']);
        } catch {
          return 0;
        }
      };
      const deadline = Date.now() + 600_000;
      while (savedRows() < 4 && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(child.exitCode, null, 'the run finished before it could be killed');
      if (savedRows() < 4) child.kill('SIGKILL');
      assert.ok(savedRows() >= 4, `no resume point after generation 1, epoch 0 within 10 minutes (rows: ${rows()})`);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const before = rows();
      assert.ok(before >= 4 && before < 6, `killed after ${before} rows`);

      const resumed = cli(['train', '--resume', killed]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.match(resumed.stdout, /resuming after generation \d, epoch \d/);
      const read = (d: string) =>
        readFileSync(join(d, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => stable(JSON.parse(l) as EpochRow));
      assert.deepEqual(read(killed), read(join(dir, 'full')));
      for (const g of [0, 1]) {
        const a = (await loadSafetensors(join(killed, 'checkpoints', `gen-${g}.safetensors`))).tensors;
        const b = (await loadSafetensors(join(dir, 'full', 'checkpoints', `gen-${g}.safetensors`))).tensors;
        for (const [name, t] of a)
          assert.deepEqual(t.toNumbers(), (b.get(name) as Tensor).toNumbers(), `gen ${g} ${name}`);
        for (const t of [...a.values(), ...b.values()]) t.dispose();
      }
      assert.deepEqual(
        JSON.parse(readFileSync(join(killed, 'summary.json'), 'utf8')),
        JSON.parse(readFileSync(join(dir, 'full', 'summary.json'), 'utf8')),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('the README example runs', { skip: fashion }, () => {
  const example = fileURLToPath(new URL('../../examples/quickstart.js', import.meta.url));
  const source = readFileSync(fileURLToPath(new URL('../../../examples/quickstart.ts', import.meta.url)), 'utf8');
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  assert.ok(
    readme.includes(source.replace("from '../src/index.js'", "from 'seal'")),
    'README shows examples/quickstart.ts verbatim',
  );
  const r = spawnSync(process.execPath, [example], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const last = [...r.stdout.matchAll(/generation (\d): best top-1 ([\d.]+), last ([\d.]+)/g)];
  assert.equal(last.length, 2);
  assert.ok(Number(last[1]?.[2]) > 0.6, `generation 1 reached ${last[1]?.[2]} on Fashion-MNIST`);
});
