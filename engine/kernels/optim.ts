// Launcher for shaders/adam.wgsl: one fused Adam/AdamW update of one parameter tensor.
// Takes buffers and offsets only; the optimizer (engine/optim) owns state and step counts.

import { gpu } from '../device/device.js';
import { defineParams, f32Bits } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d } from './view.js';

/** shaders/adam.wgsl's parameters (params.ts). */
export const ADAM_PARAMS = defineParams('adam', {
  count: 'u32', // invocations (elements / VEC)
  row: 'u32', // invocations per grid row
  grad_offset: 'u32', // element offsets, divided by VEC
  param_offset: 'u32',
  m_offset: 'u32',
  v_offset: 'u32',
  vmax_offset: 'u32',
  beta1: 'f32',
  beta2: 'f32',
  one_minus_beta1: 'f32', // 1 − β1 and 1 − β2 rounded from f64, as torch passes them
  one_minus_beta2: 'f32',
  bc2_sqrt: 'f32',
  // As f32 bits (the shader bitcasts them): an infinite lr, eps or weight decay (which torch
  // accepts) makes them ±inf or NaN, and they must reach the update as they did; f32 fields refuse them.
  eps_bits: 'u32',
  wd_l2_bits: 'u32',
  decay_bits: 'u32',
  step_size_bits: 'u32',
});

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
      PARAMS: ADAM_PARAMS.wgsl,
      T,
      SIGN: s.maximize ? '-' : '',
      S: T,
      VMAX_BINDING: amsgrad ? `@group(0) @binding(5) var<storage, read_write> max_exp_avg_sq: array<${T}>;` : '',
      DENOM: amsgrad
        ? '  let vmax = max(max_exp_avg_sq[P.vmax_offset + i], v);\n  max_exp_avg_sq[P.vmax_offset + i] = vmax;\n  let denom = sqrt(vmax) / P.bc2_sqrt + eps;'
        : '  let denom = sqrt(v) / P.bc2_sqrt + eps;',
    }),
  });
  const count = numel / vec;
  const { groups, row } = grid1d(count, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const params = ADAM_PARAMS.pack({
    count, row,
    grad_offset: b.grad.offset / vec, param_offset: b.param.offset / vec, m_offset: b.expAvg.offset / vec,
    v_offset: b.expAvgSq.offset / vec, vmax_offset: (b.maxExpAvgSq?.offset ?? 0) / vec,
    beta1: s.beta1, beta2: s.beta2, one_minus_beta1: 1 - s.beta1, one_minus_beta2: 1 - s.beta2, bc2_sqrt: s.bc2Sqrt,
    eps_bits: f32Bits(s.eps), wd_l2_bits: f32Bits(s.wdL2), decay_bits: f32Bits(s.decay), step_size_bits: f32Bits(s.stepSize),
  });
  dispatch(k, all.map((x) => ({ buffer: x.buffer })), params, groups);
}
