// The kernel runtime's public face. Kernels are compiled once per specialization key, their
// dispatches recorded into one batch and submitted together, their parameters written into a
// uniform ring with one writeBuffer per submit. Each concern lives in its own file under
// runtime/ (read them bottom-up):
//   errors.ts      GPU errors collected asynchronously, thrown at the next readback
//   param-ring.ts  the uniform ring every dispatch's parameters go into
//   bind-groups.ts bind-group layouts and the bind-group cache
//   pipelines.ts   compiling kernels, one pipeline per key
//   encoder.ts     the open batch (command encoder, compute pass) and flush()
//   transfer.ts    upload, download, synchronize
//   timing.ts      gpuTimeMs (timestamp queries) and the per-kernel timings
//   dispatch.ts    recording a dispatch, and the debug path that submits each alone
// Importers use this file, so the split is invisible to them.
//
// Binding convention shared by every shader in shaders/: binding 0 is `var<uniform> P`,
// then the read-only storage inputs, then the read_write outputs.

export { type BufferBinding, clearBindGroupCache } from './runtime/bind-groups.js';
export { dispatch } from './runtime/dispatch.js';
export { copyBuffer, flush, indexFaultBinding } from './runtime/encoder.js';
export { reportGpuError } from './runtime/errors.js';
export type { ParamWords, Params } from './runtime/param-ring.js';
export { compiledKernelCount, kernel, type Kernel, type KernelDef } from './runtime/pipelines.js';
export { gpuTimeMs, kernelTimings } from './runtime/timing.js';
export { download, synchronize, upload } from './runtime/transfer.js';
