// Launchers for shaders/lstm.wgsl (one fused forward step) and lstm_backward.wgsl (one
// fused backward step). Buffers arrive laid out as those files' headers say; the ops layer
// (engine/ops/lstm.ts) runs the matmuls around the time loop and owns autograd.

import { defineParams } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { kernelTuning } from './tuning.js';

export interface LstmDims {
  T: number;
  B: number;
  H: number;
}

/** shaders/lstm.wgsl's parameters (params.ts). */
export const LSTM_STEP_PARAMS = defineParams('lstm', {
  B: 'u32',
  H: 'u32',
  HV: 'u32', // H / V
  t: 'u32',
});

/** shaders/lstm_backward.wgsl's parameters (params.ts). */
export const LSTM_BACKWARD_PARAMS = defineParams('lstm_backward', {
  B: 'u32',
  H: 'u32',
  HV: 'u32', // H / V
  t: 'u32',
  T: 'u32',
  whh_offset: 'u32', // in VT units
});

// Batch rows per invocation (see lstm.wgsl: 4·TB + 4 vec4 registers).
const TB = 4;

/** Hidden units per invocation: 4 (vec4) when H and every base offset are 4-aligned. */
export function lstmVectorWidth(H: number, offsets: readonly number[] = []): 1 | 4 {
  return H % 4 === 0 && offsets.every((o) => o % 4 === 0) ? 4 : 1;
}

function specialization(v: 1 | 4) {
  const wg = kernelTuning().lstmWorkgroup; // per adapter class: tuning.ts
  const VT = v === 4 ? 'vec4<f32>' : 'f32';
  return { wg, values: { VT, V: v, TB, WG: wg }, suffix: `${v === 4 ? 'v4' : 's'}:tb${TB}:wg${wg}` };
}

// A scalar element of a VT array, by scalar index.
const scalarAt = (array: string, v: 1 | 4) => (v === 4 ? `${array}[i / 4u][i % 4u]` : `${array}[i]`);

export interface LstmStepBuffers {
  /** [T, B, 4H] input projection, offset 0. */
  xp: GPUBuffer;
  /** [H, 4H] W_hhᵀ contiguous, offset 0. */
  whhT: GPUBuffer;
  /** [4H] summed bias, offset 0. */
  bias: GPUBuffer;
  hs: GPUBuffer;
  cs: GPUBuffer;
  gates: GPUBuffer;
}

/** Forward step t: reads hs/cs slot t, writes slot t+1 and gates[t]. */
export function launchLstmStep(b: LstmStepBuffers, d: LstmDims, t: number): void {
  const v = lstmVectorWidth(d.H);
  const s = specialization(v);
  const k = kernel({
    key: `lstm:step:${s.suffix}`,
    inputs: 3,
    outputs: 3,
    wgsl: () => shaderSource('lstm', { PARAMS: LSTM_STEP_PARAMS.wgsl, ...s.values, H_AT: scalarAt('hs', v) }),
  });
  const HV = d.H / v;
  dispatch(k, [{ buffer: b.xp }, { buffer: b.whhT }, { buffer: b.bias }, { buffer: b.hs }, { buffer: b.cs }, { buffer: b.gates }],
    LSTM_STEP_PARAMS.pack({ B: d.B, H: d.H, HV, t }), [Math.ceil(HV / s.wg), Math.ceil(d.B / TB)]);
}

export interface LstmBackwardBuffers {
  gates: GPUBuffer;
  cs: GPUBuffer;
  /** [4H, H] W_hh as stored, starting at element whhOffset (4-aligned for vec4). */
  whh: GPUBuffer;
  whhOffset: number;
  dout: GPUBuffer;
  dz: GPUBuffer;
  dc: GPUBuffer;
}

/** Backward step t: reads dz slot t+1 (if t < T−1), writes dz slot t; updates dc in place. */
export function launchLstmBackwardStep(b: LstmBackwardBuffers, d: LstmDims, t: number): void {
  const v = lstmVectorWidth(d.H, [b.whhOffset]);
  const s = specialization(v);
  const k = kernel({
    key: `lstm:backward:${s.suffix}`,
    inputs: 4,
    outputs: 2,
    wgsl: () => shaderSource('lstm_backward', { PARAMS: LSTM_BACKWARD_PARAMS.wgsl, ...s.values, DZ_AT: scalarAt('dz', v) }),
  });
  const HV = d.H / v;
  dispatch(k, [{ buffer: b.gates }, { buffer: b.cs }, { buffer: b.whh }, { buffer: b.dout }, { buffer: b.dz }, { buffer: b.dc }],
    LSTM_BACKWARD_PARAMS.pack({ B: d.B, H: d.H, HV, t, T: d.T, whh_offset: b.whhOffset / v }), [Math.ceil(HV / s.wg), Math.ceil(d.B / TB)]);
}
