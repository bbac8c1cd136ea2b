// Launcher for shaders/reduce.wgsl: reduces each row of a contiguous [outer, len] view,
// in as many passes as needed so that every pass has enough parallel work.

import { gpu } from '../device/device.js';
import type { DType } from '../tensor/dtype.js';
import { bufferPool } from '../tensor/buffer-pool.js';
import { defineParams } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, wgslType } from './view.js';

export type ReduceOp = 'sum' | 'max' | 'min';

export interface ReduceTarget {
  values?: GPUBuffer;
  indices?: GPUBuffer;
}

/** shaders/reduce.wgsl's parameters (params.ts), for one pass. */
export const REDUCE_PARAMS = defineParams('reduce', {
  outer: 'u32', // rows
  len: 'u32', // elements per row this pass (vec4s in a vec4 pass)
  parts: 'u32', // partial results per row
  in_offset: 'u32', // in the pass's element units
  row: 'u32', // invocations per grid row
  scale: 'f32', // multiplies sums in the last pass (1/n for mean)
});

const groupSize = 256;

/** Partials per row for a pass: enough invocations to fill the device, >= 32 elements each. */
function partsFor(outer: number, len: number): number {
  if (len <= 256) return 1;
  const wanted = Math.ceil(32768 / Math.max(outer, 1));
  return Math.max(1, Math.min(Math.ceil(len / 32), wanted, 4096));
}

function source(op: ReduceOp, type: string, withIndex: boolean, indexIn: boolean, last: boolean, vec4: boolean): string {
  const bindings = [`@group(0) @binding(1) var<storage, read> x: array<${vec4 ? `vec4<${type}>` : type}>;`];
  let next = 2;
  if (indexIn) bindings.push(`@group(0) @binding(${next++}) var<storage, read> xi: array<i32>;`);
  bindings.push(`@group(0) @binding(${next++}) var<storage, read_write> out: array<${type}>;`);
  if (withIndex) bindings.push(`@group(0) @binding(${next++}) var<storage, read_write> out_index: array<i32>;`);
  const index = indexIn ? 'xi[base + r]' : 'i32(r)';
  const better = op === 'max' ? 'v > acc' : 'v < acc';
  const step = op === 'sum'
    ? 'acc += v;'
    // Ties keep the smaller index (PyTorch returns the first occurrence); NaN wins, as in PyTorch.
    : `let vi = ${index}; if (acc_i < 0 || ${better} || (v != v && acc == acc) || (v == acc && vi < acc_i)) { acc = v; acc_i = vi; }`;
  const total = vec4 ? '(acc.x + acc.y + acc.z + acc.w)' : 'acc';
  const scaled = type === 'f32' ? `${total} * P.scale` : total;
  const store = [
    `out[t] = ${op === 'sum' && last ? scaled : total};`,
    withIndex ? 'out_index[t] = acc_i;' : '',
  ].join('\n  ');
  return shaderSource('reduce', {
    PARAMS: REDUCE_PARAMS.wgsl,
    BINDINGS: bindings.join('\n'),
    ACC: vec4 ? `vec4<${type}>` : type,
    INIT: vec4 ? `vec4<${type}>(0)` : `${type}(0)`,
    STEP: step,
    STORE: store,
  });
}

/**
 * Reduces `x` (contiguous [outer, len] starting at element `offset`) along len into
 * `target.values` ([outer]) and, for max/min with `target.indices`, the argument indices.
 */
export function launchReduce(op: ReduceOp, x: GPUBuffer, offset: number, dtype: DType, outer: number, len: number, target: ReduceTarget, scale = 1): void {
  if (outer === 0) return;
  const type = wgslType(dtype);
  const bytes = 4;
  const withIndex = target.indices !== undefined;
  const maxPerDim = gpu().limits.maxComputeWorkgroupsPerDimension;
  let input = x;
  let inputIndex: GPUBuffer | undefined;
  let inOffset = offset;
  let currentLen = len;
  const temps: GPUBuffer[] = [];
  for (let pass = 0; ; pass++) {
    // A sum whose rows are 4-aligned reads vec4s: a quarter of the loads (per-lane loads
    // are what costs on lavapipe), four partial sums per invocation folded at the end.
    const vec4 = pass === 0 && op === 'sum' && currentLen % 4 === 0 && inOffset % 4 === 0 && currentLen >= 16;
    const rowLen = vec4 ? currentLen / 4 : currentLen;
    const parts = partsFor(outer, rowLen);
    const last = parts === 1;
    const values = last ? target.values! : bufferPool.acquire(outer * parts * bytes);
    const indices = withIndex ? (last ? target.indices! : bufferPool.acquire(outer * parts * 4)) : undefined;
    if (!last) temps.push(values, ...(indices ? [indices] : []));
    const indexIn = inputIndex !== undefined;
    const k = kernel({
      key: `reduce:${op}:${type}${vec4 ? ':v4' : ''}${withIndex ? ':idx' : ''}${indexIn ? ':idxin' : ''}${last ? ':last' : ''}`,
      inputs: indexIn ? 2 : 1,
      outputs: withIndex ? 2 : 1,
      wgsl: () => source(op, type, withIndex, indexIn, last, vec4),
    });
    const { groups, row } = grid1d(outer * parts, groupSize, maxPerDim);
    const buffers = [{ buffer: input }, ...(inputIndex ? [{ buffer: inputIndex }] : []), { buffer: values }, ...(indices ? [{ buffer: indices }] : [])];
    dispatch(k, buffers, REDUCE_PARAMS.pack({ outer, len: rowLen, parts, in_offset: vec4 ? inOffset / 4 : inOffset, row, scale }), groups);
    if (last) break;
    input = values;
    inputIndex = indices;
    inOffset = 0;
    currentLen = parts;
  }
  // Safe to recycle now: anything that reuses them is recorded after these dispatches.
  for (const buffer of temps) bufferPool.release(buffer);
}
