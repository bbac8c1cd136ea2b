// What a kernel launcher needs to know about a tensor: where its elements live and how to
// walk them. Launchers take these, never Tensors, so kernels stay ignorant of autograd.

import type { DType } from '../tensor/dtype.js';
import { dtypeInfo } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

export interface View {
  buffer: GPUBuffer;
  /** In elements. */
  offset: number;
  shape: Shape;
  strides: Shape;
  dtype: DType;
}

export const wgslType = (dtype: DType) => dtypeInfo[dtype].wgsl;

/** Folds a 1-D launch of `invocations` into an x/y grid of `groupSize`-wide workgroups. */
export function grid1d(invocations: number, groupSize: number, maxPerDim: number): { groups: [number, number]; row: number } {
  const total = Math.max(1, Math.ceil(invocations / groupSize));
  const x = Math.min(total, maxPerDim);
  const y = Math.ceil(total / x);
  return { groups: [x, y], row: x * groupSize };
}
