// `seal train`: flags and/or a JSON config → a run folder, with progress on the terminal.
import { DEFAULTS, type ResolvedConfig } from '../config/schema.js';
import { EXIT_RESUMABLE } from '../errors.js';
import { resolveConfig, type ConfigLayer } from '../config/resolve.js';
import { datasetShape } from '../data/registry.js';
import { checkCreatable } from '../io/dirs.js';
import { describePosition, train } from '../train/iterative.js';
import { describeSplit, splitParameters } from '../train/split.js';
import { createModel } from '../models/registry.js';
import { Generator } from '../backend/index.js';
import { RunDir } from '../io/run-dir.js';
import { SWITCH, commandFlags, configLayers, withConfigFlags, optionHelp, parseArgv } from './args.js';
import { Progress } from './progress.js';
import { STOP_SIGNALS, StopOnSignal } from './stop.js';
import { checkDevice, checkPrecision, checkResumeSettings, checkThreads, warnNoAscent } from './checks.js';

export const TRAIN_USAGE = `usage: seal train [--config FILE.json] [--name value ...] [--out DIR]
       seal train --resume DIR
       seal train --print-split [--dataset D --model M --width W --split-at layer3 --num-classes N --in-channels C]

Trains generations of a ResNet with one method and writes DIR/config.json, metrics.jsonl,
summary.json and checkpoints/gen-<g>.safetensors. Precedence: defaults < --config file < flags.
Defaults are the SEAL reference code's (10 generations of 160 epochs of ResNet-50): shrink them
for a CPU, e.g. --model resnet18 --width 0.25 --generations 3 --epochs 8 --limit-train 10000.

options:
${optionHelp(DEFAULTS)}
  --resume DIR                 continue the stopped or killed run in DIR from its resume point
  --print-split                list every parameter with its side of the split, and the totals, for
                               the dataset's channels and classes (or --in-channels, --num-classes)

SIGTERM, SIGUSR2 or Ctrl-C stops training after the current batch with a resume point there
and exits with status ${EXIT_RESUMABLE}; a second one stops at once (the last resume point stays).
`;

const TRAIN_FLAGS = withConfigFlags({ ...commandFlags('train'), help: SWITCH });

export async function trainCommand(argv: string[]): Promise<number> {
  // Flags outside the schema are collected so that resolveConfig names the nearest one.
  const args = parseArgv(argv, TRAIN_FLAGS, { command: 'train', unknown: 'collect' });
  if (args.values.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  const layers = configLayers(args, TRAIN_FLAGS);
  if (args.values['print-split']) {
    return printSplit(layers, {
      inChannels: (args.values['in-channels'] as number | undefined) ?? null,
      numClasses: (args.values['num-classes'] as number | undefined) ?? null,
    });
  }
  const resume = args.values.resume ?? null;
  // Resolved once here; train() uses it as it is.
  const config = { resolved: preflight(layers, resume) };
  let progress: Progress | null = null;
  const stop = new StopOnSignal([...STOP_SIGNALS, 'SIGINT'], (text) =>
    process.stderr.write(`${process.stdout.isTTY ? '\n' : ''}seal: ${text}\n`),
  );
  const result = await train(config, {
    ...(resume !== null ? { resume } : {}),
    stopRequested: stop.requested,
    onDataProgress: (done, total) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2Kdecoding images ${done}/${total}`);
    },
    onStart: ({ config, split, batchesPerEpoch, resumedAt, data }) => {
      const n = (ps: typeof split.early) => ps.reduce((s, [, p]) => s + p.size, 0);
      process.stdout.write(
        `${config.method} on ${data.source.spec}: ${data.train.count} train / ${data.test.count} test images of ${data.train.channels}x${data.train.height}x${data.train.width}, ${data.train.numClasses} classes\n` +
          `${config.model} width ${config.width}: ${n(split.early).toLocaleString('en-US')} early + ${n(split.late).toLocaleString('en-US')} late parameters (split at ${config.splitAt})\n` +
          `${config.generations} generations x ${config.epochs} epochs x ${batchesPerEpoch} batches of ${config.batchSize}; k = ${config.ascentEpochs}, warmup ${config.warmupEpochs}, seed ${config.seed}\n` +
          (resumedAt?.batch !== undefined
            ? `resuming generation ${resumedAt.generation}, epoch ${resumedAt.epoch + 1} at batch ${resumedAt.batch + 1} of ${batchesPerEpoch}\n`
            : resumedAt
              ? `resuming after generation ${resumedAt.generation}, epoch ${resumedAt.epoch + 1}\n`
              : ''),
      );
      const startBatches =
        resumedAt?.batch !== undefined
          ? (resumedAt.generation * config.epochs + resumedAt.epoch) * batchesPerEpoch + resumedAt.batch
          : resumedAt
            ? (resumedAt.generation * config.epochs + resumedAt.epoch + 1) * batchesPerEpoch
            : 0;
      progress = new Progress(process.stdout, config.generations, config.epochs, batchesPerEpoch, startBatches);
    },
    onBatch: ({ generation, epoch, batch, loss }) => progress?.batch(generation, epoch, batch, loss),
    onEpoch: (row) => progress?.epoch(row),
  }).finally(() => stop.dispose());
  if (result.stopped) {
    result.model.dispose();
    const where = `stopped ${describePosition(result.stopped)}`;
    if (!result.outDir) {
      process.stderr.write(`\nseal: ${where}; nothing was saved: this run has no --out folder\n`);
      return 1;
    }
    process.stdout.write(
      `\n${where}; resume point: ${new RunDir(result.outDir).resumeFile}\ncontinue with: seal train --resume ${result.outDir}\n`,
    );
    return EXIT_RESUMABLE;
  }
  process.stdout.write('\ngeneration  best top-1  (epoch)  last top-1  last top-5\n');
  for (const g of result.summary.generations) {
    const p = (x: number | null) => (x === null ? '     -' : `${(100 * x).toFixed(2)}%`.padStart(6));
    process.stdout.write(
      `${String(g.generation).padStart(10)}  ${p(g.bestTop1)}      (${String((g.bestEpoch ?? -1) + 1).padStart(3)})   ${p(g.lastTop1)}      ${p(g.lastTop5)}\n`,
    );
  }
  if (result.outDir) process.stdout.write(`\nrun folder: ${result.outDir}\n`);
  result.model.dispose();
  return 0;
}

/** The split of the model the flags would train: its input channels and classes are the dataset's unless given. */
async function printSplit(
  layers: ConfigLayer[],
  given: { inChannels: number | null; numClasses: number | null },
): Promise<number> {
  const cfg = resolveConfig(layers);
  const data =
    given.inChannels !== null && given.numClasses !== null ? null : await datasetShape(cfg.dataset, { seed: cfg.seed });
  const inChannels = given.inChannels ?? data?.channels ?? 3;
  const numClasses = given.numClasses ?? data?.numClasses ?? 200;
  const model = createModel({
    model: cfg.model,
    width: cfg.width,
    inChannels,
    numClasses,
    device: 'cpu',
    generator: new Generator(0),
  });
  process.stdout.write(
    `${cfg.model} (width ${cfg.width}) for ${inChannels}-channel images and ${numClasses} classes${data ? ` (${cfg.dataset})` : ''}, split at ${cfg.splitAt}\n${describeSplit(splitParameters(model, cfg.splitAt))}\n`,
  );
  model.dispose();
  return 0;
}

/**
 * The run's config, resolved once (a resumed run's from its config.json), and what can be
 * checked before the data is read: threads and device against this machine, and the run folder
 * (it can be created, and holds no other run). A resumed run's own settings only warn, so that
 * it can always be continued; flags cannot change them.
 */
function preflight(layers: ConfigLayer[], resume: string | null): ResolvedConfig {
  const run = resume !== null ? new RunDir(resume) : null;
  const cfg = run ? resolveConfig([{ source: run.configFile, values: run.readConfig() }]) : resolveConfig(layers);
  if (run) checkResumeSettings(layers, run, cfg);
  if (cfg.threads !== null) checkThreads(cfg.threads, run ? `${run.configFile}: threads` : '--threads', run === null);
  checkDevice(cfg.device, run ? `${run.configFile}: device` : '--device');
  checkPrecision(cfg.precision, cfg.device, run ? `${run.configFile}: precision` : '--precision');
  warnNoAscent(cfg);
  if (run === null && cfg.out !== null) {
    new RunDir(cfg.out).checkFree();
    checkCreatable(cfg.out, '--out');
  }
  return cfg;
}
