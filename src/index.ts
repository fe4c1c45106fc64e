// seal's public API.
export * from './backend/index.js';
export { Module } from './nn/module.js';
export { Conv2d, BatchNorm2d, Linear, globalAvgPool } from './nn/layers.js';
export { Sequential } from './nn/sequential.js';
export { kaimingNormal, uniformFanIn, fanIn } from './nn/init.js';
export { ResNet, LAYER_GROUPS, type ResNetConfig, type LayerGroup } from './models/resnet.js';
export { SmallCnn, type SmallCnnConfig } from './models/small-cnn.js';
export {
  groupParameters,
  type Classifier,
  type ModuleGroup,
  type Intermediates,
  type NamedParam,
} from './models/types.js';
export { SGD, type SgdGroup, type SgdGroupOptions } from './optim/sgd.js';
export * from './data/index.js';
export {
  SealError,
  ConfigError,
  CheckpointError,
  DivergenceError,
  StoppedError,
  IoError,
  EXIT_RESUMABLE,
} from './errors.js';
export { deriveSeed } from './rng.js';
export {
  train,
  type TrainOptions,
  type TrainCallbacks,
  type TrainResult,
  type BatchPosition,
  type TrainConfig,
} from './train/iterative.js';
export { resolveConfig, type ConfigLayer } from './config/resolve.js';
export {
  DEFAULTS,
  KEYS,
  METHOD_NAMES,
  MODEL_NAMES,
  type RunConfig,
  type ResolvedConfig,
  type MethodName,
  type ModelName,
} from './config/schema.js';
export { splitParameters, describeSplit, type Split } from './train/split.js';
export { METHODS } from './methods/registry.js';
export type { TrainingMethod, EpochPlan, GroupPlan } from './methods/hooks.js';
export type { EpochRow, RunSummary, GenerationSummary } from './train/summary.js';
export { evaluate, type EvalResult } from './train/evaluate.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';
export { createModel, MODELS, type ModelSpec } from './models/registry.js';
export { scheduledLr, warmupCosine } from './optim/schedule.js';
export { knnPredict, type KnnOptions } from './eval/knn.js';
export {
  predictionDepth,
  depthsFromPredictions,
  depthsFromFeatures,
  probeNames,
  PD_DEFAULTS,
  type PredictionDepthConfig,
  type PredictionDepthResult,
  type DepthSummary,
} from './eval/prediction-depth.js';
export { sharpness, SHARPNESS_DEFAULTS, type SharpnessConfig, type SharpnessResult } from './eval/sharpness.js';
export {
  hessianVectorProduct,
  topHessianEigenvalue,
  hessianTrace,
  type Objective,
  type EigenvalueResult,
  type TraceResult,
  type HessianOperator,
  type PowerIterationOptions,
} from './eval/hessian.js';
export { loadModelCheckpoint, type LoadedCheckpoint } from './eval/model-checkpoint.js';
export {
  linearProbe,
  fineTune,
  type LinearProbeOptions,
  type LinearProbeResult,
  type FineTuneOptions,
  type FineTuneResult,
} from './eval/transfer.js';
export { fewShot, fewShotEval, type FewShotOptions, type FewShotEvalResult } from './eval/few-shot.js';
export { adaptImages } from './eval/adapt.js';
export { extractFeatures, disposeFeatures, type FeatureSet } from './eval/features.js';
export {
  meanInterval,
  pairedTTest,
  holm,
  seedsNeeded,
  type MeanInterval,
  type PairedTTest,
  type PairedStatus,
} from './eval/stats.js';
export { EVALUATORS } from './eval/registry.js';
export { compare, rebuildReport, type CompareOptions } from './compare/run-comparison.js';
export type { Claims, Report, SeedsNeeded, Significance } from './report/types.js';
export { judgeClaims } from './report/claims.js';
export { renderHtml } from './report/render-html.js';
export { renderMarkdown, headlineTable } from './report/render-md.js';
// Types that the exports above take or return, so the API reference (npm run docs) is whole.
export type { LayerOptions } from './nn/layers.js';
export type { KeyDoc, ValueOf } from './config/schema.js';
export type { ScheduleConfig } from './optim/schedule.js';
export type { GenerationContext, EpochContext } from './methods/hooks.js';
export type { Progress, SourceData } from './io/checkpoint-file.js';
export type { Safetensors } from './io/safetensors.js';
export type { SourceKind } from './data/registry.js';
export type { InputShape } from './eval/adapt.js';
export type { Adaptation, CheckpointInfo, TargetInfo, FineTuneEpoch } from './eval/transfer.js';
export type { FeatureCache, FeatureOptions } from './eval/features.js';
export type { FewShotCell, FewShotResult } from './eval/few-shot.js';
export type { ProbeOptions } from './eval/probe.js';
export type { Evaluation, MetricInfo, MetricOf, HistogramOf, RunSettings, Specs } from './eval/registry.js';
export type { EvalRequest } from './eval/run.js';
export type { EvalContext, SubsetOptions } from './eval/context.js';
export type { KindValues, OptionDoc, OptionKind, OptionSpec, OptionValues } from './config/options.js';
export type {
  Arm,
  CompareSettings,
  EvaluateTask,
  GridSettings,
  Plan,
  ReportTask,
  PerRunKey,
  Task,
  TaskConfig,
  TrainSettings,
  TrainTask,
} from './compare/plan.js';
export type { StopSignals, TaskEvents } from './compare/launcher.js';
export { sealWorker, type WorkerCommand, type WorkerFailure, type WorkerMessage } from './compare/worker-protocol.js';
export { evalInstances, parseEvalList, type EvalChoice, type EvalInstance } from './eval/instances.js';
export type { Aggregate, Claim, ClaimPart, DepthHistogram, Difference, MetricValue, Verdict } from './report/types.js';
