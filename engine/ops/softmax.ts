// softmax, log_softmax and cross_entropy. The kernel works on the last dim; other dims
// are moved last (a view) and the result moved back. Backward formulas:
//   softmax:     dx = y · (g − Σ g·y)
//   log_softmax: dx = g − exp(y) · Σ g
//   cross_entropy = mean/sum of −log_softmax(x)[target] (gather), so its backward composes.

import { attach } from '../autograd/record.js';
import { launchSoftmax } from '../kernels/softmax.js';
import { fmt, normDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, mapNew } from './core.js';
import { gather } from './indexing.js';
import { mean, sum } from './reduce.js';
import { neg } from './unary.js';
import { contiguous, reshape, transpose, unsqueeze } from './views.js';

function lastDimKernel(kind: 'softmax' | 'logSoftmax', t: Tensor, dim: number): Tensor {
  const d = normDim(dim, t.rank, kind);
  const last = Math.max(t.rank - 1, 0);
  const moved = d === last ? t.viewOf(t.shape, t.strides) : transpose(t, d, last);
  const rows = contiguous(moved);
  moved.dispose();
  const len = rows.shape[last] ?? 1;
  const out = Tensor.empty(rows.shape, 'float32');
  launchSoftmax(kind, rows.storage.buffer, rows.offset, rows.numel / Math.max(len, 1), len, out.storage.buffer);
  rows.dispose();
  if (d === last) return out;
  const back = out.viewOf([...transposedShape(out.shape, d, last)], swap(out.strides, d, last));
  out.dispose();
  return back;
}

function swap(values: readonly number[], a: number, b: number): number[] {
  const out = [...values];
  [out[a], out[b]] = [out[b]!, out[a]!];
  return out;
}
const transposedShape = swap;

export function softmax(t: Tensor, dim = -1): Tensor {
  t.assertAlive('softmax');
  assertFloat(t, 'softmax');
  const d = normDim(dim, t.rank, 'softmax');
  const y = lastDimKernel('softmax', t, d);
  return attach(y, 'SoftmaxBackward', [t], (g, [out]) => {
    const gy = mapNew('mul', 'a * b', [g, out!], g.shape, 'float32');
    const s = sum(gy, d, { keepdim: true });
    const dx = mapNew('softmax_grad', 'b * (a - c)', [g, out!, s], g.shape, 'float32');
    gy.dispose();
    s.dispose();
    return [dx];
  }, [y]);
}

export function logSoftmax(t: Tensor, dim = -1): Tensor {
  t.assertAlive('logSoftmax');
  assertFloat(t, 'logSoftmax');
  const d = normDim(dim, t.rank, 'logSoftmax');
  const y = lastDimKernel('logSoftmax', t, d);
  return attach(y, 'LogSoftmaxBackward', [t], (g, [out]) => {
    const s = sum(g, d, { keepdim: true });
    const dx = mapNew('log_softmax_grad', 'a - exp(b) * c', [g, out!, s], g.shape, 'float32');
    s.dispose();
    return [dx];
  }, [y]);
}

export interface CrossEntropyOptions {
  reduction?: 'mean' | 'sum' | 'none';
}

/** cross_entropy(logits [N,C,…], target int [N,…]) with class-index targets. */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  logits.assertAlive('crossEntropy');
  target.assertAlive('crossEntropy');
  if (target.dtype !== 'int32') {
    throw new Error(`crossEntropy: target must hold class indices as int32, got ${target.dtype} ${fmt(target.shape)}`);
  }
  const expected = logits.rank === 1 ? [] : [logits.shape[0]!, ...logits.shape.slice(2)];
  if (logits.rank < 1 || target.rank !== expected.length || target.shape.some((s, i) => s !== expected[i])) {
    throw new Error(`crossEntropy: logits ${fmt(logits.shape)} need a target of shape ${fmt(expected)}, got ${fmt(target.shape)}`);
  }
  const classDim = logits.rank === 1 ? 0 : 1;
  const logp = logSoftmax(logits, classDim);
  const idx = unsqueeze(target, classDim);
  const picked = gather(logp, classDim, idx);
  const nll = neg(picked);
  const perItem = reshape(nll, target.shape);
  for (const tmp of [logp, idx, picked, nll]) tmp.dispose();
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none') return perItem;
  const out = reduction === 'sum' ? sum(perItem) : mean(perItem);
  perItem.dispose();
  return out;
}
