// Paths that are not files: a FIFO, a device, a link to one, a directory, and a JSON file larger
// than any real one. Each is refused before it is opened, with the path and what it is, exit 2,
// and nothing is written (a FIFO once made `--plan` and `--config` wait forever, /dev/zero grew
// them to gigabytes, and a checkpoint linked to /dev/urandom hung `seal eval`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refused, seal } from './support.js';

interface Place {
  dir: string;
  fifo: string;
  zeroLink: string;
  randomLink: string;
  big: string;
}

/** Runs body with a folder of things that are not files (and one too large), removed after. */
function withPlace(body: (p: Place) => void): void {
  const p = place();
  try {
    body(p);
  } finally {
    rmSync(p.dir, { recursive: true, force: true });
  }
}

function place(): Place {
  const dir = mkdtempSync(join(tmpdir(), 'seal-files-'));
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const zeroLink = join(dir, 'zero.safetensors');
  symlinkSync('/dev/zero', zeroLink);
  const randomLink = join(dir, 'random.safetensors');
  symlinkSync('/dev/urandom', randomLink);
  const big = join(dir, 'big.json');
  writeFileSync(big, '{}');
  truncateSync(big, 9 * 2 ** 20); // sparse: 9 MiB by its size, nothing on disk
  return { dir, fifo, zeroLink, randomLink, big };
}

test('case 2: --config that is a device, a FIFO, a directory or 9 MiB is refused naming it, and no run folder appears', () =>
  withPlace((p) => {
    const out = join(p.dir, 'run');
    const cases: [string, RegExp][] = [
      ['/dev/zero', /--config \/dev\/zero: a character device, not a file/],
      [p.fifo, /--config .*pipe: a FIFO \(named pipe\), not a file/],
      [p.dir, /--config .*: a directory, not a file/],
      [p.big, /--config .*big\.json: 9\.0 MiB, more than the 8\.0 MiB such a file may have/],
    ];
    for (const [config, message] of cases) {
      refused(seal(['train', '--config', config, '--out', out], { timeoutMs: 20_000 }), 2, message);
      assert.equal(existsSync(out), false);
    }
  }));

test('case 2: compare --plan on /dev/zero or a FIFO is refused before anything is written', () =>
  withPlace((p) => {
    const out = join(p.dir, 'cmp');
    for (const plan of ['/dev/zero', p.fifo]) {
      refused(seal(['compare', '--plan', plan, '--out', out], { timeoutMs: 20_000 }), 2, /--plan .*, not a file/);
      assert.equal(existsSync(out), false);
    }
  }));

test('case 2: eval --checkpoint on a link to /dev/zero or /dev/urandom, or on a FIFO, is refused at once', () =>
  withPlace((p) => {
    for (const [ckpt, kind] of [
      [p.zeroLink, 'a character device'],
      [p.randomLink, 'a character device'],
      [p.fifo, 'a FIFO (named pipe)'],
    ] as const)
      refused(
        seal(['eval', 'transfer', '--checkpoint', ckpt], { timeoutMs: 20_000 }),
        2,
        `checkpoint ${ckpt}: ${kind}, not a file`,
      );
  }));

test('case 2: --resume on a run folder whose config.json is a FIFO says so instead of waiting', () =>
  withPlace((p) => {
    const run = join(p.dir, 'run');
    mkdirSync(run);
    execFileSync('mkfifo', [join(run, 'config.json')]);
    refused(
      seal(['train', '--resume', run], { timeoutMs: 20_000 }),
      2,
      /config\.json: a FIFO \(named pipe\), not a file/,
    );
  }));
