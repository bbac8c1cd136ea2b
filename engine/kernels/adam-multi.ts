// Launcher for shaders/adam_multi.wgsl: one Adam/AdamW step over many parameter tensors in as
// few dispatches as the adapter's storage-binding limit allows. Takes buffers, offsets and the
// per-parameter scalars; the optimizer (engine/optim) owns the state, the step counts and the
// choice of which parameters it packs into scratch buffers.

import { gpu } from '../device/device.js';
import { bufferPool } from '../tensor/buffer-pool.js';
import { defineParams, f32Bits } from './params.js';
import { type BufferBinding, dispatch, kernel, upload } from './runtime.js';
import { shaderSource } from './shader-source.js';

/** A buffer and an offset in elements (float32). */
export interface At { buffer: GPUBuffer; offset: number }

/** One parameter's update: its gradient and parameter, where its moments start, its bias corrections. */
export interface AdamSegment {
  grad: At;
  param: At;
  /** Element offset of this parameter's exp_avg (and exp_avg_sq, max_exp_avg_sq) in the moment buffers. */
  stateOffset: number;
  /** Elements; every offset and the length must be multiples of 4. */
  numel: number;
  /** lr / (1 − β1^t) and sqrt(1 − β2^t) for this parameter's own step t. */
  stepSize: number;
  bc2Sqrt: number;
}

/** The moment buffers shared by every segment, bound as given (size: bytes to bind). */
export interface AdamMoments {
  expAvg: Required<BufferBinding>;
  expAvgSq: Required<BufferBinding>;
  maxExpAvgSq?: Required<BufferBinding>;
}

export interface AdamGroupScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam's L2 term added to the gradient (0 for AdamW). */
  wdL2: number;
  /** Multiplies the parameter before the update (AdamW's 1 − lr·wd; 1 for Adam). */
  decay: number;
  maximize: boolean;
}

/** shaders/adam_multi.wgsl's parameters (params.ts); each segment's own scalars are in the table. */
export const ADAM_MULTI_PARAMS = defineParams('adam_multi', {
  map_base: 'u32', // where this dispatch's workgroup → segment map starts in the table
  groups: 'u32', // workgroups of this dispatch
  groups_x: 'u32', // workgroups per grid row
  beta1: 'f32',
  beta2: 'f32',
  one_minus_beta1: 'f32', // 1 − β1 and 1 − β2 rounded from f64, as torch passes them
  one_minus_beta2: 'f32',
  // As f32 bits (the shader bitcasts them): an infinite lr, eps or weight decay (which torch
  // accepts) makes them ±inf or NaN, and they must reach the update as they did; f32 fields refuse them.
  eps_bits: 'u32',
  wd_l2_bits: 'u32',
  decay_bits: 'u32',
});

const GROUP = 256;
/** vec4s per invocation: the segment lookup and slot switch are paid once per ITEMS updates. */
const ITEMS = 16;
const SEGMENT_WORDS = 8;

interface Slot { grad: GPUBuffer; param: GPUBuffer; segments: AdamSegment[] }

/** Gradient/parameter buffer pairs one dispatch may bind beside the table and the moments. */
export function adamSlotsPerDispatch(amsgrad: boolean): number {
  const stateBindings = amsgrad ? 3 : 2;
  return Math.max(1, Math.floor((gpu().limits.maxStorageBuffersPerShaderStage - 1 - stateBindings) / 2));
}

// Segments sharing a (grad, param) buffer pair share a slot. A dispatch takes slots until the
// binding limit, or until a slot's buffers would alias a buffer the dispatch already writes
// (WebGPU forbids binding a buffer writable twice, or writable and read-only together).
function planDispatches(segments: readonly AdamSegment[], moments: AdamMoments, maxSlots: number): Slot[][] {
  const slots = new Map<GPUBuffer, Map<GPUBuffer, Slot>>();
  const order: Slot[] = [];
  for (const s of segments) {
    if (s.numel === 0) continue;
    if (s.numel % 4 || s.grad.offset % 4 || s.param.offset % 4 || s.stateOffset % 4) {
      throw new Error(`webgrad: internal error: adam_multi segment not aligned to 4 elements (numel ${s.numel})`);
    }
    let byParam = slots.get(s.grad.buffer);
    if (!byParam) slots.set(s.grad.buffer, (byParam = new Map()));
    let slot = byParam.get(s.param.buffer);
    if (!slot) {
      byParam.set(s.param.buffer, (slot = { grad: s.grad.buffer, param: s.param.buffer, segments: [] }));
      order.push(slot);
    }
    slot.segments.push(s);
  }
  const stateBuffers = [moments.expAvg, moments.expAvgSq, moments.maxExpAvgSq].filter((b) => b !== undefined).map((b) => b.buffer);
  const dispatches: Slot[][] = [];
  let current: Slot[] = [];
  let written = new Set<GPUBuffer>(stateBuffers);
  let read = new Set<GPUBuffer>();
  for (const slot of order) {
    if (slot.grad === slot.param || stateBuffers.includes(slot.grad) || stateBuffers.includes(slot.param)) {
      throw new Error('webgrad: internal error: adam_multi gradient, parameter and moment buffers must be distinct');
    }
    const clash = written.has(slot.param) || read.has(slot.param) || written.has(slot.grad);
    if (current.length === maxSlots || clash) {
      dispatches.push(current);
      current = [];
      written = new Set(stateBuffers);
      read = new Set();
    }
    current.push(slot);
    written.add(slot.param);
    read.add(slot.grad);
  }
  if (current.length > 0) dispatches.push(current);
  return dispatches;
}

function multiKernel(slots: number, amsgrad: boolean, maximize: boolean) {
  const key = `adam:multi:${slots}${amsgrad ? ':amsgrad' : ''}${maximize ? ':maximize' : ''}`;
  return kernel({
    key,
    inputs: 1 + slots,
    outputs: slots + (amsgrad ? 3 : 2),
    wgsl: () => {
      const range = Array.from({ length: slots }, (_, s) => s);
      const bind = (b: number, access: string, name: string) => `@group(0) @binding(${b}) var<storage, ${access}> ${name}: array<vec4<f32>>;`;
      const cases = (body: (s: number) => string) => range.map((s) => `    ${s === slots - 1 ? 'default' : `case ${s}u`}: { ${body(s)} }`).join('\n');
      const first = 2 + 2 * slots;
      return shaderSource('adam_multi', {
        PARAMS: ADAM_MULTI_PARAMS.wgsl,
        ITEMS,
        SLOT_BINDINGS: [...range.map((s) => bind(2 + s, 'read', `grad_${s}`)), ...range.map((s) => bind(2 + slots + s, 'read_write', `param_${s}`))].join('\n'),
        M_BINDING: first,
        V_BINDING: first + 1,
        VMAX_BINDING: amsgrad ? bind(first + 2, 'read_write', 'max_exp_avg_sq') : '',
        SLOT_CASES: cases((s) => `for (var k = k0; k < n; k += 256u) { param_${s}[p0 + k] = update(grad_${s}[g0 + k], param_${s}[p0 + k], s0 + k, step_size, bc2_sqrt); }`),
        SIGN: maximize ? '-' : '',
        DENOM: amsgrad
          ? '  let vmax = max(max_exp_avg_sq[i], v);\n  max_exp_avg_sq[i] = vmax;\n  let denom = sqrt(vmax) / bc2_sqrt + eps;'
          : '  let denom = sqrt(v) / bc2_sqrt + eps;',
      });
    },
  });
}

/**
 * Records one Adam step over every segment: ceil(slots / adamSlotsPerDispatch) dispatches (one
 * for a model whose parameters the optimizer packed into scratch), and one small table upload.
 */
export function launchAdamMulti(segments: readonly AdamSegment[], moments: AdamMoments, s: AdamGroupScalars): void {
  const amsgrad = moments.maxExpAvgSq !== undefined;
  const dispatches = planDispatches(segments, moments, adamSlotsPerDispatch(amsgrad));
  if (dispatches.length === 0) return;
  // One table for every dispatch: the segments (8 words each: first workgroup, slot, vec4
  // offsets, vec4 length, two f32 scalars), then per dispatch its workgroup → segment map.
  // Each segment starts on a workgroup boundary, so a workgroup's segment is uniform.
  const segmentCount = dispatches.reduce((n, d) => n + d.reduce((m, slot) => m + slot.segments.length, 0), 0);
  const groupsOf = (seg: AdamSegment) => Math.ceil(seg.numel / 4 / (GROUP * ITEMS));
  const mapWords = dispatches.reduce((n, d) => n + d.reduce((m, slot) => m + slot.segments.reduce((a, seg) => a + groupsOf(seg), 0), 0), 0);
  const table = new ArrayBuffer((segmentCount * SEGMENT_WORDS + mapWords) * 4);
  const u32 = new Uint32Array(table);
  const f32 = new Float32Array(table);
  const ranges: Array<{ mapBase: number; groups: number }> = [];
  let row = 0;
  let mapAt = segmentCount * SEGMENT_WORDS;
  for (const d of dispatches) {
    const mapBase = mapAt;
    let groups = 0;
    d.forEach((slot, slotIndex) => {
      for (const seg of slot.segments) {
        const w = row * SEGMENT_WORDS;
        u32.set([groups, slotIndex, seg.grad.offset / 4, seg.param.offset / 4, seg.stateOffset / 4, seg.numel / 4], w);
        f32[w + 6] = seg.stepSize;
        f32[w + 7] = seg.bc2Sqrt;
        const n = groupsOf(seg);
        u32.fill(w, mapAt, mapAt + n);
        mapAt += n;
        groups += n;
        row++;
      }
    });
    ranges.push({ mapBase, groups });
  }
  const tableBuffer = bufferPool.acquire(table.byteLength);
  upload(tableBuffer, 0, u32);
  const maxPerDim = gpu().limits.maxComputeWorkgroupsPerDimension;
  const state = [moments.expAvg, moments.expAvgSq, ...(moments.maxExpAvgSq ? [moments.maxExpAvgSq] : [])];
  const scalars = {
    beta1: s.beta1, beta2: s.beta2, one_minus_beta1: 1 - s.beta1, one_minus_beta2: 1 - s.beta2,
    eps_bits: f32Bits(s.eps), wd_l2_bits: f32Bits(s.wdL2), decay_bits: f32Bits(s.decay),
  };
  dispatches.forEach((d, i) => {
    const { mapBase, groups } = ranges[i]!;
    const k = multiKernel(d.length, amsgrad, s.maximize);
    const x = Math.min(groups, maxPerDim);
    const buffers: BufferBinding[] = [
      { buffer: tableBuffer, size: table.byteLength },
      ...d.map((slot) => ({ buffer: slot.grad })),
      ...d.map((slot) => ({ buffer: slot.param })),
      ...state,
    ];
    dispatch(k, buffers, ADAM_MULTI_PARAMS.pack({ ...scalars, map_base: mapBase, groups, groups_x: x }), [x, Math.ceil(groups / x)]);
  });
  bufferPool.release(tableBuffer);
}
