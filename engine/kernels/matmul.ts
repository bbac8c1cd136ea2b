// Launcher for shaders/matmul.wgsl (vec4, register-blocked, operands read in place in
// either orientation) and matmul_strided.wgsl (any layout, scalar loads); on lavapipe large
// products go through textures instead (matmul-texture.ts).

import { gpu } from '../device/device.js';
import { launchMatmulTextures, useMatmulTextures } from './matmul-texture.js';
import { defineParams } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { matmulWorkgroupWidth } from './tuning.js';
import type { View } from './view.js';

export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  /** Broadcast batch shape of the output (rank <= 4). */
  batch: readonly number[];
  /** Batch strides of A and B in elements, already broadcast (0 where repeated). */
  aBatchStrides: readonly number[];
  bBatchStrides: readonly number[];
}

/** How matmul.wgsl reads an operand: `transposed` = stored with the other dim contiguous. */
export interface Vec4Layout {
  transposed: boolean;
  /** Stride of the non-contiguous matrix dim, in vec4s. */
  stride: number;
}

// The product's sizes and where A, B and C start (matmul.wgsl: in vec4s; matmul_strided.wgsl: in elements).
const productParams = { M: 'u32', N: 'u32', K: 'u32', a_offset: 'u32', b_offset: 'u32', c_offset: 'u32' } as const;

// The batch dims both kernels unflatten workgroup_id.z over (rank <= 4; dims past batch_rank are 0).
const batchParams = {
  batch_rank: 'u32',
  batch_shape0: 'u32', batch_shape1: 'u32', batch_shape2: 'u32', batch_shape3: 'u32',
  a_batch_stride0: 'u32', a_batch_stride1: 'u32', a_batch_stride2: 'u32', a_batch_stride3: 'u32', // 0 where A is broadcast
  b_batch_stride0: 'u32', b_batch_stride1: 'u32', b_batch_stride2: 'u32', b_batch_stride3: 'u32',
} as const;

/** shaders/matmul.wgsl's parameters (params.ts): every offset and stride in vec4s. */
export const MATMUL_PARAMS = defineParams('matmul', {
  ...productParams,
  a_stride: 'u32', // A_T ? between k's : between rows
  b_stride: 'u32', // B_T ? between columns : between k's
  ...batchParams,
});

/** shaders/matmul_strided.wgsl's parameters (params.ts): offsets and strides in elements. */
export const MATMUL_STRIDED_PARAMS = defineParams('matmul_strided', {
  ...productParams,
  a_rs: 'u32', // A's strides along M and K
  a_ks: 'u32',
  b_ks: 'u32', // B's strides along K and N
  b_cs: 'u32',
  ...batchParams,
});

/** The batch fields of `s`, strides divided by `unit` (4 for matmul.wgsl's vec4s). */
function batchValues(s: MatmulShape, unit: number): { readonly [K in keyof typeof batchParams]: number } {
  const shape = (d: number) => s.batch[d] ?? 0;
  const a = (d: number) => (s.aBatchStrides[d] ?? 0) / unit;
  const b = (d: number) => (s.bBatchStrides[d] ?? 0) / unit;
  return {
    batch_rank: s.batch.length,
    batch_shape0: shape(0), batch_shape1: shape(1), batch_shape2: shape(2), batch_shape3: shape(3),
    a_batch_stride0: a(0), a_batch_stride1: a(1), a_batch_stride2: a(2), a_batch_stride3: a(3),
    b_batch_stride0: b(0), b_batch_stride1: b(1), b_batch_stride2: b(2), b_batch_stride3: b(3),
  };
}

// Must match TM and TN4 in matmul.wgsl: rows per workgroup, vec4 columns per invocation.
const vec4Tile = { rows: 12, cols4: 2 };
const scalarTile = { rows: 32, cols: 32 };

const aligned = (v: number) => v % 4 === 0;

/** A's layout for matmul.wgsl ([M,K] row-major or stored [K,M]), or null if it cannot read it. */
function layoutA(a: View, s: MatmulShape): Vec4Layout | null {
  const r = a.shape.length;
  const sm = a.strides[r - 2]!;
  const sk = a.strides[r - 1]!;
  if (sk === 1 && (aligned(sm) || s.M === 1)) return { transposed: false, stride: s.M === 1 ? 0 : sm / 4 };
  if (sm === 1 && aligned(sk) && aligned(s.M)) return { transposed: true, stride: sk / 4 };
  return null;
}

/** B's layout for matmul.wgsl ([K,N] row-major or stored [N,K]), or null. */
function layoutB(b: View): Vec4Layout | null {
  const r = b.shape.length;
  const sk = b.strides[r - 2]!;
  const sn = b.strides[r - 1]!;
  if (sn === 1 && aligned(sk)) return { transposed: false, stride: sk / 4 };
  if (sk === 1 && aligned(sn)) return { transposed: true, stride: sn / 4 };
  return null;
}

/** The layouts matmul.wgsl reads A and B with, or null where the strided kernel must run. */
export function vec4Layouts(a: View, b: View, out: View, s: MatmulShape): { a: Vec4Layout; b: Vec4Layout } | null {
  if (!aligned(s.K) || !aligned(s.N)) return null;
  if (![a.offset, b.offset, out.offset, ...s.aBatchStrides, ...s.bBatchStrides].every(aligned)) return null;
  const la = layoutA(a, s);
  const lb = layoutB(b);
  return la && lb ? { a: la, b: lb } : null;
}

export function launchMatmul(a: View, b: View, out: View, s: MatmulShape): void {
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  if (s.M === 0 || s.N === 0 || batchCount === 0) return;
  if (s.batch.length > 4) throw new Error(`matmul: at most 4 batch dims are supported, got ${s.batch.length}`);
  const maxGroups = gpu().limits.maxComputeWorkgroupsPerDimension;
  if (batchCount > maxGroups) throw new Error(`matmul: ${batchCount} batch matrices exceed ${maxGroups}; reshape into fewer, larger matrices`);
  if (useMatmulTextures(s)) {
    launchMatmulTextures(a, b, out, s);
    return;
  }
  const buffers = [{ buffer: a.buffer }, { buffer: b.buffer }, { buffer: out.buffer }];
  const layouts = vec4Layouts(a, b, out, s);
  if (layouts) {
    const wg = matmulWorkgroupWidth(s.N, 4 * vec4Tile.cols4); // per adapter class: tuning.ts
    const { a: la, b: lb } = layouts;
    const key = `matmul:vec4:${la.transposed ? 'tA:' : ''}${lb.transposed ? 'tB:' : ''}${vec4Tile.rows}x${4 * vec4Tile.cols4}:wg${wg}`;
    const k = kernel({
      key, inputs: 2, outputs: 1,
      wgsl: () => shaderSource('matmul', { PARAMS: MATMUL_PARAMS.wgsl, A_T: String(la.transposed), B_T: String(lb.transposed), WG: wg }),
    });
    const params = MATMUL_PARAMS.pack({
      M: s.M, N: s.N, K: s.K, a_offset: a.offset / 4, b_offset: b.offset / 4, c_offset: out.offset / 4,
      a_stride: la.stride, b_stride: lb.stride, ...batchValues(s, 4),
    });
    const groupsX = Math.ceil(s.N / 4 / (wg * vec4Tile.cols4));
    dispatch(k, buffers, params, [groupsX, Math.ceil(s.M / vec4Tile.rows), batchCount]);
    return;
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const k = kernel({ key: 'matmul:strided:4x4', inputs: 2, outputs: 1, wgsl: () => shaderSource('matmul_strided', { PARAMS: MATMUL_STRIDED_PARAMS.wgsl }) });
  const params = MATMUL_STRIDED_PARAMS.pack({
    M: s.M, N: s.N, K: s.K, a_offset: a.offset, b_offset: b.offset, c_offset: out.offset,
    a_rs: a.strides[ra - 2]!, a_ks: a.strides[ra - 1]!, b_ks: b.strides[rb - 2]!, b_cs: b.strides[rb - 1]!, ...batchValues(s, 1),
  });
  dispatch(k, buffers, params, [Math.ceil(s.N / scalarTile.cols), Math.ceil(s.M / scalarTile.rows), batchCount]);
}
