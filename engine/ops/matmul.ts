// matmul with PyTorch's semantics: vector·vector, matrix·vector, batched with broadcast
// batch dims. Backward: dA = g·Bᵀ and dB = Aᵀ·g (transposes are views, read in place),
// summed over broadcast batch dims.

import { attach } from '../autograd/record.js';
import { launchMatmul, type MatmulShape } from '../kernels/matmul.js';
import { broadcastShapes, broadcastStrides, fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, view } from './core.js';
import { sumTo } from './reduce.js';
import { reshape, transpose, unsqueeze } from './views.js';

function matmulNd(a: Tensor, b: Tensor): Tensor {
  const ra = a.rank;
  const rb = b.rank;
  const M = a.shape[ra - 2]!;
  const K = a.shape[ra - 1]!;
  const N = b.shape[rb - 1]!;
  if (b.shape[rb - 2] !== K) {
    throw new Error(`matmul: shapes ${fmt(a.shape)} and ${fmt(b.shape)} cannot be multiplied (${K} vs ${b.shape[rb - 2]} in the contracted dim)`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul (batch dims)');
  const out = Tensor.empty([...batch, M, N], 'float32');
  const shape = (x: Tensor, y: Tensor): MatmulShape => ({
    M, N, K, batch,
    aBatchStrides: broadcastStrides(x.shape.slice(0, -2), x.strides.slice(0, -2), batch),
    bBatchStrides: broadcastStrides(y.shape.slice(0, -2), y.strides.slice(0, -2), batch),
  });
  // Transposed and sliced operands are read in place (matmul.wgsl reads either orientation).
  launchMatmul(view(a), view(b), view(out), shape(a, b));
  const aShape = a.shape;
  const bShape = b.shape;
  return attach(out, 'MatmulBackward', [a, b], (g, [sa, sb]) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const bt = transpose(sb!, -1, -2);
      const full = matmulNd(g, bt);
      ga = sumTo(full, aShape);
      bt.dispose();
      full.dispose();
    }
    if (b.requiresGrad) {
      const at = transpose(sa!, -1, -2);
      const full = matmulNd(at, g);
      gb = sumTo(full, bShape);
      at.dispose();
      full.dispose();
    }
    return [ga, gb];
  }, [a, b]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  a.assertAlive('matmul');
  b.assertAlive('matmul');
  assertFloat(a, 'matmul');
  assertFloat(b, 'matmul');
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(`matmul: both arguments need at least 1 dim, got ${fmt(a.shape)} and ${fmt(b.shape)}; use mul for scalars`);
  }
  const x = a.rank === 1 ? unsqueeze(a, 0) : a;
  const y = b.rank === 1 ? unsqueeze(b, -1) : b;
  const product = matmulNd(x, y);
  if (x !== a) x.dispose();
  if (y !== b) y.dispose();
  if (a.rank > 1 && b.rank > 1) return product;
  const shape = [...product.shape];
  if (b.rank === 1) shape.splice(shape.length - 1, 1);
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  const out = reshape(product, shape);
  product.dispose();
  return out;
}
