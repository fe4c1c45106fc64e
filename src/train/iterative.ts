// The one training loop: generation → epoch → batch. Methods act only through their hooks
// (train/hooks.ts); this file turns their epoch plans into optimizer settings, evaluates,
// checkpoints and reports progress through callbacks (the library never prints).
import { backendInfo, Generator, setGpuMath, setNumThreads, type Tensor } from '../backend/index.js';
import type { ResolvedConfig, RunConfig } from '../config/schema.js';
import { resolveConfig, type ConfigLayer } from '../config/resolve.js';
import { BatchLoader } from '../data/loader.js';
import { loadDataset } from '../data/registry.js';
import type { DatasetSplits } from '../data/types.js';
import { CheckpointError, DivergenceError } from '../errors.js';
import { readPackageInfo } from '../io/package.js';
import { RunDir } from '../io/run-dir.js';
import { METHODS } from '../methods/registry.js';
import { createModel } from '../models/registry.js';
import type { Classifier } from '../models/types.js';
import { SGD } from '../optim/sgd.js';
import { scheduledLr } from '../optim/schedule.js';
import { deriveSeed } from '../rng.js';
import {
  ascentEpochs,
  epochMeasures,
  probeLoader,
  probeLoss,
  snapshotWeights,
  type EpochStart,
} from './diagnostics.js';
import { evaluate } from './evaluate.js';
import { trainEpoch, type EpochSums } from './epoch.js';
import type { EpochPlan } from './hooks.js';
import { loadResume, saveGeneration, saveResume, type Progress } from './checkpoint.js';
import { splitParameters, type Split } from './split.js';
import { emptySummary, recordEpoch, type EpochRow, type RunSummary } from './summary.js';

export interface TrainCallbacks {
  onStart?(info: {
    config: ResolvedConfig;
    model: Classifier;
    split: Split;
    batchesPerEpoch: number;
    resumedAt: Progress | null;
    data: DatasetSplits;
  }): void;
  /** After each batch's step; `loss` is the latest batch loss read from the device (null before the first read of the pass). */
  onBatch?(info: { generation: number; epoch: number; batch: number; batches: number; loss: number | null }): void;
  onEpoch?(row: EpochRow): void;
  onGeneration?(info: { generation: number; model: Classifier; summary: RunSummary; checkpoint: string | null }): void;
  /** Sees every training batch before its step (used by the PyTorch differential test). */
  onTrainBatch?(info: { generation: number; epoch: number; batch: number; x: Tensor; y: Tensor }): void;
}

export interface TrainOptions extends TrainCallbacks {
  /** Continue the run in this folder from its last checkpoint (its config.json is used). */
  resume?: string;
  /** Use these splits instead of loading config.dataset. */
  data?: DatasetSplits;
  /** Where readers keep decoded images (default ~/.cache/seal). */
  cacheDir?: string | null;
  onDataProgress?(done: number, total: number): void;
  /** Stop after this many generations (the config's count still sets the schedule); a later
   * resume continues to config.generations. A comparison trains a shared generation 0 this way. */
  untilGeneration?: number;
  /** Asked before every epoch and after every batch. When it returns true, training writes a
   * resume point at that batch (in the run folder, if any) and returns with `stopped` set; a
   * resume then continues there and ends exactly as an uninterrupted run. No metrics row is
   * written for the part of an epoch that ran. */
  stopRequested?: () => boolean;
}

/** A position in training: batch `batch` (0-based) of epoch `epoch` of generation `generation`. */
export interface BatchPosition {
  generation: number;
  epoch: number;
  batch: number;
}

/** "after batch 5 of generation 1, epoch 2" (1-based words for people). */
export function describePosition(p: BatchPosition): string {
  return p.batch === 0
    ? `at the start of generation ${p.generation}, epoch ${p.epoch + 1}`
    : `after batch ${p.batch} of generation ${p.generation}, epoch ${p.epoch + 1}`;
}

export interface TrainResult {
  config: ResolvedConfig;
  summary: RunSummary;
  rows: EpochRow[];
  model: Classifier;
  outDir: string | null;
  /** Set when stopRequested stopped training: the next batch to run, where a resume continues. */
  stopped: BatchPosition | null;
}

function versions(): Record<string, string> {
  const pkg = readPackageInfo();
  return { seal: pkg.version, libtorch: backendInfo().torchVersion, node: process.version };
}

const groupLr = (plan: EpochPlan, lrT: number) => ({
  late: lrT * plan.late.lrMultiplier,
  early: lrT * plan.early.lrMultiplier,
});

/**
 * Trains `config.generations` generations with `config.method`.
 * @example const { summary } = await train({ method: 'seal', generations: 2, epochs: 4, limitTrain: 2000 });
 */
export async function train(config: Partial<RunConfig> | ConfigLayer[], opts: TrainOptions = {}): Promise<TrainResult> {
  const run = opts.resume !== undefined ? new RunDir(opts.resume) : null;
  const layers: ConfigLayer[] = Array.isArray(config) ? config : [{ source: 'options', values: config }];
  const cfg = run ? resolveConfig([{ source: run.configFile, values: run.readConfig() }]) : resolveConfig(layers);
  const out = run ?? (cfg.out !== null ? new RunDir(cfg.out) : null);
  if (cfg.threads !== null) setNumThreads(cfg.threads);
  setGpuMath({ tf32: cfg.tf32, deterministic: cfg.deterministic });

  const data =
    opts.data ??
    (await loadDataset(cfg.dataset, {
      seed: cfg.seed,
      ...(cfg.limitTrain !== null ? { limitTrain: cfg.limitTrain } : {}),
      ...(cfg.limitTest !== null ? { limitTest: cfg.limitTest } : {}),
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.onDataProgress ? { onProgress: opts.onDataProgress } : {}),
    }));
  const model = createModel({
    model: cfg.model,
    width: cfg.width,
    memoryFormat: cfg.memoryFormat,
    inChannels: data.train.channels,
    numClasses: data.train.numClasses,
    device: cfg.device,
    generator: new Generator(deriveSeed(cfg.seed, 'init')),
  });
  const split = splitParameters(model, cfg.splitAt);
  const source = {
    spec: data.source.spec,
    channels: data.train.channels,
    height: data.train.height,
    width: data.train.width,
    numClasses: data.train.numClasses,
    mean: data.mean,
    std: data.std,
  };
  const method = METHODS[cfg.method](cfg);
  const testLoader = new BatchLoader(data.test, {
    batchSize: cfg.evalBatchSize,
    mean: data.mean,
    std: data.std,
    device: cfg.device,
  });
  const trainLoader = (generation: number) =>
    new BatchLoader(data.train, {
      batchSize: cfg.batchSize,
      mean: data.mean,
      std: data.std,
      device: cfg.device,
      shuffle: true,
      seed: deriveSeed(cfg.seed, 'data', generation),
      augment: { padding: cfg.cropPadding, flip: cfg.flip },
    });

  const names = new Map([...split.early, ...split.late].map(([n, p]) => [p, n]));
  const buildOptimizer = () =>
    new SGD([{ params: split.late.map(([, p]) => p) }, { params: split.early.map(([, p]) => p) }], {
      lr: cfg.lr,
      momentum: cfg.momentum,
      weightDecay: cfg.weightDecay,
    });
  let opt = buildOptimizer();

  let rows: EpochRow[] = [];
  let summary = emptySummary();
  let start: BatchPosition = { generation: 0, epoch: 0, batch: 0 };
  let carried: EpochSums | null = null;
  let carriedStart: EpochStart | null = null;
  let resumedAt: Progress | null = null;
  for (const f of run?.removeOrphanTemps() ?? [])
    process.emitWarning(`removed ${f}, left by a write that was cut short`, { code: 'SEAL_ORPHAN_TEMP' });
  if (run && !run.hasResumePoint()) {
    run.truncateMetrics(0); // killed before its first checkpoint: start over in the same folder
  } else if (run) {
    const r = await loadResume(run.resumeFile, model, opt, names, { generations: cfg.generations, epochs: cfg.epochs });
    const written = run.readMetrics();
    if (r.metricsRows > written.length) {
      throw new CheckpointError(
        `cannot resume ${run.dir}: ${run.resumeFile} counts ${r.metricsRows} metrics rows, but ${run.metricsFile} has ${written.length}`,
        'nothing was changed; the metrics file was cut short or replaced: restore it, or start the run again',
      );
    }
    rows = run.truncateMetrics(r.metricsRows, written) as EpochRow[];
    summary = r.summary;
    resumedAt = r.progress;
    carried = r.epochSums;
    carriedStart = r.epochStart;
    start = nextPosition(r.progress, cfg.epochs);
  } else {
    out?.create({ ...cfg }, versions());
  }
  const batchesPerEpoch = trainLoader(0).batchesPerEpoch;
  if (run && start.batch > batchesPerEpoch) {
    throw new CheckpointError(
      `cannot resume ${run.dir}: its resume point is before batch ${start.batch + 1} of generation ${start.generation}, epoch ${start.epoch + 1}, but the data gives only ${batchesPerEpoch} batches per epoch`,
      'resume with the data the run was started with',
    );
  }
  opts.onStart?.({ config: cfg, model, split, batchesPerEpoch, resumedAt, data });
  const finish = (stopped: BatchPosition | null): TrainResult => {
    opt.dispose();
    return { config: cfg, summary, rows, model, outDir: out?.dir ?? null, stopped };
  };

  // Built on first use, so runs without an ascent never decode or hold it.
  let probe: BatchLoader | null = null;
  const probeNow = () => probeLoss(model, (probe ??= probeLoader(data, cfg.seed, cfg.evalBatchSize, cfg.device)));

  const end = Math.min(cfg.generations, opts.untilGeneration ?? cfg.generations);
  for (let g = start.generation; g < end; g++) {
    // A resume inside a generation has its re-initialised weights and momentum in the file.
    if (g > 0 && !(g === start.generation && (start.epoch > 0 || start.batch > 0))) {
      method.onGenerationStart?.({ generation: g, model, split, seed: cfg.seed });
      opt.dispose();
      opt = buildOptimizer();
    }
    const loader = trainLoader(g);
    const ascents = ascentEpochs(method, g, cfg.epochs);
    for (let e = g === start.generation ? start.epoch : 0; e < cfg.epochs; e++) {
      const resumedInside = g === start.generation && e === start.epoch && start.batch > 0;
      const first = resumedInside ? start.batch : 0;
      const sums = resumedInside ? carried : null;
      // Nothing ran since the last resume point, which is this position: no write needed.
      if (opts.stopRequested?.() === true) return finish({ generation: g, epoch: e, batch: first });
      const t0 = performance.now();
      const plan = method.planEpoch({ generation: g, epoch: e });
      // Inside an epoch the momentum in the resume point already follows the reset.
      if (plan.resetOptimizer && !resumedInside) {
        opt.dispose();
        opt = buildOptimizer();
      }
      // Taken after any re-initialisation and momentum reset: the displacement is the batches' alone.
      const epochStart: EpochStart = resumedInside
        ? (carriedStart ?? { weights: new Map(), probeLoss: null })
        : {
            weights: snapshotWeights([...split.early, ...split.late]),
            probeLoss: e === ascents[0] ? probeNow() : null,
          };
      const lrT = scheduledLr(cfg, g, e);
      const [late, early] = opt.groups as [(typeof opt.groups)[0], (typeof opt.groups)[0]];
      late.lr = lrT * plan.late.lrMultiplier;
      late.weightDecay = cfg.weightDecay * plan.late.wdMultiplier;
      early.lr = lrT * plan.early.lrMultiplier;
      early.weightDecay = cfg.weightDecay * plan.early.wdMultiplier;

      const pass = await trainEpoch(model, opt, loader.epoch(e, first), {
        labelSmoothing: cfg.labelSmoothing,
        autocast: cfg.precision === 'bf16' ? { dtype: 'bfloat16', device: cfg.device } : null,
        carried: sums,
        ...(opts.stopRequested ? { stopRequested: opts.stopRequested } : {}),
        diverged: (index, loss) => diverged(cfg, g, e, index, loader.batchesPerEpoch, plan, lrT, loss, out),
        beforeStep: (x, y, batch) => opts.onTrainBatch?.({ generation: g, epoch: e, batch, x, y }),
        afterStep: (batch, loss) =>
          opts.onBatch?.({ generation: g, epoch: e, batch, batches: loader.batchesPerEpoch, loss }),
      });
      if (pass.stoppedBefore !== null) {
        const at = { generation: g, epoch: e, batch: pass.stoppedBefore };
        if (out)
          await saveResume(out.resumeFile, model, opt, names, {
            progress: at,
            metricsRows: rows.length,
            summary,
            epochSums: pass.sums,
            epochStart,
          });
        return finish(at);
      }
      const evaluated = (e + 1) % cfg.evalInterval === 0 || e === cfg.epochs - 1 || plan.evaluateAfter === true;
      const test = evaluated ? evaluate(model, testLoader) : null;
      const measures = epochMeasures(split, epochStart, e === ascents.at(-1) ? probeNow() : null);
      const row: EpochRow = {
        generation: g,
        epoch: e,
        phase: plan.phase,
        lr: groupLr(plan, lrT),
        trainLoss: pass.loss,
        trainAcc: pass.accuracy,
        testTop1: test?.top1 ?? null,
        testTop5: test?.top5 ?? null,
        ...measures,
        seconds: (performance.now() - t0) / 1000 + (sums?.trainSeconds ?? 0),
        trainSeconds: pass.seconds,
        dataSeconds: pass.dataSeconds,
      };
      rows.push(row);
      summary = recordEpoch(summary, row, e === cfg.epochs - 1);
      opts.onEpoch?.(row);
      if (out) {
        // Metrics first, then the checkpoint that counts them: a kill in between only repeats this epoch.
        out.appendMetrics(row);
        if (e === cfg.epochs - 1)
          await saveGeneration(out.generationFile(g), model, { generation: g, config: cfg, summary, source });
        await saveResume(out.resumeFile, model, opt, names, {
          progress: { generation: g, epoch: e },
          metricsRows: rows.length,
          summary,
          epochSums: null,
          epochStart: null,
        });
        if (e === cfg.epochs - 1) out.writeSummary(summary);
      }
    }
    opts.onGeneration?.({ generation: g, model, summary, checkpoint: out ? out.generationFile(g) : null });
  }
  return finish(null);
}

/** Where training continues from a resume point. */
function nextPosition(p: Progress, epochs: number): BatchPosition {
  if (p.batch !== undefined) return { generation: p.generation, epoch: p.epoch, batch: p.batch };
  return p.epoch + 1 < epochs
    ? { generation: p.generation, epoch: p.epoch + 1, batch: 0 }
    : { generation: p.generation + 1, epoch: 0, batch: 0 };
}

function diverged(
  cfg: ResolvedConfig,
  g: number,
  e: number,
  b: number,
  batches: number,
  plan: EpochPlan,
  lrT: number,
  loss: number,
  out: RunDir | null,
): DivergenceError {
  const lr = groupLr(plan, lrT);
  const where = `generation ${g}, epoch ${e} (${plan.phase} phase), batch ${b + 1} of ${batches}`;
  const kept =
    out === null
      ? ''
      : out.hasResumePoint()
        ? ` The last good state is in ${out.resumeFile}; nothing after it was written.`
        : ' No checkpoint had been written yet.';
  const hint = plan.divergenceHint ?? `lower --lr (now ${cfg.lr}) or raise --warmup-epochs (now ${cfg.warmupEpochs})`;
  return new DivergenceError(
    `training diverged: the loss became ${loss} at ${where}; lr of the later layers ${lr.late.toPrecision(3)}, of the early layers ${lr.early.toPrecision(3)}.${kept}`,
    hint,
  );
}
