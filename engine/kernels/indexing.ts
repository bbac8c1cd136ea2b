// Launchers for shaders/gather.wgsl and shaders/scatter.wgsl. Both check every index on the
// GPU; `badIndex` words the error the next readback throws for this dispatch (index-faults.ts).

import { gpu } from '../device/device.js';
import { type FaultMessage, indexFaultWgsl } from './index-faults.js';
import { dispatch, indexFaultBinding, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, type View, wgslType } from './view.js';

function packed(values: readonly number[]): number[] {
  const out = new Array<number>(8).fill(0);
  values.forEach((v, i) => (out[i] = v));
  return out;
}

/** What an out-of-range index reads as: NaN for floats (a loss over it is NaN, not plausible), 0 for integers. */
const fillBits = (type: string) => (type === 'f32' ? 0x7fc00000 : 0);

/** out (contiguous, index's shape) = src gathered along dim by index. */
export function launchGather(src: View, index: View, dim: number, out: View, badIndex: FaultMessage): void {
  const n = index.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const type = wgslType(src.dtype);
  const k = kernel({
    key: `gather:${type}`, inputs: 2, outputs: 2,
    wgsl: () => shaderSource('gather', { T: type, INDEX_FAULTS: indexFaultWgsl(4) }),
  });
  const { groups, row } = grid1d(n, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const faults = indexFaultBinding(badIndex);
  const words = [n, row, index.shape.length, dim, src.offset, index.offset, src.shape[dim]!, faults.slot, fillBits(type), 0, 0, 0,
    ...packed(index.shape), ...packed(src.strides), ...packed(index.strides)];
  dispatch(k, [{ buffer: src.buffer }, { buffer: index.buffer }, { buffer: out.buffer }, faults.binding], { u32: words }, groups);
}

/** out (contiguous, self's shape) = self + src scattered along dim by index. */
export function launchScatterAdd(self: View, dim: number, index: View, src: View, out: View, badIndex: FaultMessage): void {
  const n = self.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const type = wgslType(self.dtype);
  const k = kernel({
    key: `scatter_add:${type}`, inputs: 3, outputs: 2,
    wgsl: () => shaderSource('scatter', { T: type, INDEX_FAULTS: indexFaultWgsl(5) }),
  });
  const { groups, row } = grid1d(n, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const faults = indexFaultBinding(badIndex);
  const words = [n, row, self.shape.length, dim, self.offset, index.offset, src.offset, index.shape[dim]!, faults.slot, 0, 0, 0,
    ...packed(self.shape), ...packed(index.shape), ...packed(self.strides), ...packed(index.strides), ...packed(src.strides)];
  const buffers = [{ buffer: self.buffer }, { buffer: index.buffer }, { buffer: src.buffer }, { buffer: out.buffer }, faults.binding];
  dispatch(k, buffers, { u32: words }, groups);
}
