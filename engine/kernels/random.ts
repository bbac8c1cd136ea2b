// Launcher for shaders/random.wgsl.

import { gpu } from '../device/device.js';
import type { DType } from '../tensor/dtype.js';
import { defineParams, f32Bits } from './params.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, wgslType } from './view.js';

/** shaders/random.wgsl's parameters (params.ts). */
export const RANDOM_PARAMS = defineParams('random', {
  numel: 'u32',
  row: 'u32', // invocations per grid row
  seed_lo: 'u32',
  seed_hi: 'u32',
  offset_lo: 'u32', // Philox counter: the generator's offset, one per draw
  offset_hi: 'u32',
  // a: low / p / mean; b: high / std. As f32 bits (the shader bitcasts them): the ops pass a
  // mean or bounds unchecked, and ±inf or NaN must reach the shader as they did, which f32
  // fields refuse.
  a_bits: 'u32',
  b_bits: 'u32',
});

export type Distribution = 'uniform' | 'normal' | 'bernoulli' | 'randint';

const dists: Record<Distribution, string> = {
  uniform: 'out[i] = a + (b - a) * unit(r.x);',
  // Box–Muller; 1 - u keeps log() away from 0.
  normal: 'out[i] = a + b * sqrt(-2.0 * log(1.0 - unit(r.x))) * cos(6.283185307179586 * unit(r.y));',
  bernoulli: 'out[i] = {{T}}(select(0.0, 1.0, unit(r.x) < a));',
  // Modulo bias is below 2^-32 · range: negligible for class counts and indices.
  randint: 'out[i] = {{T}}(i32(a) + i32(r.x % u32(b - a)));',
};

export interface RandomParams {
  seed: bigint;
  offset: bigint;
  a: number;
  b: number;
}

export function launchRandom(dist: Distribution, out: GPUBuffer, numel: number, dtype: DType, p: RandomParams): void {
  if (numel === 0) return;
  const type = wgslType(dtype);
  const k = kernel({
    key: `random:${dist}:${type}`,
    inputs: 0,
    outputs: 1,
    wgsl: () => shaderSource('random', { PARAMS: RANDOM_PARAMS.wgsl, T: type, DIST: dists[dist].replaceAll('{{T}}', type) }),
  });
  const { groups, row } = grid1d(numel, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);
  dispatch(k, [{ buffer: out }], RANDOM_PARAMS.pack({
    numel, row, seed_lo: lo(p.seed), seed_hi: hi(p.seed), offset_lo: lo(p.offset), offset_hi: hi(p.offset), a_bits: f32Bits(p.a), b_bits: f32Bits(p.b),
  }), groups);
}
