/// <reference types="@webgpu/types" preserve="true" />
// webgrad's public API. Importing it starts creating the GPU device (top-level await), so
// `import { randn } from 'webgrad'` is all a program needs; a machine without WebGPU gets
// the error at the first tensor op, with what to install.

import './ops/methods.js';
import { initAutomatically } from './init.js';

export { init, shaderFamilies, type WebgradInitOptions } from './init.js';
export { gpu, isInitialised, webgpuApi, type GpuContext } from './device/device.js';
export { Tensor, type NestedArray } from './tensor/tensor.js';
export { type DType, type DTypeName, toDType } from './tensor/dtype.js';
export { tidy, keep, memoryStats, emptyCache, setMemoryBudget, memoryBudget, type MemoryStats } from './tensor/memory.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export { synchronize, flush, gpuTimeMs, kernelTimings, compiledKernelCount } from './kernels/runtime.js';
export { startProfiling, type ProfileReport } from './kernels/profile.js';
export {
  tensor, full, zeros, ones, zerosLike, onesLike, fullLike, arange, linspace,
  rand, randn, bernoulli, randint, manualSeed, getRngState, setRngState, type RngState, type CreateOptions,
} from './ops/creation.js';
export {
  neg, abs, exp, log, sqrt, rsqrt, relu, sigmoid, tanh, gelu, clamp, sin, cos, square, reciprocal,
} from './ops/unary.js';
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where, to, type Operand,
} from './ops/binary.js';
export {
  sum, mean, amax, amin, max, min, argmax, argmin, variance as var, variance, std, sumTo,
  type Dims, type ReduceOptions, type VarOptions, type ValuesIndices,
} from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { conv2d, type Conv2dOptions } from './ops/conv.js';
export { conv2dFolded, type ConvFoldedEpilogue, type FoldedNorm } from './ops/conv-folded.js';
export { maxPool2d, maxPool2dWithIndices, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { crossEntropy, nllLoss, mseLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from './ops/loss.js';
export { linear } from './ops/linear.js';
export { dropout } from './ops/dropout.js';
export { batchNorm, batchNormAct, batchNormScaleShift, type BatchNormActOptions, type BatchNormOptions } from './ops/batchnorm.js';
export { lstm, type LstmLayer, type LstmOptions, type LstmResult } from './ops/lstm.js';
export { gather, indexSelect, scatterAdd, cat, stack, oneHot } from './ops/indexing.js';
export {
  contiguous, clone, detach, view, reshape, flatten, permute, transpose, narrow, slice, expand, unsqueeze, squeeze,
} from './ops/views.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export * from './io/index.js';

// Auto-initialise with the defaults, provisionally: an `await init(options)` before the first
// tensor op replaces this device (engine/init.ts). A failure (no adapter) is reported when the
// first op needs the device.
await initAutomatically();
