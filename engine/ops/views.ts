// Views: new shapes over the same memory, no copy. Each is differentiable; its backward
// is the inverse view (or a sum for expand). contiguous() is the only copy here.

import { attach } from '../autograd/record.js';
import { fmt, inferShape, normDim, numel, type Shape, viewStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { copyInto, mapNew } from './core.js';
import { zeros } from './creation.js';
import { sumTo } from './reduce.js';

export function contiguous(t: Tensor): Tensor {
  if (t.isContiguous()) return alias(t);
  const out = mapNew('copy', 'a', [t], t.shape, t.dtype);
  return attach(out, 'ContiguousBackward', [t], (g) => [g]);
}

/** A new handle on the same view (shares gradient flow). */
function alias(t: Tensor): Tensor {
  const out = t.viewOf(t.shape, t.strides);
  return attach(out, 'AliasBackward', [t], (g) => [g]);
}

export function clone(t: Tensor): Tensor {
  const out = mapNew('copy', 'a', [t], t.shape, t.dtype);
  return attach(out, 'CloneBackward', [t], (g) => [g]);
}

export function detach(t: Tensor): Tensor {
  t.assertAlive('detach');
  return t.viewOf(t.shape, t.strides);
}

/** Like torch.view: fails when the strides do not allow it. */
export function view(t: Tensor, shape: Shape): Tensor {
  t.assertAlive('view');
  const target = inferShape(shape, t.numel, 'view');
  const strides = viewStrides(t.shape, t.strides, target);
  if (!strides) {
    throw new Error(`view: cannot view a tensor of shape ${fmt(t.shape)} with strides ${fmt(t.strides)} as ${fmt(target)}; use reshape() (which copies) or contiguous() first`);
  }
  const inputShape = t.shape;
  return attach(t.viewOf(target, strides), 'ViewBackward', [t], (g) => [reshape(g, inputShape)]);
}

/** Like torch.reshape: a view when possible, else a contiguous copy. */
export function reshape(t: Tensor, shape: Shape): Tensor {
  t.assertAlive('reshape');
  const target = inferShape(shape, t.numel, 'reshape');
  if (viewStrides(t.shape, t.strides, target)) return view(t, target);
  const copy = contiguous(t);
  const out = view(copy, target);
  copy.dispose();
  return out;
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.rank === 0) return reshape(t, [1]);
  const s = normDim(startDim, t.rank, 'flatten');
  const e = normDim(endDim, t.rank, 'flatten');
  const shape = [...t.shape.slice(0, s), numel(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  t.assertAlive('permute');
  if (dims.length !== t.rank) throw new Error(`permute: expected ${t.rank} dims for shape ${fmt(t.shape)}, got ${fmt(dims)}`);
  const norm = dims.map((d) => normDim(d, t.rank, 'permute'));
  if (new Set(norm).size !== norm.length) throw new Error(`permute: dims ${fmt(dims)} repeat a dimension`);
  const out = t.viewOf(norm.map((d) => t.shape[d]!), norm.map((d) => t.strides[d]!));
  const inverse = new Array<number>(norm.length);
  norm.forEach((d, i) => (inverse[d] = i));
  return attach(out, 'PermuteBackward', [t], (g) => [permute(g, inverse)]);
}

export function transpose(t: Tensor, dim0 = -2, dim1 = -1): Tensor {
  if (t.rank < 2 && dim0 === -2 && dim1 === -1) return alias(t);
  const a = normDim(dim0, t.rank, 'transpose');
  const b = normDim(dim1, t.rank, 'transpose');
  const dims = [...Array(t.rank).keys()];
  dims[a] = b;
  dims[b] = a;
  return permute(t, dims);
}

/** Matrix transpose of a 2-D tensor (t.T). */
export function t2d(t: Tensor): Tensor {
  if (t.rank > 2) throw new Error(`t: expects a tensor with <= 2 dims, got shape ${fmt(t.shape)}; use transpose(dim0, dim1)`);
  return transpose(t, 0, -1);
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  t.assertAlive('narrow');
  const d = normDim(dim, t.rank, 'narrow');
  const size = t.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new Error(`narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size} (shape ${fmt(t.shape)})`);
  }
  const shape = [...t.shape];
  shape[d] = length;
  const out = t.viewOf(shape, t.strides, t.offset + s * t.strides[d]!);
  const inputShape = t.shape;
  return attach(out, 'NarrowBackward', [t], (g) => [embedInZeros(g, inputShape, d, s)]);
}

/** A zero tensor of `shape` holding `g` at position `start` of `dim` (narrow's backward). */
export function embedInZeros(g: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const out = zeros(shape, g.dtype);
  const slot = out.viewOf(g.shape, out.strides, start * (out.strides[dim] ?? 0));
  copyInto(slot, g);
  slot.dispose();
  return out;
}

/** Python-style slice along one dim: start/end may be negative or omitted, step >= 1. */
export function slice(t: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normDim(dim, t.rank, 'slice');
  const size = t.shape[d]!;
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start);
  const e = Math.max(s, clampIndex(end ?? size));
  if (step === 1) return narrow(t, d, s, e - s);
  if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step must be a positive integer, got ${step}`);
  const shape = [...t.shape];
  shape[d] = Math.ceil((e - s) / step);
  const strides = [...t.strides];
  strides[d] = t.strides[d]! * step;
  const out = t.viewOf(shape, strides, t.offset + s * t.strides[d]!);
  const inputShape = t.shape;
  return attach(out, 'SliceBackward', [t], (g) => {
    // g lands on every step-th entry of `dim`, from s, in zeros of the input's shape.
    const grad = zeros(inputShape, g.dtype);
    const gradStrides = [...grad.strides];
    gradStrides[d] = grad.strides[d]! * step;
    const slot = grad.viewOf(g.shape, gradStrides, s * grad.strides[d]!);
    copyInto(slot, g);
    slot.dispose();
    return [grad];
  });
}

export function expand(t: Tensor, shape: Shape): Tensor {
  t.assertAlive('expand');
  if (shape.length < t.rank) throw new Error(`expand: target ${fmt(shape)} has fewer dims than the tensor ${fmt(t.shape)}`);
  const shift = shape.length - t.rank;
  const outShape = shape.map((d, i) => (d === -1 && i >= shift ? t.shape[i - shift]! : d));
  const strides = outShape.map((d, i) => {
    if (i < shift) return 0;
    const own = t.shape[i - shift]!;
    if (own === d) return t.strides[i - shift]!;
    if (own === 1) return 0;
    throw new Error(`expand: the size of dim ${i} (${own}) must match the target ${d} or be 1 (tensor ${fmt(t.shape)} → ${fmt(shape)})`);
  });
  const inputShape = t.shape;
  return attach(t.viewOf(outShape, strides), 'ExpandBackward', [t], (g) => [sumTo(g, inputShape)]);
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normDim(dim, t.rank + 1, 'unsqueeze');
  const shape = [...t.shape];
  shape.splice(d, 0, 1);
  return reshape(t, shape);
}

export function squeeze(t: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? [...Array(t.rank).keys()] : (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(d, t.rank, 'squeeze'));
  const shape = t.shape.filter((s, i) => !(s === 1 && dims.includes(i)));
  return reshape(t, shape);
}
