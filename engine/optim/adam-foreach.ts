// Adam/AdamW's multi-tensor step for one parameter group (torch's foreach path): every
// parameter with a gradient is updated by launchAdamMulti in one dispatch, or a few where the
// adapter binds few storage buffers, instead of one launch per parameter (62 for ResNet18).
//
// Large parameters are bound where they live. Small ones (batch-norm weights, biases: most of a
// CNN's tensors by count, a percent of its elements) and any whose length or offset is not a
// multiple of 4 are packed into one scratch gradient/parameter pair with copyBufferToBuffer
// (commands, not dispatches) and copied back after: they would otherwise cost a binding each.
// Step counts, bias corrections and the skipping of parameters without a gradient are the
// single-tensor path's, parameter by parameter.

import { type AdamSegment, type AdamGroupScalars, launchAdamMulti } from '../kernels/adam-multi.js';
import { copyBuffer } from '../kernels/runtime.js';
import { contiguous } from '../ops/views.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { GroupMoments, MomentBucket } from './adam-moments.js';
import type { ParamState } from './optimizer.js';

/** Parameters below this many elements are packed into scratch (a copy in, a copy out: cheap at this size). */
export const PACK_BELOW = 65536;

export interface ForeachGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  params: Tensor[];
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** A parameter to update this step, with its contiguous gradient and its own bias corrections. */
interface Item { p: Tensor; g: Tensor; stateOffset: number; stepSize: number; bc2Sqrt: number }

/** One step of `group`, whose moments live in `moments`; `state` is the optimizer's per-parameter state. */
export function foreachAdamStep(name: string, group: ForeachGroup, moments: GroupMoments, state: Map<Tensor, ParamState>, decoupled: boolean): void {
  const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize } = group;
  const scalars: AdamGroupScalars = {
    beta1, beta2, eps, maximize,
    wdL2: decoupled ? 0 : weightDecay,
    decay: decoupled ? 1 - lr * weightDecay : 1,
  };
  for (const bucket of moments.buckets) {
    const items: Item[] = [];
    for (const p of bucket.params) {
      const grad = p.grad;
      if (!grad) continue;
      if (!p.isContiguous()) throw new Error(`${name}: parameter ${fmt(p.shape)} is not contiguous; optimizers update contiguous leaves`);
      const s = stateFor(p, state, moments, amsgrad);
      const step = (s.step as number) + 1;
      s.step = step;
      const g = grad.isContiguous() ? grad : contiguous(grad);
      items.push({ p, g, stateOffset: bucket.offsets.get(p)!, stepSize: lr / (1 - beta1 ** step), bc2Sqrt: Math.sqrt(1 - beta2 ** step) });
    }
    if (items.length === 0) continue;
    const direct = (x: Item) => x.p.numel >= PACK_BELOW && x.p.numel % 4 === 0 && x.p.offset % 4 === 0 && x.g.offset % 4 === 0 && x.g.storage !== x.p.storage;
    const segments: AdamSegment[] = items.filter(direct).map((x) => ({
      grad: { buffer: x.g.storage.buffer, offset: x.g.offset }, param: { buffer: x.p.storage.buffer, offset: x.p.offset },
      stateOffset: x.stateOffset, numel: x.p.numel, stepSize: x.stepSize, bc2Sqrt: x.bc2Sqrt,
    }));
    const packed = items.filter((x) => !direct(x));
    const scratch = packed.length > 0 ? packIn(packed, segments) : undefined;
    launchAdamMulti(segments, momentBindings(moments, bucket, amsgrad), scalars);
    if (scratch) {
      packed.forEach(({ p }, i) => copyBuffer(scratch.param.storage.buffer, scratch.at[i]! * 4, p.storage.buffer, p.offset * 4, p.numel * 4));
      scratch.grad.dispose();
      scratch.param.dispose();
    }
    for (const { p, g } of items) {
      if (g !== p.grad) g.dispose();
      p.storage.version++;
    }
    for (const owner of Object.values(bucket.owners)) owner.storage.version++;
  }
}

// The parameter's state as the single-tensor path creates it (zeros on its first gradient,
// max_exp_avg_sq once AMSGrad is on), its moments views of the group's buffers.
function stateFor(p: Tensor, state: Map<Tensor, ParamState>, moments: GroupMoments, amsgrad: boolean): ParamState {
  let s = state.get(p);
  if (!s) {
    s = { step: 0, exp_avg: moments.view(p, 'exp_avg'), exp_avg_sq: moments.view(p, 'exp_avg_sq') };
    state.set(p, s);
  }
  if (amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = moments.view(p, 'max_exp_avg_sq');
  return s;
}

// Copies the packed gradients and parameters into a fresh scratch pair, each at a 4-aligned
// offset, and adds their segments (whole vec4s: the padding lanes update padding moments).
function packIn(packed: Item[], segments: AdamSegment[]): { grad: Tensor; param: Tensor; at: number[] } {
  const at: number[] = [];
  let elements = 0;
  for (const x of packed) { at.push(elements); elements += align4(x.p.numel); }
  const grad = Tensor.empty([elements]);
  const param = Tensor.empty([elements]);
  packed.forEach(({ p, g, stateOffset, stepSize, bc2Sqrt }, i) => {
    copyBuffer(g.storage.buffer, g.offset * 4, grad.storage.buffer, at[i]! * 4, p.numel * 4);
    copyBuffer(p.storage.buffer, p.offset * 4, param.storage.buffer, at[i]! * 4, p.numel * 4);
    segments.push({
      grad: { buffer: grad.storage.buffer, offset: at[i]! }, param: { buffer: param.storage.buffer, offset: at[i]! },
      stateOffset, numel: align4(p.numel), stepSize, bc2Sqrt,
    });
  });
  return { grad, param, at };
}

function momentBindings(moments: GroupMoments, bucket: MomentBucket, amsgrad: boolean) {
  const bind = (key: 'exp_avg' | 'exp_avg_sq' | 'max_exp_avg_sq') =>
    ({ buffer: moments.owner(bucket, key).storage.buffer, offset: 0, size: bucket.elements * 4 });
  return { expAvg: bind('exp_avg'), expAvgSq: bind('exp_avg_sq'), ...(amsgrad ? { maxExpAvgSq: bind('max_exp_avg_sq') } : {}) };
}
