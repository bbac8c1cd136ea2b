// Reductions over any set of dims: sum, mean, amax/amin, max/min with indices, argmax/
// argmin, var/std. The kernel reduces trailing contiguous dims; other layouts are permuted
// (a view) and made contiguous first. Backward passes are views or short compositions.

import { attach } from '../autograd/record.js';
import { launchReduce, type ReduceOp } from '../kernels/reduce.js';
import { fmt, normDim, normDims, numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat } from './core.js';
import { contiguous, expand, permute, reshape } from './views.js';
import { div, eq, mul, mulScalar, sub, where } from './binary.js';
import { full, zeros } from './creation.js';
import { scatterAdd } from './indexing.js';
import { sqrt } from './unary.js';

export type Dims = number | readonly number[] | null | undefined;

export interface ReduceOptions {
  keepdim?: boolean;
}

interface Plan {
  dims: number[];
  outShape: number[];
  keepShape: number[];
  outer: number;
  len: number;
}

function plan(t: Tensor, dimsArg: Dims, keepdim: boolean, op: string): Plan {
  const dims = normDims(dimsArg, t.rank, op);
  const keepShape = t.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outShape = keepdim ? keepShape : t.shape.filter((_, i) => !dims.includes(i));
  const len = numel(dims.map((d) => t.shape[d]!));
  return { dims, outShape, keepShape, outer: numel(outShape), len };
}

/** The input laid out as contiguous [outer, len] (kept dims first, reduced dims last). */
function rowsOf(t: Tensor, dims: readonly number[]): Tensor {
  const kept = [...Array(t.rank).keys()].filter((d) => !dims.includes(d));
  const order = [...kept, ...dims];
  const isIdentity = order.every((d, i) => d === i);
  if (isIdentity && t.isContiguous()) return t.viewOf(t.shape, t.strides);
  const permuted = isIdentity ? t.viewOf(t.shape, t.strides) : permute(t, order);
  const rows = contiguous(permuted);
  permuted.dispose();
  return rows;
}

function reduceRaw(t: Tensor, p: Plan, op: ReduceOp, scale: number, withIndex: boolean): { values: Tensor; indices?: Tensor } {
  const valueDtype = op === 'sum' && t.dtype === 'bool' ? 'int32' : t.dtype;
  const values = Tensor.empty(p.outShape, valueDtype);
  const indices = withIndex ? Tensor.empty(p.outShape, 'int32') : undefined;
  if (p.outer === 0) return { values, indices };
  if (p.len === 0) {
    if (op !== 'sum') throw new Error(`${op}: cannot reduce over a zero-size dimension (shape ${fmt(t.shape)}) because the operation has no identity`);
    values.dispose();
    return { values: full(p.outShape, 0 * scale, valueDtype) }; // mean of nothing is NaN, as in PyTorch
  }
  const rows = rowsOf(t, p.dims);
  launchReduce(op, rows.storage.buffer, rows.offset, rows.dtype, p.outer, p.len, { values: values.storage.buffer, indices: indices?.storage.buffer }, scale);
  rows.dispose();
  return { values, indices };
}

/** Gradient of a reduction broadcast back to the input's shape (a view, no copy). */
function spread(g: Tensor, keepShape: Shape, inputShape: Shape): Tensor {
  const kept = reshape(g, keepShape);
  const out = expand(kept, inputShape);
  kept.dispose();
  return out;
}

export function sum(t: Tensor, dims?: Dims, options: ReduceOptions = {}): Tensor {
  t.assertAlive('sum');
  const p = plan(t, dims, options.keepdim ?? false, 'sum');
  const { values } = reduceRaw(t, p, 'sum', 1, false);
  const inputShape = t.shape;
  return attach(values, 'SumBackward', [t], (g) => [spread(g, p.keepShape, inputShape)]);
}

export function mean(t: Tensor, dims?: Dims, options: ReduceOptions = {}): Tensor {
  t.assertAlive('mean');
  assertFloat(t, 'mean');
  const p = plan(t, dims, options.keepdim ?? false, 'mean');
  const { values } = reduceRaw(t, p, 'sum', 1 / p.len, false);
  const inputShape = t.shape;
  return attach(values, 'MeanBackward', [t], (g) => {
    const scaled = mulScalar(g, 1 / p.len);
    const out = spread(scaled, p.keepShape, inputShape);
    scaled.dispose();
    return [out];
  });
}

function extremum(op: 'max' | 'min', name: string, t: Tensor, dims: Dims, options: ReduceOptions): Tensor {
  t.assertAlive(name);
  const p = plan(t, dims, options.keepdim ?? false, name);
  const { values } = reduceRaw(t, p, op, 1, false);
  const inputShape = t.shape;
  // Like PyTorch's amax: the gradient is shared evenly among tied maxima.
  return attach(values, `${name === 'amax' ? 'Amax' : 'Amin'}Backward`, [t], (g, [x, y]) => {
    const yFull = spread(y!, p.keepShape, inputShape);
    const mask = eq(x!, yFull);
    const count = sum(mask, p.dims, { keepdim: true });
    const share = div(reshape(g, p.keepShape), count);
    const out = where(mask, share, 0);
    for (const tmp of [yFull, mask, count, share]) tmp.dispose();
    return [out];
  }, [t, values]);
}

export const amax = (t: Tensor, dims?: Dims, options: ReduceOptions = {}) => extremum('max', 'amax', t, dims, options);
export const amin = (t: Tensor, dims?: Dims, options: ReduceOptions = {}) => extremum('min', 'amin', t, dims, options);

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function withIndices(op: 'max' | 'min', t: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  t.assertAlive(op);
  const d = normDim(dim, t.rank, op);
  const p = plan(t, [d], keepdim, op);
  const { values, indices } = reduceRaw(t, p, op, 1, true);
  const inputShape = t.shape;
  attach(values, op === 'max' ? 'MaxBackward' : 'MinBackward', [t], (g, [idx]) => {
    const base = zeros(inputShape, 'float32');
    const gk = reshape(g, p.keepShape);
    const ik = reshape(idx!, p.keepShape);
    const out = scatterAdd(base, d, ik, gk);
    for (const tmp of [base, gk, ik]) tmp.dispose();
    return [out];
  }, [indices!]);
  return { values, indices: indices! };
}

/** max(t) → the maximum; max(t, dim) → { values, indices } as torch.max. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? amax(t) : withIndices('max', t, dim, keepdim);
}

export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? amin(t) : withIndices('min', t, dim, keepdim);
}

function argExtremum(op: 'max' | 'min', t: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const name = op === 'max' ? 'argmax' : 'argmin';
  t.assertAlive(name);
  if (dim === null || dim === undefined) {
    const flat = reshape(t, [t.numel]);
    const { values, indices } = reduceRaw(flat, plan(flat, [0], false, name), op, 1, true);
    values.dispose();
    flat.dispose();
    if (!keepdim) return indices!;
    const out = reshape(indices!, t.shape.map(() => 1));
    indices!.dispose();
    return out;
  }
  const p = plan(t, [normDim(dim, t.rank, name)], keepdim, name);
  const { values, indices } = reduceRaw(t, p, op, 1, true);
  values.dispose();
  return indices!;
}

export const argmax = (t: Tensor, dim?: number | null, options: ReduceOptions = {}) => argExtremum('max', t, dim, options.keepdim ?? false);
export const argmin = (t: Tensor, dim?: number | null, options: ReduceOptions = {}) => argExtremum('min', t, dim, options.keepdim ?? false);

export interface VarOptions extends ReduceOptions {
  /** Bessel's correction: 1 (default, unbiased) or 0. */
  correction?: number;
}

export function variance(t: Tensor, dims?: Dims, options: VarOptions = {}): Tensor {
  assertFloat(t, 'var');
  const p = plan(t, dims, true, 'var');
  const correction = options.correction ?? 1;
  const mu = mean(t, p.dims, { keepdim: true });
  const centered = sub(t, mu);
  const squared = mul(centered, centered);
  const total = sum(squared, p.dims, { keepdim: options.keepdim ?? false });
  const out = mulScalar(total, 1 / Math.max(0, p.len - correction));
  for (const tmp of [mu, centered, squared, total]) tmp.dispose();
  return out;
}

export function std(t: Tensor, dims?: Dims, options: VarOptions = {}): Tensor {
  const v = variance(t, dims, options);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g.viewOf(g.shape, g.strides);
  const lead = g.rank - shape.length;
  const dims = g.shape.map((d, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  const summed = sum(g, dims, { keepdim: true });
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}
