// The tensor engine: the only module that loads the native addon.
export { Tensor, type DType, type MemoryFormat, type TypedArray, type Operand } from './tensor.js';
export * from './creation.js';
export * from './functional.js';
export * from './autograd.js';
export * from './system.js';
export { tidy, keep, dispose, liveTensors, type Disposable } from './scope.js';
export { cpuBf16Blocker, readCpuFeatures, type CoreTypeChoice, type CpuFeatures } from './cpu-features.js';
