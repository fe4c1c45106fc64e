// Names whose bytes are not UTF-8. Node decodes the command line as UTF-8 with U+FFFD in place of
// bad bytes, so the path it would open is not the one typed: seal refuses such a path, naming it
// escaped and saying why, instead of a misleading ENOENT (or a folder of another name). Class
// folders and images of a dataset are read as bytes, and one with such a name is named as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pixels, tempDir, writeImage } from '../data/fixtures.js';
import { CLI, refused, seal, type CliResult } from './support.js';

/** Runs `seal ARGS`, where each '\xff' in an argument stands for the byte 0xff (bash passes the raw bytes). */
function sealBytes(args: string[]): CliResult {
  const words = args.map((a) => `$'${a.replace(/\\(?!x[0-9a-f]{2})/g, '\\\\').replace(/'/g, "\\'")}'`);
  const r = spawnSync('bash', ['-c', `exec "$0" "$1" ${words.join(' ')}`, process.execPath, CLI], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SEAL_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WHY = 'the name is not valid UTF-8, so seal cannot open it';

test('case 11: a comparison folder whose name is not UTF-8 is named, escaped, with the reason, by every command that takes one', (t) => {
  const { dir, cleanup } = tempDir('hostile-utf8-dir');
  t.after(cleanup);
  // The folder exists under its real (Latin-1) name, so an ENOENT would be misleading.
  mkdirSync(Buffer.from(`${dir}/r\xe9sultats`, 'latin1'));
  const typed = `${dir}/r\\xe9sultats`;
  const shown = `${dir}/r\\uFFFDsultats`;
  for (const args of [
    ['report', typed],
    ['status', typed],
    ['cancel', typed],
    ['worker', typed, 'report'],
  ])
    refused(sealBytes(args), 1, `the folder ${shown}: ${WHY}`, 'hint: rename the file or folder to a UTF-8 name');
  const before = readdirSync(dir);
  // --out is made by seal: without the check it would create a folder of another name.
  refused(
    sealBytes(['compare', '--methods', 'normal', '--seeds', '0', '--eval', 'none', '--out', `${typed}/cmp`]),
    1,
    `--out ${shown}/cmp: ${WHY}`,
  );
  refused(sealBytes(['train', '--out', `${dir}/new\\xff`]), 1, `--out ${dir}/new\\uFFFD: ${WHY}`);
  assert.deepEqual(readdirSync(dir), before, 'nothing was created');
  // A real U+FFFD is valid UTF-8, and passes on to the ordinary answer.
  mkdirSync(join(dir, 'real\uFFFD'));
  refused(seal(['status', join(dir, 'real\uFFFD')]), 2, `${join(dir, 'real\uFFFD')} has no plan.json`);
});

test('case 11: a dataset whose class folder or image name is not UTF-8 names it as it is', async (t) => {
  const { dir, cleanup } = tempDir('hostile-utf8-data');
  t.after(cleanup);
  const png = readFileSync(await writeImage(join(dir, 'one.png'), pixels(8, 8, 3, 1), 8, 8, 3));
  const root = join(dir, 'flowers');
  const classes = ['daisy', 'caf\xe9'];
  for (const c of classes) {
    mkdirSync(Buffer.from(`${root}/${c}`, 'latin1'), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(Buffer.from(`${root}/${c}/${i}.png`, 'latin1'), png);
  }
  const args = (data: string) => ['train', '--dataset', `folder:${data}`, '--epochs', '1', '--out', join(dir, 'run')];
  refused(
    seal(args(root)),
    1,
    `${root} holds a class folder whose name is not valid UTF-8: caf\\xe9 (bytes that are not UTF-8 shown as \\xNN), so seal cannot open it`,
    'hint: rename it to a UTF-8 name',
  );
  // The folder renamed, an image whose name is not UTF-8 is next.
  renameSync(Buffer.from(`${root}/caf\xe9`, 'latin1'), join(root, 'cafe'));
  writeFileSync(Buffer.from(`${root}/cafe/\xff.png`, 'latin1'), png);
  refused(
    seal(args(root)),
    1,
    `${join(root, 'cafe')} holds an image whose name is not valid UTF-8: \\xff.png (bytes that are not UTF-8 shown as \\xNN)`,
  );
  // A root typed with bytes that are not UTF-8 (it exists under that name).
  mkdirSync(Buffer.from(`${dir}/fl\xf6wers`, 'latin1'));
  refused(
    sealBytes(['train', '--dataset', `folder:${dir}/fl\\xf6wers`, '--epochs', '1', '--out', join(dir, 'run')]),
    1,
    `the folder ${dir}/fl\\uFFFDwers should hold class folders of images, but its name is not valid UTF-8`,
  );
});
