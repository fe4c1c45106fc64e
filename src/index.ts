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
export type { TrainingMethod, EpochPlan, GroupPlan } from './train/hooks.js';
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
export {
  sharpness,
  hessianVectorProduct,
  topHessianEigenvalue,
  hessianTrace,
  SHARPNESS_DEFAULTS,
  type Objective,
  type SharpnessConfig,
  type SharpnessResult,
  type EigenvalueResult,
  type TraceResult,
} from './eval/sharpness.js';
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
export { meanInterval, type MeanInterval } from './eval/stats.js';
export { EVALUATORS } from './eval/registry.js';
export { compare, rebuildReport, type CompareOptions } from './compare/compare.js';
export type { Claims, Report } from './report/types.js';
export { judgeClaims } from './report/claims.js';
export { renderHtml } from './report/render-html.js';
export { renderMarkdown, headlineTable } from './report/render-md.js';
