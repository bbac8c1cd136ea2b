// softmax and log_softmax. The kernel works on the last dim; other dims
// are moved last (a view) and the result moved back. Backward formulas:
//   softmax:     dx = y · (g − Σ g·y)
//   log_softmax: dx = g − exp(y) · Σ g

import { attach } from '../autograd/record.js';
import { launchSoftmax } from '../kernels/softmax.js';
import { normDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, mapNew } from './core.js';
import { sum } from './reduce.js';
import { contiguous, transpose } from './views.js';

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

// cross_entropy lives in loss.ts with the other losses; re-exported here for old imports.
export { crossEntropy, type CrossEntropyOptions } from './loss.js';
