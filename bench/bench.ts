// `npm run bench`: seal against PyTorch (same libtorch, same thread count), side by side in
// one run. Each workload runs in a fresh process per stack; the two stacks alternate.
// The last line of output is one JSON object with the medians and ratios (seal / torch).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads } from '../src/index.js';
import { compareDefault } from './compare-default.js';
import { study } from './study.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const device = process.env.SEAL_BENCH_DEVICE ?? 'cpu';
const threads = Number(process.env.SEAL_BENCH_THREADS ?? getNumThreads());
const python = process.env.SEAL_PYTHON ?? '/usr/bin/python3';
// SEAL_BENCH_ONLY=a,b runs only the named workloads (eval_seconds names the evaluation timings).
const only = process.env.SEAL_BENCH_ONLY?.split(',').map((s) => s.trim()) ?? null;
const want = (name: string): boolean => only === null || only.includes(name);

interface Run {
  ms: number;
  steps: number[];
  threads: number;
  peak_rss_mb: number;
  gflops?: number;
}

function run(cmd: string, args: string[]): Run {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Run;
}

/** One timed training epoch (seal's workloads.ts or a PyTorch epoch script). */
interface EpochRun {
  seconds: number;
  data_seconds: number;
  images_per_s: number;
  peak_rss_mb: number;
}

/** One epoch of seal's own loop on the named workload of workloads.ts. */
const sealEpoch = (name: string): EpochRun =>
  run(process.execPath, [
    fileURLToPath(new URL('./workloads.js', import.meta.url)),
    name,
    String(threads),
    '1',
    '0',
    device,
  ]) as unknown as EpochRun;

const workloads: [string, number, number][] = [
  ['resnet18_cifar', 10, 2],
  ['small_cnn', 30, 3],
  ['matmul_2048', 20, 2],
];
const result: Record<string, Record<string, number | string>> = {};
for (const [name, steps, warmup] of workloads.filter(([n]) => want(n))) {
  const args = [name, String(threads), String(steps), String(warmup), device];
  const seal = run(process.execPath, [fileURLToPath(new URL('./workloads.js', import.meta.url)), ...args]);
  const torch = run(python, ['bench/torch_bench.py', ...args]);
  const row: Record<string, number> = {
    seal_ms: round(seal.ms),
    torch_ms: round(torch.ms),
    ratio: round(seal.ms / torch.ms, 3),
    seal_peak_rss_mb: seal.peak_rss_mb,
    torch_peak_rss_mb: torch.peak_rss_mb,
  };
  if (seal.gflops !== undefined && torch.gflops !== undefined)
    Object.assign(row, { seal_gflops: seal.gflops, torch_gflops: torch.gflops });
  result[name] = row;
  console.log(
    `${name}: seal ${row.seal_ms} ms, torch ${row.torch_ms} ms, ratio ${row.ratio} (steps: seal ${seal.steps.join(' ')} | torch ${torch.steps.join(' ')})`,
  );
}
// A whole training epoch through seal's own loop (loader, augmentation, step, loss read-back).
if (want('train_epoch_fashion') && existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
  const seal = sealEpoch('train_epoch_fashion');
  const torch = run(python, ['bench/torch_train_epoch.py', String(threads), device]) as unknown as EpochRun;
  result.train_epoch_fashion = {
    seal_images_per_s: round(seal.images_per_s),
    torch_images_per_s: round(torch.images_per_s),
    ratio: round(seal.seconds / torch.seconds, 3),
    seal_data_wait_share: round(seal.data_seconds / seal.seconds, 3),
    torch_data_wait_share: round(torch.data_seconds / torch.seconds, 3),
    seal_peak_rss_mb: seal.peak_rss_mb,
    torch_peak_rss_mb: torch.peak_rss_mb,
  };
  console.log(
    `train_epoch_fashion: seal ${round(seal.images_per_s)} img/s (data wait ${((100 * seal.data_seconds) / seal.seconds).toFixed(1)}%), torch ${round(torch.images_per_s)} img/s`,
  );
} else if (want('train_epoch_fashion')) {
  console.log('train_epoch_fashion: skipped (Fashion-MNIST is not installed; bash scripts/setup.sh)');
}
// The narrow setting (width-0.25 CIFAR-stem ResNet-18, 5,000 images, batch 64) against PyTorch
// in channels_last, its faster layout here.
if (want('narrow_cifar_epoch') && existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
  const seal = sealEpoch('narrow_cifar_epoch');
  const torch = run(python, [
    'bench/torch_narrow_epoch.py',
    String(threads),
    device,
    'channels_last',
  ]) as unknown as EpochRun;
  result.narrow_cifar_epoch = {
    seal_images_per_s: round(seal.images_per_s),
    torch_images_per_s: round(torch.images_per_s),
    ratio: round(seal.seconds / torch.seconds, 3),
  };
  console.log(
    `narrow_cifar_epoch: seal ${round(seal.images_per_s)} img/s, torch (channels_last) ${round(torch.images_per_s)} img/s`,
  );
}
// Seconds each evaluation takes on a narrow ResNet-18 checkpoint (the settings `seal compare`
// uses, and the full-size ones), each a `seal eval` process as a user runs it.
if (want('eval_seconds') && existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
  const dir = mkdtempSync(join(tmpdir(), 'seal-bench-eval-'));
  try {
    const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
    const trained = spawnSync(
      process.execPath,
      [
        cli,
        'train',
        '--model',
        'resnet18',
        '--width',
        '0.25',
        '--generations',
        '1',
        '--epochs',
        '2',
        '--limit-train',
        '5000',
        '--limit-test',
        '1000',
        '--out',
        join(dir, 'run'),
        '--device',
        device,
      ],
      { encoding: 'utf8', env },
    );
    if (trained.status !== 0) throw new Error(`training the evaluation checkpoint failed:\n${trained.stderr}`);
    const ckpt = join(dir, 'run', 'checkpoints', 'gen-0.safetensors');
    const evals: Record<string, string[]> = {
      transfer_probe_mnist_5k: ['transfer', '--target', 'mnist', '--limit-train', '5000', '--limit-test', '5000'],
      transfer_probe_mnist_full: ['transfer', '--target', 'mnist'],
      fewshot_600_episodes: ['fewshot', '--target', 'mnist'],
      depth_support5000_test2000: ['depth', '--support', '5000', '--test-size', '2000'],
      sharpness_512_20_20: ['sharpness', '--samples', '512', '--iterations', '20', '--trace-samples', '20'],
    };
    const seconds: Record<string, number> = {};
    for (const [name, args] of Object.entries(evals)) {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [cli, 'eval', ...args, '--checkpoint', ckpt, '--device', device, '--out', join(dir, `${name}.json`)],
        { encoding: 'utf8', env },
      );
      if (r.status !== 0) throw new Error(`seal eval ${args[0]} failed:\n${r.stderr}`);
      seconds[name] = round((performance.now() - t0) / 1000, 2);
    }
    result.eval_seconds = seconds;
    console.log(
      `eval seconds (width-0.25 ResNet-18): ${Object.entries(seconds)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// The default comparison, new code against the pipeline before the task graph (several minutes each).
if (
  want('compare_default') &&
  device === 'cpu' &&
  existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') &&
  existsSync(join(root, '.git'))
) {
  result.compare_default = compareDefault(root, threads, (s) => console.log(s));
  const c = result.compare_default;
  console.log(
    `compare_default: new ${c.new_s} s, baseline ${c.baseline_s} s, ratio ${c.ratio}, evaluation share ${c.eval_share}`,
  );
}
// The user's whole study at a reduced size, seal compare against a plain PyTorch script.
if (want('study') && device === 'cpu' && existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
  result.study = study(root, threads, (s) => console.log(s));
  const st = result.study;
  console.log(`study: seal ${st.seal_s} s, PyTorch ${st.torch_s} s, ratio ${st.ratio} (${st.settings})`);
}
console.log(JSON.stringify({ device, threads, ...result }));

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
