// Launcher for shaders/random.wgsl.

import { gpu } from '../device/device.js';
import type { DType } from '../tensor/dtype.js';
import { dispatch, kernel } from './runtime.js';
import { shaderSource } from './shader-source.js';
import { grid1d, wgslType } from './view.js';

export type Distribution = 'uniform' | 'normal' | 'bernoulli' | 'randint';

const dists: Record<Distribution, string> = {
  uniform: 'out[i] = P.a + (P.b - P.a) * unit(r.x);',
  // Box–Muller; 1 - u keeps log() away from 0.
  normal: 'out[i] = P.a + P.b * sqrt(-2.0 * log(1.0 - unit(r.x))) * cos(6.283185307179586 * unit(r.y));',
  bernoulli: 'out[i] = {{T}}(select(0.0, 1.0, unit(r.x) < P.a));',
  // Modulo bias is below 2^-32 · range: negligible for class counts and indices.
  randint: 'out[i] = {{T}}(i32(P.a) + i32(r.x % u32(P.b - P.a)));',
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
    wgsl: () => shaderSource('random', { T: type, DIST: dists[dist].replaceAll('{{T}}', type) }),
  });
  const { groups, row } = grid1d(numel, 256, gpu().limits.maxComputeWorkgroupsPerDimension);
  const lo = (v: bigint) => Number(v & 0xffffffffn);
  const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn);
  dispatch(k, [{ buffer: out }], {
    u32: [numel, row, lo(p.seed), hi(p.seed), lo(p.offset), hi(p.offset), p.a, p.b],
    f32At: [6, 7],
  }, groups);
}
