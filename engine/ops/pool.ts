// Pooling with PyTorch's F.max_pool2d / F.avg_pool2d / F.adaptive_avg_pool2d semantics, on
// [N, C, H, W] or unbatched [C, H, W] input. Backward:
//   maxPool2d: g routed to the saved argmax of each window (indices saved by the forward)
//   avgPool2d, adaptiveAvgPool2d: g / divisor spread over each window
// Both backward kernels gather per input element, so overlapping windows need no atomics.

import { attach } from '../autograd/record.js';
import type { Dense } from '../kernels/conv2d.js';
import { launchAvgPool, launchMaxPool, launchMaxPoolBackward, type AvgMode, type PoolGeometry } from '../kernels/pool.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat } from './core.js';
import { dense, type Pair, pair } from './conv.js';

export interface MaxPool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
}

const at = (t: Tensor): Dense => ({ buffer: t.storage.buffer, offset: t.offset });

function checkInput(op: string, input: Tensor): void {
  input.assertAlive(op);
  assertFloat(input, op);
  if (input.rank !== 3 && input.rank !== 4) {
    throw new Error(`${op}: input must be [N, C, H, W] or [C, H, W], got ${fmt(input.shape)}`);
  }
}

function outSize(op: string, n: number, k: number, s: number, p: number, d: number, ceil: boolean, shape: readonly number[]): number {
  const span = d * (k - 1) + 1;
  let out = (ceil ? Math.ceil : Math.floor)((n + 2 * p - span) / s) + 1;
  // PyTorch: with ceil_mode the last window must start inside the input or its left padding.
  if (ceil && (out - 1) * s >= n + p) out--;
  if (out < 1) {
    throw new Error(`${op}: the ${k}-wide window (dilation ${d}) does not fit the padded input of ${n + 2 * p} (input ${fmt(shape)}); use a smaller kernel or more padding`);
  }
  return out;
}

function poolGeometry(op: string, input: Tensor, o: { kernelSize: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean }): PoolGeometry {
  const kernel = pair(op, 'kernelSize', o.kernelSize, 1);
  const stride = pair(op, 'stride', o.stride ?? kernel, 1);
  const padding = pair(op, 'padding', o.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', o.dilation ?? 1, 1);
  for (let i = 0; i < 2; i++) {
    if (padding[i]! > kernel[i]! / 2) {
      throw new Error(`${op}: padding ${padding[i]} must be at most half of the kernel size ${kernel[i]} (input ${fmt(input.shape)})`);
    }
  }
  const r = input.rank;
  const H = input.shape[r - 2]!;
  const W = input.shape[r - 1]!;
  const ceil = o.ceilMode ?? false;
  return {
    planes: input.shape.slice(0, -2).reduce((a, b) => a * b, 1), H, W,
    Ho: outSize(op, H, kernel[0], stride[0], padding[0], dilation[0], ceil, input.shape),
    Wo: outSize(op, W, kernel[1], stride[1], padding[1], dilation[1], ceil, input.shape),
    kernel, stride, padding, dilation,
  };
}

const outShape = (input: Tensor, g: PoolGeometry) => [...input.shape.slice(0, -2), g.Ho, g.Wo];

/** F.max_pool2d(…, return_indices=True): values and int32 indices (iy·W + ix within each plane). */
export function maxPool2dWithIndices(input: Tensor, options: MaxPool2dOptions): { values: Tensor; indices: Tensor } {
  checkInput('maxPool2d', input);
  const g = poolGeometry('maxPool2d', input, options);
  const x = dense(input);
  const values = Tensor.empty(outShape(input, g));
  const indices = Tensor.empty(outShape(input, g), 'int32');
  launchMaxPool(at(x), at(values), at(indices), g);
  x.dispose();
  const inShape = input.shape;
  attach(values, 'MaxPool2dBackward', [input], (grad, [idx]) => {
    const gy = dense(grad);
    const dx = Tensor.empty(inShape);
    launchMaxPoolBackward(at(gy), at(idx!), at(dx), g);
    gy.dispose();
    return [dx];
  }, [indices]);
  return { values, indices };
}

/** F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode). */
export function maxPool2d(input: Tensor, options: MaxPool2dOptions): Tensor {
  const { values, indices } = maxPool2dWithIndices(input, options);
  indices.dispose();
  return values;
}

function avgPool(op: string, input: Tensor, g: PoolGeometry, mode: AvgMode): Tensor {
  const x = dense(input);
  const out = Tensor.empty(outShape(input, g));
  launchAvgPool(at(x), at(out), g, mode, false);
  x.dispose();
  const inShape = input.shape;
  return attach(out, op, [input], (grad) => {
    const gy = dense(grad);
    const dx = Tensor.empty(inShape);
    launchAvgPool(at(gy), at(dx), g, mode, true);
    gy.dispose();
    return [dx];
  });
}

/** F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override). */
export function avgPool2d(input: Tensor, options: AvgPool2dOptions): Tensor {
  checkInput('avgPool2d', input);
  const g = poolGeometry('avgPool2d', input, options);
  const divisor = options.divisorOverride ?? 0;
  if (options.divisorOverride !== undefined && (!Number.isInteger(divisor) || divisor <= 0)) {
    throw new Error(`avgPool2d: divisorOverride must be a positive integer, got ${options.divisorOverride}`);
  }
  return avgPool('AvgPool2dBackward', input, g, { adaptive: false, countIncludePad: options.countIncludePad ?? true, divisor });
}

/** F.adaptive_avg_pool2d(input, output_size): window o spans [floor(o·n/out), ceil((o+1)·n/out)). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  checkInput('adaptiveAvgPool2d', input);
  const [Ho, Wo] = pair('adaptiveAvgPool2d', 'outputSize', outputSize, 1);
  const r = input.rank;
  const g: PoolGeometry = {
    planes: input.shape.slice(0, -2).reduce((a, b) => a * b, 1), H: input.shape[r - 2]!, W: input.shape[r - 1]!,
    Ho, Wo, kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1],
  };
  if (g.H === 0 || g.W === 0) throw new Error(`adaptiveAvgPool2d: input ${fmt(input.shape)} has an empty spatial dim`);
  return avgPool('AdaptiveAvgPool2dBackward', input, g, { adaptive: true, countIncludePad: false, divisor: 0 });
}
