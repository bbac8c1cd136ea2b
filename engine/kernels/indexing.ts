// Launchers for shaders/gather.wgsl and shaders/scatter.wgsl. Both check every index on the
// GPU; `badIndex` words the error the next readback throws for this dispatch (index-faults.ts).

import { gpu } from '../device/device.js';
import { type FaultMessage, indexFaultWgsl } from './index-faults.js';
import { defineParams } from './params.js';
import { dispatch, indexFaultBinding, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, type View, wgslType } from './view.js';

// Shapes and strides travel as one u32 field per dim (rank <= 8; dims past the rank are 0),
// which the shaders gather into local arrays to index by the runtime rank and dim.
type Dim = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
const dims = [0, 1, 2, 3, 4, 5, 6, 7] as const;

function dimFields<N extends string>(name: N): { readonly [K in `${N}${Dim}`]: 'u32' } {
  return Object.fromEntries(dims.map((d) => [`${name}${d}`, 'u32'])) as { [K in `${N}${Dim}`]: 'u32' };
}

function dimValues<N extends string>(name: N, values: readonly number[]): { readonly [K in `${N}${Dim}`]: number } {
  return Object.fromEntries(dims.map((d) => [`${name}${d}`, values[d] ?? 0])) as { [K in `${N}${Dim}`]: number };
}

/** shaders/gather.wgsl's parameters (params.ts). */
export const GATHER_PARAMS = defineParams('gather', {
  numel: 'u32',
  row: 'u32', // invocations per grid row
  rank: 'u32',
  dim: 'u32',
  src_offset: 'u32',
  idx_offset: 'u32',
  src_dim_size: 'u32',
  fault_slot: 'u32',
  fill_bits: 'u32', // what a bad index reads as (a NaN or 0), as the element type's bits
  ...dimFields('shape'), // index's shape = out's
  ...dimFields('src_stride'),
  ...dimFields('idx_stride'),
});

/** shaders/scatter.wgsl's parameters (params.ts). */
export const SCATTER_PARAMS = defineParams('scatter_add', {
  numel: 'u32',
  row: 'u32', // invocations per grid row
  rank: 'u32',
  dim: 'u32',
  self_offset: 'u32',
  idx_offset: 'u32',
  src_offset: 'u32',
  idx_dim_size: 'u32',
  fault_slot: 'u32',
  ...dimFields('shape'), // self's shape = out's
  ...dimFields('idx_shape'),
  ...dimFields('self_stride'),
  ...dimFields('idx_stride'),
  ...dimFields('src_stride'),
});

/** What an out-of-range index reads as: NaN for floats (a loss over it is NaN, not plausible), 0 for integers. */
const fillBits = (type: string) => (type === 'f32' ? 0x7fc00000 : 0);

/** out (contiguous, index's shape) = src gathered along dim by index. */
export function launchGather(src: View, index: View, dim: number, out: View, badIndex: FaultMessage): void {
  const n = index.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const type = wgslType(src.dtype);
  const k = kernel({
    key: `gather:${type}`, inputs: 2, outputs: 2,
    wgsl: () => shaderSource('gather', { PARAMS: GATHER_PARAMS.wgsl, T: type, INDEX_FAULTS: indexFaultWgsl(4) }),
  });
  const { groups, row } = grid1d(n, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const faults = indexFaultBinding(badIndex);
  const params = GATHER_PARAMS.pack({
    numel: n, row, rank: index.shape.length, dim, src_offset: src.offset, idx_offset: index.offset, src_dim_size: src.shape[dim]!,
    fault_slot: faults.slot, fill_bits: fillBits(type),
    ...dimValues('shape', index.shape), ...dimValues('src_stride', src.strides), ...dimValues('idx_stride', index.strides),
  });
  dispatch(k, [{ buffer: src.buffer }, { buffer: index.buffer }, { buffer: out.buffer }, faults.binding], params, groups);
}

/** out (contiguous, self's shape) = self + src scattered along dim by index. */
export function launchScatterAdd(self: View, dim: number, index: View, src: View, out: View, badIndex: FaultMessage): void {
  const n = self.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const type = wgslType(self.dtype);
  const k = kernel({
    key: `scatter_add:${type}`, inputs: 3, outputs: 2,
    wgsl: () => shaderSource('scatter', { PARAMS: SCATTER_PARAMS.wgsl, T: type, INDEX_FAULTS: indexFaultWgsl(5) }),
  });
  const { groups, row } = grid1d(n, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const faults = indexFaultBinding(badIndex);
  const params = SCATTER_PARAMS.pack({
    numel: n, row, rank: self.shape.length, dim, self_offset: self.offset, idx_offset: index.offset, src_offset: src.offset,
    idx_dim_size: index.shape[dim]!, fault_slot: faults.slot,
    ...dimValues('shape', self.shape), ...dimValues('idx_shape', index.shape), ...dimValues('self_stride', self.strides),
    ...dimValues('idx_stride', index.strides), ...dimValues('src_stride', src.strides),
  });
  const buffers = [{ buffer: self.buffer }, { buffer: index.buffer }, { buffer: src.buffer }, { buffer: out.buffer }, faults.binding];
  dispatch(k, buffers, params, groups);
}
