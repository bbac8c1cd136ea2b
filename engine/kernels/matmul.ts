// Launcher for shaders/matmul.wgsl (vec4, register-blocked) and matmul_strided.wgsl
// (any layout). Picks the vec4 kernel whenever the operands' layout allows it.

import { gpu } from '../device/device.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
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

const vec4Tile = { rows: 32, cols: 64 };
const scalarTile = { rows: 32, cols: 32 };

/** Whether A and B can be read as vec4 rows by matmul.wgsl. */
export function vec4Friendly(a: View, b: View, s: MatmulShape): boolean {
  const r = a.shape.length;
  const aRowMajor = a.strides[r - 1] === 1 && (a.strides[r - 2] === s.K || s.M === 1);
  const bRowMajor = b.strides[b.shape.length - 1] === 1 && (b.strides[b.shape.length - 2] === s.N || s.K === 1);
  const aligned = [a.offset, b.offset, ...s.aBatchStrides, ...s.bBatchStrides].every((v) => v % 4 === 0);
  return aRowMajor && bRowMajor && aligned && s.K % 4 === 0 && s.N % 4 === 0;
}

function packBatch(values: readonly number[], scale = 1): number[] {
  const out = [0, 0, 0, 0];
  values.forEach((v, i) => (out[i] = v / scale));
  return out;
}

export function launchMatmul(a: View, b: View, out: View, s: MatmulShape): void {
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  if (s.M === 0 || s.N === 0 || batchCount === 0) return;
  if (s.batch.length > 4) throw new Error(`matmul: at most 4 batch dims are supported, got ${s.batch.length}`);
  const maxGroups = gpu().limits.maxComputeWorkgroupsPerDimension;
  if (batchCount > maxGroups) throw new Error(`matmul: ${batchCount} batch matrices exceed ${maxGroups}; reshape into fewer, larger matrices`);
  const buffers = [{ buffer: a.buffer }, { buffer: b.buffer }, { buffer: out.buffer }];
  if (vec4Friendly(a, b, s) && out.offset % 4 === 0) {
    const k = kernel({ key: 'matmul:vec4:4x8', inputs: 2, outputs: 1, wgsl: () => shaderSource('matmul') });
    const words = [s.M, s.N, s.K, s.batch.length, a.offset / 4, b.offset / 4, out.offset / 4, 0,
      ...packBatch(s.batch), ...packBatch(s.aBatchStrides, 4), ...packBatch(s.bBatchStrides, 4)];
    dispatch(k, buffers, { u32: words }, [Math.ceil(s.N / vec4Tile.cols), Math.ceil(s.M / vec4Tile.rows), batchCount]);
    return;
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const k = kernel({ key: 'matmul:strided:4x4', inputs: 2, outputs: 1, wgsl: () => shaderSource('matmul_strided') });
  const words = [s.M, s.N, s.K, s.batch.length, a.offset, b.offset, out.offset, 0,
    a.strides[ra - 2]!, a.strides[ra - 1]!, b.strides[rb - 2]!, b.strides[rb - 1]!,
    ...packBatch(s.batch), ...packBatch(s.aBatchStrides), ...packBatch(s.bBatchStrides)];
  dispatch(k, buffers, { u32: words }, [Math.ceil(s.N / scalarTile.cols), Math.ceil(s.M / scalarTile.rows), batchCount]);
}
