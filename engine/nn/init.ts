// PyTorch's default initialisations (torch.nn.init), drawn from webgrad's seeded generator
// (manualSeed): the same distributions as PyTorch, not the same numbers.

import { rand, randn } from '../ops/creation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Uniform on [-bound, bound). */
export function uniform(shape: Shape, bound: number): Tensor {
  return rand(shape, { low: -bound, high: bound });
}

/** fan_in of a weight [out, in, *kernel]: in · prod(kernel). */
export function fanIn(shape: Shape): number {
  if (shape.length < 2) throw new Error(`init: fan in cannot be computed for a tensor with fewer than 2 dimensions (shape [${shape.join(',')}])`);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu'): bound = gain·√(3/fan_in)
 * with gain = √(2/(1+a²)). Linear and Conv2d use a = √5, which makes the bound 1/√fan_in.
 */
export function kaimingUniform(shape: Shape, a = 0): Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(shape, gain * Math.sqrt(3 / fanIn(shape)));
}

/** The bias init of Linear and Conv2d: uniform(±1/√fan_in) of the weight (0 bound when fan_in is 0). */
export function fanInBias(size: number, weightShape: Shape): Tensor {
  const fan = fanIn(weightShape);
  return uniform([size], fan > 0 ? 1 / Math.sqrt(fan) : 0);
}

/**
 * kaiming_normal_(w, mode, nonlinearity='relu'): normal with std = √2/√fan, fan = fan_in or
 * fan_out (out · prod(kernel)); torchvision's ResNet uses mode 'fan_out' for its convolutions.
 */
export function kaimingNormal(shape: Shape, mode: 'fan_in' | 'fan_out' = 'fan_in'): Tensor {
  const fan = mode === 'fan_in' ? fanIn(shape) : fanOut(shape);
  return randn(shape, { std: fan > 0 ? Math.SQRT2 / Math.sqrt(fan) : 0 });
}

/** fan_out of a weight [out, in, *kernel]: out · prod(kernel). */
export function fanOut(shape: Shape): number {
  if (shape.length < 2) throw new Error(`init: fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [${shape.join(',')}])`);
  return shape[0]! * shape.slice(2).reduce((a, b) => a * b, 1);
}
