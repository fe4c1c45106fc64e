// The one training loop: generation → epoch → batch. Methods act only through their hooks
// (methods/hooks.ts); this file turns their epoch plans into optimizer settings, evaluates,
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
import type { EpochPlan, TrainingMethod } from '../methods/hooks.js';
import { loadResume, saveGeneration, saveResume, type Progress } from './training-state.js';
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

/**
 * A run's settings: values or layers of values to resolve (config/resolve.ts), or a config
 * resolved already (a comparison's task, resolved when its plan was made) used as it is.
 */
export type TrainConfig = Partial<RunConfig> | ConfigLayer[] | { resolved: ResolvedConfig };

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

/** What stays fixed through a run: its settings, data, model, split, method and loaders. */
interface RunSetup {
  cfg: ResolvedConfig;
  /** The run folder, or null for a run kept in memory. */
  out: RunDir | null;
  data: DatasetSplits;
  model: Classifier;
  split: Split;
  method: TrainingMethod;
  source: ModelSource;
  testLoader: BatchLoader;
  trainLoader(generation: number): BatchLoader;
  /** Parameter → name, for the resume point. */
  names: Map<Tensor, string>;
  buildOptimizer(): SGD;
  /** The probe loss of diagnostics.ts (its loader built on first use: runs without an ascent never decode it). */
  probeNow(): number;
}

/** Where the run is: what a resume point stores, and the optimizer that goes with it. */
interface RunState {
  opt: SGD;
  rows: EpochRow[];
  summary: RunSummary;
  /** The next batch to run. */
  start: BatchPosition;
  /** The partial sums and starting weights of the epoch a resume point cut (null at an epoch boundary). */
  carried: EpochSums | null;
  carriedStart: EpochStart | null;
  resumedAt: Progress | null;
}

type ModelSource = Parameters<typeof saveGeneration>[2]['source'];

/** Step 1: settings, data, model, split, method and loaders. */
async function prepareRun(config: TrainConfig, opts: TrainOptions): Promise<RunSetup> {
  const run = opts.resume !== undefined ? new RunDir(opts.resume) : null;
  const cfg = run
    ? resolveConfig([{ source: run.configFile, values: run.readConfig() }])
    : 'resolved' in config
      ? config.resolved
      : resolveConfig(Array.isArray(config) ? config : [{ source: 'options', values: config }]);
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
  const normalise = { mean: data.mean, std: data.std, device: cfg.device };
  let probe: BatchLoader | null = null;
  return {
    cfg,
    out: run ?? (cfg.out !== null ? new RunDir(cfg.out) : null),
    data,
    model,
    split,
    method: METHODS[cfg.method](cfg),
    source: {
      spec: data.source.spec,
      channels: data.train.channels,
      height: data.train.height,
      width: data.train.width,
      numClasses: data.train.numClasses,
      mean: data.mean,
      std: data.std,
    },
    testLoader: new BatchLoader(data.test, { batchSize: cfg.evalBatchSize, ...normalise }),
    trainLoader: (generation) =>
      new BatchLoader(data.train, {
        batchSize: cfg.batchSize,
        ...normalise,
        shuffle: true,
        seed: deriveSeed(cfg.seed, 'data', generation),
        augment: { padding: cfg.cropPadding, flip: cfg.flip },
      }),
    names: new Map([...split.early, ...split.late].map(([n, p]) => [p, n])),
    buildOptimizer: () =>
      new SGD([{ params: split.late.map(([, p]) => p) }, { params: split.early.map(([, p]) => p) }], {
        lr: cfg.lr,
        momentum: cfg.momentum,
        nesterov: cfg.nesterov,
        weightDecay: cfg.weightDecay,
      }),
    probeNow: () => probeLoss(model, (probe ??= probeLoader(data, cfg.seed, cfg.evalBatchSize, cfg.device))),
  };
}

/**
 * Step 2: a new run creates its folder; a resumed one reads its resume point (weights, momentum,
 * metrics rows, partial epoch) and checks that its files agree with it before anything changes.
 */
async function restoreState(s: RunSetup, resuming: boolean): Promise<RunState> {
  const { cfg, out } = s;
  const state: RunState = {
    opt: s.buildOptimizer(),
    rows: [],
    summary: emptySummary(),
    start: { generation: 0, epoch: 0, batch: 0 },
    carried: null,
    carriedStart: null,
    resumedAt: null,
  };
  const run = resuming ? out : null;
  for (const f of run?.removeOrphanTemps() ?? [])
    process.emitWarning(`removed ${f}, left by a write that was cut short`, { code: 'SEAL_ORPHAN_TEMP' });
  if (run && !run.hasResumePoint()) {
    run.truncateMetrics(0); // killed before its first checkpoint: start over in the same folder
  } else if (run) {
    const r = await loadResume(run.resumeFile, s.model, state.opt, s.names, {
      generations: cfg.generations,
      epochs: cfg.epochs,
    });
    const written = run.readMetrics();
    if (r.metricsRows > written.length) {
      throw new CheckpointError(
        `cannot resume ${run.dir}: ${run.resumeFile} counts ${r.metricsRows} metrics rows, but ${run.metricsFile} has ${written.length}`,
        'nothing was changed; the metrics file was cut short or replaced: restore it, or start the run again',
      );
    }
    state.rows = run.truncateMetrics(r.metricsRows, written) as EpochRow[];
    state.summary = r.summary;
    state.resumedAt = r.progress;
    state.carried = r.epochSums;
    state.carriedStart = r.epochStart;
    state.start = nextPosition(r.progress, cfg.epochs);
  } else {
    out?.create({ ...cfg }, versions());
  }
  const batches = s.trainLoader(0).batchesPerEpoch;
  if (run && state.start.batch > batches) {
    throw new CheckpointError(
      `cannot resume ${run.dir}: its resume point is before batch ${state.start.batch + 1} of generation ${state.start.generation}, epoch ${state.start.epoch + 1}, but the data gives only ${batches} batches per epoch`,
      'resume with the data the run was started with',
    );
  }
  return state;
}

/** A new optimizer (momentum reset), the old one freed. */
function resetOptimizer(s: RunSetup, state: RunState): void {
  state.opt.dispose();
  state.opt = s.buildOptimizer();
}

/** Step 3: a generation >= 1 starts with the method's hook and a new optimizer (a resume inside it has both in its file). */
function startGeneration(s: RunSetup, state: RunState, g: number): void {
  const { start } = state;
  if (g === 0 || (g === start.generation && (start.epoch > 0 || start.batch > 0))) return;
  s.method.onGenerationStart?.({ generation: g, model: s.model, split: s.split, seed: s.cfg.seed });
  resetOptimizer(s, state);
}

/**
 * Step 4: one epoch as the method plans it: optimizer settings, the pass over the batches, the
 * evaluation, its metrics row and checkpoints. Returns where it stopped on request, else null.
 */
async function runEpoch(
  s: RunSetup,
  state: RunState,
  loader: BatchLoader,
  g: number,
  e: number,
  opts: TrainOptions,
): Promise<BatchPosition | null> {
  const { cfg, method, out } = s;
  const resumedInside = g === state.start.generation && e === state.start.epoch && state.start.batch > 0;
  const first = resumedInside ? state.start.batch : 0;
  const sums = resumedInside ? state.carried : null;
  // Nothing ran since the last resume point, which is this position: no write needed.
  if (opts.stopRequested?.() === true) return { generation: g, epoch: e, batch: first };
  const t0 = performance.now();
  const plan = method.planEpoch({ generation: g, epoch: e });
  // Inside an epoch the momentum in the resume point already follows the reset.
  if (plan.resetOptimizer && !resumedInside) resetOptimizer(s, state);
  const ascents = ascentEpochs(method, g, cfg.epochs);
  // Taken after any re-initialisation and momentum reset: the displacement is the batches' alone.
  const epochStart: EpochStart = resumedInside
    ? (state.carriedStart ?? { weights: new Map(), probeLoss: null })
    : {
        weights: snapshotWeights([...s.split.early, ...s.split.late]),
        probeLoss: e === ascents[0] ? s.probeNow() : null,
      };
  const lrT = scheduledLr(cfg, g, e);
  const [late, early] = state.opt.groups as [(typeof state.opt.groups)[0], (typeof state.opt.groups)[0]];
  late.lr = lrT * plan.late.lrMultiplier;
  late.weightDecay = cfg.weightDecay * plan.late.wdMultiplier;
  early.lr = lrT * plan.early.lrMultiplier;
  early.weightDecay = cfg.weightDecay * plan.early.wdMultiplier;

  const pass = await trainEpoch(s.model, state.opt, loader.epoch(e, first), {
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
      await saveResume(out.resumeFile, s.model, state.opt, s.names, {
        progress: at,
        metricsRows: state.rows.length,
        summary: state.summary,
        epochSums: pass.sums,
        epochStart,
      });
    return at;
  }
  const evaluated = (e + 1) % cfg.evalInterval === 0 || e === cfg.epochs - 1 || plan.evaluateAfter === true;
  const test = evaluated ? evaluate(s.model, s.testLoader) : null;
  const row: EpochRow = {
    generation: g,
    epoch: e,
    phase: plan.phase,
    lr: groupLr(plan, lrT),
    trainLoss: pass.loss,
    trainAcc: pass.accuracy,
    testTop1: test?.top1 ?? null,
    testTop5: test?.top5 ?? null,
    ...epochMeasures(s.split, epochStart, e === ascents.at(-1) ? s.probeNow() : null),
    seconds: (performance.now() - t0) / 1000 + (sums?.trainSeconds ?? 0),
    trainSeconds: pass.seconds,
    dataSeconds: pass.dataSeconds,
  };
  state.rows.push(row);
  state.summary = recordEpoch(state.summary, row, e === cfg.epochs - 1);
  opts.onEpoch?.(row);
  await checkpointEpoch(s, state, g, e, row);
  return null;
}

/** Step 5: the epoch's row, then the resume point that counts it (and a generation's last epoch, its checkpoint). */
async function checkpointEpoch(s: RunSetup, state: RunState, g: number, e: number, row: EpochRow): Promise<void> {
  const { out, cfg } = s;
  if (!out) return;
  const last = e === cfg.epochs - 1;
  // Metrics first, then the checkpoint that counts them: a kill in between only repeats this epoch.
  out.appendMetrics(row);
  if (last)
    await saveGeneration(out.generationFile(g), s.model, {
      generation: g,
      config: cfg,
      summary: state.summary,
      source: s.source,
    });
  await saveResume(out.resumeFile, s.model, state.opt, s.names, {
    progress: { generation: g, epoch: e },
    metricsRows: state.rows.length,
    summary: state.summary,
    epochSums: null,
    epochStart: null,
  });
  if (last) out.writeSummary(state.summary);
}

/**
 * Trains `config.generations` generations with `config.method`: prepare the run, restore or
 * create its state, then each generation's start and epochs, each ending at a resume point.
 * @example const { summary } = await train({ method: 'seal', generations: 2, epochs: 4, limitTrain: 2000 });
 */
export async function train(config: TrainConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const s = await prepareRun(config, opts);
  const state = await restoreState(s, opts.resume !== undefined);
  const { cfg, model, split, data } = s;
  opts.onStart?.({
    config: cfg,
    model,
    split,
    batchesPerEpoch: s.trainLoader(0).batchesPerEpoch,
    resumedAt: state.resumedAt,
    data,
  });
  const finish = (stopped: BatchPosition | null): TrainResult => {
    state.opt.dispose();
    return { config: cfg, summary: state.summary, rows: state.rows, model, outDir: s.out?.dir ?? null, stopped };
  };
  const end = Math.min(cfg.generations, opts.untilGeneration ?? cfg.generations);
  for (let g = state.start.generation; g < end; g++) {
    startGeneration(s, state, g);
    const loader = s.trainLoader(g);
    for (let e = g === state.start.generation ? state.start.epoch : 0; e < cfg.epochs; e++) {
      const stopped = await runEpoch(s, state, loader, g, e, opts);
      if (stopped) return finish(stopped);
    }
    opts.onGeneration?.({ generation: g, model, summary: state.summary, checkpoint: s.out?.generationFile(g) ?? null });
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
