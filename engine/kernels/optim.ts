// Launcher for shaders/adam.wgsl: one fused Adam/AdamW update of one parameter tensor.
// Takes buffers and offsets only; the optimizer (engine/optim) owns state and step counts.

import { gpu } from '../device/device.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d } from './view.js';

export interface AdamBuffers {
  grad: { buffer: GPUBuffer; offset: number };
  param: { buffer: GPUBuffer; offset: number };
  expAvg: { buffer: GPUBuffer; offset: number };
  expAvgSq: { buffer: GPUBuffer; offset: number };
  maxExpAvgSq?: { buffer: GPUBuffer; offset: number };
}

export interface AdamScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam's L2 term added to the gradient (0 for AdamW). */
  wdL2: number;
  /** Multiplies the parameter before the update (AdamW's 1 − lr·wd; 1 for Adam). */
  decay: number;
  stepSize: number;
  bc2Sqrt: number;
  maximize: boolean;
}

/** Records one Adam step over `numel` contiguous float32 elements of each buffer. */
export function launchAdam(numel: number, b: AdamBuffers, s: AdamScalars): void {
  if (numel === 0) return;
  const amsgrad = b.maxExpAvgSq !== undefined;
  const all = [b.grad, b.param, b.expAvg, b.expAvgSq, ...(b.maxExpAvgSq ? [b.maxExpAvgSq] : [])];
  // Distinct buffers are required: WebGPU forbids one buffer bound writable twice.
  const vec = numel % 4 === 0 && all.every((x) => x.offset % 4 === 0) ? 4 : 1;
  const T = vec === 4 ? 'vec4<f32>' : 'f32';
  const key = `adam:${vec === 4 ? 'v4' : 's'}${amsgrad ? ':amsgrad' : ''}${s.maximize ? ':maximize' : ''}`;
  const k = kernel({
    key,
    inputs: 1,
    outputs: amsgrad ? 4 : 3,
    wgsl: () => shaderSource('adam', {
      T,
      SIGN: s.maximize ? '-' : '',
      S: T,
      VMAX_BINDING: amsgrad ? `@group(0) @binding(5) var<storage, read_write> max_exp_avg_sq: array<${T}>;` : '',
      DENOM: amsgrad
        ? '  let vmax = max(max_exp_avg_sq[P.vmax_offset + i], v);\n  max_exp_avg_sq[P.vmax_offset + i] = vmax;\n  let denom = sqrt(vmax) / P.bc2_sqrt + P.eps;'
        : '  let denom = sqrt(v) / P.bc2_sqrt + P.eps;',
    }),
  });
  const count = numel / vec;
  const { groups, row } = grid1d(count, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const words = [count, row, b.grad.offset / vec, b.param.offset / vec, b.expAvg.offset / vec, b.expAvgSq.offset / vec,
    (b.maxExpAvgSq?.offset ?? 0) / vec, 0, s.beta1, s.beta2, s.eps, s.wdL2, s.decay, s.stepSize, s.bc2Sqrt, 1 - s.beta1, 1 - s.beta2, 0, 0];
  dispatch(k, all.map((x) => ({ buffer: x.buffer })), { u32: words, f32At: [8, 9, 10, 11, 12, 13, 14, 15, 16] }, groups);
}
