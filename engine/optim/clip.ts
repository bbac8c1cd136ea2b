// torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, maxNorm / (total + 1e-6))
// where total is the norm of the per-parameter gradient norms. All on the GPU: the total
// comes back as a 0-d tensor and the scale is applied without reading anything back.

import { noGrad } from '../autograd/grad-mode.js';
import { mapInPlace, mapNew } from '../ops/core.js';
import { full } from '../ops/creation.js';
import { stack } from '../ops/indexing.js';
import { amax, sum } from '../ops/reduce.js';
import { keep, tidy } from '../tensor/memory.js';
import type { Tensor } from '../tensor/tensor.js';

function norm(t: Tensor, p: number): Tensor {
  if (p === Infinity) return amax(mapNew('abs', 'abs(a)', [t], t.shape, 'float32'));
  const powered = p === 2 ? mapNew('square', 'a * a', [t], t.shape, 'float32') : mapNew('abs_pow', 'pow(abs(a), s0)', [t], t.shape, 'float32', [p]);
  const s = sum(powered);
  return p === 2 ? mapNew('sqrt', 'sqrt(a)', [s], [], 'float32') : mapNew('root', 'pow(a, s0)', [s], [], 'float32', [1 / p]);
}

/** Clips the gradients in place; returns the total norm before clipping (0-d float32 tensor). */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
  if (!(normType > 0)) throw new Error(`clipGradNorm: normType must be positive or Infinity, got ${normType}`);
  const grads = [...parameters].map((p) => p.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return full([], 0);
  return noGrad(() => tidy(() => {
    const norms = grads.map((g) => norm(g, normType));
    const total = norms.length === 1 ? norms[0]! : norm(stack(norms), normType);
    const coef = mapNew('clip_coef', 'min(s0 / (a + 1e-6), 1.0)', [total], [], 'float32', [maxNorm]);
    for (const g of grads) mapInPlace('clip_scale', 'a * b', g, [coef]);
    return keep(total);
  }));
}
