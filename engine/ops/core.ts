// Glue between tensors and kernel launchers: turning a Tensor into a kernel View and
// running an elementwise expression into a fresh tensor.

import { launchMap } from '../kernels/elementwise.js';
import type { View } from '../kernels/view.js';
import { type DType, dtypeInfo } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export function view(t: Tensor): View {
  return { buffer: t.storage.buffer, offset: t.offset, shape: t.shape, strides: t.strides, dtype: t.dtype };
}

/** out = expr(inputs) as a new contiguous tensor (inputs broadcast to `shape`). */
export function mapNew(name: string, expr: string, inputs: readonly Tensor[], shape: Shape, dtype: DType, scalars?: readonly number[]): Tensor {
  for (const t of inputs) t.assertAlive(name);
  const out = Tensor.empty(shape, dtype);
  launchMap({ name, expr, inputs: inputs.map(view), out: view(out), scalars });
  return out;
}

/** target = expr(target, others…) written into target's own memory (target must be contiguous). */
export function mapInPlace(name: string, expr: string, target: Tensor, others: readonly Tensor[], scalars?: readonly number[]): Tensor {
  target.assertAlive(name);
  if (!target.isContiguous()) throw new Error(`${name}: in-place update needs a contiguous tensor; call contiguous() first`);
  launchMap({ name, expr, inputs: [view(target), ...others.map(view)], out: view(target), scalars });
  target.storage.version++;
  return target;
}

export const wgsl = (dtype: DType) => dtypeInfo[dtype].wgsl;

export function assertFloat(t: Tensor, op: string): void {
  if (!dtypeInfo[t.dtype].isFloat) throw new Error(`${op}: expected a float32 tensor, got ${t.dtype} with shape [${t.shape.join(',')}]`);
}

/** The dtype of a tensor op with a JS number (PyTorch: an int tensor stays int with an integral scalar). */
export function scalarResultDtype(t: Tensor, scalar: number): DType {
  if (t.dtype === 'float32' || !Number.isInteger(scalar)) return 'float32';
  return t.dtype === 'bool' ? 'int32' : t.dtype;
}

/** Writes src's values into dest's (possibly strided) view of memory. */
export function copyInto(dest: Tensor, src: Tensor): void {
  src.assertAlive('copy');
  launchMap({ name: 'copy', expr: 'a', inputs: [view(src)], out: view(dest) });
  dest.storage.version++;
}
