// The build-flag script that lets LIBTORCH select another libtorch (official archive, a
// Python install's torch folder, CUDA builds), tested on fake libtorch layouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/libtorch-config.cjs', import.meta.url));

function config(what: string, libtorch?: string): { status: number | null; out: string; err: string } {
  const env = { ...process.env };
  if (libtorch === undefined) delete env.LIBTORCH;
  else env.LIBTORCH = libtorch;
  const r = spawnSync(process.execPath, [script, what], { env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

function fakeLibtorch(opts: { cxx11: boolean; cuda: boolean; nested?: boolean }): { dir: string; root: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seal-libtorch-'));
  const root = opts.nested ? join(dir, 'torch') : dir;
  mkdirSync(join(root, 'include', 'torch', 'csrc', 'api', 'include'), { recursive: true });
  mkdirSync(join(root, 'lib'), { recursive: true });
  // Mangled names of the new std::string ABI contain "cxx11"; pre-cxx11 builds have none.
  writeFileSync(join(root, 'lib', 'libc10.so'), opts.cxx11 ? 'ELF...St7__cxx1112basic_string...' : 'ELF...Ss...');
  writeFileSync(join(root, 'lib', 'libtorch.so'), 'ELF');
  if (opts.cuda) writeFileSync(join(root, 'lib', 'libtorch_cuda.so'), 'ELF');
  return { dir, root };
}

test('an official CUDA archive: its include dirs, rpath, CUDA libs linked eagerly, cxx11 ABI', () => {
  const { dir, root } = fakeLibtorch({ cxx11: true, cuda: true });
  try {
    assert.equal(config('includes', dir).out, `${root}/include ${root}/include/torch/csrc/api/include`);
    const libs = config('libraries', dir).out;
    assert.match(libs, new RegExp(`-L${root}/lib -Wl,-rpath,${root}/lib`));
    assert.match(libs, /-Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed -ltorch -ltorch_cpu -lc10$/);
    assert.equal(config('defines', dir).out, '_GLIBCXX_USE_CXX11_ABI=1 SEAL_LIBTORCH_CUDA=1');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a Python site-packages folder holding torch/, pre-cxx11 ABI, CPU only', () => {
  const { dir, root } = fakeLibtorch({ cxx11: false, cuda: false, nested: true });
  try {
    assert.equal(config('includes', dir).out.split(' ')[0], `${root}/include`);
    assert.equal(config('defines', dir).out, '_GLIBCXX_USE_CXX11_ABI=0 SEAL_LIBTORCH_CUDA=0');
    assert.doesNotMatch(config('libraries', dir).out, /torch_cuda/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a LIBTORCH without headers is a clear error naming the path and the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seal-libtorch-'));
  try {
    const r = config('includes', dir);
    assert.equal(r.status, 1);
    assert.match(
      r.err,
      new RegExp(`LIBTORCH=${dir}: expected a libtorch folder with include/torch/csrc/api/include and lib/`),
    );
    assert.match(r.err, /hint: unset LIBTORCH/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("by default the build uses Debian's libtorch-dev", () => {
  const r = config('includes');
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, '/usr/include/torch/csrc/api/include');
});
