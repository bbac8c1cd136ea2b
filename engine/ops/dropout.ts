// F.dropout: in training, zeroes each element with probability p and scales the rest by
// 1/(1−p); in eval mode (or p = 0) the identity. The keep-mask is drawn from the engine's
// Philox generator (bernoulli, so manualSeed makes it reproducible) and saved: backward is
// g · mask / (1−p) with the very mask the forward used. p = 1 gives zeros, as PyTorch.

import { attach } from '../autograd/record.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertFloat, mapNew } from './core.js';
import { bernoulli } from './creation.js';
import { reshape } from './views.js';

export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  input.assertAlive('dropout');
  assertFloat(input, 'dropout');
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability has to be between 0 and 1, but got ${p}`);
  // Identity: a differentiable new handle on the same memory.
  if (!training || p === 0) return reshape(input, input.shape);
  if (p === 1) {
    const out = mapNew('dropout_all', '0.0', [], input.shape, 'float32');
    return attach(out, 'DropoutBackward', [input], (g) => [mapNew('dropout_all', '0.0', [], g.shape, 'float32')]);
  }
  const scale = 1 / (1 - p);
  const mask = bernoulli(input.shape, 1 - p);
  const out = mapNew('dropout', 'a * b * s0', [input, mask], input.shape, 'float32', [scale]);
  attach(out, 'DropoutBackward', [input], (g, [m]) => [mapNew('dropout', 'a * b * s0', [g, m!], g.shape, 'float32', [scale])], [mask]);
  mask.dispose();
  return out;
}
