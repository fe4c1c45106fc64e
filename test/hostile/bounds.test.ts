// Counts without bounds, flags given twice, one seed syntax, grid values that are the same
// number, and plans too large to mean: each refused before anything is written, naming the
// flag, its bound and what was given, with exit status 2 and in well under a second of work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refused, seal } from './support.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'seal-bounds-'));

test('case 3: every count has an upper bound, in the refusal and in --help', () => {
  refused(seal(['train', '--epochs', '1e9']), 2, "--epochs: expected an integer in [1, 10000], got '1e9'");
  refused(seal(['train', '--generations', '5000']), 2, "--generations: expected an integer in [1, 1000], got '5000'");
  refused(seal(['train', '--batch-size', '1e7']), 2, '--batch-size: expected an integer in [1, 65536]');
  refused(seal(['train', '--limit-train', '1e12']), 2, '--limit-train: expected an integer in [1, 100000000]');
  refused(seal(['train', '--crop-padding', '100000']), 2, '--crop-padding: expected an integer in [0, 4096]');
  const help = seal(['train', '--help']).stdout;
  assert.match(help, /--epochs .*\(1\.\.10000\)/);
  assert.match(help, /--generations .*\(1\.\.1000\)/);
});

test('case 14: evaluation counts are bounded too: episodes, shots, ways', () => {
  const ckpt = join(tmpdir(), 'seal-bounds-none.safetensors');
  refused(
    seal(['eval', 'fewshot', '--episodes', '1e9', '--checkpoint', ckpt]),
    2,
    "--episodes: expected an integer in [1, 100000], got '1e9'",
  );
  refused(
    seal(['eval', 'fewshot', '--shots', '1,1e6', '--checkpoint', ckpt]),
    2,
    '--shots: expected integers in [1, 10000]',
  );
  refused(seal(['eval', 'fewshot', '--shots', '5,5', '--checkpoint', ckpt]), 2, "'5,5': 5 is listed twice");
  refused(
    seal(['eval', 'transfer', '--epochs', '1e9', '--checkpoint', ckpt]),
    2,
    '--epochs: expected an integer in [1, 10000]',
  );
  assert.match(seal(['eval', '--help']).stdout, /--episodes .*\(1\.\.100000\)/);
});

test('case 15: a single-value flag given twice is refused, naming both; a repeatable one keeps both', () => {
  const dir = scratch();
  try {
    const out = join(dir, 'c');
    refused(
      seal(['compare', '--seeds', '0,1', '--seeds', '2', '--out', out]),
      2,
      '--seeds is given twice (--seeds 0,1 and --seeds 2)',
    );
    refused(seal(['train', '--epochs', '2', '--epochs=3']), 2, '--epochs is given twice (--epochs 2 and --epochs=3)');
    refused(seal(['compare', '--out', out, '--out', join(dir, 'd')]), 2, '--out is given twice');
    assert.equal(existsSync(out), false, 'nothing was created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cases 4 and 12: one seed syntax everywhere: ranges and lists in compare as in sweep; a range too long is refused unexpanded', () => {
  const dir = scratch();
  try {
    const out = join(dir, 'c');
    // --max-tasks 1 refuses the plan after the seeds were read, before anything is written.
    const r = seal(['compare', '--seeds', '0-4,7', '--max-tasks', '1', '--out', out]);
    refused(r, 2, /the comparison plans \d+ tasks, more than --max-tasks 1/);
    refused(
      seal(['compare', '--seeds', '0-100000', '--out', out]),
      2,
      "--seeds: expected integers in [0, 9007199254740991], comma-separated (A-B for a range), at most 1000, got '0-100000'",
    );
    refused(
      seal([
        'sweep',
        '--method',
        'seal',
        '--grid',
        'ascent-epochs=1,2',
        '--seeds',
        '0-100000',
        '--launcher',
        'slurm',
        '--dry-run',
        '--out',
        out,
      ]),
      2,
      '--seeds: expected integers',
    );
    refused(seal(['compare', '--seeds', '1,0-2', '--out', out]), 2, '1 is listed twice');
    assert.equal(existsSync(out), false, 'no half-made results folder');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('case 8: grid values are compared as values: -0.1 and -1e-1 are one value; a grid value is checked as its flag', () => {
  const dir = scratch();
  try {
    const out = join(dir, 's');
    refused(
      seal(['sweep', '--method', 'seal', '--grid', 'ascent-lr-multiplier=-0.1,-1e-1', '--out', out]),
      2,
      "--grid ascent-lr-multiplier: '-0.1' and '-1e-1' are the same value",
    );
    refused(
      seal(['sweep', '--method', 'seal', '--grid', 'ascent-epochs=1,1e9', '--out', out]),
      2,
      "--grid ascent-epochs: expected an integer in [0, 10000], got '1e9'",
    );
    const many = Array.from({ length: 1000 }, (_, i) => String(-(i + 1) / 1000)).join(',');
    const r = seal(['sweep', '--method', 'seal', '--grid', `ascent-lr-multiplier=${many}`, '--out', out]);
    refused(r, 2, '--grid ascent-lr-multiplier: 1000 values; at most 200 are allowed');
    assert.ok(r.stdout.length + r.stderr.length < 2000, 'the refusal is a paragraph, not a listing');
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('case 9: a plan larger than --max-tasks is refused before anything is written; --max-tasks raises the bound', () => {
  const dir = scratch();
  try {
    const out = join(dir, 's');
    const grid = Array.from({ length: 150 }, (_, i) => String(-(i + 1) / 1000)).join(',');
    const args = [
      'sweep',
      '--method',
      'seal',
      '--grid',
      `ascent-lr-multiplier=${grid}`,
      '--seeds',
      '0-9',
      '--eval',
      'none',
    ];
    refused(
      seal([...args, '--out', out]),
      2,
      /plans \d+ tasks, more than --max-tasks 1000/,
      'raise the bound deliberately: --max-tasks',
    );
    assert.equal(existsSync(out), false);
    // Raised, the plan is accepted: --dry-run on the Slurm launcher writes the plan and submits nothing.
    const r = seal([...args, '--max-tasks', '100000', '--launcher', 'slurm', '--dry-run', '--out', out], {
      timeoutMs: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, 'plan.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
