// conv2d with PyTorch's F.conv2d semantics, and its backward:
//   d input  = the transposed convolution of g with the weight (conv2d.wgsl, per stride phase)
//   d weight = gᵀ · input patches, summed over the batch (conv2d_wgrad.wgsl, g repacked pixel-major first)
//   d bias   = Σ g over N, H, W
// All three are implicit GEMMs reading x in place; the weight and, for d weight, g are repacked.

import { attach } from '../autograd/record.js';
import { type Conv2dGeometry, type Dense, launchConv2dForward, launchConv2dGradInput, launchConv2dGradWeight, launchPackWeight, packedSize, gradWeightScratchSize } from '../kernels/conv2d.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, mapNew } from './core.js';
import { zeros } from './creation.js';
import { sum } from './reduce.js';

export type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Numbers, [h, w], or PyTorch's 'same' (stride 1 only; extra padding goes bottom/right) / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

export function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** A contiguous handle on t's values (a copy only if t is a strided view); never recorded. */
export function dense(t: Tensor): Tensor {
  return t.isContiguous() ? t.viewOf(t.shape, t.strides) : mapNew('copy', 'a', [t], t.shape, t.dtype);
}

export const at = (t: Tensor): Dense => ({ buffer: t.storage.buffer, offset: t.offset });

export function geometry(input: Tensor, weight: Tensor, bias: Tensor | null, o: Conv2dOptions): Conv2dGeometry {
  const shapes = `(input ${fmt(input.shape)}, weight ${fmt(weight.shape)})`;
  if (input.rank !== 4) throw new Error(`conv2d: input must be 4-D [N, C, H, W], got ${fmt(input.shape)}; add a batch dim with unsqueeze(0)`);
  if (weight.rank !== 4) throw new Error(`conv2d: weight must be 4-D [O, C/groups, kh, kw], got ${fmt(weight.shape)}`);
  const groups = o.groups ?? 1;
  const [N, C, H, W] = input.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`conv2d: groups must be a positive integer, got ${groups}`);
  if (C !== Cg * groups) {
    throw new Error(`conv2d: input has ${C} channels but weight expects ${Cg * groups} ${groups > 1 ? `(${Cg} per group x ${groups} groups) ` : ''}${shapes}`);
  }
  if (O % groups !== 0) throw new Error(`conv2d: ${O} output channels are not divisible by groups=${groups} ${shapes}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) {
    throw new Error(`conv2d: bias must have shape [${O}] (one per output channel), got ${fmt(bias.shape)}`);
  }
  const stride = pair('conv2d', 'stride', o.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', o.dilation ?? 1, 1);
  const span = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)];
  let padding: [number, number];
  let extra = [0, 0];
  if (o.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new Error(`conv2d: padding='same' needs stride 1, got stride ${JSON.stringify(o.stride)}; pass explicit padding`);
    padding = [Math.floor(span[0]! / 2), Math.floor(span[1]! / 2)];
    extra = [span[0]! - 2 * padding[0], span[1]! - 2 * padding[1]];
  } else if (o.padding === 'valid') {
    padding = [0, 0];
  } else {
    padding = pair('conv2d', 'padding', o.padding ?? 0, 0);
  }
  const Ho = Math.floor((H + 2 * padding[0] + extra[0]! - span[0]! - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + 2 * padding[1] + extra[1]! - span[1]! - 1) / stride[1]) + 1;
  if (Ho < 1 || Wo < 1) {
    throw new Error(`conv2d: the ${kh}x${kw} kernel (dilation ${dilation.join('x')}) is larger than the padded input ${H + 2 * padding[0]}x${W + 2 * padding[1]} ${shapes}; use a smaller kernel or more padding`);
  }
  return { N, C, H, W, O, kh, kw, Ho, Wo, stride, padding, dilation, groups };
}

function packed(w: Tensor, g: Conv2dGeometry, gradInput: boolean): Tensor {
  const p = Tensor.empty([packedSize(g, gradInput)]);
  launchPackWeight(at(w), g, gradInput, p.storage.buffer);
  return p;
}

function forward(x: Tensor, w: Tensor, b: Tensor | null, g: Conv2dGeometry): Tensor {
  const y = Tensor.empty([g.N, g.O, g.Ho, g.Wo]);
  if (g.N === 0) return y;
  const wp = packed(w, g, false);
  launchConv2dForward(at(x), wp.storage.buffer, b ? at(b) : null, at(y), g);
  wp.dispose();
  return y;
}

function gradInput(gy: Tensor, w: Tensor, g: Conv2dGeometry): Tensor {
  const dx = Tensor.empty([g.N, g.C, g.H, g.W]);
  if (g.N === 0) return dx;
  const wp = packed(w, g, true);
  launchConv2dGradInput(at(gy), wp.storage.buffer, at(dx), g);
  wp.dispose();
  return dx;
}

function gradWeight(x: Tensor, gy: Tensor, g: Conv2dGeometry): Tensor {
  if (g.N === 0) return zeros([g.O, g.C / g.groups, g.kh, g.kw]);
  const dw = Tensor.empty([g.O, g.C / g.groups, g.kh, g.kw]);
  const scratch = Tensor.empty([gradWeightScratchSize(g)]);
  launchConv2dGradWeight(at(x), at(gy), dw.storage.buffer, scratch.storage.buffer, g);
  scratch.dispose();
  return dw;
}

/** F.conv2d(input [N,C,H,W], weight [O,C/groups,kh,kw], bias [O] | null, { stride, padding, dilation, groups }). */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  for (const t of [input, weight, bias]) {
    if (!t) continue;
    t.assertAlive('conv2d');
    assertFloat(t, 'conv2d');
  }
  const g = geometry(input, weight, bias, options);
  const x = dense(input);
  const w = dense(weight);
  const b = bias ? dense(bias) : null;
  const y = forward(x, w, b, g);
  b?.dispose();
  const inputs = bias ? [input, weight, bias] : [input, weight];
  const out = attach(y, 'Conv2dBackward', inputs, (grad, [sx, sw]) => {
    const gy = dense(grad);
    const dx = input.requiresGrad ? gradInput(gy, sw!, g) : null;
    const dw = weight.requiresGrad ? gradWeight(sx!, gy, g) : null;
    const db = bias?.requiresGrad ? sum(gy, [0, 2, 3]) : null;
    gy.dispose();
    return bias ? [dx, dw, db] : [dx, dw];
  }, [x, w]);
  x.dispose();
  w.dispose();
  return out;
}
