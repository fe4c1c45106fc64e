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

function config(what: string, libtorch?: string, path?: string): { status: number | null; out: string; err: string } {
  const env = { ...process.env };
  if (path !== undefined) env.PATH = path;
  if (libtorch === undefined) delete env.LIBTORCH;
  else env.LIBTORCH = libtorch;
  const r = spawnSync(process.execPath, [script, what], { env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

function fakeLibtorch(opts: {
  cxx11: boolean;
  cuda: boolean;
  nested?: boolean;
  version?: [number, number, number];
  cxx20?: boolean;
}): { dir: string; root: string } {
  const dir = mkdtempSync(join(tmpdir(), 'seal-libtorch-'));
  const root = opts.nested ? join(dir, 'torch') : dir;
  mkdirSync(join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch'), { recursive: true });
  mkdirSync(join(root, 'lib'), { recursive: true });
  // Mangled names of the new std::string ABI contain "cxx11"; pre-cxx11 builds have none.
  writeFileSync(join(root, 'lib', 'libc10.so'), opts.cxx11 ? 'ELF...St7__cxx1112basic_string...' : 'ELF...Ss...');
  writeFileSync(join(root, 'lib', 'libtorch.so'), 'ELF');
  if (opts.cuda) writeFileSync(join(root, 'lib', 'libtorch_cuda.so'), 'ELF');
  if (opts.version) {
    const [major, minor, patch] = opts.version;
    writeFileSync(
      join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'),
      `#pragma once\n#define TORCH_VERSION_MAJOR ${major}\n#define TORCH_VERSION_MINOR ${minor}\n#define TORCH_VERSION_PATCH ${patch}\n`,
    );
  }
  mkdirSync(join(root, 'include', 'c10', 'util'), { recursive: true });
  const floor = opts.cxx20 ? '202002L' : '201703L';
  writeFileSync(
    join(root, 'include', 'c10', 'util', 'C++17.h'),
    `#if !defined(__cplusplus) || __cplusplus < ${floor}\n#error "a newer C++ standard is needed"\n#endif\n`,
  );
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

test('the C++ standard and the version come from the headers found', () => {
  const old = fakeLibtorch({ cxx11: true, cuda: false, version: [2, 2, 1] });
  const next = fakeLibtorch({ cxx11: true, cuda: true, version: [2, 11, 0], cxx20: true });
  try {
    assert.equal(config('std', old.dir).out, '-std=c++17');
    assert.equal(config('std', next.dir).out, '-std=c++20');
    assert.equal(JSON.parse(config('json', next.dir).out).version, '2.11.0');
    assert.equal(config('std').out, '-std=c++17'); // Debian's 1.13
    assert.equal(JSON.parse(config('json').out).version, '1.13.0');
  } finally {
    rmSync(old.dir, { recursive: true });
    rmSync(next.dir, { recursive: true });
  }
});

test("a CUDA torch inside site-packages: rpaths to torch/lib and to every NVIDIA wheel's lib", () => {
  const { dir, root } = fakeLibtorch({ cxx11: true, cuda: true, nested: true });
  for (const w of ['cudnn', 'cublas', 'cuda_runtime']) mkdirSync(join(dir, 'nvidia', w, 'lib'), { recursive: true });
  try {
    const libs = config('libraries', dir).out;
    assert.match(
      libs,
      new RegExp(
        `-Wl,-rpath,${root}/lib -Wl,-rpath,${dir}/nvidia/cublas/lib -Wl,-rpath,${dir}/nvidia/cuda_runtime/lib -Wl,-rpath,${dir}/nvidia/cudnn/lib `,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

/** A folder holding a fake python3 that prints `torchDir` as torch's folder, or fails to import it. */
function fakePython(torchDir: string | null): string {
  const bin = mkdtempSync(join(tmpdir(), 'seal-python-'));
  const body = torchDir === null ? 'echo "No module named torch" >&2; exit 1' : `echo '${torchDir}'`;
  writeFileSync(join(bin, 'python3'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return bin;
}

test('LIBTORCH=python takes the torch of the first python3 on the PATH that imports it', () => {
  const { dir, root } = fakeLibtorch({ cxx11: true, cuda: true, nested: true });
  const none = fakePython(null);
  const wheel = fakePython(root);
  try {
    const path = [none, wheel, process.env.PATH].join(':');
    const r = config('includes', 'python', path);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.split(' ')[0], `${root}/include`);
    const missing = config('includes', 'python', none);
    assert.equal(missing.status, 1);
    assert.match(
      missing.err,
      new RegExp(`LIBTORCH=python: no python3 on the PATH imports torch \\(tried: ${none}/python3\\)`),
    );
  } finally {
    for (const d of [dir, none, wheel]) rmSync(d, { recursive: true });
  }
});

test('LIBTORCH=python on a torch without C++ headers names the python, the folder and the fix', () => {
  const bare = mkdtempSync(join(tmpdir(), 'seal-torch-'));
  const python = fakePython(bare);
  try {
    const r = config('includes', 'python', python);
    assert.equal(r.status, 1);
    assert.match(
      r.err,
      new RegExp(`LIBTORCH=python: ${python}/python3 imports torch from ${bare}, which has no C\\+\\+ headers`),
    );
    assert.match(r.err, /hint: on Debian, unset LIBTORCH/);
  } finally {
    for (const d of [bare, python]) rmSync(d, { recursive: true });
  }
});
